// The notifier log (`notify.log`): one JSON line for every lamp and SMS sent, so an admin can
// answer "why did my lamp go on / did the SMS go out". Counts and reasons only: never a PIN, a
// password, a message's content or who it is from.
import { appendFile, chmod } from 'node:fs/promises';
import { countryCodeOf } from '../phone/index.js';
import type { NotifyKind, NotifyReason } from './types.js';

/** The subset of a pino logger the notifier uses; a pino `Logger` fits. */
export interface NotifyLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;
export const silentNotifyLogger: NotifyLogger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
});

/** Who a line is about: her directory id and her mailbox number. */
export interface LoggedUser {
  readonly id: string;
  readonly mailbox: string;
}

/** One line of the notifier log. */
export type NotifierLogEntry =
  | {
      readonly kind: 'lamp';
      readonly user: LoggedUser;
      readonly account: string;
      readonly waiting: boolean;
      readonly voice: { readonly new: number; readonly old: number };
      readonly fax?: { readonly new: number; readonly old: number } | undefined;
      readonly reason: NotifyReason;
    }
  | {
      readonly kind: 'sms';
      readonly user: LoggedUser;
      /** E.164; masked before it is written */
      readonly to: string;
      readonly messageKind: NotifyKind;
      /** the messages of that kind counted since her reset */
      readonly count: number;
      readonly reason: NotifyReason;
      /** `sent`, or `rejected` by the gateway for good */
      readonly outcome: 'sent' | 'rejected';
    };

export interface NotifierLog {
  write(entry: NotifierLogEntry): void;
  /** resolves when every line written so far is on disk */
  flush(): Promise<void>;
}

/** `notify.log: ''`: nothing is written. */
export const noNotifierLog: NotifierLog = Object.freeze({ write: noop, flush: () => Promise.resolve() });

/**
 * A mobile number as the log shows it: the country code and the last three digits
 * (`+49*********001`). Three digits tell an admin which of her numbers an SMS went to and match a
 * user's "it never came" against the line; they do not give the number away to whoever reads logs.
 */
export function maskNumber(e164: string): string {
  const digits = e164.replace(/[^0-9]/g, '');
  if (digits.length <= 5) return '*'.repeat(digits.length);
  const country = countryCodeOf(`+${digits}`) ?? '';
  const hidden = digits.length - country.length - 3;
  return `+${country}${'*'.repeat(hidden)}${digits.slice(-3)}`;
}

/**
 * The notifier log in `file` ('' = none): appended, owner-only (0600, also an older file found
 * there), one line per entry in the order written. A line that cannot be written is reported
 * to `log` once per failure in a row; the lamp or SMS it describes is not held up by it.
 */
export function openNotifierLog(file: string, log: NotifyLogger = silentNotifyLogger): NotifierLog {
  if (file === '') return noNotifierLog;
  let queue: Promise<void> = Promise.resolve();
  let modeChecked = false;
  let failing = false;
  return {
    write(entry) {
      const line = `${JSON.stringify(lineOf(entry, new Date()))}\n`;
      queue = queue.then(async () => {
        try {
          await appendFile(file, line, { mode: 0o600 });
          if (!modeChecked) {
            await chmod(file, 0o600);
            modeChecked = true;
          }
          failing = false;
        } catch (error) {
          if (!failing) {
            const code = (error as NodeJS.ErrnoException).code ?? String(error);
            log.warn({ file, err: code }, `notify.log: cannot write ${file} (${code})`);
          }
          failing = true;
        }
      });
    },
    flush: () => queue,
  };
}

function lineOf(entry: NotifierLogEntry, at: Date): Record<string, unknown> {
  const base = { time: at.toISOString(), user: entry.user.id, mailbox: entry.user.mailbox };
  if (entry.kind === 'lamp') {
    return {
      ...base,
      kind: 'lamp',
      account: entry.account,
      state: entry.waiting ? 'yes' : 'no',
      voice: `${entry.voice.new}/${entry.voice.old}`,
      ...(entry.fax ? { fax: `${entry.fax.new}/${entry.fax.old}` } : {}),
      reason: entry.reason,
    };
  }
  return {
    ...base,
    kind: 'sms',
    to: maskNumber(entry.to),
    messageKind: entry.messageKind,
    count: entry.count,
    outcome: entry.outcome,
    reason: entry.reason,
  };
}
