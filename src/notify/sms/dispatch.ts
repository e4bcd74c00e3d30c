// From "an SMS is due" to a queued job: claim it in the directory (so of several voicebox
// processes one sends it), build it, queue it.
import type { Directory, DirectoryUser, UserSettings } from '../../directory/index.js';
import type { Location } from '../../phone/index.js';
import type { NotifyCounts, NotifyKind, SmsJob } from '../types.js';
import { smsJob } from './job.js';
import { BadNumberLog, SmsNumberError, type SmsLogger } from './number.js';
import { lastSender } from './text.js';

/** What the notifier hands on when an SMS is due (its SmsDue fits). */
export interface SmsDueInput {
  readonly user: DirectoryUser;
  readonly kinds: readonly NotifyKind[];
  readonly counts: NotifyCounts;
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
 * still below and her reset time unchanged), then the queue — so two processes never both send it.
 * A crash between the two loses that one SMS (the next threshold sends the next); a queue that
 * cannot write gives the claim back. An unusable mobile number is logged once and claims nothing.
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
    try {
      build(due.user, due, due.kinds); // her number first: a bad one claims nothing
    } catch (error) {
      if (error instanceof SmsNumberError) return badNumbers.report(error);
      throw error;
    }
    let claimed: NotifyKind[] = [];
    const claim = (s: UserSettings): UserSettings => {
      claimed = due.kinds.filter((k) => (s.smsNotified?.[k] ?? 0) < due.counts.since[k]);
      if (s.notifyResetAt !== due.user.settings.notifyResetAt || claimed.length === 0) {
        claimed = [];
        return s;
      }
      const told = { ...s.smsNotified };
      for (const k of claimed) told[k] = due.counts.since[k];
      return { ...s, smsNotified: told };
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
            if (told[k] === due.counts.since[k]) told[k] = due.user.settings.smsNotified?.[k] ?? 0;
          }
          return { ...s, smsNotified: told };
        })
        .catch(() => undefined);
      throw error;
    }
  };
}
