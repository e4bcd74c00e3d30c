// From "an SMS is due" to a queued job: claim it in the directory (so of several voicebox
// processes one sends it), build it, queue it.
import type { Directory, DirectoryUser, UserSettings } from '../../directory/index.js';
import type { Location } from '../../phone/index.js';
import {
  NOTIFY_KINDS,
  type NotifyCounts,
  type NotifyKind,
  type NotifyPolicy,
  type SmsJob,
} from '../types.js';
import { smsJob } from './job.js';
import { BadNumberLog, SmsNumberError, type SmsLogger } from './number.js';
import { lastSender } from './text.js';

/** What the notifier hands on when an SMS is due (its SmsDue fits). */
export interface SmsDueInput {
  readonly user: DirectoryUser;
  /** the kinds due as the notifier read them (may be none: only counts to lower) */
  readonly kinds: readonly NotifyKind[];
  readonly counts: NotifyCounts;
  /** her thresholds: the claim checks them again against the counts stored at that moment */
  readonly policy: Pick<NotifyPolicy, 'thresholds'>;
}

export interface SmsDispatchOptions {
  readonly directory: Pick<Directory, 'updateSettings'>;
  /** the queue (SmsQueue fits): resolves once the job is on disk */
  readonly queue: { enqueue(job: SmsJob): Promise<boolean> };
  readonly location: Location;
  readonly defaultLanguage: string;
  readonly log: SmsLogger;
}

/**
 * The notifier's `onSmsDue`. Order: the claim first (smsNotified[kind] = since[kind], only while
 * since[kind] − smsNotified[kind] still reaches her threshold and her reset time is unchanged),
 * then the queue — so two processes never both send it, nor one each for counts read a message
 * apart. In the same update a count told that is above what her mailbox holds now (she read or
 * deleted messages elsewhere) comes down to it. A crash between claim and queue loses that one
 * SMS (the next threshold sends the next); a queue that cannot write gives the claim back. An
 * unusable mobile number is logged once and claims nothing.
 */
export function smsDispatch(o: SmsDispatchOptions): (due: SmsDueInput) => Promise<void> {
  const badNumbers = new BadNumberLog(o.log);
  const build = (user: DirectoryUser, due: SmsDueInput, kinds: readonly NotifyKind[]) =>
    smsJob({
      user,
      counts: Object.fromEntries(kinds.map((k) => [k, due.counts.since[k]])),
      lastFrom: lastSender(due.counts, kinds),
      defaultLanguage: o.defaultLanguage,
      location: o.location,
      badSender: (e) => badNumbers.report(e),
    });

  return async (due) => {
    const since = due.counts.since;
    let wanted = due.kinds;
    if (wanted.length > 0) {
      try {
        build(due.user, due, wanted); // her number first: a bad one claims nothing
      } catch (error) {
        if (!(error instanceof SmsNumberError)) throw error;
        badNumbers.report(error);
        wanted = [];
      }
    }
    const stale = (s: UserSettings) => NOTIFY_KINDS.some((k) => (s.smsNotified?.[k] ?? 0) > since[k]);
    if (wanted.length === 0 && !stale(due.user.settings)) return;
    let claimed: NotifyKind[] = [];
    /** per kind claimed: what was told before the claim (given back if the queue fails) */
    const before: Partial<Record<NotifyKind, number>> = {};
    const claim = (s: UserSettings): UserSettings => {
      claimed = [];
      // counted since another reset than ours: neither a claim nor a lowering holds
      if (s.notifyResetAt !== due.user.settings.notifyResetAt) return s;
      const told: Partial<Record<NotifyKind, number>> = { ...s.smsNotified };
      let lowered = false;
      for (const k of NOTIFY_KINDS) {
        if ((told[k] ?? 0) > since[k]) {
          told[k] = since[k];
          lowered = true;
        }
      }
      for (const k of wanted) {
        const threshold = due.policy.thresholds[k];
        if (threshold > 0 && since[k] - (told[k] ?? 0) >= threshold) {
          before[k] = told[k] ?? 0;
          told[k] = since[k];
          claimed.push(k);
        }
      }
      return claimed.length > 0 || lowered ? { ...s, smsNotified: told } : s;
    };
    const updated = await o.directory.updateSettings(due.user, claim);
    if (claimed.length === 0) return; // another process claimed it, or she was reset meanwhile
    const kinds = claimed;
    const job = build(updated, due, kinds);
    try {
      await o.queue.enqueue(job);
    } catch (error) {
      o.log.error(
        { user: due.user.id, id: job.id, err: error instanceof Error ? error.message : String(error) },
        'sms: could not be queued, the claim is given back',
      );
      await o.directory
        .updateSettings(updated, (s) => {
          if (s.notifyResetAt !== updated.settings.notifyResetAt) return s;
          const told = { ...s.smsNotified };
          for (const k of kinds) {
            if (told[k] === since[k]) told[k] = before[k] ?? 0;
          }
          return { ...s, smsNotified: told };
        })
        .catch(() => undefined);
      throw error;
    }
  };
}
