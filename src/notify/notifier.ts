// The notifier (N1–N3): after a change in her mailbox, it reads the counts there and sets her
// lamp (and asks for an SMS when one is due). Nothing is counted per event: the counts come from
// the mailbox each time, so two voicebox processes agree, and a lost event costs nothing that
// the next change or the periodic check does not put right.
import {
  DirectoryUnavailable,
  UserGone,
  type Directory,
  type DirectoryUser,
  type UserSettings,
} from '../directory/index.js';
import { MailboxUnavailable, type MailboxOwner, type MailboxStore } from '../mailbox/index.js';
import { formats, type Location } from '../phone/index.js';
import type { LampSender } from './lamp.js';
import { silentNotifyLogger, type LoggedUser, type NotifyLogger } from './log.js';
import { lampAccount, lampFor, notifyPolicyFor, smsDue, type NotifySite } from './policy.js';
import {
  NOTIFY_KINDS,
  type MailboxChange,
  type NotifyCounts,
  type NotifyKind,
  type NotifyPolicy,
  type NotifyReason,
  type UserByLogin,
} from './types.js';

/**
 * An SMS is due (`kinds`), or what an SMS told her is more than her mailbox now counts (she read
 * or deleted messages elsewhere): handed to the SMS part, which claims the due kinds and lowers
 * the stale counts in the directory, and queues the SMS.
 */
export interface SmsDue {
  readonly user: DirectoryUser;
  /** the kinds due as read here; the claim checks the thresholds again against the stored counts */
  readonly kinds: readonly NotifyKind[];
  readonly counts: NotifyCounts;
  readonly policy: NotifyPolicy;
  readonly reason: NotifyReason;
}

export interface NotifierOptions {
  readonly directory: Directory;
  readonly mailboxes: MailboxStore;
  /** how a directory user becomes the owner whose mailbox is opened (her own IMAP user, folder, host) */
  readonly ownerOf: (user: DirectoryUser) => MailboxOwner;
  /** the lamps; without it no lamp is sent (no `freeswitch.inbound`) */
  readonly lamp?: LampSender | undefined;
  /** who a mail server's user name (IMAP login, alias, address) belongs to */
  readonly userByLogin: UserByLogin;
  /** every user (UserIndex.list): whose lamp account a phone asks for (`asked`) */
  readonly listUsers?: (() => Promise<readonly DirectoryUser[]>) | undefined;
  readonly site: NotifySite;
  readonly location: Location;
  readonly clock?: (() => Date) | undefined;
  readonly log?: NotifyLogger | undefined;
  /** an SMS is due for her: the SMS part claims and queues it */
  readonly onSmsDue?: ((due: SmsDue) => Promise<void> | void) | undefined;
  /** mailboxes read at once by `reconcileAll`; default 8 */
  readonly concurrency?: number | undefined;
}

interface Job {
  user: DirectoryUser;
  reason: NotifyReason;
  force: boolean;
}

interface Slot {
  next: Job | undefined;
  /** whether the last check of this run read her mailbox and decided her lamp and SMS */
  done: Promise<boolean>;
}

/** a per-user value in a log line: at most 200 characters */
const logged = (value: unknown): string => {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
};

/**
 * Keeps every lamp in step with its mailbox. Per user one check at a time; changes that arrive
 * during a check make one more check after it, so the last state sent is read after the last
 * change — whichever process sends last, it sends what the mailbox holds then.
 */
export class Notifier {
  private readonly log: NotifyLogger;
  private readonly now: () => Date;
  private readonly slots = new Map<string, Slot>();
  /** users whose unusable lamp number or setting was logged already (once per value) */
  private readonly told = new Set<string>();
  /** the listing `byAccount` was made from */
  private accountsOf: readonly DirectoryUser[] | undefined;
  private byAccount = new Map<string, DirectoryUser>();
  private reconciling: Promise<void> | undefined;
  private reconcileAgain = false;
  private started = false;
  /** `changed`, `seen` and `reset` calls under way (they look the user up before a check starts) */
  private readonly busy = new Set<Promise<unknown>>();
  private readonly onUp = (): void => void this.reconcileAll();

  constructor(private readonly o: NotifierOptions) {
    this.log = o.log ?? silentNotifyLogger;
    this.now = o.clock ?? (() => new Date());
  }

  /** Lamps are reconciled on every (re)connection of the link, the first one at start included. */
  start(): void {
    if (this.started || !this.o.lamp) return;
    this.started = true;
    this.o.lamp.lampLink.on('up', this.onUp);
  }

