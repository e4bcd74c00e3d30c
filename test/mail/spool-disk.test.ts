// The spool when the disk or the process lets it down: a full disk while a message is saved, a
// crash right after the server took a message, and the same bytes on every attempt.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MailSpool, MailSpoolError } from '../../src/mail/index.js';
import type { MailLogger, MailSpoolOptions, RawMessage, SpoolFileSystem } from '../../src/mail/index.js';
import { cleanUpSpools, scratch, trackSpool, voiceMessage } from './spool-support.js';

afterEach(cleanUpSpools);

// big enough that a half-written entry shows
const bigRecording = (): ReturnType<typeof scratch> => scratch(Buffer.alloc(64 * 1024, 7));
const englishMessage = (wav: string, recordingId: string) => voiceMessage(wav, recordingId, 'en');

function spool(options: MailSpoolOptions): MailSpool {
  const s = new MailSpool(options);
  trackSpool(s);
  return s;
}

function logger() {
  const lines: { level: string; msg: string | undefined; obj: object }[] = [];
  const log: MailLogger = {
    info: (obj, msg) => lines.push({ level: 'info', msg, obj }),
    warn: (obj, msg) => lines.push({ level: 'warn', msg, obj }),
    error: (obj, msg) => lines.push({ level: 'error', msg, obj }),
  };
  return { lines, log };
}

const noRetry = { firstMs: 3_600_000, maxMs: 3_600_000, factor: 2 };
const entries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));
const tmpFiles = (dir: string) => readdirSync(join(dir, 'tmp'));

/**
 * A disk that fills up while `full()` says so: a file opened for writing takes its first 4 KiB,
 * then the write fails with ENOSPC — what the kernel does when the space runs out mid-file.
 */
function disk(): { fs: Partial<SpoolFileSystem>; full: (on: boolean) => void } {
  let isFull = false;
  const open = (async (path: string, flags?: string, mode?: number) => {
    const handle = await fsp.open(path, flags, mode);
    if (!isFull || flags !== 'wx') return handle;
    const writeFile = async (data: string | Buffer) => {
      await handle.write(Buffer.from(data).subarray(0, 4096));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
        errno: -28,
        syscall: 'write',
      });
    };
    return { writeFile, sync: () => handle.sync(), close: () => handle.close() } as unknown as FileHandle;
  }) as typeof fsp.open;
  return { fs: { open }, full: (on) => (isFull = on) };
}

describe('MailSpool on a full disk', () => {
  it('enqueue rejects ("could not be saved"), the partial file is gone at once, and it works again once there is space', async () => {
    const { dir, wav } = bigRecording();
    const d = disk();
    const sent: RawMessage[] = [];
    const { lines, log } = logger();
    const s = spool({ dir, send: async (m) => void sent.push(m), retry: noRetry, logger: log, fs: d.fs });
    await s.start();

    d.full(true);
    const error: unknown = await s
      .enqueue(englishMessage(wav, 'rec-full'), 'rec-full')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailSpoolError);
    expect(String(error)).toMatch(/rec-full could not be saved in the spool: ENOSPC/);
    expect(tmpFiles(dir)).toEqual([]); // not "until restart": now
    expect(entries(dir)).toEqual([]);
    expect(s.pending()).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'mail spool: message could not be saved' }),
    );

    d.full(false);
    await s.enqueue(englishMessage(wav, 'rec-full'), 'rec-full');
    await s.flush();
    expect(sent.map((m) => m.id)).toEqual(['rec-full']);
    expect(entries(dir)).toEqual([]);
  });

  it('a disk that fills up after enqueue: the failed attempt and the sent marker leave no partial files either', async () => {
    const { dir, wav } = bigRecording();
    const d = disk();
    let calls = 0;
    const s = spool({
      dir,
      send: async () => {
        calls += 1;
        if (calls === 1) throw new Error('connect ECONNREFUSED');
      },
      retry: noRetry,
      fs: d.fs,
    });
    await s.enqueue(englishMessage(wav, 'rec-fill'), 'rec-fill');
    d.full(true);
    await s.flush(); // fails: the attempt count cannot be written
    expect(tmpFiles(dir)).toEqual([]);
    await s.flush(); // delivered: the sent marker cannot be written
    expect(calls).toBe(2);
    expect(tmpFiles(dir)).toEqual([]);
    expect(entries(dir)).toEqual([]);
  });
});

