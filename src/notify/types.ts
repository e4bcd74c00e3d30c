// The notifier's contracts (N1–N3): what it reads of a mailbox, the lamp it sends, the SMS it
// queues, and the ports it is built from. The adapters live beside this file.
import type { DirectoryUser } from '../directory/index.js';
import type { NotifyCounts } from '../mailbox/index.js';

/** The kinds of message a user can be told about (§4.5: fax, voice, SMS; e-mail never). */
export type NotifyKind = 'voice' | 'fax' | 'sms';
export const NOTIFY_KINDS: readonly NotifyKind[] = ['voice', 'fax', 'sms'];

/** What the notifier reads of one mailbox (Mailbox.notifyCounts): counts only, never content. */
export type { NotifyCounts };

/** The thresholds, targets and switches in force for one user: hers over the site's (N3). */
export interface NotifyPolicy {
  /** after how many new messages of a kind she is told; 0 = never */
  readonly thresholds: Readonly<Record<NotifyKind, number>>;
  readonly lamp: boolean;
  readonly sms: boolean;
}

/** One lamp state, as FreeSWITCH's MESSAGE_WAITING event carries it (mod_sofia → SIP NOTIFY). */
export interface LampState {
  /** `sip:<user>@<domain>`: MWI-Message-Account */
  readonly account: string;
  /** MWI-Messages-Waiting */
  readonly waiting: boolean;
  /** MWI-Voice-Message `new/old (urgentNew/urgentOld)`; urgent is always 0/0 (voicebox has no urgent messages) */
  readonly voice: { readonly new: number; readonly old: number };
  /** MWI-Fax-Message (RFC 3458 message class), sent when she has fax messages */
  readonly fax?: { readonly new: number; readonly old: number };
}

/** Why a lamp or an SMS was sent: the notifier log's `reason`. */
export type NotifyReason =
  | 'arrived' // a message arrived and a threshold was reached
  | 'changed' // her mailbox changed elsewhere (read, deleted, moved in a mail program)
  | 'seen' // she entered the message menu by phone
  | 'reset' // the reset mail or `voicebox notify reset`
  | 'reconcile' // start, a regained connection, the periodic check
  | 'asked'; // a phone registered and FreeSWITCH asked for its lamp (MESSAGE_QUERY)

/**
 * The link the lamps travel over: the inbound event socket (esl InboundLink fits it). `sendEvent`
 * rejects at once while the link is down; `up` fires on every (re)connection.
 */
export interface LampLink {
  sendEvent(name: string, headers: Record<string, string>): Promise<string>;
  on(event: 'up', listener: () => void): unknown;
  off(event: 'up', listener: () => void): unknown;
}

/** The events FreeSWITCH sends over the link (InboundLink's `event`): MESSAGE_QUERY for the lamps. */
export interface LinkEvents {
  on(
    event: 'event',
    listener: (e: { readonly name: string; get(header: string): string | undefined }) => void,
  ): unknown;
}

/** One SMS to send: queued durably, sent once. */
export interface SmsJob {
  /** unique per claim: `<user id hash>-<kind>-<count>-<reset time>`; the HTTP gateway's Idempotency-Key */
  readonly id: string;
  /** the user's directory id, for the log and the once-per-user 4xx report */
  readonly user: string;
  /** E.164, checked: `+4917612345678` */
  readonly to: string;
  /** the sender number (N3), E.164 or '' */
  readonly from: string;
  readonly text: string;
  readonly language: string;
  /** what it tells of, per kind (the counts claimed), and her mailbox number: for the notifier log */
  readonly counts?: Readonly<Partial<Record<NotifyKind, number>>>;
  readonly mailbox?: string;
}

/** Where an SMS goes: an e-mail-to-SMS address, or an HTTP gateway. */
export interface SmsGateway {
  /** resolves when the gateway took it; SmsRejected for a final refusal (4xx), any other error is retried */
  send(job: SmsJob): Promise<void>;
  close?(): void;
}

/** The gateway refused this SMS for good (HTTP 4xx, SMTP 5xx): not retried. */
export class SmsRejected extends Error {
  override readonly name = 'SmsRejected';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * "Something changed in this mailbox": from the mail server's push (Dovecot's push_notification
 * Lua driver posting to voicebox), the periodic STATUS check, or voicebox's own delivery. `login`
 * is the IMAP user (the mailbox alias or login name) as the mail server names her.
 */
export interface MailboxChange {
  readonly login: string;
  readonly source: 'push' | 'poll' | 'delivery';
}

/** Finds the directory user a mail server's user name belongs to (IMAP login, alias or address). */
export type UserByLogin = (login: string) => Promise<DirectoryUser | undefined>;