  /**
   * A phone registered as `account` and FreeSWITCH asks for its lamp (mod_sofia's MESSAGE_QUERY,
   * `Message-Account: sip:501@pbx.example.com`): her lamp is sent as her mailbox stands, so a
   * phone that restarted shows it at once. An account of nobody's is left to others (mod_voicemail).
   */
  async asked(account: string): Promise<void> {
    if (!this.o.lamp || !this.o.listUsers) return;
    const key = accountKey(account);
    if (key === '') return;
    let users: readonly DirectoryUser[];
    try {
      users = await this.o.listUsers();
    } catch (error) {
      this.log.warn(
        { err: messageOf(error) },
        'notifier: cannot list the users to answer a phone asking for its lamp',
      );
      return;
    }
    if (users !== this.accountsOf) {
      const byAccount = new Map<string, DirectoryUser>();
      for (const u of users) {
        const a = this.accountOf(u);
        if (a !== undefined) byAccount.set(accountKey(a), u);
      }
      this.accountsOf = users;
      this.byAccount = byAccount;
    }
    const user = this.byAccount.get(key);
    if (user) await this.check(user, 'asked', { force: true });
  }

  /**
   * Something changed in the mailbox of the mail server's user `login`. Resolves true when her
   * mailbox was read and her lamp and SMS decided (or there is nothing to decide: nobody owns
   * it, she has neither), false when the directory or her mailbox could not be read — the
   * periodic check then reports the mailbox again. Never rejects.
   */
  changed(change: MailboxChange): Promise<boolean> {
    return this.track(this.changedNow(change), false);
  }

  private async changedNow(change: MailboxChange): Promise<boolean> {
    let user: DirectoryUser | undefined;
    try {
      user = await this.o.userByLogin(change.login);
    } catch (error) {
      this.log.warn(
        { login: change.login, source: change.source, err: messageOf(error) },
        'notifier: cannot tell whose mailbox changed (directory unavailable?); the next check puts it right',
      );
      return false;
    }
    if (!user) {
      this.log.debug(
        { login: change.login, source: change.source },
        'notifier: a mailbox nobody in the directory owns',
      );
      return true;
    }
    // the name was found in a listing: asked again by her mailbox number, and the check reads
    // her entry once more as stored at that moment (directory.current)
    const fresh = await this.findUser({ mailbox: user.mailbox, user: user.id });
    if (fresh === 'unavailable') return false;
    if (!fresh) return true;
    return this.check(fresh, change.source === 'delivery' ? 'arrived' : 'changed');
  }

  /**
   * She entered the message menu by phone: her counts start afresh from now (her lamp goes out,
   * SMS count again from zero). `who` is the user, or the `seen` event of the actions.
   */
  seen(who: DirectoryUser | { mailbox: string; user: string }): Promise<void> {
    return this.track(this.resetCounts(who, 'seen'), undefined);
  }

  /** The reset mail or `voicebox notify reset` for her: as `seen`, logged as `reset`. */
  reset(who: DirectoryUser | { mailbox: string; user: string }): Promise<void> {
    return this.track(this.resetCounts(who, 'reset'), undefined);
  }

  /**
   * Reads her entry as stored now and her mailbox, sets her lamp (and hands on a due SMS); never
   * throws. Resolves as `changed` does, for the last check of the run it joined.
   */
  check(user: DirectoryUser, reason: NotifyReason, o: { force?: boolean } = {}): Promise<boolean> {
    const job: Job = { user, reason, force: o.force ?? false };
    const slot = this.slots.get(user.id);
    if (slot) {
      // coalesced: one more check after the one under way, with the newest user and reason
      slot.next = { ...job, force: job.force || (slot.next?.force ?? false) };
      return slot.done;
    }
    const fresh: Slot = { next: undefined, done: Promise.resolve(true) };
    this.slots.set(user.id, fresh);
    fresh.done = this.drain(user.id, fresh, job);
    return fresh.done;
  }

