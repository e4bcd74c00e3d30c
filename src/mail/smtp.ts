// SMTP: hand the spooled bytes to the MTA, whose queue takes over from there.
import { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { PartlyDelivered } from './spool.js';
import type { MailTransport, RawMessage } from './types.js';
import { MailDeliveryError } from './types.js';

/** RFC 5321 §4.5.3.2.2–5: MAIL and RCPT 5 min, DATA 2 min, each data block 3 min — the longest. */
export const SMTP_COMMAND_TIMEOUT_MS = 5 * 60_000;
/** RFC 5321 §4.5.3.2.6: the reply to the end of the message, 10 min (content filters run here). */
export const SMTP_DATA_TIMEOUT_MS = 10 * 60_000;

export interface SmtpTransportOptions {
  host: string;
  port: number;
  /** TLS from the first byte (SMTPS, usually port 465) */
  secure?: boolean;
  /** true: STARTTLS is required; false: never attempted; unset: used when the server offers it */
  starttls?: boolean;
  auth?: { user: string; pass: string };
  /** send `auth` over a connection without TLS (mail.smtp.allowPlaintextAuth); default: refused */
  allowPlaintextAuth?: boolean;
  /** setting the session up: connecting, TLS and the server's greeting */
  timeoutMs: number;
  /** each step before the message is complete (EHLO, AUTH, MAIL, RCPT, DATA, the bytes); default 5 min */
  commandTimeoutMs?: number;
  /** the wait for the reply to the end of the message; default 10 min */
  dataTimeoutMs?: number;
  /** CA, servername, rejectUnauthorized ... for verifying the server's certificate */
  tls?: ConnectionOptions;
  /** the name voicebox gives in EHLO; default the machine's host name */
  clientName?: string;
}

/** What the session was doing when it failed: only a failure in `reply` may leave a delivered copy. */
type Phase = 'connect' | 'commands' | 'reply';

const PHASE_WORDS: Record<Phase, string> = {
  connect: 'while connecting',
  commands: 'before the end of the message',
  reply: 'waiting for the reply to the end of the message',
};

// Node's codes for a certificate it could not verify (tls.TLSSocket#authorizationError)
const UNTRUSTED_CERTIFICATE =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_UNTRUSTED|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID)$/;

function field(error: unknown, name: string): unknown {
  return typeof error === 'object' && error !== null && name in error
    ? (error as Record<string, unknown>)[name]
    : undefined;
}

function responseCodeOf(error: unknown): number | undefined {
  const code = field(error, 'responseCode');
  return typeof code === 'number' ? code : undefined;
}

/** The certificate problem behind an error, if that is what it is (nodemailer may wrap it). */
function certificateProblem(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; e = field(e, 'cause'), depth++) {
    // nodemailer puts its own code on the error and keeps Node's as originalCode
    for (const code of [field(e, 'originalCode'), field(e, 'code')])
      if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.test(code)) return code;
  }
  return undefined;
}

/**
 * The commands whose 5xx is a verdict on this message (its sender, a recipient, its content):
 * a 5xx to AUTH, EHLO or STARTTLS is the server's setup or ours, and every message would get it.
 */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/** `550 5.1.1 <x@example.com>: Recipient address rejected` — the server's reply, one line. */
function replyOf(error: unknown): string {
  const response = field(error, 'response');
  const text =
    typeof response === 'string' && response
      ? response
      : error instanceof Error
        ? error.message
        : String(error);
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
      .slice(0, 300)
  );
}

class SmtpTimeout extends Error {
  override readonly name = 'SmtpTimeout';
}

/**
 * An SMTP transport over nodemailer's SMTP connection. `send` resolves on the server's 250 to the
 * message — before QUIT, so the spool can record the delivery at once; a refused connection, a
 * timeout or a 4xx/5xx reply rejects with a MailDeliveryError.
 *
 * Timeouts per phase (RFC 5321 §4.5.3.2): nodemailer has one inactivity timeout for every reply
 * after the greeting, so it is set to the longest wait — the reply to the end of the message — and
 * the shorter steps before it get their own timer here. A timeout before the end of the message is
 * harmless (the server drops an unfinished transaction; the retry is the only copy); one after it
 * may leave a copy delivered, which is why that wait is the RFC's 10 minutes, not a few seconds.
 * A new connection per message: voice mail is rare, and no idle connection can go stale.
 */
