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
}

export type MessageKind = 'voice' | 'email' | 'fax' | 'sms';

export interface MessageSummary {
  newVoice: number;
  oldVoice: number;
  newEmail: number;
  oldEmail: number;
  newFax: number;
  newSms: number;
  /** every message in the folder, of any kind, new or old */
  total: number;
}

export interface MessageInfo {
  /** stable while the mailbox is open (IMAP UID; Maildir base name) */
  uid: string;
  kind: MessageKind;
  date: Date;
  /** the display name, else the address */
  sender: string;
  /** where a reply goes: the Reply-To address, else the From address ('' when there is none) */
  replyAddress: string;
  /** the phone number when the sender is a phone (X-Voicebox-Caller or `$(phonenumber)@voice.domain`) */
  senderNumber?: string;
  subject: string;
  durationMs?: number;
  isNew: boolean;
}

/** One owner's messages, for one call: open, use, close. */
export interface Mailbox {
  /** counts only (IMAP STATUS and SEARCH): never downloads the mailbox */
  summary(): Promise<MessageSummary>;
  /** envelopes and a few headers, sorted by date */
  list(order: 'newest_first' | 'oldest_first'): Promise<MessageInfo[]>;
  /** saves the message's audio attachment into toDir; resolves with the file's path */
  voiceAudio(uid: string, toDir: string): Promise<string>;
  /**
   * The body as it is read aloud: text/plain preferred, else HTML as text; quoted history,
   * signature and disclaimers removed; in pieces of at most ~400 characters ending at sentences.
   * `maxChars` caps the characters returned in all (default: all of the first 64 KiB fetched).
   */
  text(uid: string, maxChars?: number): Promise<string[]>;
  markSeen(uid: string): Promise<void>;
  /** moves to the trash folder (created when missing) or expunges, as configured */
  delete(uid: string): Promise<void>;
  /** idempotent */
  close(): Promise<void>;
}

export interface MailboxStore {
  open(owner: MailboxOwner): Promise<Mailbox>;
}

/** Where the owner's messages are kept and what delete does; shared by both adapters. */
export interface MailboxFolders {
  /** the folder read, `/` as the separator (`INBOX`, `INBOX/Voice`); the owner's folder wins */
  folder: string;
  /** where delete moves messages (`Deleted Voice Messages`) */
  trash: string;
  deleteMode: 'trash' | 'expunge';
}

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
