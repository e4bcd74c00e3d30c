// Outgoing mail that is never lost: compose (pure), spool (on disk before "thank you"),
// and the transports that hand a message on (SMTP, or Maildir when there is no MTA).
export {
  composeDeadLetterNotice,
  composeDeadLetterReport,
  composeFax,
  composeForward,
  composeLockMail,
  composePinReminder,
  composeReply,
  composeVoiceMessage,
  composeWelcomeMail,
  defaultAddressTemplate,
  durationSeconds,
  fillAddressTemplate,
  mailIds,
  mailLanguage,
  normalizeMessageId,
  senderLocalPart,
  voiceMessageId,
  VOICE_ADDRTYPE,
  VOICEBOX_HEADERS,
} from './compose.js';
export type {
  DeadLetterKind,
  DeadLetterNoticeInput,
  DeadLetterReportInput,
  FaxInput,
  ForwardInput,
  InquiryMessage,
  LockMailInput,
  MailLanguage,
  PinReminderInput,
  ReplyInput,
  VoiceMailMessage,
  VoiceMessageInput,
  WelcomeMailInput,
  WelcomeMailMessage,
} from './compose.js';
export { spoolMailer } from './mailer.js';
export type {
  FaxMail,
  ForwardMail,
  LockNotice,
  Mailer,
  MailQueue,
  PassedOn,
  PinReminder,
  Recipient,
  Recording,
  ReplyMail,
  SpoolMailerOptions,
  VoiceMessageMail,
  WelcomeMail,
} from './mailer.js';
export {
  audioDigest,
  fileAudioDigest,
  loadSigningKey,
  sameAudio,
  SIGNATURE_HEADER,
  signingKeyBytes,
  SigningKeyError,
  signsCallerName,
  signVoiceFields,
  verifyVoiceFields,
} from './signature.js';
export type { SignedVoiceFields } from './signature.js';
export {
  MailSpool,
  DEFAULT_RETRY,
  backoffMs,
  buildRawMessage,
  dropSpoolEntry,
  findSpoolEntry,
  messageHeaders,
  PartlyDelivered,
  readSpoolFolder,
  retrySpoolEntry,
  spoolFileName,
} from './spool.js';
export type { DeadLetter, MailSpoolOptions, RetryPolicy, SpoolFileSystem, SpoolListing } from './spool.js';
export { smtpTransport, SMTP_COMMAND_TIMEOUT_MS, SMTP_DATA_TIMEOUT_MS } from './smtp.js';
export type { SmtpTransportOptions } from './smtp.js';
export { maildirTransport, localPartFolder } from './maildir.js';
export type { MaildirTransportOptions } from './maildir.js';
export { composeSmsMail, fillSmsAddress, SMS_ADDRESS_PLACEHOLDERS, smsMailIds } from './sms.js';
export type { SmsMailInput } from './sms.js';
export { MailComposeError, MailDeliveryError, MailSpoolError, silentMailLogger } from './types.js';
export type { MailLogger, MailMessage, MailTransport, RawMessage, SendRaw } from './types.js';
