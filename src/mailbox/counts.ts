// What the notifier reads of a mailbox (Mailbox.notifyCounts), from what an adapter found: the
// same rule for IMAP and Maildir. Pure.
import type { MessageSummary, NotifyCounts } from './types.js';

/** at most this many unseen voice, fax and SMS messages (the newest) are looked at */
export const NOTIFY_LOOK_AT = 1000;

/** One unseen voice, fax or SMS message: when it arrived and who it is from. */
export interface Arrival {
  kind: 'voice' | 'fax' | 'sms';
  /** IMAP INTERNALDATE; Maildir the file's mtime (Dovecot's INTERNALDATE of a Maildir file) */
  at: Date;
  /** the caller's number when known, else the sender as list() gives it */
  from: string;
}

/**
 * The counts since `since` (every unseen message without it). INTERNALDATE has whole seconds
 * only, so `since` is taken down to its second: a message delivered in the same second as a
 * reset counts — one lamp too many rather than a message nobody is told about.
 * `arrivals` in the order the messages arrived (UID, file name): of two with the same time the
 * later one is the newest.
 */
export function notifyCountsOf(
  summary: MessageSummary,
  arrivals: readonly Arrival[],
  since?: Date,
): NotifyCounts {
  const from = since === undefined ? -Infinity : Math.floor(since.getTime() / 1000) * 1000;
  const counts = { voice: 0, fax: 0, sms: 0 };
  const last: Partial<Record<Arrival['kind'], { from: string; at: Date }>> = {};
  for (const arrival of arrivals) {
    if (!(arrival.at.getTime() >= from)) continue;
    counts[arrival.kind]++;
    const newest = last[arrival.kind];
    if (newest === undefined || arrival.at.getTime() >= newest.at.getTime()) {
      last[arrival.kind] = { from: arrival.from, at: arrival.at };
    }
  }
  return { summary, since: counts, last };
}
