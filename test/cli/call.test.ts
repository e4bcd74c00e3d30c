// `voicebox call` as a user runs it: real espeak-ng prompts, the simulator over TCP.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';

describe('voicebox call', () => {
  const media = mkdtempSync(join(tmpdir(), 'voicebox-call-'));

  it('leaves a message in the demo menu and prints the transcript', async () => {
    const r = await voicebox('call', '100', '--menu', 'examples/demo', '--dtmf', '2', '--media', media);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual([
      'play',
      'dtmf',
      'play',
      'tone',
      'record',
      'play',
      'play',
      'play',
      'hangup',
    ]);
    expect(lines[0]).toMatch(/^play demo_welcome "Welcome to the voicebox demo\./);
    expect(lines[1]).toBe('dtmf 2');
    // three seconds talked; FreeSWITCH's record_ms (and the file) 60 ms short of that
    const record = /^record 2\.9s (\S+\.wav)$/.exec(lines[4]!);
    expect(record).not.toBeNull();
    // the demo's recording is no message: it is gone once the call ends (a caller's voice lives
    // only in the owner's mailbox)
    expect(existsSync(record![1]!)).toBe(false);
    expect(lines.at(-2)).toBe('play goodbye "Goodbye."');
    expect(lines.at(-1)).toBe('hangup NORMAL_CLEARING');
  });

  it("passes the caller's name as the phone network would: it reaches the owner's mail", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-call-name-'));
    const config = join(dir, 'voicebox.yaml');
    writeFileSync(config, '# the embedded defaults, their files beside this one\n');
    const r = await voicebox('call', '501', '--config', config, '--name', 'José Müller', '--dtmf', '0');
    expect(r.code, r.err).toBe(0);
    const inbox = join(dir, 'maildir', 'alice', 'new');
    const mails = readdirSync(inbox).map((f) => readFileSync(join(inbox, f), 'latin1'));
    const voice = mails.find((m) => /^X-Voicebox-Type: voice/m.test(m));
    expect(voice, mails.join('\n---\n')).toBeDefined();
    // the name is in the From line (encoded as RFC 2047 words: decode them to compare)
    const from = /^From: (.*)$/m.exec(voice!)?.[1] ?? '';
    const decoded = from.replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replace(/_/g, ' ')
              .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
    expect(decoded).toContain('José Müller');
  });

  it('ends cleanly when the caller hangs up mid-menu', async () => {
    const r = await voicebox(
      'call',
      '100',
      '--menu',
      'examples/demo',
      '--hangup-after',
      '2',
      '--media',
      media,
    );
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toBe('hangup NORMAL_CLEARING (caller)');
  });

  it('prints JSON lines with --json', async () => {
    const r = await voicebox(
      'call',
      '100',
      '--menu',
      'examples/demo',
      '--dtmf',
      '3,#',
      '--json',
      '--media',
      media,
    );
    expect(r.code).toBe(0);
    const events = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; text?: string });
    expect(events.map((e) => e.kind)).toEqual([
      'prompt',
      'dtmf',
      'prompt',
      'prompt',
      'dtmf',
      'prompt',
      'hangup',
    ]);
    expect(events[2]!.text).toBe(
      'You are calling from plus four nine, three zero, one two three, four five six',
    );
  });

  it('refuses keys that cannot be pressed', async () => {
    const r = await voicebox('call', '100', '--menu', 'examples/demo', '--dtmf', '1A');
    expect(r.code).toBe(2);
    expect(r.err).toContain("--dtmf: '1A' is not a sequence of keys");
  });
});
