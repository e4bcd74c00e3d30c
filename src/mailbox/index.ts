// The owner's messages: one port (Mailbox), an IMAP adapter and a local Maildir adapter.
export {
  DEFAULT_MAX_AUDIO_BYTES,
  DOWNLOAD_FILE_MODE,
  DOWNLOAD_FOLDER_MODE,
  MailboxUnavailable,
  MessageNotFound,
  MessageTooLarge,
  MessageUnreadable,
} from './types.js';
export type {
  Mailbox,
  MailboxFolders,
  MailboxOwner,
  MailboxStore,
  MessageFilter,
  MessageInfo,
  MessageKind,
  MessageSummary,
  NotifyCounts,
  MessageTrust,
} from './types.js';
export { ImapMailboxStore, imapAccessFor, imapPaths } from './imap.js';
export type { ImapAccess, ImapMailboxOptions } from './imap.js';
export { MaildirMailboxStore, maildirFolderPath } from './maildir.js';
export type { MaildirMailboxOptions } from './maildir.js';
export { decryptPassword, encryptPassword, MailboxPasswordError, passwordKeyBytes } from './secrets.js';
export { fillLoginTemplate, fillPathTemplate, imapHostFromAttribute } from './templates.js';
export type { HostRewriteRule } from './templates.js';
export { classifyMessage, detectKind, kindFromAddress, SENDER_TEMPLATES, senderNumber } from './kind.js';
export { contentLanguage, detectLanguage, LANGUAGE_SAMPLE_CHARS, messageLanguage } from './language.js';
export type { Classified } from './kind.js';
export { htmlToText, PIECE_CHARS, readAloud, splitForSpeech, stripQuotedAndSignature } from './text.js';
// the header reader the mailbox checks signatures with: what a test of the mail side reads back
export { header, parseHeaders, splitHeaderBody } from './mime.js';