describe('MailSpool and the moment the server takes a message', () => {
  // the child "crashes" at the first turn of the event loop after the server's 250: whatever the
  // spool has not done synchronously by then is lost, as in a kill -9 at that moment
  const mailIndex = pathToFileURL(resolve('src/mail/index.ts')).href;
  const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

  function crashRightAfter250(dir: string, wav: string, id: string): Promise<NodeJS.Signals | null> {
    const script =
      `const { MailSpool, composeVoiceMessage, voiceMessageId } = await import(${JSON.stringify(mailIndex)});` +
      `const [dir, wav, id] = process.argv.slice(1);` +
      `const spool = new MailSpool({ dir, send: async () => { setImmediate(() => process.kill(process.pid, 'SIGKILL')); } });` +
      `await spool.enqueue(composeVoiceMessage({ to: { email: 'alice@example.com', name: 'Alice', language: 'en' },` +
      ` mailbox: '+49301234501', caller: { number: '+49301234102' }, recordedAt: new Date(), durationMs: 1000,` +
      ` wav: { path: wav }, domain: 'example.com', timeZone: 'UTC', messageId: voiceMessageId(id, 'example.com') }), id);` +
      `await new Promise((r) => setTimeout(r, 30_000));`;
    const child = spawn(
      process.execPath,
      ['--import', tsx, '--input-type=module', '-e', script, dir, wav, id],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    return new Promise((done, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) =>
        signal === 'SIGKILL' ? done(signal) : reject(new Error(`the child ended with ${code}:\n${err}`)),
      );
    });
  }

  it('a crash at the first turn after the 250 does not send the message again on the next start', async () => {
    const { dir, wav } = bigRecording();
    expect(await crashRightAfter250(dir, wav, 'rec-crash')).toBe('SIGKILL');
    expect(entries(dir)).toEqual(['rec-crash.json']); // the entry was not removed yet

    const again: RawMessage[] = [];
    const s = spool({ dir, send: async (m) => void again.push(m), retry: noRetry });
    await s.start();
    await s.flush();
    expect(again).toEqual([]);
    expect(entries(dir)).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'sent', 'rec-crash'), 'utf8'))).toMatchObject({
      id: 'rec-crash',
      messageId: '<voicebox.rec-crash@example.com>',
    });
  }, 20_000);

  it('every attempt, also after a restart, carries the same bytes and Message-ID, so a receiver can drop repeats', async () => {
    const { dir, wav } = bigRecording();
    const attempts: RawMessage[] = [];
    const failing = async (m: RawMessage) => {
      attempts.push(m);
      throw new Error('Timeout');
    };
    const first = spool({ dir, send: failing, retry: noRetry });
    await first.enqueue(englishMessage(wav, 'rec-same'), 'rec-same');
    await first.flush();
    await first.flush();
    await first.stop();
    rmSync(wav);
    const second = spool({ dir, send: failing, retry: noRetry });
    await second.start();
    await second.flush();

    expect(attempts).toHaveLength(3);
    const ids = attempts.map((m) => /^Message-ID: (.*)\r$/im.exec(m.raw.toString('latin1'))?.[1]);
    expect(ids).toEqual(Array(3).fill('<voicebox.rec-same@example.com>'));
    expect(attempts.map((m) => m.messageId)).toEqual(Array(3).fill('<voicebox.rec-same@example.com>'));
    expect(attempts.every((m) => m.raw.equals(attempts[0]!.raw))).toBe(true);
  });
});
