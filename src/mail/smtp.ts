// SMTP: hand the spooled bytes to the MTA, whose queue takes over from there.
import type { ConnectionOptions } from 'node:tls';
import nodemailer from 'nodemailer';
import type { MailTransport, RawMessage } from './types.js';
import { MailDeliveryError } from './types.js';

export interface SmtpTransportOptions {
  host: string;
  port: number;
  /** TLS from the first byte (SMTPS, usually port 465) */
  secure?: boolean;
  /** true: STARTTLS is required; false: never attempted; unset: used when the server offers it */
  starttls?: boolean;
  auth?: { user: string; pass: string };
  /** connect, greeting and per-reply timeout */
  timeoutMs: number;
  /** CA, servername, ... for verifying the server's certificate */
  tls?: ConnectionOptions;
  /** the name voicebox gives in EHLO; default the machine's host name */
  clientName?: string;
}

function responseCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('responseCode' in error)) return undefined;
  return typeof error.responseCode === 'number' ? error.responseCode : undefined;
}

/**
 * An SMTP transport over nodemailer. `send` resolves once the server answered 250 to the
 * message; a refused connection, a timeout or a 4xx/5xx reply rejects with a MailDeliveryError.
 * A new connection per message: voice mail is rare, and no idle connection can go stale.
 */
export function smtpTransport(options: SmtpTransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure ?? false,
    requireTLS: options.starttls === true,
    ignoreTLS: options.starttls === false,
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.clientName ? { name: options.clientName } : {}),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const where = `${options.host}:${options.port}`;

  return {
    async send(message: RawMessage): Promise<void> {
      let info;
      try {
        info = await transporter.sendMail({
          envelope: { from: message.envelope.from, to: [...message.envelope.to] },
          raw: message.raw,
        });
      } catch (error) {
        const code = responseCodeOf(error);
        const reason = error instanceof Error ? error.message : String(error);
        throw new MailDeliveryError(
          `SMTP ${where} did not take ${message.messageId}: ${reason}`,
          code,
          code !== undefined && code >= 500,
          { cause: error },
        );
      }
      // nodemailer rejects when every recipient was refused; some refused is a partial delivery,
      // and sending again would duplicate it for the others
      if (info.accepted.length === 0) {
        throw new MailDeliveryError(
          `SMTP ${where} accepted no recipient of ${message.messageId}`,
          undefined,
          true,
        );
      }
    },
    close(): void {
      transporter.close();
    },
  };
}
