// The durable SMS queue against a provider on a real HTTP port: sent once, retried with back-off
// on the test's clock, refusals not retried and reported once per user, resumed after a restart.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  httpSmsGateway,
  smsBackoffMs,
  SmsQueue,
  SmsRejected,
  type SmsFailure,
  type SmsJob,
  type SmsQueueOptions,
  type SmsTimers,
} from '../../src/notify/index.js';
import { recordingLogger } from '../support/log.js';

/** A clock the test moves: timers fire when `advance` passes their time, never on their own. */
function testClock(start = Date.parse('2026-03-01T10:00:00Z')) {
  let now = start;
  let timers: { at: number; fn: () => void; handle: number }[] = [];
  let next = 1;
  const api: SmsTimers = {
    setTimeout(fn, ms) {
      const handle = next++;
      timers.push({ at: now + ms, fn, handle });
      return handle;
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t.handle !== handle);
    },
  };
  return {
    now: () => now,
    timers: api,
    /** the time of the next timer, if any */
    nextAt: () => Math.min(...timers.map((t) => t.at)),
    advance(ms: number) {
      now += ms;
      const due = timers.filter((t) => t.at <= now);
      timers = timers.filter((t) => t.at > now);
      for (const t of due) t.fn();
    },
  };
}

const roots: string[] = [];
const queues: SmsQueue[] = [];
const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.stop()));
  servers.splice(0).forEach((s) => s.closeAllConnections());
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function folder(): string {
  const root = mkdtempSync(join(tmpdir(), 'voicebox-sms-'));
  roots.push(root);
  return join(root, 'notify-sms');
}

