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
export {
  audioDigest,
  fileAudioDigest,
  loadSigningKey,
  sameAudio,
  SIGNATURE_HEADER,
  signingKeyBytes,
  SigningKeyError,
  signVoiceFields,
  verifyVoiceFields,
} from './signature.js';
export type { SignedVoiceFields } from './signature.js';
export { MailSpool, DEFAULT_RETRY, backoffMs, buildRawMessage, spoolFileName } from './spool.js';
export type { MailSpoolOptions, RetryPolicy, SpoolFileSystem } from './spool.js';
export { smtpTransport, SMTP_COMMAND_TIMEOUT_MS, SMTP_DATA_TIMEOUT_MS } from './smtp.js';
export type { SmtpTransportOptions } from './smtp.js';
export { maildirTransport, localPartFolder } from './maildir.js';
export type { MaildirTransportOptions } from './maildir.js';
export { MailComposeError, MailDeliveryError, MailSpoolError, silentMailLogger } from './types.js';
export type { MailLogger, MailMessage, MailTransport, RawMessage, SendRaw } from './types.js';
