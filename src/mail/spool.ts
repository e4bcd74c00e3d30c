// The spool: a message is on disk (synced) before the caller hears "thank you", and leaves the
// disk only after a server accepted it. It bridges the time the MTA is unreachable; the MTA's own
// queue is the durable queue after that. Layout and guarantees: README.md beside this file.
import { createHash, randomBytes } from 'node:crypto';
import { renameSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
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
  stat: typeof stat;
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
  stat,
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
  /**
   * runs once for each message the server refused for good (a 5xx reply), after it moved to
   * `dead/`: whoever should know is told (the owner, the admin). A hook that throws is run again
   * at the next scan or start, so it must be idempotent (enqueue under an id derived from `info`)
   */
  onDeadLetter?: (info: DeadLetter) => Promise<void> | void;
  /** how often the folder is read for entries put there by another process (`voicebox spool retry`); default 30 s, 0 = never */
  rescanMs?: number;
  /** runs once a message is synced into the spool (counting: /metrics) */
  onSpooled?: (id: string) => void;
}

/** A message the server refused for good, as the `onDeadLetter` hook gets it. */
export interface DeadLetter {
  /** the spool id it was enqueued under */
  id: string;
  messageId: string;
  /** `to`: the recipients the server refused (the others, if any, have the message) */
  envelope: { from: string; to: string[] };
  /** the server's answer, one line, trimmed */
  reason: string;
  responseCode?: number;
  /** recipients the message was delivered to although others were refused */
  deliveredTo?: string[];
  attempts: number;
  enqueuedAt: number;
  deadAt: number;
  /** Subject, From, To and every X-Voicebox-* header of the message, decoded; never the body */
  headers: Record<string, string>;
}

/**
 * Thrown by a transport that delivered a message to some recipients while the server refused
 * others for good: the message is delivered (never sent again to those who have it) and the
 * refused recipients become a dead letter.
 */
export class PartlyDelivered extends Error {
  override readonly name = 'PartlyDelivered';
  constructor(
    message: string,
    readonly accepted: string[],
    readonly refused: { recipient: string; reply: string; responseCode?: number }[],
  ) {
    super(message);
  }
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

/** A dead letter as stored in `<dir>/dead/<name>.json`: the entry and why it died. */
interface DeadEntry extends SpoolEntry {
  deadAt: number;
  reason: string;
  responseCode?: number;
  deliveredTo?: string[];
  /** when the `onDeadLetter` hook finished, as older versions recorded it (now: `<name>.told`) */
  notifiedAt?: number;
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
/** `dead/<name>.told`: the `onDeadLetter` hook of `dead/<name>.json` finished ({notifiedAt}) */
const TOLD_SUFFIX = '.told';
const MAX_TIMER_MS = 2 ** 31 - 1;

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A server's answer as one trimmed line (a multi-line 5xx reply, a stack of causes). */
const oneLineOf = (text: string): string =>
  text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, 500);

/**
 * A permanent refusal: the transport said so (`MailDeliveryError.permanent`, a 5xx to MAIL, RCPT
 * or DATA), or an error of another sender carries a 5xx reply code. Everything else — a 4xx, a
 * network error, a timeout — is worth another attempt.
 */
function isPermanent(error: unknown): boolean {
  if (error instanceof PartlyDelivered) return true;
  if (typeof error !== 'object' || error === null) return false;
  if ('permanent' in error) return error.permanent === true;
  const code = 'responseCode' in error ? error.responseCode : undefined;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** The server's own answer behind an error (nodemailer's `response`, maybe as a cause), else its message. */
function serverReplyOf(error: unknown): string {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    if ('response' in e && typeof e.response === 'string' && e.response.trim()) return oneLineOf(e.response);
    e = 'cause' in e ? e.cause : undefined;
  }
  return oneLineOf(messageOf(error));
}

