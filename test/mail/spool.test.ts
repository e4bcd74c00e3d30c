import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { simpleParser } from 'mailparser';
import { backoffMs, MailSpool, spoolFileName } from '../../src/mail/index.js';
import type { MailLogger, MailSpoolOptions, RawMessage } from '../../src/mail/index.js';
import { cleanUpSpools, scratch, trackSpool, voiceMessage } from './spool-support.js';

afterEach(cleanUpSpools);

/** A send that records what it got and fails the first `failures` calls. */
function recorder(failures = 0) {
  const sent: RawMessage[] = [];
  let calls = 0;
  const send = vi.fn(async (m: RawMessage) => {
    calls += 1;
    if (calls <= failures) throw new Error(`connect ECONNREFUSED (attempt ${calls})`);
    sent.push(m);
  });
  return { sent, send, calls: () => calls };
}

function logger() {
  const lines: { level: string; obj: object; msg: string | undefined }[] = [];
  const log: MailLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
  return { lines, log };
}

// back-off far beyond any test's run time: nothing is retried unless the test flushes
const noRetry = { firstMs: 3_600_000, maxMs: 3_600_000, factor: 2 };

function spool(options: MailSpoolOptions): MailSpool {
  const s = new MailSpool(options);
  trackSpool(s);
  return s;
}

const entries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));
const entryOf = (dir: string, id: string) =>
  JSON.parse(readFileSync(join(dir, `${spoolFileName(id)}.json`), 'utf8')) as {
    id: string;
    attempts: number;
    nextAttemptAt: number;
    lastError?: string;
  };

