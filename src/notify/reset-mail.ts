// The reset mail (§1.4, ixi-UMS's NOTIFIER_EXPRESS_OFF): a user who read her messages in a mail
// program sends any mail to the site's reset address, and her counters and lamp are reset. The
// address is a mailbox of the site's mail server (`notify.reset.mailbox`) that voicebox empties.
//
// Who sent it is an attacker's claim until checked: with `trust: authenticated` (the default) only
// the login the site's MTA wrote into its own Received header for an authenticated submission
// (Postfix `smtpd_sasl_authenticated_header = yes`: "(Authenticated sender: alice)") counts; the
// From header, which anyone can write, counts only with `trust: from`.
import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';

/** One mail of the reset mailbox: what is needed to tell who sent it, never its content. */
export interface ResetMail {
  readonly uid: number;
  /** the From address ('' when none) */
  readonly from: string;
  /** the Received headers, topmost (the last hop, written by the site's own servers) first */
  readonly received: readonly string[];
}

export type ResetTrust = 'authenticated' | 'from';

/** The name (login or address) a reset mail is believed to come from, or why it is not. */
export function resetRequester(mail: ResetMail, trust: ResetTrust): { name: string } | { refused: string } {
  if (trust === 'from') {
    return mail.from ? { name: mail.from } : { refused: 'no From address' };
  }
  // the hops the site's own servers add last (LMTP delivery into the mailbox) say nothing of the
  // sender; the first other hop is the site's MTA taking the mail in, and only its word counts —
  // an "Authenticated sender" further down may have been written by the sender herself
  const entry = mail.received.find((r) => !/\bwith\s+LMTPS?A?\b/i.test(r));
  if (entry === undefined) return { refused: 'no Received header of the mail server' };
  const m = /\(Authenticated sender:\s*([^\s()]{1,256})\)/i.exec(entry);
  if (!m) return { refused: 'not sent through an authenticated submission' };
  return { name: m[1]! };
}

/** How voicebox logs in to the reset mailbox (the site's IMAP server). */
export interface ResetMailboxOptions {
  readonly host: string;
  readonly port: number;
  /** implicit TLS (IMAPS); otherwise STARTTLS when offered */
  readonly secure: boolean;
  readonly tls?: ConnectionOptions;
  /** false: no STARTTLS on the plain port (a server on the same host); default: when offered */
  readonly startTls?: boolean;
  readonly user: string;
  /** never logged */
  readonly password: string;
  readonly timeoutMs: number;
  /** mails taken at once; default 100 */
  readonly batch?: number;
}

/** The reset mailbox's INBOX over IMAP: the mails waiting, and their removal once handled. */
export class ImapResetMailbox {
  constructor(private readonly o: ResetMailboxOptions) {}

  /**
   * Takes the waiting mails (up to `batch`), hands them to `handle`, then removes every one it
   * was given, believed or not (a refused mail is logged by the caller, not kept to be refused
   * again). A mail is removed only after `handle` resolved for it: a crash in between handles it
   * twice, which for a reset is harmless.
   */
  async drain(handle: (mail: ResetMail) => Promise<void>): Promise<number> {
    const client = new ImapFlow({
      host: this.o.host,
      port: this.o.port,
      secure: this.o.secure,
      // STARTTLS (on the plain port) with the same certificate checks as implicit TLS
      ...(this.o.tls ? { tls: this.o.tls } : {}),
      ...(this.o.startTls === false ? { doSTARTTLS: false } : {}),
      auth: { user: this.o.user, pass: this.o.password },
      logger: false,
      connectionTimeout: this.o.timeoutMs,
      greetingTimeout: this.o.timeoutMs,
      socketTimeout: this.o.timeoutMs,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const mails: ResetMail[] = [];
        const exists = typeof client.mailbox === 'object' ? client.mailbox.exists : 0;
        if (exists === 0) return 0;
        for await (const msg of client.fetch(
          '1:*',
          { uid: true, envelope: true, headers: ['received'] },
          { uid: false },
        )) {
          if (mails.length >= (this.o.batch ?? 100)) break;
          mails.push({
            uid: msg.uid,
            from: msg.envelope?.from?.[0]?.address ?? '',
            received: receivedHeaders(msg.headers?.toString('latin1') ?? ''),
          });
        }
        const done: number[] = [];
        for (const mail of mails) {
          await handle(mail);
          done.push(mail.uid);
        }
        if (done.length > 0) await client.messageDelete(done.join(','), { uid: true });
        return done.length;
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
  }
}

/** The Received headers of a header block, unfolded, in their order (topmost first). */
export function receivedHeaders(block: string): string[] {
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  return unfolded
    .split(/\r?\n/)
    .filter((line) => /^received:/i.test(line))
    .map((line) => line.slice('received:'.length).trim().slice(0, 2000));
}
