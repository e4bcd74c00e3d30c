// The spool: a message is on disk (synced) before the caller hears "thank you", and leaves the
// disk only after a server accepted it. It bridges the time the MTA is unreachable; the MTA's own
// queue is the durable queue after that. Layout and guarantees: README.md beside this file.
import { createHash, randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailLogger, MailMessage, RawMessage, SendRaw } from './types.js';
import { MailSpoolError, silentMailLogger } from './types.js';

export interface RetryPolicy {
  /** delay after the first failed attempt */
  firstMs: number;
  /** the delay never grows beyond this */
  maxMs: number;
  /** each further failure multiplies the delay by this */
  factor: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ firstMs: 5_000, maxMs: 10 * 60_000, factor: 2 });

/** The file operations the spool uses: a seam for what a real disk does rarely (ENOSPC, EIO). */
export interface SpoolFileSystem {
  open: typeof open;
  link: typeof link;
  mkdir: typeof mkdir;
  readdir: typeof readdir;
  readFile: typeof readFile;
  rename: typeof rename;
  rm: typeof rm;
  unlink: typeof unlink;
  renameSync: typeof renameSync;
}

const nodeFileSystem: SpoolFileSystem = Object.freeze({
  open,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  unlink,
  renameSync,
});

export interface MailSpoolOptions {
  /** the spool directory (created if missing); one spool per directory */
  dir: string;
  /** hands a message to a server; resolves only after the server accepted it */
  send: SendRaw;
  retry?: Partial<RetryPolicy>;
  logger?: MailLogger;
  /** the clock (ms since the epoch) for back-off and sent markers; injectable for tests */
  now?: () => number;
  /** how long an id is remembered as sent, so a late duplicate enqueue is a no-op; default one day */
  sentRetentionMs?: number;
  /** at most this many sends at once; default 4 */
  concurrency?: number;
  /** the file operations (tests replace some to play a full disk); default node:fs */
  fs?: Partial<SpoolFileSystem>;
  /**
   * runs once the message `id` is recorded as delivered (its sent marker written, also when a
   * restart finds one): what it was composed from, e.g. the caller's recording, may go now
   */
  onDelivered?: (id: string) => Promise<void> | void;
}

/** One spool entry as stored in `<dir>/<name>.json`. */
interface SpoolEntry {
  version: 1;
  id: string;
  messageId: string;
  envelope: { from: string; to: string[] };
  enqueuedAt: number;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
  /** the message's bytes, base64 */
  raw: string;
}

/** The delay before attempt n+1 after n failed attempts (n ≥ 1). */
export function backoffMs(failedAttempts: number, retry: RetryPolicy): number {
  const delay = retry.firstMs * retry.factor ** Math.max(0, failedAttempts - 1);
  return Math.min(retry.maxMs, Number.isFinite(delay) ? delay : retry.maxMs);
}

/** A file name for an id: the id itself when it is plain, else a hash (the entry keeps the real id). */
export function spoolFileName(id: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)
    ? id
    : `h-${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 40)}`;
}

const ENTRY_SUFFIX = '.json';
const MAX_TIMER_MS = 2 ** 31 - 1;

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function isEntry(v: unknown): v is SpoolEntry {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const env = e['envelope'] as Record<string, unknown> | null | undefined;
  return (
    e['version'] === 1 &&
    typeof e['id'] === 'string' &&
    typeof e['messageId'] === 'string' &&
    typeof env === 'object' &&
    env !== null &&
    typeof env['from'] === 'string' &&
    Array.isArray(env['to']) &&
    env['to'].length > 0 &&
    env['to'].every((t) => typeof t === 'string') &&
    Number.isFinite(e['enqueuedAt']) &&
    Number.isInteger(e['attempts']) &&
    Number.isFinite(e['nextAttemptAt']) &&
    typeof e['raw'] === 'string' &&
    e['raw'].length > 0
  );
}

