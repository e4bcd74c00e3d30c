// The lab's Postfix: voicebox hands voice messages to it, it delivers them into Dovecot via LMTP.
import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import type { ImapFlow } from 'imapflow';
import { imapClient, labTls, run, withImap } from './support.js';

const lab = inject('lab');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A valid 8 kHz, 16-bit mono PCM WAV (the format voicebox records): a 440 Hz tone. */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Math.round(rate * seconds);
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); // byte rate
  b.writeUInt16LE(2, 32); // block align
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

const plainSmtp = () =>
  nodemailer.createTransport({ host: lab.host, port: lab.smtp.port, secure: false, ignoreTLS: true });

const submission = (auth?: { user: string; pass: string }) =>
  nodemailer.createTransport({
    host: lab.host,
    port: lab.smtp.submissionPort,
    secure: false,
    requireTLS: true,
    tls: labTls(lab),
    ...(auth ? { auth } : {}),
  });

/** Polls a folder (as the master user, like voicebox) until the message is there; its raw source. */
async function waitForMessage(
  user: string,
  messageId: string,
  timeoutMs = 10_000,
): Promise<Buffer | undefined> {
  const master = imapClient(lab, `${user}*${lab.imap.master.user}`, lab.imap.master.password);
  return withImap(master, async (c: ImapFlow) => {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const [uid] = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
        const found = uid !== undefined && (await c.fetchOne(String(uid), { source: true }, { uid: true }));
        if (found) return found.source;
      } finally {
        lock.release();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return undefined;
  });
}

const newMessageId = () => `<${randomUUID()}@voicebox.example.com>`;

describe('SMTP into the mailboxes', () => {
  it('delivers a voice message with a WAV attachment to the right INBOX, byte for byte', async () => {
    const recording = wav(2);
    const messageId = newMessageId();
    const info = await plainSmtp().sendMail({
      from: 'voicebox <voicebox@example.com>',
      to: '王芳 <wang@example.com>',
      subject: 'Neue Sprachnachricht von +49 30 1234101',
      messageId,
      text: 'Sie haben eine neue Sprachnachricht.',
      attachments: [{ filename: 'message.wav', content: recording, contentType: 'audio/wav' }],
    });
    expect(info.accepted).toEqual(['wang@example.com']);

    const source = await waitForMessage('wang', messageId);
    expect(source).toBeDefined();
    const parsed = await simpleParser(source ?? Buffer.alloc(0));
    expect(parsed.subject).toBe('Neue Sprachnachricht von +49 30 1234101');
    expect(parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['message.wav', 'audio/wav'],
    ]);
    expect(sha256(parsed.attachments[0]?.content ?? Buffer.alloc(0))).toBe(sha256(recording));

    // and only there
    expect(await waitForMessage('bob', messageId, 200)).toBeUndefined();
  });

  it('rejects unknown users of example.com at RCPT', async () => {
    await expect(
      plainSmtp().sendMail({
        from: 'voicebox@example.com',
        to: 'nobody@example.com',
        subject: 'x',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 550 });
  });

  it('relays nothing: mail for any other domain is refused and nothing is queued', async () => {
    await expect(
      plainSmtp().sendMail({
        from: 'voicebox@example.com',
        to: 'someone@elsewhere.org',
        subject: 'x',
        text: 'x',
      }),
    ).rejects.toMatchObject({ responseCode: 554 });
    expect(await run('postqueue', ['-c', lab.smtp.configDir, '-p'])).toMatch(/Mail queue is empty/);
  });
});

describe('the submission port (STARTTLS, then AUTH)', () => {
  const mail = (to: string) => ({ from: 'bob@example.com', to, subject: 'via submission', text: 'x' });

  it('refuses to talk before STARTTLS', async () => {
    const cleartext = nodemailer.createTransport({
      host: lab.host,
      port: lab.smtp.submissionPort,
      secure: false,
      ignoreTLS: true,
    });
    await expect(cleartext.sendMail(mail('alice@example.com'))).rejects.toMatchObject({ responseCode: 530 });
  });

  it('refuses mail without AUTH, and a wrong password', async () => {
    await expect(submission().sendMail(mail('alice@example.com'))).rejects.toMatchObject({
      responseCode: 554,
    });
    await expect(
      submission({ user: 'bob', pass: 'nope' }).sendMail(mail('alice@example.com')),
    ).rejects.toMatchObject({
      code: 'EAUTH',
    });
  });

  it('delivers for an authenticated user over verified TLS', async () => {
    const messageId = newMessageId();
    const info = await submission({ user: 'bob', pass: 'bobpw' }).sendMail({
      ...mail('alice@example.com'),
      messageId,
    });
    expect(info.accepted).toEqual(['alice@example.com']);
    expect(await waitForMessage('alice', messageId)).toBeDefined();
  });

  it('relays nothing even for an authenticated user', async () => {
    await expect(
      submission({ user: 'bob', pass: 'bobpw' }).sendMail(mail('someone@elsewhere.org')),
    ).rejects.toMatchObject({ responseCode: 554 });
  });
});
