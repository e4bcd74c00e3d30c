// The frame parser cuts header lines out of the bytes in place; HeaderBlock.raw compares
// lengths before lower-casing. Both are held here to the straightforward versions (the whole
// block as text, split at line breaks; a lower-cased comparison per entry).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EslProtocolError, FrameParser, HeaderBlock, type Frame } from '../../src/esl/index.js';

const dir = new URL('../fixtures/esl/', import.meta.url);
const captures = [
  ...readdirSync(dir).filter((f) => f.endsWith('.raw')),
  ...readdirSync(new URL('edge-cases/', dir))
    .filter((f) => f.endsWith('.raw'))
    .map((f) => `edge-cases/${f}`),
];

/** The reference: the codec's former header-block parser. */
function referenceBlock(
  block: Buffer,
  commandMode: boolean,
): { command?: string; entries: Array<[string, string]> } | undefined {
  const entries: Array<[string, string]> = [];
  let command: string | undefined;
  for (let raw of block.toString('latin1').split('\n')) {
    if (raw.endsWith('\r')) raw = raw.replace(/\r+$/, '');
    if (raw.length === 0) continue;
    if (commandMode && command === undefined) {
      command = raw;
      continue;
    }
    const colon = raw.indexOf(':');
    if (colon <= 0) {
      if (commandMode) continue;
      throw new EslProtocolError(`not a header line: ${JSON.stringify(raw.slice(0, 60))}`);
    }
    let v = colon + 1;
    while (raw.charCodeAt(v) === 0x20) v++;
    entries.push([raw.slice(0, colon), raw.slice(v)]);
  }
  if (command === undefined && entries.length === 0) return undefined;
  return command === undefined ? { entries } : { command, entries };
}

function frames(bytes: Buffer, commands: boolean): Frame[] {
  const out: Frame[] = [];
  new FrameParser({ commands }).push(bytes, (f) => out.push(f));
  return out;
}

/** Each frame's header block, cut out of the capture by the reference's own search. */
function referenceFrames(bytes: Buffer, commandMode: boolean): unknown[] {
  const out: unknown[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    let end = bytes.indexOf('\n\n', pos);
    const crlf = bytes.indexOf('\r\n\r\n', pos);
    if (end < 0 || (crlf >= 0 && crlf < end)) end = crlf < 0 ? -1 : crlf + 2;
    if (end < 0) break;
    const block = bytes.subarray(pos, end + 2);
    pos = end + 2;
    const parsed = referenceBlock(block, commandMode);
    if (!parsed) continue;
    const length = new HeaderBlock(parsed.entries).raw('Content-Length');
    const n = length === undefined ? 0 : Number(length.trim());
    out.push({ ...parsed, body: n > 0 ? bytes.subarray(pos, pos + n).toString('latin1') : undefined });
    pos += n;
  }
  return out;
}

describe('header blocks cut in place give what splitting the text gives', () => {
  it.each(captures)('%s', (capture) => {
    const bytes = readFileSync(new URL(capture, dir));
    const commandMode = capture.includes('.app2fs.');
    const got = frames(bytes, commandMode).map((f) => ({
      ...(f.command === undefined ? {} : { command: f.command }),
      entries: f.headers.entries,
      body: f.body && f.body.length > 0 ? f.body.toString('latin1') : undefined,
    }));
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(referenceFrames(bytes, commandMode));
  });

  const blocks: Array<[string, string, boolean]> = [
    ['CRs, spaces, colons in values', 'A:  b: c\r\r\nB:\r\nC:x\r\n\r\n', false],
    ['Latin-1 bytes', 'Caller-Name: Jos\xe9\n\xc9: \xff\n\n', false],
    ['leading blank lines', '\n\r\n\nA: 1\n\n', false],
    ['command mode: first line, lines without a colon skipped', 'api status\r\nnocolon\n:x\nB: 2\n\n', true],
  ];
  it.each(blocks)('%s', (_, text, commandMode) => {
    const bytes = Buffer.from(text, 'latin1');
    const [f] = frames(bytes, commandMode);
    const ref = referenceBlock(bytes, commandMode);
    expect(f?.command).toBe(ref?.command);
    expect(f?.headers.entries).toEqual(ref?.entries);
  });

  it.each([
    ['no colon', 'A: 1\nnot a header\n\n'],
    ['a colon first', ': x\n\n'],
  ])('garbage (%s): the same error', (_, text) => {
    const bytes = Buffer.from(text, 'latin1');
    expect(() => referenceBlock(bytes, false)).toThrow(EslProtocolError);
    const message = (() => {
      try {
        referenceBlock(bytes, false);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    expect(() => frames(bytes, false)).toThrow(message);
  });
});

describe('HeaderBlock.raw: the first case-insensitive match', () => {
  const reference = (entries: Array<[string, string]>, name: string): string | undefined => {
    const lower = name.toLowerCase();
    for (const [k, v] of entries) if (k === name || k.toLowerCase() === lower) return v;
    return undefined;
  };
  const sets: Array<Array<[string, string]>> = [
    [
      ['Content-Length', '1'],
      ['Content-Type', 'x'],
    ],
    [
      ['content-type', 'a'],
      ['Content-Type', 'b'],
      ['\xc9t\xe9', 'c'],
      ['K', 'd'],
    ],
    Array.from({ length: 12 }, (_, i) => [i % 2 ? `H${i}` : `h${i}`, String(i)] as [string, string]),
  ];
  it('agrees with lower-casing every name, short and long blocks', () => {
    for (const entries of sets) {
      const block = new HeaderBlock(entries);
      const names = [
        ...entries.map(([k]) => k),
        'CONTENT-TYPE',
        'été',
        'ÉTÉ',
        '\u212a',
        'k',
        'İ',
        'h1',
        'H0',
        'none',
      ];
      for (const n of names) expect(block.raw(n), n).toBe(reference(entries, n));
    }
  });
});