class CorruptEntry extends Error {
  override readonly name = 'CorruptEntry';
}

/**
 * Writes a file and syncs it to disk before resolving. A write that fails (a full disk) removes
 * what it wrote at once: a partial file would hold the space until the next start.
 */
async function writeSynced(fs: SpoolFileSystem, path: string, data: string | Buffer): Promise<void> {
  const file = await fs.open(path, 'wx', 0o600);
  try {
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    await fs.rm(path, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** Syncs a directory, so a file created, renamed or removed in it survives a power cut. */
async function syncDir(fs: SpoolFileSystem, path: string): Promise<void> {
  const dir = await fs.open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Turns a composed message into its final bytes and envelope (reads attachments from disk now). */
export async function buildRawMessage(
  message: MailMessage,
): Promise<{ raw: Buffer; messageId: string; envelope: { from: string; to: string[] } }> {
  const node = new MailComposer(message).compile();
  const envelope = node.getEnvelope();
  if (!envelope.from || envelope.to.length === 0) {
    throw new TypeError('a message needs a sender and at least one recipient');
  }
  const raw = await node.build();
  return { raw, messageId: node.messageId(), envelope: { from: envelope.from, to: envelope.to } };
}

interface Known {
  id: string;
  timer?: NodeJS.Timeout;
}

/**
 * A directory of messages waiting for a server. `enqueue` resolves once the message is synced to
 * disk; sending happens in the background with exponential back-off, also across restarts
 * (`start()`), and an id is sent at most once per spool directory.
 */
export class MailSpool {
  private readonly dir: string;
  private readonly tmpDir: string;
  private readonly sentDir: string;
  private readonly badDir: string;
  private readonly sendRaw: SendRaw;
  private readonly retry: RetryPolicy;
  private readonly log: MailLogger;
  private readonly now: () => number;
  private readonly sentRetentionMs: number;
  private readonly concurrency: number;
  private readonly fs: SpoolFileSystem;
  private readonly onDelivered: ((id: string) => Promise<void> | void) | undefined;

  /** entries on disk that this process knows of, by file name */
  private readonly known = new Map<string, Known>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly enqueuing = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private sending = 0;
  private stopped = false;
  private dirsReady: Promise<void> | undefined;
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(options: MailSpoolOptions) {
    this.dir = options.dir;
    this.tmpDir = join(options.dir, 'tmp');
    this.sentDir = join(options.dir, 'sent');
    this.badDir = join(options.dir, 'bad');
    this.sendRaw = options.send;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.logger ?? silentMailLogger;
    this.now = options.now ?? Date.now;
    this.sentRetentionMs = options.sentRetentionMs ?? 24 * 60 * 60_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.fs = { ...nodeFileSystem, ...options.fs };
    this.onDelivered = options.onDelivered;
  }

  /**
   * Puts a message into the spool under `id` (e.g. the recording id). Resolves when the message,
   * with its attachments read into it, is synced to disk together with its directory entry; the
   * files it was composed from may be deleted afterwards. Sending starts in the background. An id
   * that is already spooled, or was sent within `sentRetentionMs`, is a no-op.
   */
  async enqueue(message: MailMessage, id: string): Promise<void> {
    const name = spoolFileName(id);
    const running = this.enqueuing.get(name);
    if (running) return running;
    const p = this.store(message, id, name).finally(() => this.enqueuing.delete(name));
    this.enqueuing.set(name, p);
    return p;
  }

  private async store(message: MailMessage, id: string, name: string): Promise<void> {
    await this.ensureDirs();
    if (this.known.has(name) || (await this.wasSent(name))) {
      this.log.info({ id }, 'mail spool: already spooled or sent, not enqueued again');
      return;
    }
    const built = await buildRawMessage(message);
    const now = this.now();
    const entry: SpoolEntry = {
      version: 1,
      id,
      messageId: built.messageId,
      envelope: built.envelope,
      enqueuedAt: now,
      attempts: 0,
      nextAttemptAt: now,
      raw: built.raw.toString('base64'),
    };
    const tmp = this.tmpPath(name);
    try {
      await writeSynced(this.fs, tmp, JSON.stringify(entry));
    } catch (error) {
      throw this.notSaved(id, error);
    }
    try {
      // link, not rename: it fails if the entry exists, so a spooled message is never replaced
      await this.fs.link(tmp, this.entryPath(name));
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw this.notSaved(id, error);
      this.log.info({ id }, 'mail spool: already spooled, not enqueued again');
      return;
    } finally {
      await this.fs.unlink(tmp).catch(() => undefined);
    }
    try {
      await syncDir(this.fs, this.dir);
    } catch (error) {
      // the caller is told "not saved" and may record again: this copy must not go out as well
      await this.fs.rm(this.entryPath(name), { force: true }).catch(() => undefined);
      throw this.notSaved(id, error);
    }
    // a send of the same id may have finished between our check and our link: it wrote its
    // marker before removing its entry, so this check sees it
    if (await this.wasSent(name)) {
      await this.removeEntry(name);
      return;
    }
    this.log.info({ id, messageId: entry.messageId, to: entry.envelope.to }, 'mail spool: message spooled');
    this.known.set(name, { id });
    if (!this.stopped) this.schedule(name, 0);
  }

  private notSaved(id: string, error: unknown): MailSpoolError {
    this.log.error({ id, err: messageOf(error) }, 'mail spool: message could not be saved');
    return new MailSpoolError(`the message ${id} could not be saved in the spool: ${messageOf(error)}`, {
      cause: error,
    });
  }

  /** Resumes everything in the directory (after a restart): corrupt entries go to `bad/`. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.ensureDirs();
    await this.cleanTmp();
    await this.pruneSent();
    for (const file of await this.fs.readdir(this.dir)) {
      if (!file.endsWith(ENTRY_SUFFIX)) continue;
      const name = file.slice(0, -ENTRY_SUFFIX.length);
      if (this.inFlight.has(name)) continue;
      let entry: SpoolEntry;
      try {
        entry = await this.readEntry(name);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        await this.moveToBad(file, error);
        continue;
      }
      if (await this.wasSent(name)) {
        // sent, but the process stopped before the entry was removed
        await this.removeEntry(name);
        await this.delivered(entry.id);
        continue;
      }
      this.known.set(name, { id: entry.id });
      this.schedule(name, Math.max(0, entry.nextAttemptAt - this.now()));
      this.log.info({ id: entry.id, attempts: entry.attempts }, 'mail spool: resumed');
    }
  }

  /** Stops retrying (entries stay on disk for the next start) and waits for sends under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const k of this.known.values()) {
      if (k.timer) clearTimeout(k.timer);
      delete k.timer;
    }
    await Promise.allSettled([...this.enqueuing.values(), ...this.inFlight.values()]);
  }

  /** Attempts every spooled message now, whatever its back-off, and waits for the outcome (tests). */
  async flush(): Promise<void> {
    // an attempt under way counts as its own, not as the flush's
    await Promise.allSettled([...this.enqueuing.values(), ...this.inFlight.values()]);
    const attempts = [...this.known.keys()].map((name) => {
      const k = this.known.get(name);
      if (k?.timer) clearTimeout(k.timer);
      if (k) delete k.timer;
      return this.attempt(name);
    });
    await Promise.allSettled([...attempts, ...this.inFlight.values()]);
  }

  /** The ids waiting to be sent (in this process's view). */
  pending(): string[] {
    return [...this.known.values()].map((k) => k.id);
  }

  /** Is the message `id` waiting to be sent, or being put into the spool now (this process's view)? */
  holds(id: string): boolean {
    const name = spoolFileName(id);
    return this.known.has(name) || this.enqueuing.has(name);
  }

  private async delivered(id: string): Promise<void> {
    if (!this.onDelivered) return;
    try {
      await this.onDelivered(id);
    } catch (error) {
      this.log.warn({ id, err: messageOf(error) }, 'mail spool: the step after delivery failed');
    }
  }

  private schedule(name: string, delayMs: number): void {
    const k = this.known.get(name);
    if (!k || this.stopped) return;
    if (k.timer) clearTimeout(k.timer);
    k.timer = setTimeout(
      () => {
        delete k.timer;
        void this.attempt(name);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, delayMs)),
    );
    k.timer.unref();
  }

  /** One attempt to send an entry; never rejects (failures are logged and rescheduled). */
  private attempt(name: string): Promise<void> {
    const running = this.inFlight.get(name);
    if (running) return running;
    const p = this.tryOnce(name)
      .catch((error: unknown) => {
        this.log.error({ entry: name, err: messageOf(error) }, 'mail spool: attempt failed unexpectedly');
        this.schedule(name, this.retry.maxMs);
      })
      .finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, p);
    return p;
  }

  private async tryOnce(name: string): Promise<void> {
    await this.acquire();
    try {
      let entry: SpoolEntry;
      try {
        entry = await this.readEntry(name);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') {
          this.known.delete(name); // removed by someone else (an operator, or another instance)
          return;
        }
        this.known.delete(name);
        await this.moveToBad(name + ENTRY_SUFFIX, error);
        return;
      }
      if (await this.wasSent(name)) {
        await this.removeEntry(name);
        this.known.delete(name);
        await this.delivered(entry.id);
        return;
      }
      const message: RawMessage = {
        id: entry.id,
        messageId: entry.messageId,
        envelope: entry.envelope,
        raw: Buffer.from(entry.raw, 'base64'),
      };
      // the marker is written and synced before the send, so that on the server's 250 only a
      // rename is left between "delivered" and "recorded as delivered" (guarantee 5)
      const marker = await this.prepareMarker(name, entry);
      try {
        await this.sendRaw(message);
      } catch (error) {
        if (marker) await this.fs.rm(marker, { force: true }).catch(() => undefined);
        await this.failed(name, entry, error);
        return;
      }
      await this.markSent(name, entry, marker);
      await this.removeEntry(name);
      this.known.delete(name);
      this.log.info(
        { id: entry.id, messageId: entry.messageId, attempts: entry.attempts + 1 },
        'mail spool: message delivered',
      );
      await this.delivered(entry.id);
      if (this.now() - this.lastPruneAt > 60 * 60_000) await this.pruneSent();
    } finally {
      this.release();
    }
  }

  private async failed(name: string, entry: SpoolEntry, error: unknown): Promise<void> {
    entry.attempts += 1;
    const delay = backoffMs(entry.attempts, this.retry);
    entry.nextAttemptAt = this.now() + delay;
    entry.lastError = messageOf(error).slice(0, 500);
    this.log.warn(
      { id: entry.id, attempts: entry.attempts, retryInMs: delay, err: entry.lastError },
      'mail spool: send failed, will retry',
    );
    try {
      // the attempt count survives a restart, so the back-off does not start over
      const tmp = this.tmpPath(name);
      await writeSynced(this.fs, tmp, JSON.stringify(entry));
      await this.fs.rename(tmp, this.entryPath(name));
    } catch (writeError) {
      this.log.error(
        { id: entry.id, err: messageOf(writeError) },
        'mail spool: could not record the attempt',
      );
    }
    this.schedule(name, delay);
  }

  private async readEntry(name: string): Promise<SpoolEntry> {
    const text = await this.fs.readFile(this.entryPath(name), 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CorruptEntry(`not JSON: ${messageOf(error)}`);
    }
    if (!isEntry(parsed)) throw new CorruptEntry('not a version-1 spool entry');
    return parsed;
  }

  private async moveToBad(file: string, error: unknown): Promise<void> {
    const target = join(this.badDir, `${file}.${this.now()}`);
    try {
      await this.fs.rename(join(this.dir, file), target);
      await syncDir(this.fs, this.dir);
      this.log.error(
        { file, movedTo: target, err: messageOf(error) },
        'mail spool: corrupt entry moved aside',
      );
    } catch (moveError) {
      this.log.error(
        { file, err: messageOf(error), moveErr: messageOf(moveError) },
        'mail spool: corrupt entry, and it could not be moved aside',
      );
    }
  }

  /** Writes the sent marker into tmp/ ahead of the send; undefined if the disk refused (logged). */
  private async prepareMarker(name: string, entry: SpoolEntry): Promise<string | undefined> {
    const tmp = this.tmpPath(name);
    try {
      await writeSynced(
        this.fs,
        tmp,
        JSON.stringify({ id: entry.id, messageId: entry.messageId, sentAt: this.now() }),
      );
      return tmp;
    } catch (error) {
      this.log.warn({ id: entry.id, err: messageOf(error) }, 'mail spool: could not prepare the sent marker');
      return undefined;
    }
  }

  private async markSent(name: string, entry: SpoolEntry, prepared: string | undefined): Promise<void> {
    const marker = join(this.sentDir, name);
    try {
      if (prepared) {
        // synchronous on purpose: an async rename waits for a free libuv thread (behind other
        // fsyncs), and a crash in that wait would send the message again on the next start
        this.fs.renameSync(prepared, marker);
      } else {
        const tmp = this.tmpPath(name);
        await writeSynced(
          this.fs,
          tmp,
          JSON.stringify({ id: entry.id, messageId: entry.messageId, sentAt: this.now() }),
        );
        await this.fs.rename(tmp, marker);
      }
      await syncDir(this.fs, this.sentDir);
    } catch (error) {
      // the message is delivered; without a marker only a crash right now could send it again
      this.log.warn({ id: entry.id, err: messageOf(error) }, 'mail spool: could not write the sent marker');
      if (prepared) await this.fs.rm(prepared, { force: true }).catch(() => undefined);
    }
  }

  private async removeEntry(name: string): Promise<void> {
    await this.fs.rm(this.entryPath(name), { force: true });
    await syncDir(this.fs, this.dir);
  }

  private async wasSent(name: string): Promise<boolean> {
    try {
      const marker: unknown = JSON.parse(await this.fs.readFile(join(this.sentDir, name), 'utf8'));
      const sentAt = (marker as { sentAt?: unknown } | null)?.sentAt;
      return typeof sentAt !== 'number' || this.now() - sentAt < this.sentRetentionMs;
    } catch (error) {
      // a marker we cannot read still says "sent": better one lost duplicate check than a resend
      return errorCode(error) !== 'ENOENT';
    }
  }

  private async pruneSent(): Promise<void> {
    this.lastPruneAt = this.now();
    let names: string[];
    try {
      names = await this.fs.readdir(this.sentDir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!(await this.wasSent(name))) await this.fs.rm(join(this.sentDir, name), { force: true });
    }
  }

  private async cleanTmp(): Promise<void> {
    // half-written files of a process that stopped before its enqueue resolved
    for (const name of await this.fs.readdir(this.tmpDir))
      await this.fs.rm(join(this.tmpDir, name), { force: true });
  }

  private ensureDirs(): Promise<void> {
    this.dirsReady ??= (async () => {
      for (const d of [this.dir, this.tmpDir, this.sentDir, this.badDir])
        await this.fs.mkdir(d, { recursive: true, mode: 0o700 });
    })().catch((error: unknown) => {
      this.dirsReady = undefined;
      throw error;
    });
    return this.dirsReady;
  }

  private entryPath(name: string): string {
    return join(this.dir, name + ENTRY_SUFFIX);
  }

  private tmpPath(name: string): string {
    return join(this.tmpDir, `${name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  }

  private async acquire(): Promise<void> {
    if (this.sending < this.concurrency) {
      this.sending += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.sending -= 1;
  }
}
