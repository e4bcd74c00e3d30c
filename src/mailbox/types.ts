// The mailbox port: what remote inquiry needs from the owner's messages, whatever stores them.

/** Whose messages: the mailbox owner as the directory knows her. */
export interface MailboxOwner {
  /** the mailbox name / alias (`$(MAILBOX)`, `${MAILBOX}`): the IMAP user whose store is opened */
  mailbox: string;
  email: string;
  /** the login name (`$(LOGIN)`); default: `mailbox` */
  login?: string;
  /** encrypted with passwordKey, from the user data */
  mailPassword?: string;
  /** her own folder (e.g. `INBOX/Voice`, `/` as the separator); default: the configured folder */
  folder?: string;
  /** her own IMAP server; default: the configured host */
  imapHost?: string;
  /**
   * her mailbox number (E.164) as voice messages name it (X-Voicebox-Mailbox): a signed message
   * naming another mailbox is an e-mail here. Without it no signed message is believed.
   */
  number?: string;
}

export type MessageKind = 'voice' | 'email' | 'fax' | 'sms';

export interface MessageSummary {
  newVoice: number;
  oldVoice: number;
  newEmail: number;
  oldEmail: number;
  newFax: number;
  oldFax: number;
  newSms: number;
  oldSms: number;
  /** every message in the folder, of any kind, new or old */
  total: number;
}

export interface MessageInfo {
  /** stable while the mailbox is open (IMAP UID; Maildir base name) */
  uid: string;
  kind: MessageKind;
  date: Date;
  /** the display name, else the address; for a signed voice message only the signed name, else its number */
  sender: string;
  /** the signed caller name, else the From display name; '' when none or when it is only a number */
  senderName: string;
  /** where a reply goes: the Reply-To address, else the From address ('' when there is none) */
  replyAddress: string;
  /** the phone number when the sender is a phone (signed X-Voicebox-Caller, or a trusted gateway's `$(phonenumber)@voice.domain`) */
  senderNumber?: string;
  subject: string;
  durationMs?: number;
  isNew: boolean;
  /**
   * the language of the text from its Content-Language (`de`, `en`); '' when the mail does not
   * say (`detectLanguage` tells from the text once it is fetched)
   */
  language: string;
}

/** Mailbox.notifyCounts: what the notifier reads of a mailbox (mirrored by src/notify's NotifyCounts). */
export interface NotifyCounts {
  readonly summary: MessageSummary;
  readonly since: Readonly<Record<'voice' | 'fax' | 'sms', number>>;
  readonly last: Readonly<
    Partial<Record<'voice' | 'fax' | 'sms', { readonly from: string; readonly at: Date }>>
  >;
}

/** Which messages `list` gives; a field left out does not filter. */
export interface MessageFilter {
  /** only messages of this kind */
  kind?: MessageKind;
  /** true: only the new ones (not seen); false: only the heard and read ones */
  unread?: boolean;
}

/** One owner's messages, for one call: open, use, close. */
export interface Mailbox {
  /** counts only (IMAP STATUS and SEARCH): never downloads the mailbox */
  summary(): Promise<MessageSummary>;
  /**
   * envelopes and a few headers, sorted by date; with a filter only those messages, chosen
   * before anything of the others is fetched (IMAP: by UID from the summary's searches)
   */
  list(order: 'newest_first' | 'oldest_first', filter?: MessageFilter): Promise<MessageInfo[]>;
  /**
   * Saves the message's audio attachment into toDir (owner-only) and resolves with the file's
   * path; a file already saved there is not fetched again. MessageTooLarge over the cap,
   * MessageUnreadable when signed audio does not match its signature.
   */
  voiceAudio(uid: string, toDir: string): Promise<string>;
  /**
   * The body as it is read aloud: text/plain preferred, else HTML as text; quoted history,
   * signature and disclaimers removed; in pieces of at most ~400 characters ending at sentences.
   * `maxChars` caps the characters returned in all (default: all of the first 64 KiB fetched).
   */
  text(uid: string, maxChars?: number): Promise<string[]>;
  /**
   * For the notifier (N1, N2): the summary, and per kind (voice, fax, sms) the unseen messages
   * that arrived after `since` (all unseen without it) and who the newest of them is from.
   * Counts and a few headers only; at most the newest 1,000 unseen messages are looked at.
   */
  notifyCounts(since?: Date): Promise<NotifyCounts>;
  markSeen(uid: string): Promise<void>;
  /** moves to the trash folder (created when missing) or expunges, as configured */
  delete(uid: string): Promise<void>;
  /** idempotent */
  close(): Promise<void>;
}

export interface MailboxStore {
  open(owner: MailboxOwner): Promise<Mailbox>;
  /**
   * A cheap fingerprint of the owner's folder (IMAP STATUS MESSAGES UNSEEN UIDNEXT UIDVALIDITY;
   * Maildir: names and flags), for the notifier's periodic check: it changes whenever a message
   * arrives, is read, flagged back to unread, moved or deleted. MailboxUnavailable when unreachable.
   */
  fingerprint(owner: MailboxOwner): Promise<string>;
}

/** Where the owner's messages are kept and what delete does; shared by both adapters. */
export interface MailboxFolders {
  /** the folder read, `/` as the separator (`INBOX`, `INBOX/Voice`); the owner's folder wins */
  folder: string;
  /** where delete moves messages (`Deleted Voice Messages`) */
  trash: string;
  deleteMode: 'trash' | 'expunge';
}

/** What both adapters need to judge and fetch a message safely. */
export interface MessageTrust {
  /** the site's signing key (mail.signingKey): without it no voice header is believed */
  signingKey?: Uint8Array;
  /**
   * `mailbox.trustedSenderDomains`: gateways (ixi-UMS, a fax server) whose unsigned sender
   * address `$(phonenumber)@voice.<domain>` (`fax.`, `sms.`) is believed; default none
   */
  trustedSenderDomains?: readonly string[];
  /** a voice message's audio larger than this is not downloaded (default 20 MiB) */
  maxAudioBytes?: number;
}

export const DEFAULT_MAX_AUDIO_BYTES = 20 * 1024 * 1024;

/**
 * Downloaded messages hold callers' voices: voicebox writes them, FreeSWITCH's group reads them
 * to play them (the media folder's setgid bit or default ACL, freeswitch/README.md), others
 * nothing. Owner-only (0600) would also mask a group ACL away and FreeSWITCH could not play.
 */
export const DOWNLOAD_FILE_MODE = 0o640;
export const DOWNLOAD_FOLDER_MODE = 0o750;

/**
 * The mailbox cannot be reached: server down, login refused, folder missing, a command timed out.
 * The message names host, user and access mode, never a password.
 */
export class MailboxUnavailable extends Error {
  override readonly name = 'MailboxUnavailable';
}

/** There is no such message (deleted meanwhile), or it has no audio to play. */
export class MessageNotFound extends Error {
  override readonly name = 'MessageNotFound';
}

/** The message's audio is larger than the cap: it was not downloaded. */
export class MessageTooLarge extends Error {
  override readonly name = 'MessageTooLarge';
}

/**
 * This one message cannot be read or played (HTML nested too deeply, audio that is not the audio
 * its signature names); the rest of the mailbox is fine.
 */
export class MessageUnreadable extends Error {
  override readonly name = 'MessageUnreadable';
}
