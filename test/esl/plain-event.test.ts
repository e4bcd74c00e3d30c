// The plain event body is read in place (a line index, values decoded when read). These tests
// hold it to the straightforward full decode — every line split, every value percent-decoded —
// on every plain event of every capture, and on hand-made edge cases.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeBytes,
  EslMessage,
  EslProtocolError,
  FrameParser,
  HeaderBlock,
  parsePlainEvent,
  percentDecode,
  type EslEvent,
} from '../../src/esl/index.js';

const dir = new URL('../fixtures/esl/', import.meta.url);
const captures = [
  ...readdirSync(dir).filter((f) => f.endsWith('.fs2app.raw')),
  ...readdirSync(new URL('edge-cases/', dir))
    .filter((f) => f.endsWith('.fs2app.raw'))
    .map((f) => `edge-cases/${f}`),
];

/** The reference: split every line, decode every value (the codec's former eager parser). */
function fullDecode(body: Buffer): {
  get: (h: string) => string | undefined;
  headers: Map<string, string>;
  body: string | undefined;
} {
  let end = body.indexOf('\n\n');
  const headerEnd = end < 0 ? body.length : end;
  const entries: Array<[string, string]> = [];
  for (const line of body.toString('latin1', 0, headerEnd).split('\n')) {
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new EslProtocolError(`bad line in event body: ${JSON.stringify(line.slice(0, 60))}`);
    let v = colon + 1;
    while (line.charCodeAt(v) === 0x20) v++;
    entries.push([line.slice(0, colon), line.slice(v)]);
  }
  const block = new HeaderBlock(entries);
  let inner: string | undefined;
  const innerLength = block.raw('Content-Length');
  if (innerLength !== undefined && end >= 0) {
    const n = Number(innerLength);
    end += 2;
    if (!Number.isSafeInteger(n) || n < 0 || end + n > body.length)
      throw new EslProtocolError(
        `inner Content-Length ${JSON.stringify(innerLength)} does not fit the event`,
      );
    inner = decodeBytes(body.subarray(end, end + n));
  }
  const headers = new Map<string, string>();
  for (const [k, v] of entries) if (!headers.has(k)) headers.set(k, percentDecode(v));
  return { get: (h) => block.decoded(h), headers, body: inner };
}

function plainBodies(capture: string): Buffer[] {
  const parser = new FrameParser();
  const out: Buffer[] = [];
  parser.push(readFileSync(new URL(capture, dir)), (f) => {
    const m = new EslMessage(f);
    if (m.contentType === 'text/event-plain' && m.rawBody) out.push(m.rawBody);
  });
  return out;
}

function expectSame(ev: EslEvent, body: Buffer): void {
  const ref = fullDecode(body);
  expect(ev.headers()).toEqual(ref.headers);
  expect([...ev.headers().keys()]).toEqual([...ref.headers.keys()]);
  expect(ev.body).toBe(ref.body);
  expect(ev.name).toBe(ref.get('Event-Name') ?? '');
  const names = [...ref.headers.keys(), 'No-Such-Header', 'variable_', 'Content-Length'];
  for (const h of names)
    for (const q of [h, h.toLowerCase(), h.toUpperCase()]) expect(ev.get(q), q).toBe(ref.get(q));
  const vars = new Map<string, string>();
  for (const [k, v] of ref.headers) if (k.startsWith('variable_')) vars.set(k.slice(9), v);
  expect(ev.variables()).toEqual(vars);
  for (const k of [...vars.keys(), 'no_such_variable', '']) {
    expect(ev.variable(k), k).toBe(vars.get(k));
    if (k !== k.toUpperCase()) expect(ev.variable(k.toUpperCase())).toBe(vars.get(k.toUpperCase()));
  }
}