  /**
   * Every user with a lamp: her lamp sent as her mailbox stands, also when it seems unchanged
   * (FreeSWITCH and her phones may have restarted). Mailboxes are read `concurrency` at a time.
   * A call while one runs makes one more run after it.
   */
  reconcileAll(): Promise<void> {
    if (this.reconciling) {
      this.reconcileAgain = true;
      return this.reconciling;
    }
    const run = async (): Promise<void> => {
      do {
        this.reconcileAgain = false;
        await this.reconcileOnce();
      } while (this.reconcileAgain);
    };
    this.reconciling = run().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /**
   * Resolves when nothing is under way: no change being looked up, no check, no reconcile, no
   * lamp being sent (tests; shutdown). What waits for the link to come back does not count.
   */
  async idle(): Promise<void> {
    for (;;) {
      const under = [
        ...this.busy,
        ...[...this.slots.values()].map((s) => s.done),
        ...(this.reconciling ? [this.reconciling] : []),
      ];
      if (under.length === 0) break;
      await Promise.allSettled(under);
    }
    await this.o.lamp?.idle();
  }

  /** Stops reconciling on `up` and waits for the checks under way. */
  async close(): Promise<void> {
    this.o.lamp?.lampLink.off('up', this.onUp);
    this.started = false;
    await this.idle();
  }

  // ---- internals ------------------------------------------------------------------------

  private track<T>(work: Promise<T>, failed: T): Promise<T> {
    const tracked = work.catch((error: unknown) => {
      this.log.error({ err: messageOf(error) }, 'notifier: a change could not be handled');
      return failed;
    });
    this.busy.add(tracked);
    void tracked.finally(() => this.busy.delete(tracked));
    return tracked;
  }

  private async drain(id: string, slot: Slot, first: Job): Promise<boolean> {
    let job: Job | undefined = first;
    let handled = true;
    try {
      while (job) {
        handled = await this.checkOnce(job);
        job = slot.next;
        slot.next = undefined;
      }
    } finally {
      this.slots.delete(id);
    }
    return handled;
  }

  /** One check; true when her mailbox was read and her lamp and SMS decided (or nothing is hers to decide). */
  private async checkOnce(job: Job): Promise<boolean> {
    const { reason, force } = job;
    const user = await this.entryNow(job.user, reason);
    if (user === 'gone') return true;
    if (user === 'unavailable') return false;
    try {
      const policy = notifyPolicyFor(user, this.o.site, (key, value, why) =>
        this.unusable(user, key, value, why),
      );
      const account = this.o.lamp ? this.accountOf(user) : undefined;
      const wantsSms = policy.sms && this.o.onSmsDue !== undefined;
      if (account === undefined && !wantsSms) return true;
      const counts = await this.countsOf(user);
      if (!counts) return false;
      if (account !== undefined && this.o.lamp)
        this.o.lamp.set(lampFor(counts, policy, account), reason, loggedUser(user), { force });
      if (!wantsSms) return true;
      const kinds = smsDue(counts, policy, user.settings);
      // she read or deleted messages elsewhere: what an SMS told her comes down with her mailbox,
      // or the next message of that kind would never reach the threshold again
      const stale = NOTIFY_KINDS.some((k) => (user.settings.smsNotified?.[k] ?? 0) > counts.since[k]);
      if (kinds.length > 0 || stale) await this.o.onSmsDue?.({ user, kinds, counts, policy, reason });
      return true;
    } catch (error) {
      this.log.error({ user: user.id, reason, err: messageOf(error) }, 'notifier: check failed');
      return false;
    }
  }

  /**
   * Her entry as stored now, past every cache: a reset by another process (or by this one while
   * the change was looked up) counts. A directory without `current` gives the entry we have.
   */
  private async entryNow(
    user: DirectoryUser,
    reason: NotifyReason,
  ): Promise<DirectoryUser | 'gone' | 'unavailable'> {
    if (!this.o.directory.current) return user;
    try {
      return await this.o.directory.current(user);
    } catch (error) {
      if (error instanceof UserGone) {
        this.log.debug({ user: user.id, reason }, 'notifier: she is no longer in the directory');
        return 'gone';
      }
      const unavailable = error instanceof DirectoryUnavailable;
      this.log.warn(
        { user: user.id, reason, err: messageOf(error) },
        unavailable
          ? 'notifier: the directory did not answer; her lamp is left as it is until the next check'
          : 'notifier: her entry could not be read; her lamp is left as it is until the next check',
      );
      return 'unavailable';
    }
  }

  /** Her counts since her last reset; undefined (and logged) when her mailbox cannot be read. */
  private async countsOf(user: DirectoryUser): Promise<NotifyCounts | undefined> {
    const since = this.resetTime(user);
    try {
      const mailbox = await this.o.mailboxes.open(this.o.ownerOf(user));
      try {
        return await mailbox.notifyCounts(since);
      } finally {
        await mailbox.close().catch(() => undefined);
      }
    } catch (error) {
      if (!(error instanceof MailboxUnavailable)) throw error;
      // no lamp from a mailbox not read: the next change or periodic check tries again
      this.log.warn(
        { user: user.id, err: error.message },
        'notifier: her mailbox cannot be read; lamp left as it is',
      );
      return undefined;
    }
  }

  private resetTime(user: DirectoryUser): Date | undefined {
    const value = user.settings.notifyResetAt;
    if (value === undefined) return undefined;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) {
      this.unusable(user, 'notifyResetAt', value, 'not a time: every unseen message counts');
      return undefined;
    }
    return at;
  }