function responseCodeOf(error: unknown): number | undefined {
  const code =
    typeof error === 'object' && error !== null && 'responseCode' in error ? error.responseCode : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** RFC 2047 encoded words (`=?utf-8?B?...?=`, `=?iso-8859-1?Q?...?=`) in a header value → text. */
function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (word, charset: string, enc: string, text: string) => {
        try {
          const bytes =
            enc.toUpperCase() === 'B'
              ? Buffer.from(text, 'base64')
              : Buffer.from(
                  text
                    .replace(/_/g, ' ')
                    .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
                  'latin1',
                );
          return new TextDecoder(charset.trim().toLowerCase()).decode(bytes);
        } catch {
          return word;
        }
      },
    );
}

/** The headers a dead letter or `voicebox spool show` may show: Subject, From, To, X-Voicebox-*. */
export function messageHeaders(raw: Buffer): Record<string, string> {
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const text = Buffer.from(end < 0 ? head : head.slice(0, end), 'latin1').toString('utf8');
  const headers: Record<string, string> = {};
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const m = /^(Subject|From|To|X-Voicebox-[A-Za-z-]+):[ \t]*(.*)$/i.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && !(m[1] in headers))
      headers[m[1]] = oneLineOf(decodeWords(m[2]));
  }
  return headers;
}

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
  /** the entry file's mtime at the last scan: a change (`voicebox spool retry`) is read again */
  mtimeMs?: number;
  /** when it was put into the spool (the entry's `enqueuedAt`) */
  enqueuedAt?: number;
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
  private readonly deadDir: string;
  private readonly sendRaw: SendRaw;
  private readonly retry: RetryPolicy;
  private readonly log: MailLogger;
  private readonly now: () => number;
  private readonly sentRetentionMs: number;
  private readonly concurrency: number;
  private readonly fs: SpoolFileSystem;
  private readonly onDelivered: ((id: string) => Promise<void> | void) | undefined;
  private readonly onSpooled: ((id: string) => void) | undefined;
  private readonly onDeadLetter: ((info: DeadLetter) => Promise<void> | void) | undefined;
  private readonly rescanMs: number;
  private rescanTimer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  /** dead letters whose hook is running now, by file name */
  private readonly notifying = new Map<string, Promise<void>>();

  /** entries on disk that this process knows of, by file name */
  private readonly known = new Map<string, Known>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly enqueuing = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private sending = 0;
  private stopped = false;
  private dirsReady: Promise<void> | undefined;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  /** the deadline of a stop (performance.now()), kept by every later stop */
  private stopBy: number | undefined;

  constructor(options: MailSpoolOptions) {
    this.dir = options.dir;
    this.tmpDir = join(options.dir, 'tmp');
    this.sentDir = join(options.dir, 'sent');
    this.badDir = join(options.dir, 'bad');
    this.deadDir = join(options.dir, 'dead');
    this.sendRaw = options.send;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.log = options.logger ?? silentMailLogger;
    this.now = options.now ?? Date.now;
    this.sentRetentionMs = options.sentRetentionMs ?? 24 * 60 * 60_000;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.fs = { ...nodeFileSystem, ...options.fs };
    this.onDelivered = options.onDelivered;
    this.onSpooled = options.onSpooled;
    this.onDeadLetter = options.onDeadLetter;
    this.rescanMs = options.rescanMs ?? 30_000;
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
    this.known.set(name, { id, enqueuedAt: entry.enqueuedAt });
    this.onSpooled?.(id);
    if (!this.stopped) this.schedule(name, 0);
  }

  private notSaved(id: string, error: unknown): MailSpoolError {
    this.log.error({ id, err: messageOf(error) }, 'mail spool: message could not be saved');
    return new MailSpoolError(`the message ${id} could not be saved in the spool: ${messageOf(error)}`, {
      cause: error,
    });
  }

  /**
   * Resumes everything in the directory (after a restart): corrupt entries go to `bad/`; a dead
   * letter whose hook has not finished gets it now. Then reads the folder every `rescanMs` for
   * entries another process put there (`voicebox spool retry`).
   */
  async start(): Promise<void> {
    this.stopped = false;
    this.stopBy = undefined;
    await this.ensureDirs();
    await this.cleanTmp();
    await this.pruneSent();
    await this.scan(true);
    if (this.rescanMs > 0 && !this.rescanTimer) {
      this.rescanTimer = setInterval(() => void this.rescan(), this.rescanMs);
      this.rescanTimer.unref();
    }
  }

  /** Reads the folder now for entries this process does not know (what the periodic scan does). */
  rescan(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.scanning ??= this.scan(false)
      .catch((error: unknown) =>
        this.log.error({ err: messageOf(error) }, 'mail spool: the folder could not be read'),
      )
      .finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async scan(starting: boolean): Promise<void> {
    for (const file of await this.fs.readdir(this.dir)) {
      if (!file.endsWith(ENTRY_SUFFIX)) continue;
      const name = file.slice(0, -ENTRY_SUFFIX.length);
      if (this.inFlight.has(name) || this.enqueuing.has(name)) continue;
      const known = this.known.get(name);
      let mtimeMs: number;
      try {
        mtimeMs = (await this.fs.stat(this.entryPath(name))).mtimeMs;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        throw error;
      }
      if (known && known.mtimeMs === mtimeMs) continue;
      let entry: SpoolEntry;
      try {
        entry = await this.readEntry(name);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') continue;
        if (error instanceof CorruptEntry) {
          this.known.delete(name);
          await this.moveToBad(file, error);
        } else this.unreadable(name, error);
        continue;
      }
      if (this.inFlight.has(name)) continue;
      if (await this.wasSent(name)) {
        // sent, but the process stopped before the entry was removed
        await this.removeEntry(name);
        this.known.delete(name);
        await this.delivered(entry.id);
        continue;
      }
      const dead = await this.buriedAs(name, entry);
      if (dead) {
        // refused for good, but the process stopped before the entry was removed: never resent
        await this.removeEntry(name);
        this.known.delete(name);
        if (dead.deliveredTo) await this.delivered(entry.id);
        continue;
      }
      this.known.set(name, { ...known, id: entry.id, mtimeMs, enqueuedAt: entry.enqueuedAt });
      this.schedule(name, Math.max(0, entry.nextAttemptAt - this.now()));
      if (known) continue;
      this.log.info(
        { id: entry.id, attempts: entry.attempts },
        starting ? 'mail spool: resumed' : 'mail spool: found in the folder',
      );
    }
    // dead letters whose hook did not finish (the process stopped, the hook failed); one told
    // already has its marker and is not read (it holds the whole message)
    if (!this.onDeadLetter) return;
    const deadFiles = await this.fs.readdir(this.deadDir);
    const told = new Set(
      deadFiles.filter((f) => f.endsWith(TOLD_SUFFIX)).map((f) => f.slice(0, -TOLD_SUFFIX.length)),
    );
    const letters = new Set(
      deadFiles.filter((f) => f.endsWith(ENTRY_SUFFIX)).map((f) => f.slice(0, -ENTRY_SUFFIX.length)),
    );
    for (const name of letters) {
      if (told.has(name) || this.notifying.has(name)) continue;
      const dead = await this.readDead(name);
      if (!dead) continue;
      if (dead.notifiedAt !== undefined) await this.markTold(name, dead.notifiedAt);
      // told meanwhile (by a hook that finished after the listing)?
      else if (!(await this.exists(this.toldPath(name)))) await this.notifyDead(name, dead);
    }
    // a marker left by a dead letter that was sent again or dropped meanwhile
    if (starting)
      for (const name of told)
        if (!letters.has(name)) await this.fs.rm(this.toldPath(name), { force: true }).catch(() => undefined);
  }

  /**
   * The dead letter beside `entry` if it is this entry buried (the process stopped between
   * writing the dead letter and removing the entry): the entry was due when it was refused. An
   * entry due only after the refusal was put back since (`voicebox spool retry`, a new enqueue)
   * and is sent; the dead letter beside it is an older record.
   */
  private async buriedAs(name: string, entry: SpoolEntry): Promise<DeadEntry | undefined> {
    const dead = await this.readDead(name);
    return dead && entry.nextAttemptAt <= dead.deadAt ? dead : undefined;
  }

  /** An entry that exists but cannot be read now (EACCES, EIO): left in place, read at the next scan. */
  private unreadable(name: string, error: unknown): void {
    const k = this.known.get(name);
    if (k?.timer) clearTimeout(k.timer);
    this.known.delete(name);
    this.log.error(
      { entry: name, err: messageOf(error) },
      'mail spool: an entry cannot be read (is the folder owned by the user voicebox runs as?); tried again at the next scan',
    );
  }

  /**
   * Stops retrying (entries stay on disk for the next start) and waits for sends under way — at
   * most `deadlineMs` when given: a send still under way then stays on disk and is sent again at
   * the next start (a duplicate only if the server had accepted it in these last moments). A later
   * stop without a deadline keeps to the earlier one.
   */
  async stop(deadlineMs?: number): Promise<void> {
    if (deadlineMs !== undefined) {
      const by = performance.now() + Math.max(0, deadlineMs);
      this.stopBy = Math.min(this.stopBy ?? by, by);
    }
    const waitMs = this.stopBy === undefined ? undefined : Math.max(0, this.stopBy - performance.now());
    this.stopped = true;
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.rescanTimer = undefined;
    for (const k of this.known.values()) {
      if (k.timer) clearTimeout(k.timer);
      delete k.timer;
    }
    const settled = Promise.allSettled([
      ...this.enqueuing.values(),
      ...this.inFlight.values(),
      ...this.notifying.values(),
      ...(this.scanning ? [this.scanning] : []),
    ]);
    if (waitMs === undefined) {
      await settled;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((done) => {
        timer = setTimeout(() => done(true), waitMs);
      }),
    ]);
    clearTimeout(timer);
    if (late)
      this.log.warn(
        { sending: [...this.inFlight.keys()] },
        'mail spool: stopped with sends under way; they stay in the spool and are sent at the next start',
      );
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

  /** How many messages wait (this process's view), and when the oldest of them was spooled. */
  stats(): { messages: number; oldestEnqueuedAt?: number } {
    let oldest: number | undefined;
    for (const k of this.known.values())
      if (k.enqueuedAt !== undefined && (oldest === undefined || k.enqueuedAt < oldest))
        oldest = k.enqueuedAt;
    return { messages: this.known.size, ...(oldest === undefined ? {} : { oldestEnqueuedAt: oldest }) };
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
        if (error instanceof CorruptEntry) {
          this.known.delete(name);
          await this.moveToBad(name + ENTRY_SUFFIX, error);
        } else this.unreadable(name, error);
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
        if (error instanceof PartlyDelivered) {
          // the others have it: recorded as sent, and only the refused become a dead letter
          // (written first: a restart that finds both never sends the message again)
          await this.bury(name, entry, error).catch((buryError: unknown) =>
            this.log.error(
              { id: entry.id, refused: error.refused, err: messageOf(buryError) },
              'mail spool: partly refused, and the dead letter could not be written',
            ),
          );
          await this.markSent(name, entry, marker);
          await this.removeEntry(name);
          this.known.delete(name);
          await this.delivered(entry.id);
          await this.notifyDeadNow(name);
          return;
        }
        if (marker) await this.fs.rm(marker, { force: true }).catch(() => undefined);
        if (isPermanent(error)) {
          await this.bury(name, entry, error);
          await this.removeEntry(name);
          this.known.delete(name);
          await this.notifyDeadNow(name);
          return;
        }
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
      if (!(await this.exists(this.entryPath(name)))) {
        // dropped (`voicebox spool drop`) while it was being sent: it stays dropped
        await this.fs.rm(tmp, { force: true });
        this.known.delete(name);
        this.log.info({ id: entry.id }, 'mail spool: removed from the folder while being sent; forgotten');
        return;
      }
      await this.fs.rename(tmp, this.entryPath(name));
    } catch (writeError) {
      this.log.error(
        { id: entry.id, err: messageOf(writeError) },
        'mail spool: could not record the attempt',
      );
    }
    this.schedule(name, delay);
  }

  /**
   * Moves an entry the server refused for good to `dead/<name>.json`, with the server's answer.
   * The caller removes the entry afterwards: a restart finding both keeps the dead letter.
   */
  private async bury(name: string, entry: SpoolEntry, error: unknown): Promise<void> {
    const partly = error instanceof PartlyDelivered ? error : undefined;
    const reason = partly
      ? oneLineOf(partly.refused.map((r) => `${r.recipient}: ${r.reply}`).join('; '))
      : serverReplyOf(error);
    const responseCode = partly ? partly.refused[0]?.responseCode : responseCodeOf(error);
    const dead: DeadEntry = {
      ...entry,
      envelope: partly
        ? { from: entry.envelope.from, to: partly.refused.map((r) => r.recipient) }
        : entry.envelope,
      attempts: entry.attempts + 1,
      lastError: oneLineOf(messageOf(error)),
      deadAt: this.now(),
      reason,
      ...(responseCode !== undefined ? { responseCode } : {}),
      ...(partly ? { deliveredTo: partly.accepted } : {}),
    };
    // a marker of an earlier dead letter of this name must not count for this one
    await this.fs.rm(this.toldPath(name), { force: true });
    await this.writeDead(name, dead);
    this.log.error(
      {
        id: entry.id,
        messageId: entry.messageId,
        refused: dead.envelope.to,
        attempts: dead.attempts,
        err: reason,
        movedTo: join(this.deadDir, name + ENTRY_SUFFIX),
      },
      'mail spool: refused for good, not retried (a dead letter)',
    );
  }

  private async writeDead(name: string, dead: DeadEntry): Promise<void> {
    const tmp = this.tmpPath(name);
    await writeSynced(this.fs, tmp, JSON.stringify(dead));
    await this.fs.rename(tmp, join(this.deadDir, name + ENTRY_SUFFIX));
    await syncDir(this.fs, this.deadDir);
  }

  private toldPath(name: string): string {
    return join(this.deadDir, name + TOLD_SUFFIX);
  }

  /** Records that the hook of `dead/<name>.json` finished: it never runs again for it. */
  private async markTold(name: string, notifiedAt: number): Promise<void> {
    const tmp = this.tmpPath(name);
    try {
      await writeSynced(this.fs, tmp, JSON.stringify({ notifiedAt }));
      await this.fs.rename(tmp, this.toldPath(name));
      await syncDir(this.fs, this.deadDir);
    } catch (error) {
      await this.fs.rm(tmp, { force: true }).catch(() => undefined);
      this.log.warn(
        { entry: name, err: messageOf(error) },
        'mail spool: could not record the dead letter as told',
      );
    }
  }

  private async readDead(name: string): Promise<DeadEntry | undefined> {
    let text: string;
    try {
      text = await this.fs.readFile(join(this.deadDir, name + ENTRY_SUFFIX), 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      return isEntry(parsed) ? (parsed as DeadEntry) : undefined;
    } catch {
      return undefined;
    }
  }

  private async notifyDeadNow(name: string): Promise<void> {
    const dead = await this.readDead(name).catch(() => undefined);
    if (dead) await this.notifyDead(name, dead);
  }

  /** Runs the hook once per dead letter: `notifiedAt` is written after it finished. */
  private notifyDead(name: string, dead: DeadEntry): Promise<void> {
    const hook = this.onDeadLetter;
    if (!hook || dead.notifiedAt !== undefined) return Promise.resolve();
    const running = this.notifying.get(name);
    if (running) return running;
    const info: DeadLetter = {
      id: dead.id,
      messageId: dead.messageId,
      envelope: { from: dead.envelope.from, to: [...dead.envelope.to] },
      reason: dead.reason,
      ...(dead.responseCode !== undefined ? { responseCode: dead.responseCode } : {}),
      ...(dead.deliveredTo ? { deliveredTo: [...dead.deliveredTo] } : {}),
      attempts: dead.attempts,
      enqueuedAt: dead.enqueuedAt,
      deadAt: dead.deadAt,
      headers: messageHeaders(Buffer.from(dead.raw, 'base64')),
    };
    const p = (async () => {
      try {
        await hook(info);
      } catch (error) {
        this.log.warn(
          { id: dead.id, err: messageOf(error) },
          'mail spool: telling of a dead letter failed; tried again at the next scan',
        );
        return;
      }
      // a marker beside it, never a rewrite of the letter: a `voicebox spool retry` moving it
      // back meanwhile is not undone (a marker without its letter is removed at the next start)
      if (!(await this.exists(join(this.deadDir, name + ENTRY_SUFFIX)))) return;
      await this.markTold(name, this.now());
    })().finally(() => this.notifying.delete(name));
    this.notifying.set(name, p);
    return p;
  }

  private async exists(path: string): Promise<boolean> {
    try {
      await this.fs.stat(path);
      return true;
    } catch (error) {
      return errorCode(error) !== 'ENOENT';
    }
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
      for (const d of [this.dir, this.tmpDir, this.sentDir, this.badDir, this.deadDir])
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

/** One entry of a spool folder as `voicebox spool list|show` reads it (never the body). */
export interface SpoolListing {
  /** the file name without `.json` */
  name: string;
  id: string;
  state: 'queued' | 'dead';
  messageId: string;
  envelope: { from: string; to: string[] };
  enqueuedAt: number;
  attempts: number;
  /** queued: when the next attempt is due */
  nextAttemptAt?: number;
  lastError?: string;
  deadAt?: number;
  /** dead: the server's answer, one line */
  reason?: string;
  responseCode?: number;
  deliveredTo?: string[];
  /** dead: when whoever should know was told */
  notifiedAt?: number;
  /** Subject, From, To, X-Voicebox-* */
  headers: Record<string, string>;
}

function listingOf(entry: SpoolEntry | DeadEntry, name: string, state: 'queued' | 'dead'): SpoolListing {
  const dead = state === 'dead' ? (entry as DeadEntry) : undefined;
  return {
    name,
    id: entry.id,
    state,
    messageId: entry.messageId,
    envelope: { from: entry.envelope.from, to: [...entry.envelope.to] },
    enqueuedAt: entry.enqueuedAt,
    attempts: entry.attempts,
    ...(state === 'queued' ? { nextAttemptAt: entry.nextAttemptAt } : {}),
    ...(entry.lastError !== undefined ? { lastError: entry.lastError } : {}),
    ...(dead?.deadAt !== undefined ? { deadAt: dead.deadAt } : {}),
    ...(dead?.reason !== undefined ? { reason: dead.reason } : {}),
    ...(dead?.responseCode !== undefined ? { responseCode: dead.responseCode } : {}),
    ...(dead?.deliveredTo ? { deliveredTo: dead.deliveredTo } : {}),
    ...(dead?.notifiedAt !== undefined ? { notifiedAt: dead.notifiedAt } : {}),
    headers: messageHeaders(Buffer.from(entry.raw, 'base64')),
  };
}

async function readFolder(folder: string, state: 'queued' | 'dead'): Promise<SpoolListing[]> {
  let files: string[];
  try {
    files = await readdir(folder);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const found: SpoolListing[] = [];
  for (const file of files.filter((f) => f.endsWith(ENTRY_SUFFIX)).sort()) {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(folder, file), 'utf8'));
      const name = file.slice(0, -ENTRY_SUFFIX.length);
      if (state === 'dead' && isEntry(parsed) && files.includes(name + TOLD_SUFFIX)) {
        const told = await readFile(join(folder, name + TOLD_SUFFIX), 'utf8').then(
          (t) => (JSON.parse(t) as { notifiedAt?: unknown }).notifiedAt,
          () => undefined,
        );
        if (typeof told === 'number') (parsed as DeadEntry).notifiedAt = told;
      }
      if (isEntry(parsed)) found.push(listingOf(parsed, name, state));
    } catch {
      // sent and removed meanwhile, or half-written by hand: not an entry to show
    }
  }
  return found;
}

