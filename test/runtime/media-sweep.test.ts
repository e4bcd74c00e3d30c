// What a crash or a kill left in the media folder is removed when serve starts — but never what
// a running call (here or on another node sharing the folder) or the spool still needs.
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IN_USE_MS, RecordingRetention, UNSENT_KEEP_MS } from '../../src/runtime/index.js';
import { ensureBuilt, startServe, type Serve } from '../cli/serve-support.js';
import { silentLogger } from '../support/log.js';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

function mediaFolder() {
  const media = mkdtempSync(join(tmpdir(), 'voicebox-sweep-'));
  mkdirSync(join(media, 'recordings'));
  mkdirSync(join(media, 'inbox'));
  const now = Date.now();
  const file = (path: string, ageMs: number): string => {
    const full = join(media, path);
    writeFileSync(full, 'RIFF');
    const at = (now - ageMs) / 1000;
    utimesSync(full, at, at);
    return full;
  };
  /** one second of 8 kHz 16-bit mono audio: what a caller said */
  const spoken = (path: string, ageMs: number): string => {
    const full = file(path, ageMs);
    const header = Buffer.alloc(44);
    header.write('RIFF', 0, 'latin1');
    header.writeUInt32LE(36 + 16_000, 4);
    header.write('WAVEfmt ', 8, 'latin1');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(8_000, 24);
    header.writeUInt32LE(16_000, 28);
    header.writeUInt16LE(2, 32);
    header.writeUInt16LE(16, 34);
    header.write('data', 36, 'latin1');
    header.writeUInt32LE(16_000, 40);
    writeFileSync(full, Buffer.concat([header, Buffer.alloc(16_000, 9)]));
    const at = (now - ageMs) / 1000;
    utimesSync(full, at, at);
    return full;
  };
  const inbox = (call: string, ageMs: number): string => {
    const dir = join(media, 'inbox', call);
    mkdirSync(dir);
    file(join('inbox', call, 'maildir-1.wav'), ageMs);
    const at = (now - ageMs) / 1000;
    utimesSync(dir, at, at);
    return dir;
  };
  return { media, file, spoken, inbox };
}

