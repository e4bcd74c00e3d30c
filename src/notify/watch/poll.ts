// The periodic check of every mailbox: the safety net under the push (a push lost while voicebox
// restarted, a server without push). One fingerprint per mailbox and round (MailboxStore.
// fingerprint: one login, STATUS, logout), a few mailboxes at once, compared with the last round's.
import type { MailboxOwner } from '../../mailbox/index.js';
import type { MailboxChange } from '../types.js';
import type { NotifyLogger } from '../log.js';

/** One mailbox to check: the login the change is reported for, and the owner to fingerprint. */
export interface PollTarget {
  readonly login: string;
  readonly owner: MailboxOwner;
}

/** Timers, injectable so a test decides when a round is due. */
export interface PollTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface MailboxPollOptions {
  /** who is checked; asked again before every round, so new and removed users follow */
  readonly list: () => Promise<readonly PollTarget[]>;
  /** MailboxStore.fingerprint (rejects with MailboxUnavailable when the mailbox cannot be read) */
  readonly fingerprint: (owner: MailboxOwner) => Promise<string>;
  /**
   * The change handled (Notifier.changed): awaited, so `concurrency` also bounds the checks it
   * starts; false (or a rejection) means it could not be handled — reported again next round.
   */
  readonly onChange: (change: MailboxChange) => void | boolean | Promise<void | boolean>;
  /** notify.watch.pollIntervalMs: from the end of one round to the start of the next */
  readonly intervalMs: number;
  /** notify.watch.concurrency: mailboxes checked at once */
  readonly concurrency: number;
  readonly log: NotifyLogger;
  readonly timers?: PollTimers;
  readonly now?: () => number;
}

/** What one round did. */
export interface PollRound {
  readonly checked: number;
  readonly changed: number;
  readonly failed: number;
  readonly ms: number;
}

/** Whether the periodic check runs at all: notify.watch.pollIntervalMs 0 turns it off. */
export function pollEnabled(watch: { readonly pollIntervalMs: number }): boolean {
  return watch.pollIntervalMs > 0;
}

/**
 * Rounds one after another, never overlapping: the first at start() reports every mailbox it can
 * read (the reconcile: what happened while voicebox was not running), later ones only those whose
 * fingerprint changed. A mailbox that cannot be read is reported by nobody (no phantom change) and
 * logged once when it starts failing and once when it recovers; its next good fingerprint is a change.
 */
export class MailboxPoll {
  private readonly timers: PollTimers;
  private readonly now: () => number;
  private readonly concurrency: number;
  /** login → the last fingerprint read */
  private readonly known = new Map<string, string>();
  /** login → why it failed last, while it fails */
  private readonly failing = new Map<string, string>();
  private timer: unknown = undefined;
  private running: Promise<PollRound> | undefined;
  private started = false;
  /** set by stop(): the running round starts no more mailboxes */
  private halted = false;
  last: PollRound | undefined;

  constructor(private readonly options: MailboxPollOptions) {
    this.timers = options.timers ?? {
      setTimeout: (run, ms) => setTimeout(run, ms).unref(),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    this.now = options.now ?? Date.now;
    this.concurrency = Math.max(1, Math.floor(options.concurrency));
  }

  /** Starts the first round now and the next ones every intervalMs after the previous ended. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.halted = false;
    void this.cycle();
  }

  /** No new round starts; resolves when the running one (if any) has finished its mailboxes in flight. */
  async stop(): Promise<void> {
    this.started = false;
    this.halted = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.running) await this.running.catch(() => undefined);
  }

  /** One round now, unless one is running already: then that one's result. */
  round(): Promise<PollRound> {
    this.running ??= this.runRound().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async cycle(): Promise<void> {
    try {
      this.last = await this.round();
    } catch (e) {
      this.options.log.error(
        { err: e instanceof Error ? e.message : String(e) },
        'the periodic mailbox check could not list the users',
      );
    }
    if (!this.started) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      void this.cycle();
    }, this.options.intervalMs);
  }

  private async runRound(): Promise<PollRound> {
    const started = this.now();
    const targets = await this.options.list();
    const current = new Set(targets.map((t) => t.login));
    for (const login of this.known.keys()) if (!current.has(login)) this.known.delete(login);
    for (const login of this.failing.keys()) if (!current.has(login)) this.failing.delete(login);

    let next = 0;
    let changed = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      // a stop() lets the mailboxes in flight finish but starts no more
      while (next < targets.length && !this.halted) {
        const target = targets[next++] as PollTarget;
        const result = await this.check(target);
        if (result === 'changed') changed++;
        else if (result === 'failed') failed++;
      }
    };
    const workers = Math.min(this.concurrency, targets.length);
    await Promise.all(Array.from({ length: workers }, worker));
    const round = { checked: next, changed, failed, ms: this.now() - started };
    this.options.log.debug(round, 'mailbox check round');
    return round;
  }

  private async check(target: PollTarget): Promise<'same' | 'changed' | 'failed'> {
    let print: string;
    try {
      print = await this.options.fingerprint(target.owner);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      if (!this.failing.has(target.login)) {
        this.options.log.warn(
          { login: target.login, err: reason },
          'mailbox check failed; its lamp stays as it is until the mailbox can be read',
        );
      }
      this.failing.set(target.login, reason);
      return 'failed';
    }
    if (this.failing.delete(target.login)) {
      this.options.log.info({ login: target.login }, 'mailbox check works again');
    }
    if (this.known.get(target.login) === print) return 'same';
    this.known.set(target.login, print);
    try {
      const handled = await this.options.onChange({ login: target.login, source: 'poll' });
      // not read, or not decided (directory or mailbox unavailable): unknown again
      if (handled === false) this.known.delete(target.login);
    } catch (e) {
      // unknown again: the next round reports it once more
      this.known.delete(target.login);
      this.options.log.error(
        { login: target.login, err: e instanceof Error ? e.message : String(e) },
        'a changed mailbox could not be handled',
      );
    }
    return 'changed';
  }
}
