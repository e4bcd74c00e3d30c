// What the periodic scan costs and what it must never do: it does not read dead letters that were
// told already (they hold the whole audio), an entry it cannot read for a moment (EACCES) waits for
// the next scan instead of being moved aside unsent, and a dead letter sent again by
// `voicebox spool retry` is sent — never deleted because a stale dead letter lies beside it.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  findSpoolEntry,
  MailDeliveryError,
  MailSpool,
  readSpoolFolder,
  retrySpoolEntry,
} from '../../src/mail/index.js';
import type { MailSpoolOptions } from '../../src/mail/index.js';
import { cleanUpSpools, scratch, trackSpool, voiceMessage } from './spool-support.js';

afterEach(cleanUpSpools);

const noRetry = { firstMs: 3_600_000, maxMs: 3_600_000, factor: 2 };
const spool = (o: MailSpoolOptions): MailSpool =>
  trackSpool(new MailSpool({ retry: noRetry, rescanMs: 0, ...o }));

const entry = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: 1,
    id,
    messageId: `<voicebox.${id}@example.com>`,
    envelope: { from: 'voicebox@example.com', to: ['alice@example.com'] },
    enqueuedAt: 1,
    attempts: 1,
    nextAttemptAt: 1,
    raw: Buffer.from(`Subject: ${id}\r\n\r\naudio`).toString('base64'),
    ...extra,
  });

const refused550 = () =>
  new MailDeliveryError('SMTP 127.0.0.1:25 did not take it: 550 no such user', 550, true, {
    cause: Object.assign(new Error('Recipient command failed'), { response: '550 5.1.1 no such user' }),
  });

/** readFile through the spool's seam, counting the dead letters read */
function countingReadFile() {
  const deadReads: string[] = [];
  const fn = (async (path: string, options: BufferEncoding) => {
    if (String(path).includes('/dead/')) deadReads.push(String(path));
    return readFile(path, options);
  }) as unknown as typeof readFile;
  return { deadReads, fn };
}

