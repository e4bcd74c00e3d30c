// The reset mail against the lab: a mail to notifier-off@example.com sent through the submission
// port names its authenticated sender; one sent unauthenticated with a forged header does not;
// both are gone from the reset mailbox once handled.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { describe, expect, inject, it } from 'vitest';
import { ImapResetMailbox, resetRequester, type ResetMail } from '../../../src/notify/reset-mail.js';
import { imapClient, labTls, withImap } from '../lab/support.js';

const lab = inject('lab');
const RESET = 'notifier-off';

const resetMailbox = () =>
  new ImapResetMailbox({
    host: lab.host,
    port: lab.imap.port,
    secure: false,
    startTls: false,
    user: `${RESET}*${lab.imap.master.user}`,
    password: lab.imap.master.password,
    timeoutMs: 10_000,
  });

/** Waits until the reset mailbox holds the mails with these subjects (Postfix delivers them). */
async function delivered(subjects: string[]): Promise<void> {
  const c = imapClient(lab, `${RESET}*${lab.imap.master.user}`, lab.imap.master.password);
  await withImap(c, async () => {
    for (;;) {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const found = await c.search({ or: subjects.map((subject) => ({ subject })) }, { uid: true });
        if (found && found.length >= subjects.length) return;
      } finally {
        lock.release();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });
}

describe('the reset mailbox', () => {
  it('believes the authenticated sender, refuses a forged one, and is empty afterwards', async () => {
    const tag = randomUUID();
    await nodemailer
      .createTransport({
        host: lab.host,
        port: lab.smtp.submissionPort,
        secure: false,
        requireTLS: true,
        tls: labTls(lab),
        auth: { user: 'alice', pass: 'alicepw' },
      })
      .sendMail({
        from: 'alice@example.com',
        to: 'notifier-off@example.com',
        subject: `reset ${tag} a`,
        text: '',
      });
    await nodemailer
      .createTransport({ host: lab.host, port: lab.smtp.port, secure: false, ignoreTLS: true })
      .sendMail({
        from: 'bob@example.com',
        to: 'notifier-off@example.com',
        subject: `reset ${tag} b`,
        text: '',
        headers: {
          Received: 'from [127.0.0.1] (Authenticated sender: bob) by mail.example.com with ESMTPSA id 1',
        },
      });
    await delivered([`reset ${tag} a`, `reset ${tag} b`]);

    const seen: { from: string; verdict: ReturnType<typeof resetRequester> }[] = [];
    const handle = async (mail: ResetMail) => {
      seen.push({ from: mail.from, verdict: resetRequester(mail, 'authenticated') });
    };
    expect(await resetMailbox().drain(handle)).toBeGreaterThanOrEqual(2);
    expect(seen).toContainEqual({ from: 'alice@example.com', verdict: { name: 'alice' } });
    expect(seen).toContainEqual({
      from: 'bob@example.com',
      verdict: { refused: 'not sent through an authenticated submission' },
    });
    expect(await resetMailbox().drain(handle)).toBe(0);
  });
});