describe('MailSpool', () => {
  it('the entry is on disk when enqueue resolves, with the WAV in it, before anything is sent', async () => {
    const { dir, wav } = scratch();
    let release: () => void = () => undefined;
    const send = vi.fn(() => new Promise<void>((r) => (release = r))); // the server never answers
    const s = spool({ dir, send, retry: noRetry });
    await s.enqueue(voiceMessage(wav, 'rec-1'), 'rec-1');

    expect(entries(dir)).toEqual(['rec-1.json']);
    rmSync(wav); // the recording may go: the spool holds its own copy
    const stored = entryOf(dir, 'rec-1') as unknown as { raw: string; messageId: string };
    expect(stored.messageId).toBe('<voicebox.rec-1@example.com>');
    const parsed = await simpleParser(Buffer.from(stored.raw, 'base64'));
    expect(parsed.attachments[0]?.content.toString('latin1')).toBe(
      'RIFF\x24\x00\x00\x00WAVEfmt recorded audio',
    );

    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1));
    expect(entries(dir)).toEqual(['rec-1.json']); // still there while the server has not answered
    release();
    await vi.waitFor(() => expect(entries(dir)).toEqual([]));
  });

  it('fails twice, then delivers: sent once, attempts recorded in between, entry removed', async () => {
    const { dir, wav } = scratch();
    let clock = 1_000_000;
    const r = recorder(2);
    const { lines, log } = logger();
    const s = spool({
      dir,
      send: r.send,
      retry: { firstMs: 1_000, maxMs: 60_000, factor: 3 },
      now: () => clock,
      logger: log,
    });
    await s.enqueue(voiceMessage(wav, 'rec-2'), 'rec-2');

    await vi.waitFor(() => expect(entryOf(dir, 'rec-2').attempts).toBe(1));
    expect(entryOf(dir, 'rec-2')).toMatchObject({
      nextAttemptAt: 1_001_000,
      lastError: 'connect ECONNREFUSED (attempt 1)',
    });
    clock += 5_000;
    await s.flush();
    expect(entryOf(dir, 'rec-2')).toMatchObject({ attempts: 2, nextAttemptAt: 1_005_000 + 3_000 });
    await s.flush();

    expect(r.calls()).toBe(3);
    expect(r.sent.map((m) => m.messageId)).toEqual(['<voicebox.rec-2@example.com>']);
    expect(r.sent[0]?.envelope).toEqual({
      from: '+49301234102@voice.example.com',
      to: ['alice@example.com'],
    });
    expect(entries(dir)).toEqual([]);
    expect(s.pending()).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(lines.some((l) => l.msg === 'mail spool: message delivered')).toBe(true);
  });

  it('retries by itself with the back-off it was given', async () => {
    const { dir, wav } = scratch();
    const r = recorder(3);
    const s = spool({ dir, send: r.send, retry: { firstMs: 1, maxMs: 4, factor: 2 } });
    await s.enqueue(voiceMessage(wav, 'rec-3'), 'rec-3');
    await vi.waitFor(() => expect(r.sent).toHaveLength(1));
    expect(r.calls()).toBe(4);
    await vi.waitFor(() => expect(entries(dir)).toEqual([]));
  });

  it('back-off grows by the factor up to the maximum', () => {
    const retry = { firstMs: 5_000, maxMs: 60_000, factor: 2 };
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffMs(n, retry))).toEqual([
      5_000, 10_000, 20_000, 40_000, 60_000, 60_000,
    ]);
  });

  it('a restart resumes what the last process left, keeping its attempt count and back-off', async () => {
    const { dir, wav } = scratch();
    let clock = 0;
    const now = () => clock;
    const down = recorder(100);
    const first = spool({ dir, send: down.send, retry: noRetry, now });
    await first.enqueue(voiceMessage(wav, 'rec-4a'), 'rec-4a');
    await first.enqueue(voiceMessage(wav, 'rec-4b'), 'rec-4b');
    await vi.waitFor(() => expect(down.calls()).toBe(2));
    await first.stop();
    await first.enqueue(voiceMessage(wav, 'rec-4c'), 'rec-4c'); // spooled while stopped: kept, not sent
    expect(down.calls()).toBe(2);
    expect(entries(dir).sort()).toEqual(['rec-4a.json', 'rec-4b.json', 'rec-4c.json']);
    expect(entryOf(dir, 'rec-4a')).toMatchObject({ attempts: 1, nextAttemptAt: 3_600_000 });

    // restarted before the back-off ran out: only the never-tried message goes now
    const up = recorder();
    const { lines, log } = logger();
    const second = spool({ dir, send: up.send, retry: noRetry, now, logger: log });
    await second.start();
    // (sent, then marked and removed: wait for all of it, not just the send)
    await vi.waitFor(() => expect(second.pending().sort()).toEqual(['rec-4a', 'rec-4b']));
    expect(up.sent.map((m) => m.id)).toEqual(['rec-4c']);
    await second.stop();

    // and once it ran out, the rest
    clock = 3_600_000;
    const third = spool({ dir, send: up.send, retry: noRetry, now, logger: log });
    await third.start();
    await vi.waitFor(() => expect(up.sent).toHaveLength(3));
    expect(up.sent.map((m) => m.id).sort()).toEqual(['rec-4a', 'rec-4b', 'rec-4c']);
    await vi.waitFor(() => expect(third.pending()).toEqual([]));
    expect(entries(dir)).toEqual([]);
    const delivered = lines.filter((l) => l.msg === 'mail spool: message delivered').map((l) => l.obj);
    expect(delivered).toContainEqual(expect.objectContaining({ id: 'rec-4a', attempts: 2 }));
  });

  it('an id spooled or sent before is not enqueued again (also from another instance)', async () => {
    const { dir, wav } = scratch();
    const r = recorder();
    const s = spool({ dir, send: r.send, retry: noRetry });
    await Promise.all([
      s.enqueue(voiceMessage(wav, 'rec-5'), 'rec-5'),
      s.enqueue(voiceMessage(wav, 'rec-5'), 'rec-5'),
    ]);
    await s.flush();
    await s.enqueue(voiceMessage(wav, 'rec-5'), 'rec-5');
    await s.flush();
    expect(r.sent).toHaveLength(1);

    const again = spool({ dir, send: r.send, retry: noRetry });
    await again.start();
    await again.enqueue(voiceMessage(wav, 'rec-5'), 'rec-5');
    await again.flush();
    expect(r.sent).toHaveLength(1);
    expect(existsSync(join(dir, 'sent', 'rec-5'))).toBe(true);
  });

  it('forgets a sent id after the retention time', async () => {
    const { dir, wav } = scratch();
    let clock = 0;
    const r = recorder();
    const s = spool({ dir, send: r.send, retry: noRetry, now: () => clock, sentRetentionMs: 1_000 });
    await s.enqueue(voiceMessage(wav, 'rec-6'), 'rec-6');
    await s.flush();
    clock = 2_000;
    await s.start(); // prunes
    expect(existsSync(join(dir, 'sent', 'rec-6'))).toBe(false);
    await s.enqueue(voiceMessage(wav, 'rec-6'), 'rec-6');
    await s.flush();
    expect(r.sent).toHaveLength(2);
  });

  it('a message sent just before a crash (marker written, entry not yet removed) is not sent again', async () => {
    const { dir, wav } = scratch();
    const first = spool({ dir, send: recorder(100).send, retry: noRetry });
    await first.stop();
    await first.enqueue(voiceMessage(wav, 'rec-7'), 'rec-7');
    writeFileSync(join(dir, 'sent', 'rec-7'), JSON.stringify({ id: 'rec-7', sentAt: Date.now() }));

    const r = recorder();
    const second = spool({ dir, send: r.send, retry: noRetry });
    await second.start();
    await second.flush();
    expect(r.calls()).toBe(0);
    expect(entries(dir)).toEqual([]);
  });

  it('a corrupt entry is moved to bad/ with a log line; the others are still sent', async () => {
    const { dir, wav } = scratch();
    const first = spool({ dir, send: recorder().send, retry: noRetry });
    await first.stop();
    await first.enqueue(voiceMessage(wav, 'rec-8'), 'rec-8');
    writeFileSync(join(dir, 'torn.json'), '{"version":1,"id":"torn","raw":"UklG');
    writeFileSync(join(dir, 'alien.json'), JSON.stringify({ hello: 'world' }));

    const r = recorder();
    const { lines, log } = logger();
    const second = spool({ dir, send: r.send, retry: noRetry, logger: log });
    await second.start();
    await second.flush();
    expect(r.sent.map((m) => m.id)).toEqual(['rec-8']);
    expect(entries(dir)).toEqual([]);
    expect(readdirSync(join(dir, 'bad')).sort()).toEqual([
      expect.stringMatching(/^alien\.json\.\d+$/),
      expect.stringMatching(/^torn\.json\.\d+$/),
    ]);
    expect(lines.filter((l) => l.msg === 'mail spool: corrupt entry moved aside')).toHaveLength(2);
  });

  it('an id that is no plain file name is stored under a hash and sent with its real id', async () => {
    const { dir, wav } = scratch();
    const r = recorder();
    const s = spool({ dir, send: r.send, retry: noRetry });
    const id = '../../etc/passwd\n王';
    await s.enqueue(voiceMessage(wav, 'odd'), id);
    expect(entries(dir)).toEqual([expect.stringMatching(/^h-[0-9a-f]{40}\.json$/)]);
    await s.flush();
    expect(r.sent.map((m) => m.id)).toEqual([id]);
  });

  it('enqueue rejects (nothing spooled) when the recording is missing, so the caller knows', async () => {
    const { dir, wav } = scratch();
    const s = spool({ dir, send: recorder().send, retry: noRetry });
    rmSync(wav);
    await expect(s.enqueue(voiceMessage(wav, 'rec-9'), 'rec-9')).rejects.toThrow(/ENOENT/);
    expect(entries(dir)).toEqual([]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});