describe('MailSpool: the scan', () => {
  it('a rescan does not read dead letters that were told already', async () => {
    const { dir, wav } = scratch();
    const send = vi.fn(async () => {
      throw refused550();
    });
    const hook = vi.fn();
    const reads = countingReadFile();
    const s = spool({ dir, send, onDeadLetter: hook, fs: { readFile: reads.fn } });
    await s.start();
    for (const id of ['rec-d1', 'rec-d2', 'rec-d3']) await s.enqueue(voiceMessage(wav, id), id);
    await vi.waitFor(() => expect(hook).toHaveBeenCalledTimes(3), { timeout: 10_000 });
    await s.flush();
    await s.rescan(); // anything still being recorded as told is done now

    reads.deadReads.length = 0;
    await s.rescan();
    await s.rescan();
    expect(reads.deadReads).toEqual([]);
    expect(hook).toHaveBeenCalledTimes(3);

    // nor after a restart
    await s.stop();
    const again = countingReadFile();
    const b = spool({ dir, send, onDeadLetter: hook, fs: { readFile: again.fn } });
    await b.start();
    await b.rescan();
    expect(again.deadReads).toEqual([]);
    expect(hook).toHaveBeenCalledTimes(3);
    // and `voicebox spool list` still shows when they were told
    const listed = await readSpoolFolder(dir);
    expect(listed.map((e) => [e.id, e.state, typeof e.notifiedAt])).toEqual([
      ['rec-d1', 'dead', 'number'],
      ['rec-d2', 'dead', 'number'],
      ['rec-d3', 'dead', 'number'],
    ]);
  });

  it('a dead letter told by an older voicebox (notifiedAt inside) is not told again and read once', async () => {
    const { dir } = scratch();
    mkdirSync(join(dir, 'dead'), { recursive: true });
    writeFileSync(
      join(dir, 'dead', 'rec-old.json'),
      entry('rec-old', { deadAt: 5, reason: '550 no', notifiedAt: 6 }),
    );
    const hook = vi.fn();
    const reads = countingReadFile();
    const s = spool({ dir, send: vi.fn(), onDeadLetter: hook, fs: { readFile: reads.fn } });
    await s.start();
    await s.rescan();
    await s.rescan();
    expect(hook).not.toHaveBeenCalled();
    expect(reads.deadReads.length).toBeLessThanOrEqual(1);
  });

  it('an entry it cannot read (EACCES: rewritten by root) stays in the folder and is sent once readable', async () => {
    const { dir } = scratch();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'rec-x.json'), entry('rec-x'));
    let denied = true;
    const readFileSeam = (async (path: string, options: BufferEncoding) => {
      if (denied && String(path) === join(dir, 'rec-x.json'))
        throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
      return readFile(path, options);
    }) as unknown as typeof readFile;
    const send = vi.fn(async () => undefined);
    const s = spool({ dir, send, fs: { readFile: readFileSeam } });
    await s.start();
    expect(readdirSync(join(dir, 'bad'))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual(['rec-x.json']);
    expect(send).not.toHaveBeenCalled();

    denied = false; // the admin fixed the owner
    await s.rescan();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]), {
      timeout: 10_000,
    });
  });

  it('an entry that becomes unreadable while it waits is retried, not moved aside', async () => {
    const { dir, wav } = scratch();
    let denied = false;
    const readFileSeam = (async (path: string, options: BufferEncoding) => {
      if (denied && String(path) === join(dir, 'rec-y.json'))
        throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      return readFile(path, options);
    }) as unknown as typeof readFile;
    let calls = 0;
    const send = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new Error('connect ECONNREFUSED 127.0.0.1:25');
    });
    const s = spool({ dir, send, fs: { readFile: readFileSeam } });
    await s.enqueue(voiceMessage(wav, 'rec-y'), 'rec-y');
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await findSpoolEntry(dir, 'rec-y'))?.attempts).toBe(1), {
      timeout: 10_000,
    });
    denied = true;
    await s.flush();
    expect(readdirSync(join(dir, 'bad'))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual(['rec-y.json']);
    denied = false;
    await s.rescan();
    await s.flush();
    expect(send).toHaveBeenCalledTimes(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a dead letter sent again while its notice is being recorded is sent, not deleted by the next scan', async () => {
    const { dir, wav } = scratch();
    let calls = 0;
    const send = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw refused550();
    });
    let told = false;
    let retried = false;
    const retry = async () => {
      retried = true;
      await retrySpoolEntry(dir, (await findSpoolEntry(dir, 'rec-r'))!);
    };
    // the admin's `voicebox spool retry` lands right after the notice went out
    const readFileSeam = (async (path: string, options: BufferEncoding) => {
      const text = await readFile(path, options);
      if (told && !retried && String(path) === join(dir, 'dead', 'rec-r.json')) await retry();
      return text;
    }) as unknown as typeof readFile;
    const s = spool({
      dir,
      send,
      fs: { readFile: readFileSeam },
      onDeadLetter: () => void (told = true),
    });
    await s.enqueue(voiceMessage(wav, 'rec-r'), 'rec-r');
    await s.flush();
    expect(told).toBe(true);
    if (!retried) await retry();
    await s.rescan();
    await s.flush();
    expect(send).toHaveBeenCalledTimes(2);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('an entry due before the refusal beside it is the one that was buried; one put back since is sent', async () => {
    const { dir } = scratch();
    mkdirSync(join(dir, 'dead'), { recursive: true });
    // a dead letter from an earlier refusal, and the same id waiting again, due since
    writeFileSync(join(dir, 'dead', 'rec-z.json'), entry('rec-z', { deadAt: 5, reason: '550 no' }));
    writeFileSync(join(dir, 'rec-z.json'), entry('rec-z', { attempts: 0, nextAttemptAt: 10 }));
    const send = vi.fn(async () => undefined);
    const s = spool({ dir, send });
    await s.start();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });

    // stopped between writing the dead letter and removing the entry: the entry goes, unsent
    const { dir: dir2 } = scratch();
    mkdirSync(join(dir2, 'dead'), { recursive: true });
    writeFileSync(join(dir2, 'rec-w.json'), entry('rec-w'));
    writeFileSync(join(dir2, 'dead', 'rec-w.json'), entry('rec-w', { deadAt: 5, reason: '550 no' }));
    const send2 = vi.fn(async () => undefined);
    const s2 = spool({ dir: dir2, send: send2 });
    await s2.start();
    await s2.flush();
    expect(send2).not.toHaveBeenCalled();
    expect(readdirSync(dir2).filter((f) => f.endsWith('.json'))).toEqual([]);
  });

  it('a stop with a deadline leaves a send under way on disk; the next start sends it', async () => {
    const { dir, wav } = scratch();
    const hanging = vi.fn(() => new Promise<void>(() => undefined)); // a server that never answers DATA
    const a = spool({ dir, send: hanging });
    await a.enqueue(voiceMessage(wav, 'rec-slow'), 'rec-slow');
    await vi.waitFor(() => expect(hanging).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    await a.stop(20);
    await a.stop(); // a later stop keeps to the first one's deadline
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual(['rec-slow.json']);

    const send = vi.fn(async () => undefined);
    const b = spool({ dir, send });
    await b.start();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    await vi.waitFor(() => expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]), {
      timeout: 10_000,
    });
  });
});