export function smtpTransport(options: SmtpTransportOptions): MailTransport {
  const where = `${options.host}:${options.port}`;
  const commandTimeoutMs = options.commandTimeoutMs ?? SMTP_COMMAND_TIMEOUT_MS;
  const dataTimeoutMs = options.dataTimeoutMs ?? SMTP_DATA_TIMEOUT_MS;
  const open = new Set<SMTPConnection>();

  function deliveryError(message: RawMessage, phase: Phase, error: unknown): MailDeliveryError {
    const code = responseCodeOf(error);
    const reason = error instanceof Error ? error.message : String(error);
    const certificate = certificateProblem(error);
    // the server answered STARTTLS with a refusal (502 from one that never offered it): for this
    // setting that is no verdict on the message, which waits in the spool for a server that can
    if (
      options.starttls === true &&
      field(error, 'code') === 'ETLS' &&
      field(error, 'command') === 'STARTTLS' &&
      !certificate &&
      field(error, 'response')
    )
      return new MailDeliveryError(
        `SMTP ${where} did not take ${message.messageId}: the server refused STARTTLS, which ` +
          `mail.smtp.starttls requires (${reason}); not sent unencrypted`,
        code,
        false,
        { cause: error },
      );
    const text = certificate
      ? `SMTP ${where} did not take ${message.messageId}: the server's certificate is not trusted ` +
        `(${certificate}); give the CA that signed it (mail.smtp.ca) rather than turning verification off`
      : `SMTP ${where} did not take ${message.messageId} ${PHASE_WORDS[phase]}: ${reason}` +
        (phase === 'reply' && code === undefined
          ? ' (it may have it all the same: the next attempt carries the same Message-ID)'
          : '');
    const command = field(error, 'command');
    const permanent =
      code !== undefined && code >= 500 && typeof command === 'string' && MESSAGE_COMMANDS.has(command);
    return new MailDeliveryError(permanent ? `${text} (refused for good)` : text, code, permanent, {
      cause: error,
    });
  }

  function send(message: RawMessage): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const connection = new SMTPConnection({
        host: options.host,
        port: options.port,
        secure: options.secure ?? false,
        requireTLS: options.starttls === true,
        ignoreTLS: options.starttls === false,
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.clientName ? { name: options.clientName } : {}),
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        dnsTimeout: options.timeoutMs,
        // the backstop for every reply; the steps before the end of the message are timed below
        socketTimeout: Math.max(dataTimeoutMs, commandTimeoutMs),
        logger: false,
      });
      open.add(connection);
      let phase: Phase = 'connect';
      let settled = false;
      let timer: NodeJS.Timeout | undefined;

      const finish = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) {
          // resolve first: the spool records the delivery before anything else happens
          resolve();
          connection.quit();
        } else {
          connection.close();
          reject(error instanceof MailDeliveryError ? error : deliveryError(message, phase, error));
        }
        open.delete(connection);
      };
      const expectWithin = (ms: number): void => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(new SmtpTimeout(`no answer within ${ms} ms`)), ms);
      };

      connection.on('error', (error: unknown) => finish(error));
      connection.once('end', () => finish(new Error('the server closed the connection')));
      expectWithin(commandTimeoutMs);

      const transfer = (): void => {
        expectWithin(commandTimeoutMs);
        let reading = false;
        const bytes = new Readable({
          read() {
            // read only after the server's 354: MAIL, RCPT and DATA are done
            if (!reading) {
              reading = true;
              expectWithin(commandTimeoutMs);
            }
            this.push(message.raw);
            this.push(null);
          },
        });
        bytes.once('end', () => {
          // every byte is handed to the socket, the terminating dot follows: from here on the
          // server may have the message, and giving up early would send it twice
          phase = 'reply';
          expectWithin(dataTimeoutMs);
        });
        connection.send(
          { from: message.envelope.from, to: [...message.envelope.to], size: message.raw.length },
          bytes,
          (error, info) => {
            if (error) return finish(error);
            // some recipients refused is a partial delivery: sending again would duplicate it for
            // the others; all of them refused is an answer to act on
            if (!info || info.accepted.length === 0) {
              return finish(
                new MailDeliveryError(
                  `SMTP ${where} accepted no recipient of ${message.messageId}`,
                  undefined,
                  true,
                ),
              );
            }
            // those refused for good are told of (the spool makes them a dead letter); a 4xx
            // refusal of some is left to the MTA's sender: a retry would duplicate it for the others
            const refused = (info.rejectedErrors ?? [])
              .map((e) => ({ recipient: field(e, 'recipient'), code: responseCodeOf(e), reply: replyOf(e) }))
              .filter(
                (r): r is { recipient: string; code: number; reply: string } =>
                  typeof r.recipient === 'string' && r.code !== undefined && r.code >= 500,
              );
            if (refused.length > 0) {
              settled = true;
              clearTimeout(timer);
              open.delete(connection);
              connection.quit();
              return reject(
                new PartlyDelivered(
                  `SMTP ${where} took ${message.messageId} for ${info.accepted.join(', ')} and refused it for good for ` +
                    refused.map((r) => `${r.recipient} (${r.reply})`).join(', '),
                  info.accepted.map(String),
                  refused.map((r) => ({ recipient: r.recipient, reply: r.reply, responseCode: r.code })),
                ),
              );
            }
            finish();
          },
        );
      };

      connection.connect((error) => {
        if (error) return finish(error);
        if (settled) return;
        phase = 'commands';
        expectWithin(commandTimeoutMs);
        if (!options.auth) return transfer();
        // a server that should ask for the login and does not, or a session that stayed
        // unencrypted, may be someone in the path: no message goes out without the login, and
        // the password never goes out in the clear unless the admin chose that
        if (!connection.secure && !options.allowPlaintextAuth)
          return finish(
            new MailDeliveryError(
              `SMTP ${where} did not take ${message.messageId}: the connection is not encrypted and the ` +
                'password is not sent in the clear (mail.smtp.starttls or mail.smtp.secure; ' +
                'mail.smtp.allowPlaintextAuth for a server on this host)',
              undefined,
              false,
            ),
          );
        if (!connection.allowsAuth)
          return finish(
            new MailDeliveryError(
              `SMTP ${where} did not take ${message.messageId}: the server offers no AUTH although ` +
                'mail.smtp.user is set (a wrong port, a changed server, or someone in the path ' +
                'removing it); not sent without logging in',
              undefined,
              false,
            ),
          );
        connection.login({ user: options.auth.user, pass: options.auth.pass }, (loginError) => {
          if (loginError) return finish(loginError);
          if (!settled) transfer();
        });
      });
    });
  }

  return {
    send,
    close(): void {
      for (const connection of open) connection.close();
      open.clear();
    },
  };
}