describe('the media sweep', () => {
  it('removes an old orphan, keeps a fresh recording and one whose message waits in the spool', async () => {
    const { media, file, inbox } = mediaFolder();
    const orphan = file('recordings/c1-1.wav', IN_USE_MS + HOUR);
    const silent = file('recordings/c2-1.wav', 2 * DAY);
    const fresh = file('recordings/c3-1.wav', 10 * 60_000);
    const waiting = file('recordings/c4-1.wav', 3 * DAY);
    const oldInbox = inbox('c5', IN_USE_MS + HOUR);
    const runningInbox = inbox('c6', 5 * 60_000);
    const retention = new RecordingRetention({
      mediaLocal: media,
      keepDays: 0,
      pending: (id) => id === 'c4-1',
      log: silentLogger,
    });
    expect(await retention.sweep()).toEqual({ recordings: 2, inboxes: 1 });
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(silent)).toBe(false);
    expect(existsSync(oldInbox)).toBe(false);
    expect(existsSync(fresh), 'a running call may still use it').toBe(true);
    expect(existsSync(waiting), 'its message is not delivered yet').toBe(true);
    expect(existsSync(runningInbox), 'a running call plays from it').toBe(true);
  });

  it('with recordings.keepDays the copies stay that long, and go after', async () => {
    const { media, file } = mediaFolder();
    const young = file('recordings/c1-1.wav', 2 * DAY);
    const old = file('recordings/c2-1.wav', 8 * DAY);
    const retention = new RecordingRetention({
      mediaLocal: media,
      keepDays: 7,
      pending: () => false,
      log: silentLogger,
    });
    await retention.delivered('c1-1');
    await retention.callEnded([{ id: 'c1-1', localPath: young }], new Set());
    expect(existsSync(young), 'kept on delivery and at the end of the call').toBe(true);
    expect(await retention.sweep()).toEqual({ recordings: 1, inboxes: 0 });
    expect(existsSync(young)).toBe(true);
    expect(existsSync(old)).toBe(false);
  });

  it('keeps a message that was never sent for days, then lets it go', async () => {
    const { media, spoken, file } = mediaFolder();
    const unsent = spoken('recordings/c1-1.wav', 2 * DAY);
    const silent = file('recordings/c2-1.wav', 2 * DAY);
    const longGone = spoken('recordings/c3-1.wav', UNSENT_KEEP_MS + HOUR);
    const retention = new RecordingRetention({
      mediaLocal: media,
      keepDays: 0,
      pending: () => false,
      log: silentLogger,
    });
    expect(await retention.sweep()).toEqual({ recordings: 2, inboxes: 0 });
    expect(existsSync(unsent), 'the only copy of what a caller said').toBe(true);
    expect(existsSync(silent)).toBe(false);
    expect(existsSync(longGone)).toBe(false);
  });

  it('at the end of a call keeps, logged, what a failure kept from being sent, unless it holds no audio; the rest goes', async () => {
    const { media, spoken, file } = mediaFolder();
    const sent = spoken('recordings/c1-1.wav', 60_000);
    const silent = file('recordings/c1-2.wav', 60_000);
    const unsent = spoken('recordings/c1-3.wav', 60_000);
    const errors: Array<{ obj: object; msg: string | undefined }> = [];
    const retention = new RecordingRetention({
      mediaLocal: media,
      keepDays: 0,
      pending: () => false,
      log: { ...silentLogger, error: (obj, msg) => errors.push({ obj, msg }) },
    });
    await retention.callEnded(
      [
        { id: 'c1-1', localPath: sent },
        { id: 'c1-2', localPath: silent },
        { id: 'c1-3', localPath: unsent },
      ],
      new Set(['c1-2', 'c1-3']),
    );
    expect(existsSync(sent)).toBe(false);
    expect(existsSync(silent)).toBe(false);
    expect(existsSync(unsent)).toBe(true);
    expect(errors).toEqual([
      { obj: { file: unsent }, msg: `message not sent; the recording is kept at ${unsent}` },
    ]);
  });

  it('at the end of a call a recording whose message waits in the spool stays, known by its id', async () => {
    const { media, spoken } = mediaFolder();
    const waiting = spoken('recordings/c1-1.wav', 60_000);
    const asked: string[] = [];
    const retention = new RecordingRetention({
      mediaLocal: media,
      keepDays: 0,
      pending: (id) => (asked.push(id), id === 'message-7'),
      log: silentLogger,
    });
    await retention.callEnded([{ id: 'message-7', localPath: waiting }], new Set());
    expect(asked).toEqual(['message-7']);
    expect(existsSync(waiting), 'its message is not delivered yet').toBe(true);
  });

  it('an id from the spool never names a file outside the recordings folder', async () => {
    const { media, file } = mediaFolder();
    const outside = file('inbox/keep.wav', DAY);
    const retention = new RecordingRetention({
      mediaLocal: media,
      keepDays: 0,
      pending: () => false,
      log: silentLogger,
    });
    await retention.delivered('../inbox/keep');
    expect(existsSync(outside)).toBe(true);
  });
});

describe('voicebox serve', () => {
  let serve: Serve | undefined;
  beforeAll(ensureBuilt, 300_000);
  afterEach(async () => {
    await serve?.stop();
    serve = undefined;
  });

  it('sweeps the media folder it is given before it takes calls', async () => {
    const { media, file, inbox } = mediaFolder();
    const orphan = file('recordings/c1-1.wav', IN_USE_MS + HOUR);
    const fresh = file('recordings/c2-1.wav', 60_000);
    const oldInbox = inbox('c3', IN_USE_MS + HOUR);
    serve = await startServe({ media });
    // stderr (the log) and stdout (the ready line) are two pipes: wait for the line itself
    const swept = await serve.logged((l) => l.msg === 'media sweep: old recordings and downloads removed');
    expect(swept).toEqual(expect.objectContaining({ recordings: 1, inboxes: 1 }));
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(oldInbox)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  }, 120_000);
});
