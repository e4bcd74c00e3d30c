// The notifier (N1–N3): the message-waiting lamp and the SMS. README.md has the design.
export * from './types.js';
// the notifier and the lamp
export { LampSender, mwiHeaders, type LampSenderOptions } from './lamp.js';
export {
  maskNumber,
  noNotifierLog,
  openNotifierLog,
  silentNotifyLogger,
  type LoggedUser,
  type NotifierLog,
  type NotifierLogEntry,
  type NotifyLogger,
} from './log.js';
export { Notifier, resetSettings, type NotifierOptions, type SmsDue } from './notifier.js';
export { UserIndex, type UserIndexOptions } from './users.js';
export {
  lampAccount,
  lampFor,
  notifyPolicyFor,
  smsDue,
  thresholdReached,
  type LampUserForm,
  type NotifySite,
  type UnusableValue,
} from './policy.js';
// the SMS: words, numbers, gateways, the durable queue, the claim (sms/README.md)
export * from './sms/index.js';
// how voicebox learns that a mailbox changed: Dovecot's push, the periodic check (README.md, "Watching the mailboxes")
export * from './watch/index.js';
// the reset mail (§1.4): who sent it, and the reset mailbox emptied over IMAP
export { ImapResetMailbox, receivedHeaders, resetRequester } from './reset-mail.js';
export type { ResetMail, ResetMailboxOptions, ResetTrust } from './reset-mail.js';
