// One SMS as the queue keeps it: for whom, to which number, in which words, under which id.
import { createHash } from 'node:crypto';
import type { DirectoryUser } from '../../directory/index.js';
import type { Location } from '../../phone/index.js';
import { NOTIFY_KINDS, type NotifyKind, type SmsJob } from '../types.js';
import { smsNumbers, type SmsNumberError } from './number.js';
import { smsLanguage, smsText } from './text.js';

export interface SmsJobInput {
  readonly user: Pick<DirectoryUser, 'id' | 'numbers' | 'notifyNumbers' | 'settings'> &
    Partial<Pick<DirectoryUser, 'mailbox'>>;
  /** what she is told, per kind: the counts the notifier claimed (since[kind]) */
  readonly counts: Readonly<Partial<Record<NotifyKind, number>>>;
  /** the number that left the latest of them (`lastSender`), if known */
  readonly lastFrom?: string | undefined;
  /** the site's language, for a user without one of her own */
  readonly defaultLanguage: string;
  readonly location: Location;
  /** her unusable sender number: the SMS goes without it (BadNumberLog.report) */
  readonly badSender?: (error: SmsNumberError) => void;
}

/**
 * The job's id, also the HTTP gateway's Idempotency-Key: `<user id hash>-<kind>-<count>…-<reset
 * time>`. The same claim gives the same id in every process, so a repeated enqueue is a no-op and
 * a gateway can drop a repeated request; a new count or a new reset gives a new one.
 */
export function smsJobId(
  userId: string,
  counts: Readonly<Partial<Record<NotifyKind, number>>>,
  resetAt: string | undefined,
): string {
  const user = createHash('sha256').update(userId, 'utf8').digest('hex').slice(0, 16);
  const kinds = NOTIFY_KINDS.filter((k) => (counts[k] ?? 0) > 0).map((k) => `${k}-${counts[k] ?? 0}`);
  const reset = resetAt ? Date.parse(resetAt) : 0;
  return [user, ...kinds, Number.isFinite(reset) ? reset : 0].join('-');
}

/**
 * The SMS for a claim: her mobile number (E.164), her sender number, the text in her language
 * (her menu language, else her greeting language, else the site's). Throws SmsNumberError when
 * her mobile number is unusable — for her alone; nothing is queued.
 */
export function smsJob(input: SmsJobInput): SmsJob {
  const { user } = input;
  const numbers = smsNumbers(user, input.location, input.badSender);
  const language = smsLanguage(user.settings.menuLanguage ?? user.settings.language ?? input.defaultLanguage);
  return {
    id: smsJobId(user.id, input.counts, user.settings.notifyResetAt),
    user: user.id,
    to: numbers.to,
    from: numbers.from,
    text: smsText({ counts: input.counts, lastFrom: input.lastFrom, language, location: input.location }),
    language,
    counts: input.counts,
    ...(user.mailbox !== undefined ? { mailbox: user.mailbox } : {}),
  };
}