/**
 * The entries of a spool folder, waiting and dead, oldest first: what `voicebox spool list`
 * shows. Reads only; a running spool may change the folder meanwhile.
 */
export async function readSpoolFolder(dir: string): Promise<SpoolListing[]> {
  const all = [...(await readFolder(dir, 'queued')), ...(await readFolder(join(dir, 'dead'), 'dead'))];
  return all.sort((a, b) => a.enqueuedAt - b.enqueuedAt || a.name.localeCompare(b.name));
}

/** The entry with this spool id (or file name), waiting or dead. */
export async function findSpoolEntry(dir: string, id: string): Promise<SpoolListing | undefined> {
  const all = await readSpoolFolder(dir);
  return all.find((e) => e.id === id) ?? all.find((e) => e.name === id || e.name === spoolFileName(id));
}

/**
 * `voicebox spool retry`: a dead entry goes back into the folder (attempts reset, due now) — a
 * running spool finds it at its next scan; a waiting one is made due now. A message that was
 * partly delivered goes only to the recipients that refused it.
 */
export async function retrySpoolEntry(dir: string, entry: SpoolListing, now = Date.now()): Promise<void> {
  const fs = nodeFileSystem;
  const main = join(dir, entry.name + ENTRY_SUFFIX);
  if (entry.state === 'dead') {
    if (
      await stat(main).then(
        () => true,
        () => false,
      )
    )
      throw new MailSpoolError(`${entry.id} is waiting in the spool already`);
    // its sent marker (a partly delivered message) would make the spool drop it unsent
    await rm(join(dir, 'sent', entry.name), { force: true });
    await rename(join(dir, 'dead', entry.name + ENTRY_SUFFIX), main);
    await rm(join(dir, 'dead', entry.name + TOLD_SUFFIX), { force: true });
    await syncDir(fs, join(dir, 'dead'));
  }
  const stored: unknown = JSON.parse(await readFile(main, 'utf8'));
  if (!isEntry(stored)) throw new MailSpoolError(`${entry.id}: not a spool entry`);
  const {
    deadAt: _d,
    reason: _r,
    responseCode: _c,
    deliveredTo: _t,
    notifiedAt: _n,
    ...rest
  } = stored as DeadEntry;
  const queued: SpoolEntry = {
    ...rest,
    attempts: entry.state === 'dead' ? 0 : rest.attempts,
    // due after it was refused: a running spool that finds the dead letter again (a race with
    // its own bookkeeping) sees this entry as put back, not as the one it buried
    nextAttemptAt: entry.deadAt !== undefined ? Math.max(now, entry.deadAt + 1) : now,
  };
  const tmp = join(dir, 'tmp', `${entry.name}.${process.pid}.${randomBytes(6).toString('hex')}`);
  await mkdir(join(dir, 'tmp'), { recursive: true, mode: 0o700 });
  await writeSynced(fs, tmp, JSON.stringify(queued));
  await rename(tmp, main);
  await syncDir(fs, dir);
}

/** `voicebox spool drop`: the entry is removed; a running spool forgets it at its next look. */
export async function dropSpoolEntry(dir: string, entry: SpoolListing): Promise<void> {
  const folder = entry.state === 'dead' ? join(dir, 'dead') : dir;
  await rm(join(folder, entry.name + ENTRY_SUFFIX), { force: true });
  if (entry.state === 'dead') await rm(join(folder, entry.name + TOLD_SUFFIX), { force: true });
  await syncDir(nodeFileSystem, folder);
}
