// What the spool, the transports and their callers share: a message as bytes plus its envelope,
// the function that hands it to a server, a pino-compatible logger and the typed errors.
import type { MailComposerOptions } from 'nodemailer';

/** A message as composed (nodemailer's message object); the spool turns it into bytes once. */
export type MailMessage = MailComposerOptions;

/** A message as it leaves voicebox: its final bytes (RFC 5322) and the SMTP envelope. */
export interface RawMessage {
  /** the spool id it was enqueued under (the recording id for a voice message) */
  readonly id: string;
  /** the Message-ID header, `<...>`; the same on every attempt */
  readonly messageId: string;
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  readonly raw: Buffer;
}

/**
 * Hands one message to a server. Resolves only when the server took responsibility for it
 * (SMTP: the 250 after DATA; Maildir: the file is renamed into `new/` and synced); rejects otherwise.
 */
export type SendRaw = (message: RawMessage) => Promise<void>;

/** A way out for mail: SMTP, or a local Maildir when there is no MTA. */
export interface MailTransport {
  readonly send: SendRaw;
  /** releases connections (idempotent) */
  close(): void;
}

/** The subset of a pino logger the mail module uses; a pino `Logger` fits. */
export interface MailLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;
export const silentMailLogger: MailLogger = Object.freeze({ info: noop, warn: noop, error: noop });

/** A server did not take a message. `permanent` is a 5xx answer: retrying the same will fail again. */
export class MailDeliveryError extends Error {
  override readonly name = 'MailDeliveryError';
  constructor(
    message: string,
    /** the SMTP reply code if the server answered, e.g. 550 */
    readonly responseCode: number | undefined,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A message could not be written to the spool (a full disk, no permission): it is not saved. */
export class MailSpoolError extends Error {
  override readonly name = 'MailSpoolError';
}

/** A message cannot be composed from what was given (a programming or configuration error). */
export class MailComposeError extends Error {
  override readonly name = 'MailComposeError';
}
