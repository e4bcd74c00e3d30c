// Her mobile number as an SMS needs it: E.164, checked against the site's location. Directory
// values are typed by people; one bad value costs that user her SMS, nobody else's.
import type { DirectoryUser } from '../../directory/index.js';
import { isInternal, toE164, type Location } from '../../phone/index.js';

/** A directory number an SMS cannot use: it names the user, the directory key and the value. */
export class SmsNumberError extends Error {
  override readonly name = 'SmsNumberError';
  constructor(
    readonly user: string,
    /** `mobile` (numbers.mobile) or `sender` (notifyNumbers.sender) */
    readonly key: 'mobile' | 'sender',
    readonly value: string,
    readonly reason: string,
  ) {
    super(`${key} of ${user}: ${JSON.stringify(value)} ${reason}`);
  }
}

/**
 * A mobile number as E.164 (`0170 1000001` → `+491701000001`), or why it is none: not a phone
 * number (letters, too short or long), or one of the company's own numbers (an extension, which
 * no SMS reaches). Directory values carry no outside-line prefix.
 */
export function mobileE164(raw: string, location: Location): { e164: string } | { problem: string } {
  const value = raw.trim();
  if (value === '') return { problem: 'is empty' };
  const e164 = toE164(value, location, { outsideLine: 'without' });
  if (e164 === undefined) return { problem: 'is not a phone number' };
  if (isInternal(value, location) || isInternal(e164, location)) {
    return { problem: 'is an internal extension, not a mobile number' };
  }
  return { e164 };
}

export interface SmsNumbers {
  /** E.164 */
  readonly to: string;
  /** E.164, or '' when she has none or hers is unusable (logged, the SMS goes without) */
  readonly from: string;
}

/**
 * Where her SMS goes and the number it names as sender (N3). Throws SmsNumberError when she has
 * no usable mobile number; an unusable sender number is reported through `badSender` and left out.
 */
export function smsNumbers(
  user: Pick<DirectoryUser, 'id' | 'numbers' | 'notifyNumbers'>,
  location: Location,
  badSender?: (error: SmsNumberError) => void,
): SmsNumbers {
  const mobile = user.numbers.mobile ?? '';
  const to = mobileE164(mobile, location);
  if ('problem' in to) {
    throw new SmsNumberError(user.id, 'mobile', mobile, mobile.trim() === '' ? 'is missing' : to.problem);
  }
  const sender = user.notifyNumbers?.sender?.trim() ?? '';
  if (sender === '') return { to: to.e164, from: '' };
  const from = toE164(sender, location, { outsideLine: 'without' });
  if (from === undefined) {
    badSender?.(new SmsNumberError(user.id, 'sender', sender, 'is not a phone number'));
    return { to: to.e164, from: '' };
  }
  return { to: to.e164, from };
}

/** The subset of a pino logger the SMS side uses; a pino `Logger` fits. */
export interface SmsLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * Logs each unusable number once per user, key and value (a `warn` line), so a mailbox that
 * changes every minute does not repeat it; a corrected and again broken value is logged again.
 */
export class BadNumberLog {
  private readonly seen = new Map<string, string>();
  constructor(private readonly log: SmsLogger) {}

  report(error: SmsNumberError): void {
    const key = `${error.user}\u0000${error.key}`;
    if (this.seen.get(key) === error.value) return;
    this.seen.set(key, error.value);
    this.log.warn(
      { user: error.user, key: error.key, value: error.value, problem: error.reason },
      error.key === 'mobile'
        ? 'notify: her mobile number is unusable, no SMS for her'
        : 'notify: her SMS sender number is unusable, SMS go without it',
    );
  }
}