describe('plain events read in place give what the full decode gives', () => {
  it.each(captures)('%s: every plain event, every header', (capture) => {
    for (const body of plainBodies(capture)) {
      // read lazily through the message (name first, as the Channel does), and parsed at once
      const lazy = new EslMessage({
        headers: new HeaderBlock([['Content-Type', 'text/event-plain']]),
        body,
      }).event();
      expect(lazy).toBeDefined();
      expectSame(lazy as EslEvent, body);
      expectSame(parsePlainEvent(body), body);
    }
  });

  it('reads interleaved across events give the same values (one event is indexed at a time)', () => {
    const bodies = captures.flatMap(plainBodies);
    const events = bodies.map((b) => parsePlainEvent(b));
    const refs = bodies.map((b) => fullDecode(b));
    for (let round = 0; round < 2; round++)
      events.forEach((ev, i) => {
        const ref = refs[i]!;
        const other = events[(i * 7 + round) % events.length]!;
        expect(ev.get('Unique-ID')).toBe(ref.get('Unique-ID'));
        other.get('Event-Name');
        expect(ev.get('Event-Name')).toBe(ref.get('Event-Name'));
        expect(ev.variable('current_application')).toBe(ref.headers.get('variable_current_application'));
        expect(ev.body).toBe(ref.body);
      });
  });

  it('variable(name) is variables().get(name) for json events and the connect reply too', () => {
    let checked = 0;
    for (const capture of captures) {
      const parser = new FrameParser();
      parser.push(readFileSync(new URL(capture, dir)), (f) => {
        const m = new EslMessage(f);
        const fresh = (): EslEvent | undefined => new EslMessage(f).event();
        const ev = m.event();
        if (!ev) return;
        const vars = fresh()?.variables() ?? new Map<string, string>();
        for (const k of [...vars.keys(), 'no_such_variable', 'Variable_x'])
          expect(fresh()?.variable(k), `${capture} ${k}`).toBe(vars.get(k));
        ev.headers(); // and once the map exists
        for (const k of vars.keys()) expect(ev.variable(k)).toBe(vars.get(k));
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('found plain events in the captures', () => {
    expect(captures.flatMap(plainBodies).length).toBeGreaterThan(20);
  });

  const cases: Array<[string, string]> = [
    ['duplicates and case: the first case-insensitive match', 'Event-Name: X\nunique-id: a\nUnique-ID: b\n'],
    ['Latin-1 names fold as toLowerCase does', 'Event-Name: X\n\xc9t\xe9: 1\n\xe9T\xc9: 2\n\xd7: 3\n'],
    ['spaces after the colon, CRs kept, empty values', 'Event-Name:   X\nA:\nB: \r\nC:x:y\n\n'],
    ['leading and repeated blank lines', '\nEvent-Name: X\nA: 1%20%E9\n'],
    ['inner body', 'Event-Name: BACKGROUND_JOB\nContent-Length: 5\n\nab\n\nc'],
    ['inner Content-Length empty', 'Event-Name: X\ncontent-length: \n\nrest'],
    ['Content-Length without a blank line', 'Event-Name: X\nContent-Length: 9'],
    [
      'variables of the same name in another case',
      'variable_x: 1\nvariable_X: 2\nVariable_x: 3\nvariable_x: 4\n',
    ],
    ['no Event-Name line first', 'A: 1\nEvent-Name: Y%41\n'],
    ['empty body', ''],
  ];
  it.each(cases)('%s', (_, text) => {
    const body = Buffer.from(text, 'latin1');
    expectSame(parsePlainEvent(body), body);
  });

  const garbled: Array<[string, string]> = [
    ['a line without a colon', 'Event-Name: X\nnot a header\n'],
    ['a line starting with a colon', 'Event-Name: X\n: y\n'],
    ['a lone CR line', 'Event-Name: X\n\r\nA: 1\n'],
    ['an inner Content-Length past the end', 'Event-Name: X\nContent-Length: 99\n\nshort'],
    ['a non-numeric inner Content-Length', 'Event-Name: X\nContent-Length: 1x\n\nshort'],
  ];
  it.each(garbled)('%s throws the same error, on first use', (_, text) => {
    const body = Buffer.from(text, 'latin1');
    let expected = '';
    try {
      fullDecode(body);
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(expected).not.toBe('');
    expect(() => parsePlainEvent(body)).toThrow(EslProtocolError);
    expect(() => parsePlainEvent(body)).toThrow(expected);
    const ev = new EslMessage({
      headers: new HeaderBlock([['Content-Type', 'text/event-plain']]),
      body,
    }).event();
    expect(ev?.name).toBe('X'); // the name alone is read without parsing
    expect(() => ev?.get('A')).toThrow(expected);
  });
});