  private accountOf(user: DirectoryUser): string | undefined {
    return lampAccount(user, this.o.site, this.o.location, (key, value, why) =>
      this.unusable(user, key, value, why),
    );
  }

  /** a per-user value that cannot be used: logged once per user, key and value */
  private unusable(user: DirectoryUser, key: string, value: unknown, why: string): void {
    const once = `${user.id}\n${key}\n${logged(value)}`;
    if (this.told.has(once)) return;
    this.told.add(once);
    this.log.warn({ user: user.id, key, value: logged(value), why }, `notifier: her ${key} is not used`);
  }

  private async resetCounts(
    who: DirectoryUser | { mailbox: string; user: string },
    reason: 'seen' | 'reset',
  ): Promise<void> {
    const found = 'settings' in who ? who : await this.findUser(who);
    if (!found || found === 'unavailable') return;
    const at = this.now().toISOString();
    let user: DirectoryUser;
    try {
      user = await this.o.directory.updateSettings(found, (s) => resetSettings(s, at));
    } catch (error) {
      this.log.warn(
        { user: found.id, reason, err: messageOf(error) },
        'notifier: her counts could not be reset; her lamp stays as her mailbox shows',
      );
      return;
    }
    await this.check(user, reason);
  }

  /** her entry as the directory holds it now, found by her mailbox number */
  private async findUser(e: {
    mailbox: string;
    user: string;
  }): Promise<DirectoryUser | 'unavailable' | undefined> {
    if (e.mailbox === '') return undefined; // no mailbox number: nothing to count, no lamp
    const all = formats(e.mailbox, this.o.location)?.all ?? [];
    try {
      const user = await this.o.directory.findByNumber([...new Set([e.mailbox, ...all])]);
      if (user?.id === e.user) return user;
      this.log.warn(
        { user: e.user, mailbox: e.mailbox },
        'notifier: the user is no longer found by her mailbox number',
      );
    } catch (error) {
      this.log.warn({ user: e.user, err: messageOf(error) }, 'notifier: the directory did not answer');
      return 'unavailable';
    }
    return undefined;
  }

  private async reconcileOnce(): Promise<void> {
    const users = this.o.directory.users?.();
    if (!users || !this.o.lamp) return;
    const iterator = users[Symbol.asyncIterator]();
    const workers = Math.max(1, this.o.concurrency ?? 8);
    let count = 0;
    const work = async (): Promise<void> => {
      for (;;) {
        let next: IteratorResult<DirectoryUser>;
        try {
          next = await iterator.next();
        } catch (error) {
          this.log.warn({ err: messageOf(error) }, 'notifier: cannot list the users to reconcile the lamps');
          return;
        }
        if (next.done) return;
        const user = next.value;
        const policy = notifyPolicyFor(user, this.o.site);
        if (!policy.lamp || this.accountOf(user) === undefined) continue;
        count++;
        await this.check(user, 'reconcile', { force: true });
      }
    };
    await Promise.all(Array.from({ length: workers }, work));
    this.log.info({ lamps: count }, 'notifier: lamps reconciled with the mailboxes');
  }
}

/** Her counts start afresh: only messages that arrive from now on count; no SMS told yet. */
export function resetSettings(s: UserSettings, at: string): UserSettings {
  const { smsNotified: _cleared, ...rest } = s;
  return { ...rest, notifyResetAt: at };
}

/** `sip:501@PBX.example.com` and `501@pbx.example.com` are one account */
const accountKey = (account: string): string => account.trim().replace(/^sip:/i, '').toLowerCase();

const loggedUser = (user: DirectoryUser): LoggedUser => ({ id: user.id, mailbox: user.mailbox });

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
