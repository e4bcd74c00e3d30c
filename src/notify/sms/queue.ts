// The SMS queue: a job is on disk (synced) before enqueue resolves, and leaves it when the gateway
// took it, refused it for good, or the retry time ran out. Layout and guarantees: README.md
// ("SMS") in the folder above.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, link, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { spoolFileName } from '../../mail/index.js';
import { isE164 } from '../../phone/index.js';
import { SmsRejected, type SmsGateway, type SmsJob } from '../types.js';
import type { SmsLogger } from './number.js';

export interface SmsRetryPolicy {
  /** the wait after the first failed attempt; each further failure doubles it */
  readonly firstMs: number;
  /** the wait never grows beyond this */
  readonly maxMs: number;
  /** counted from the enqueue: after this a job still failing is given up (moved to failed/) */
  readonly giveUpAfterMs: number;
}

export const DEFAULT_SMS_RETRY: SmsRetryPolicy = Object.freeze({
  firstMs: 30_000,
  maxMs: 3_600_000,
  giveUpAfterMs: 86_400_000,
});

/** The timer functions the queue waits with; tests pass their own clock's. */
export interface SmsTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: SmsTimers = {
  setTimeout(callback, ms) {
    const t = setTimeout(callback, ms);
    t.unref(); // a waiting retry does not keep the process alive
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Why a job left the queue unsent. */
export interface SmsFailure {
  /** `rejected`: the gateway refused it for good (4xx); `expired`: still failing after giveUpAfterMs */
  readonly reason: 'rejected' | 'expired';
  /** what the gateway said last (no credentials, no text) */
  readonly error: string;
  readonly status?: number;
  readonly attempts: number;
}

export interface SmsQueueOptions {
  /** the queue's folder (`notify.sms.queue`), created owner-only if missing; one process per folder */
  readonly dir: string;
  readonly gateway: SmsGateway;
  readonly retry?: Partial<SmsRetryPolicy>;
  readonly logger?: SmsLogger;
  /** the clock (ms since the epoch); injectable for tests */
  readonly now?: () => number;
  /** the timers the back-off waits with; injectable for tests */
  readonly timers?: SmsTimers;
  /** the gateway took the job (the notifier writes its log line) */
  readonly onSent?: (job: SmsJob) => Promise<void> | void;
  /** the job left the queue unsent */
  readonly onFailed?: (job: SmsJob, failure: SmsFailure) => Promise<void> | void;
}

/** Another live process holds the queue's folder (its `.lock`): this one must not send from it. */
export class SmsQueueLocked extends Error {
  override readonly name = 'SmsQueueLocked';
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the SMS queue ${dir} (notify.sms.queue) is in use by process ${pid}: one folder per voicebox ` +
        `process — give this one its own notify.sms.queue, or stop the other (if no voicebox runs ` +
        `as ${pid}, remove ${join(dir, LOCK)})`,
    );
  }
}

const LOCK = '.lock';

/** Is a process with this id running (ours or another user's)? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Takes `<dir>/.lock` (created exclusively, holding our pid); a lock whose process is gone is
 * stale and taken over. SmsQueueLocked when a live process holds it.
 */
async function takeLock(dir: string): Promise<void> {
  const path = join(dir, LOCK);
  for (let tries = 0; ; tries++) {
    try {
      const file = await open(path, 'wx', 0o600);
      try {
        await file.writeFile(`${process.pid}\n`);
        await file.sync();
      } finally {
        await file.close();
      }
      return;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST' || tries >= 5) throw error;
    }
    const pid = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    const valid = Number.isInteger(pid) && pid > 0;
    if (valid && alive(pid)) throw new SmsQueueLocked(dir, pid);
    // stale: its process is gone; one without a pid is given a second look (it may be being written)
    if (valid || tries > 0) await rm(path, { force: true });
  }
}

/** What is left to do for a job that already left the gateway: its file must go (or go to failed/). */
type Leaving =
  | { readonly step: 'remove'; nextAt: number }
  | { readonly step: 'move'; readonly failure: SmsFailure; nextAt: number };

/** One job as stored in `<dir>/<name>.json`. */
interface QueueEntry {
  version: 1;
  job: SmsJob;
  enqueuedAt: number;
  /** breaks ties of enqueuedAt: the order jobs were enqueued in */
  seq: number;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  /** set in failed/: why it is there */
  failure?: SmsFailure & { at: number };
}

const SUFFIX = '.json';
const MAX_TIMER_MS = 2 ** 31 - 1;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function isJob(v: unknown): v is SmsJob {
  if (typeof v !== 'object' || v === null) return false;
  const j = v as Record<string, unknown>;
  return ['id', 'user', 'to', 'from', 'text', 'language'].every((k) => typeof j[k] === 'string');
}

function isEntry(v: unknown): v is QueueEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    e['version'] === 1 &&
    isJob(e['job']) &&
    Number.isFinite(e['enqueuedAt']) &&
    Number.isFinite(e['seq']) &&
    Number.isInteger(e['attempts']) &&
    Number.isFinite(e['nextAttemptAt'])
  );
}

/** The wait before attempt n+1 after n failed attempts (n ≥ 1): firstMs, doubling, at most maxMs. */
export function smsBackoffMs(failedAttempts: number, retry: SmsRetryPolicy): number {
  const delay = retry.firstMs * 2 ** Math.max(0, failedAttempts - 1);
  return Math.min(retry.maxMs, Number.isFinite(delay) ? delay : retry.maxMs);
}

/** Writes a new owner-only file and syncs it; a failed write leaves nothing behind. */
async function writeSynced(path: string, data: string): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    await rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * A folder of SMS waiting for their gateway. `enqueue` resolves once the job is synced to disk;
 * sending happens in the background, one at a time, oldest first — a user's jobs in the order
 * they were enqueued, while one user's retry does not hold up the others.
 */
export class SmsQueue {
  private readonly dir: string;
  private readonly tmpDir: string;
  private readonly failedDir: string;
  private readonly gateway: SmsGateway;
  private readonly retry: SmsRetryPolicy;
  private readonly log: SmsLogger | undefined;
  private readonly now: () => number;
  private readonly timers: SmsTimers;
  private readonly onSent: SmsQueueOptions['onSent'];
  private readonly onFailed: SmsQueueOptions['onFailed'];

  /** the jobs on disk, by file name: a job leaves this map only once its file is gone */
  private readonly entries = new Map<string, QueueEntry>();
  /** jobs sent or failed whose file could not be removed or moved yet: never sent again */
  private readonly leaving = new Map<string, Leaving>();
  private locked = false;
  /** users whose refusal was reported (once per user, until one of hers goes through) */
  private readonly refusedUsers = new Set<string>();
  private readonly enqueuing = new Map<string, Promise<boolean>>();
  private state: 'new' | 'started' | 'stopped' = 'new';
  private draining: Promise<void> | undefined;
  /** something changed while draining: look again before arming the timer */
  private again = false;
  private timer: unknown;
  private seq = 0;
  private dirsReady: Promise<void> | undefined;

  constructor(options: SmsQueueOptions) {
    this.dir = options.dir;
    this.tmpDir = join(options.dir, 'tmp');
    this.failedDir = join(options.dir, 'failed');
    this.gateway = options.gateway;
    this.retry = { ...DEFAULT_SMS_RETRY, ...options.retry };
    this.log = options.logger;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? realTimers;
    this.onSent = options.onSent;
    this.onFailed = options.onFailed;
  }

  /**
   * Puts a job on disk. Resolves true once it is synced there (the notifier may record its
   * claim), false when a job with this id is queued already (nothing changed). Rejects when the
   * disk refused it (nothing queued) or the job is malformed.
   */
  async enqueue(job: SmsJob): Promise<boolean> {
    if (!isJob(job) || job.id === '' || !isE164(job.to) || job.text.trim() === '') {
      throw new TypeError(
        `not an SMS job voicebox can send: ${JSON.stringify({ id: job.id, user: job.user })}`,
      );
    }
    const name = spoolFileName(job.id);
    const running = this.enqueuing.get(name);
    if (running) return running.then(() => false);
    const p = this.store(job, name).finally(() => this.enqueuing.delete(name));
    this.enqueuing.set(name, p);
    return p;
  }

  private async store(job: SmsJob, name: string): Promise<boolean> {
    await this.ensureDirs();
    if (this.entries.has(name)) return false;
    const now = this.now();
    const entry: QueueEntry = {
      version: 1,
      job: { id: job.id, user: job.user, to: job.to, from: job.from, text: job.text, language: job.language },
      enqueuedAt: now,
      seq: this.seq++,
      attempts: 0,
      nextAttemptAt: now,
    };
    const tmp = this.tmpPath(name);
    await writeSynced(tmp, JSON.stringify(entry));
    try {
      // link, not rename: it fails if the job is there, so a queued job is never replaced
      await link(tmp, this.entryPath(name));
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    await syncDir(this.dir);
    this.entries.set(name, entry);
    this.log?.info({ id: job.id, user: job.user }, 'sms: queued');
    this.kick();
    return true;
  }

  /** Loads what a previous process left and starts sending; half-written files are removed. */
  async start(): Promise<void> {
    await this.ensureDirs();
    if (!this.locked) {
      await takeLock(this.dir);
      this.locked = true;
    }
    for (const file of await readdir(this.tmpDir)) await rm(join(this.tmpDir, file), { force: true });
    for (const file of await readdir(this.dir)) {
      if (!file.endsWith(SUFFIX)) continue;
      const name = file.slice(0, -SUFFIX.length);
      if (this.entries.has(name)) continue;
      let entry: QueueEntry;
      try {
        const parsed: unknown = JSON.parse(await readFile(join(this.dir, file), 'utf8'));
        if (!isEntry(parsed)) throw new Error('not a version-1 SMS job');
        entry = parsed;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        await this.moveAside(name, `${file}.corrupt.${this.now()}`);
        this.log?.error({ file, err: messageOf(error) }, 'sms: unreadable job moved to failed/');
        continue;
      }
      this.seq = Math.max(this.seq, entry.seq + 1);
      this.entries.set(name, entry);
      this.log?.info({ id: entry.job.id, user: entry.job.user, attempts: entry.attempts }, 'sms: resumed');
    }
    this.state = 'started';
    this.kick();
  }

  /** Stops sending (jobs stay on disk for the next start) and waits for a send in flight. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    this.disarm();
    await Promise.allSettled([...this.enqueuing.values()]);
    await this.draining;
    this.gateway.close?.();
    if (this.locked) {
      this.locked = false;
      await rm(join(this.dir, LOCK), { force: true }).catch(() => undefined);
    }
  }

  /** Resolves when nothing is due now: every job sent, failed or waiting for its back-off (tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.enqueuing.values()]);
    while (this.draining) await this.draining;
  }

  /** The ids of the jobs waiting, oldest first. */
  pending(): string[] {
    return this.ordered().map(([, e]) => e.job.id);
  }

  /** the jobs still to send (not those leaving), oldest first */
  private ordered(): [string, QueueEntry][] {
    return [...this.entries]
      .filter(([name]) => !this.leaving.has(name))
      .sort(([, a], [, b]) => a.enqueuedAt - b.enqueuedAt || a.seq - b.seq);
  }

  /** Each user's oldest job: a later one of hers waits behind it, so her SMS never overtake. */
  private heads(): [string, QueueEntry][] {
    const users = new Set<string>();
    const heads: [string, QueueEntry][] = [];
    for (const [name, entry] of this.ordered()) {
      if (users.has(entry.job.user)) continue;
      users.add(entry.job.user);
      heads.push([name, entry]);
    }
    return heads;
  }

  private kick(): void {
    if (this.state !== 'started') return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(): Promise<void> {
    // a job is tried once per drain: a retry waits for the timer, however short its back-off
    const tried = new Set<QueueEntry>();
    for (;;) {
      this.again = false;
      // one sort per pass, not per job: a backlog of thousands after an outage stays cheap
      const now = this.now();
      for (const [name, leaving] of [...this.leaving]) {
        if (leaving.nextAt > now) continue;
        await this.leave(name, leaving);
        if (this.state !== 'started') return;
      }
      const due = this.heads().filter(([, e]) => e.nextAttemptAt <= now && !tried.has(e));
      for (const [name, entry] of due) {
        tried.add(entry);
        try {
          await this.attempt(name, entry);
        } catch (error) {
          // the disk refused: try again later rather than in a tight loop
          this.log?.error({ id: entry.job.id, err: messageOf(error) }, 'sms: could not record an attempt');
          entry.nextAttemptAt = this.now() + this.retry.maxMs;
        }
        if (this.state !== 'started') return;
      }
      if (due.length === 0 && !this.again) break;
    }
    this.arm();
  }

  /** Sets the one timer for the earliest head that waits. */
  private arm(): void {
    this.disarm();
    if (this.state !== 'started') return;
    const next = Math.min(
      ...this.heads().map(([, e]) => e.nextAttemptAt),
      ...[...this.leaving.values()].map((l) => l.nextAt),
    );
    if (!Number.isFinite(next)) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.now()));
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async attempt(name: string, entry: QueueEntry): Promise<void> {
    const { job } = entry;
    try {
      await this.gateway.send(job);
    } catch (error) {
      entry.attempts += 1;
      entry.lastError = messageOf(error).slice(0, 500);
      if (error instanceof SmsRejected) {
        await this.fail(name, entry, {
          reason: 'rejected',
          error: entry.lastError,
          attempts: entry.attempts,
          ...(error.status === undefined ? {} : { status: error.status }),
        });
        return;
      }
      const now = this.now();
      const deadline = entry.enqueuedAt + this.retry.giveUpAfterMs;
      if (now >= deadline) {
        await this.fail(name, entry, { reason: 'expired', error: entry.lastError, attempts: entry.attempts });
        return;
      }
      const delay = smsBackoffMs(entry.attempts, this.retry);
      // the last attempt falls on the deadline itself
      entry.nextAttemptAt = Math.min(now + delay, deadline);
      this.log?.warn(
        {
          id: job.id,
          user: job.user,
          attempts: entry.attempts,
          retryInMs: entry.nextAttemptAt - now,
          err: entry.lastError,
        },
        'sms: gateway failed, will retry',
      );
      // the attempt count survives a restart, so the back-off does not start over
      const tmp = this.tmpPath(name);
      await writeSynced(tmp, JSON.stringify(entry));
      await rename(tmp, this.entryPath(name));
      return;
    }
    // taken: never sent again by this process, also while its file cannot be removed; a crash
    // before the removal sends it again on restart, with the same Idempotency-Key
    this.refusedUsers.delete(job.user);
    this.log?.info({ id: job.id, user: job.user, attempts: entry.attempts + 1 }, 'sms: sent');
    await this.leave(name, { step: 'remove', nextAt: this.now() });
    await this.hook(() => this.onSent?.(job), job);
  }

  /**
   * The job's file removed, or (failed) moved to failed/; the job leaves memory only then. A disk
   * that refuses keeps it in `leaving`, tried again after `firstMs` — never sent again meanwhile.
   */
  private async leave(name: string, leaving: Leaving): Promise<void> {
    const entry = this.entries.get(name);
    this.leaving.set(name, leaving);
    try {
      if (leaving.step === 'move' && entry) {
        const tmp = this.tmpPath(name);
        await writeSynced(tmp, JSON.stringify({ ...entry, failure: { ...leaving.failure, at: this.now() } }));
        await rename(tmp, join(this.failedDir, `${name}.${this.now()}${SUFFIX}`)).catch(
          async (error: unknown) => {
            await unlink(tmp).catch(() => undefined);
            throw error;
          },
        );
        await syncDir(this.failedDir);
        // in failed/ now: what is left is the removal, never a second copy there
        this.leaving.set(name, { step: 'remove', nextAt: leaving.nextAt });
      }
      await rm(this.entryPath(name), { force: true });
      await syncDir(this.dir);
    } catch (error) {
      const left = this.leaving.get(name) ?? leaving;
      left.nextAt = this.now() + this.retry.firstMs;
      this.log?.error(
        { id: entry?.job.id, err: messageOf(error), step: left.step },
        left.step === 'move'
          ? 'sms: could not be moved to failed/; tried again'
          : 'sms: its file could not be removed; tried again (it is not sent again)',
      );
      return;
    }
    this.leaving.delete(name);
    this.entries.delete(name);
  }

  private async fail(name: string, entry: QueueEntry, failure: SmsFailure): Promise<void> {
    const { job } = entry;
    await this.leave(name, { step: 'move', failure, nextAt: this.now() });
    const fields = {
      id: job.id,
      user: job.user,
      attempts: failure.attempts,
      status: failure.status,
      err: failure.error,
    };
    if (failure.reason === 'expired') {
      this.log?.error(fields, 'sms: given up, the gateway failed until the retry time ran out');
    } else if (this.refusedUsers.has(job.user)) {
      this.log?.debug(fields, 'sms: refused by the gateway again');
    } else {
      this.refusedUsers.add(job.user);
      this.log?.warn(
        fields,
        'sms: refused by the gateway, not retried (later refusals for this user at debug)',
      );
    }
    await this.hook(() => this.onFailed?.(job, failure), job);
  }

  private async hook(run: () => Promise<void> | void | undefined, job: SmsJob): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.log?.warn(
        { id: job.id, user: job.user, err: messageOf(error) },
        'sms: the step after sending failed',
      );
    }
  }

  private async moveAside(name: string, target: string): Promise<void> {
    try {
      await rename(this.entryPath(name), join(this.failedDir, target));
      await syncDir(this.dir);
    } catch (error) {
      this.log?.error({ file: name, err: messageOf(error) }, 'sms: could not move an unreadable job aside');
    }
  }

  private ensureDirs(): Promise<void> {
    this.dirsReady ??= (async () => {
      for (const d of [this.dir, this.tmpDir, this.failedDir])
        await mkdir(d, { recursive: true, mode: 0o700 });
    })().catch((error: unknown) => {
      this.dirsReady = undefined;
      throw error;
    });
    return this.dirsReady;
  }

  private entryPath(name: string): string {
    return join(this.dir, name + SUFFIX);
  }

  private tmpPath(name: string): string {
    return join(this.tmpDir, `${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  }
}
