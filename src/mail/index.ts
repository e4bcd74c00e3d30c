// Outgoing mail that is never lost: compose (pure), spool (on disk before "thank you"),
// and the transports that hand a message on (SMTP, or Maildir when there is no MTA).
export {
  composeVoiceMessage,
  composeWelcomeMail,
  defaultAddressTemplate,
  durationSeconds,
  fillAddressTemplate,
  mailLanguage,
  normalizeMessageId,
  senderLocalPart,
  voiceMessageId,
  VOICE_ADDRTYPE,
  VOICEBOX_HEADERS,
} from './compose.js';
export type {
  MailLanguage,
  VoiceMailMessage,
  VoiceMessageInput,
  WelcomeMailInput,
  WelcomeMailMessage,
} from './compose.js';
export { MailSpool, DEFAULT_RETRY, backoffMs, buildRawMessage, spoolFileName } from './spool.js';
export type { MailSpoolOptions, RetryPolicy } from './spool.js';
export { smtpTransport } from './smtp.js';
export type { SmtpTransportOptions } from './smtp.js';
export { maildirTransport, localPartFolder } from './maildir.js';
export type { MaildirTransportOptions } from './maildir.js';
export { MailComposeError, MailDeliveryError, silentMailLogger } from './types.js';
export type { MailLogger, MailMessage, MailTransport, RawMessage, SendRaw } from './types.js';