/** A provider answering each request with the next of `statuses` (the last repeats); 0 = no answer. */
async function provider(statuses: number[]) {
  const keys: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keys.push(String(req.headers['idempotency-key']));
      const status = statuses[Math.min(keys.length - 1, statuses.length - 1)] ?? 200;
      if (status !== 0) res.writeHead(status).end(status >= 400 ? 'refused' : 'ok');
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { keys, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms` };
}

const job = (id: string, user = 'uid=alice'): SmsJob => ({
  id,
  user,
  to: '+491701000001',
  from: '',
  text: '1 neue Sprachnachricht',
  language: 'de',
});

const retry = { firstMs: 30_000, maxMs: 120_000, giveUpAfterMs: 600_000 };

function queue(o: Partial<SmsQueueOptions> & Pick<SmsQueueOptions, 'dir' | 'gateway'>) {
  const sent: string[] = [];
  const failed: { id: string; failure: SmsFailure }[] = [];
  const q = new SmsQueue({
    retry,
    onSent: (j) => void sent.push(j.id),
    onFailed: (j, failure) => void failed.push({ id: j.id, failure }),
    ...o,
  });
  queues.push(q);
  return { q, sent, failed };
}

const jobs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));
const failedFiles = (dir: string) => readdirSync(join(dir, 'failed'));

describe('the SMS queue', () => {
  it('200: sent once, the file gone; the job was on disk, owner-only, before it went', async () => {
    const p = await provider([200]);
    const dir = folder();
    const clock = testClock();
    const { q, sent } = queue({
      dir,
      gateway: httpSmsGateway({ url: p.url }),
      now: clock.now,
      timers: clock.timers,
    });
    await q.enqueue(job('a-voice-1-0')); // not started yet: on disk, not sent
    expect(jobs(dir)).toEqual(['a-voice-1-0.json']);
    expect(statSync(join(dir, 'a-voice-1-0.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(p.keys).toEqual([]);

    await q.start();
    await q.idle();
    expect(p.keys).toEqual(['a-voice-1-0']);
    expect(sent).toEqual(['a-voice-1-0']);
    expect(jobs(dir)).toEqual([]);
    expect(await q.enqueue(job('b-voice-2-0'))).toBe(true);
    await q.idle();
    expect(p.keys).toEqual(['a-voice-1-0', 'b-voice-2-0']);
  });

  it('503 then 200: retried after firstMs on the clock, one delivery, the same Idempotency-Key', async () => {
    const p = await provider([503, 200]);
    const dir = folder();
    const clock = testClock();
    const { log, lines } = recordingLogger();
    const { q, sent } = queue({
      dir,
      gateway: httpSmsGateway({ url: p.url }),
      now: clock.now,
      timers: clock.timers,
      logger: log,
    });
    await q.start();
    await q.enqueue(job('a-voice-1-0'));
    await q.idle();
    expect(p.keys).toHaveLength(1);
    expect(sent).toEqual([]);
    const stored = JSON.parse(readFileSync(join(dir, 'a-voice-1-0.json'), 'utf8')) as { attempts: number };
    expect(stored.attempts).toBe(1); // survives a restart
    expect(lines.find((l) => l.msg === 'sms: gateway failed, will retry')).toMatchObject({
      retryInMs: 30_000,
    });

    clock.advance(29_999);
    await q.idle();
    expect(p.keys).toHaveLength(1);
    clock.advance(1);
    await q.idle();
    expect(p.keys).toEqual(['a-voice-1-0', 'a-voice-1-0']);
    expect(sent).toEqual(['a-voice-1-0']);
    expect(jobs(dir)).toEqual([]);
  });

  it('the back-off doubles up to maxMs, and a job failing until giveUpAfterMs goes to failed/', async () => {
    expect([1, 2, 3, 4].map((n) => smsBackoffMs(n, retry))).toEqual([30_000, 60_000, 120_000, 120_000]);
    const p = await provider([503]);
    const dir = folder();
    const clock = testClock();
    const { q, failed } = queue({
      dir,
      gateway: httpSmsGateway({ url: p.url }),
      now: clock.now,
      timers: clock.timers,
    });
    await q.start();
    await q.enqueue(job('a-voice-1-0'));
    await q.idle();
    const waits: number[] = [];
    while (failed.length === 0) {
      const wait = clock.nextAt() - clock.now();
      waits.push(wait);
      clock.advance(wait);
      await q.idle();
    }
    // 30 s, 60 s, 120 s, then 120 s until the deadline 600 s after the enqueue, tried on it
    expect(waits).toEqual([30_000, 60_000, 120_000, 120_000, 120_000, 120_000, 30_000]);
    expect(p.keys).toHaveLength(8);
    expect(failed).toEqual([
      { id: 'a-voice-1-0', failure: expect.objectContaining({ reason: 'expired', attempts: 8 }) },
    ]);
    expect(jobs(dir)).toEqual([]);
    expect(failedFiles(dir)).toHaveLength(1);
  });

  it('400: not retried, moved to failed/, reported once for two jobs of the same user', async () => {
    const p = await provider([400]);
    const dir = folder();
    const clock = testClock();
    const { log, lines } = recordingLogger();
    const { q, failed, sent } = queue({
      dir,
      gateway: httpSmsGateway({ url: p.url }),
      now: clock.now,
      timers: clock.timers,
      logger: log,
    });
    await q.start();
    await q.enqueue(job('a-voice-1-0'));
    await q.enqueue(job('a-voice-2-0'));
    await q.enqueue(job('b-fax-1-0', 'uid=bob'));
    await q.idle();
    clock.advance(retry.giveUpAfterMs);
    await q.idle();

    expect(p.keys).toEqual(['a-voice-1-0', 'a-voice-2-0', 'b-fax-1-0']); // each tried once
    expect(sent).toEqual([]);
    expect(failed.map((f) => [f.id, f.failure.reason, f.failure.status])).toEqual([
      ['a-voice-1-0', 'rejected', 400],
      ['a-voice-2-0', 'rejected', 400],
      ['b-fax-1-0', 'rejected', 400],
    ]);
    const reported = lines.filter((l) => l.msg?.startsWith('sms: refused by the gateway, not retried'));
    expect(reported.map((l) => l['user'])).toEqual(['uid=alice', 'uid=bob']);
    expect(lines.filter((l) => l.msg === 'sms: refused by the gateway again').map((l) => l['id'])).toEqual([
      'a-voice-2-0',
    ]);
    expect(jobs(dir)).toEqual([]);
    expect(failedFiles(dir)).toHaveLength(3);
  });

  it('no answer in time: retried, then sent', async () => {
    const p = await provider([0, 200]);
    const dir = folder();
    const clock = testClock();
    const { q, sent } = queue({
      dir,
      gateway: httpSmsGateway({ url: p.url, timeoutMs: 150 }),
      now: clock.now,
      timers: clock.timers,
    });
    await q.start();
    await q.enqueue(job('a-voice-1-0'));
    await q.idle();
    expect(sent).toEqual([]);
    clock.advance(retry.firstMs);
    await q.idle();
    expect(p.keys).toEqual(['a-voice-1-0', 'a-voice-1-0']);
    expect(sent).toEqual(['a-voice-1-0']);
  });

  it('a job left on disk by a stopped process is sent by the next, in order; half-written files are dropped', async () => {
    const down = await provider([503]);
    const dir = folder();
    const clock = testClock();
    const first = queue({
      dir,
      gateway: httpSmsGateway({ url: down.url }),
      now: clock.now,
      timers: clock.timers,
    });
    await first.q.start();
    await first.q.enqueue(job('a-voice-1-0'));
    await first.q.enqueue(job('a-voice-2-0'));
    await first.q.idle();
    await first.q.stop();
    await first.q.enqueue(job('b-voice-1-0', 'uid=bob')); // stopped: on disk, never tried
    expect(down.keys).toEqual(['a-voice-1-0']);
    expect(jobs(dir).sort()).toEqual(['a-voice-1-0.json', 'a-voice-2-0.json', 'b-voice-1-0.json']);
    writeFileSync(join(dir, 'tmp', 'c-voice-1-0.123.abc'), '{"version":1,'); // a crash mid-write

    const up = await provider([200]);
    const second = queue({
      dir,
      gateway: httpSmsGateway({ url: up.url }),
      now: clock.now,
      timers: clock.timers,
    });
    await second.q.start();
    await second.q.idle();
    // alice's first waits for its back-off, and her second behind it; bob's never tried one goes now
    expect(up.keys).toEqual(['b-voice-1-0']);
    clock.advance(retry.firstMs);
    await second.q.idle();
    expect(up.keys).toEqual(['b-voice-1-0', 'a-voice-1-0', 'a-voice-2-0']);
    expect(jobs(dir)).toEqual([]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('the same id twice is queued once; stop() waits for the send in flight', async () => {
    let release: () => void = () => undefined;
    const calls: string[] = [];
    const dir = folder();
    const clock = testClock();
    const { q, sent } = queue({
      dir,
      gateway: {
        send: (j) => {
          calls.push(j.id);
          return new Promise<void>((r) => (release = r));
        },
      },
      now: clock.now,
      timers: clock.timers,
    });
    await q.start();
    expect(await q.enqueue(job('a-voice-1-0'))).toBe(true);
    expect(await q.enqueue(job('a-voice-1-0'))).toBe(false);
    expect(calls).toEqual(['a-voice-1-0']);
    let stopped = false;
    const stopping = q.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(sent).toEqual(['a-voice-1-0']);
    expect(jobs(dir)).toEqual([]);
  });
});

describe('the SMS queue on a troubled disk, and its folder', () => {
  it('a refused job whose move to failed/ fails stays until it is moved, and is not sent again', async () => {
    const dir = folder();
    const clock = testClock();
    let sends = 0;
    const refusing = {
      send: async () => {
        sends++;
        throw new SmsRejected('HTTP 400: unknown number', 400);
      },
    };
    const { q, failed } = queue({ dir, gateway: refusing, now: clock.now, timers: clock.timers });
    await q.start();
    rmSync(join(dir, 'failed'), { recursive: true });
    writeFileSync(join(dir, 'failed'), ''); // failed/ cannot take it now
    await q.enqueue(job('a-voice-1-0'));
    await q.idle();
    expect(jobs(dir)).toHaveLength(1);

    rmSync(join(dir, 'failed'));
    mkdirSync(join(dir, 'failed'));
    clock.advance(retry.firstMs);
    await q.idle();
    expect(jobs(dir)).toEqual([]);
    expect(failedFiles(dir)).toHaveLength(1);
    expect(sends).toBe(1);
    expect(failed.map((f) => f.id)).toEqual(['a-voice-1-0']);
  });

  it('a sent job whose file cannot be removed is not sent again; its file goes when it can', async () => {
    const dir = folder();
    const clock = testClock();
    let sends = 0;
    const gateway = {
      send: async (j: SmsJob) => {
        sends++;
        // the job's file becomes something rm cannot remove
        const file = join(dir, jobs(dir)[0]!);
        rmSync(file);
        mkdirSync(file);
        writeFileSync(join(file, 'x'), j.id);
      },
    };
    const { q, sent } = queue({ dir, gateway, now: clock.now, timers: clock.timers });
    await q.start();
    await q.enqueue(job('a-voice-1-0'));
    await q.idle();
    expect(sent).toEqual(['a-voice-1-0']);
    rmSync(join(dir, jobs(dir)[0]!), { recursive: true });
    clock.advance(retry.maxMs);
    await q.idle();
    expect(sends).toBe(1);
    expect(q.pending()).toEqual([]);
  });

  it('one folder, one process: a second queue on it is refused naming notify.sms.queue; a lock whose process is gone is taken over', async () => {
    const dir = folder();
    const gateway = { send: async () => undefined };
    const first = queue({ dir, gateway });
    await first.q.start();
    const second = queue({ dir, gateway });
    await expect(second.q.start()).rejects.toThrow(
      new RegExp(`${dir} \\(notify\\.sms\\.queue\\) is in use by process ${process.pid}`),
    );
    await first.q.stop();

    const gone = spawnSync(process.execPath, ['-e', '']).pid; // a process that has ended
    writeFileSync(join(dir, '.lock'), `${gone}\n`);
    const third = queue({ dir, gateway });
    await third.q.start();
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(`${process.pid}\n`);
  });
});
