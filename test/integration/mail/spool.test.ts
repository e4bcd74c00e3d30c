// A voice message through the spool and SMTP into the lab's Postfix → Dovecot LMTP → alice's INBOX,
// and what happens while Postfix is unreachable.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { simpleParser } from 'mailparser';
import type { ImapFlow } from 'imapflow';
import { composeVoiceMessage, MailSpool, smtpTransport, voiceMessageId } from '../../../src/mail/index.js';
import type { MailTransport } from '../../../src/mail/index.js';
import { writeWav } from '../../../src/sim/index.js';
import { imapClient, labTls, run, withImap } from '../lab/support.js';

const lab = inject('lab');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const root = mkdtempSync(join(tmpdir(), 'voicebox-mail-it-'));
const transports: MailTransport[] = [];
afterAll(() => {
  for (const t of transports.splice(0)) t.close();
  rmSync(root, { recursive: true, force: true });
});

function smtp(port: number, extra: Partial<Parameters<typeof smtpTransport>[0]> = {}): MailTransport {
  const t = smtpTransport({ host: lab.host, port, timeoutMs: 5_000, ...extra });
  transports.push(t);
  return t;
}

/** A fresh recording: 3 s of 8 kHz 16-bit mono PCM (48,044 bytes) and an id nobody used before. */
function recording(): { id: string; path: string; bytes: Buffer } {
  const id = `rec-${randomUUID()}`;
  const path = join(root, `${id}.wav`);
  expect(writeWav(path, 3_000, 0)).toBe(48_044);
  return { id, path, bytes: readFileSync(path) };
}

const messageFor = (rec: { id: string; path: string }) =>
  composeVoiceMessage({
    to: { email: 'alice@example.com', name: 'Alice Anders', language: 'de' },
    mailbox: '+49301234501',
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date(),
    durationMs: 3_000,
    wav: { path: rec.path },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: voiceMessageId(rec.id, 'example.com'),
  });

/** The raw sources of alice's INBOX messages with this Message-ID (as the master user, like voicebox). */
async function inAliceInbox(messageId: string): Promise<Buffer[]> {
  const master = imapClient(lab, `alice*${lab.imap.master.user}`, lab.imap.master.password);
  return withImap(master, async (c: ImapFlow) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const uids = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      const sources: Buffer[] = [];
      for (const uid of uids) {
        const m = await c.fetchOne(String(uid), { source: true }, { uid: true });
        if (m && m.source) sources.push(m.source);
      }
      return sources;
    } finally {
      lock.release();
    }
  });
}

const waitForOne = (messageId: string) =>
  vi.waitFor(
    async () => {
      const found = await inAliceInbox(messageId);
      expect(found.length).toBeGreaterThan(0);
      return found;
    },
    { timeout: 15_000, interval: 100 },
  );

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, lab.host, r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const spoolEntries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('voice messages through the spool and SMTP', () => {
  it('arrive in the INBOX with From per template, the caller in the subject, the WAV byte for byte and the X-Voicebox headers', async () => {
    const rec = recording();
    const dir = join(root, 'spool-ok');
    const spool = new MailSpool({
      dir,
      send: smtp(lab.smtp.port).send,
      retry: { firstMs: 50, maxMs: 500, factor: 2 },
    });
    await spool.start();
    await spool.enqueue(messageFor(rec), rec.id);
    expect(spoolEntries(dir)).toHaveLength(1); // on disk before "thank you"
    rmSync(rec.path); // the recording may be cleaned up at once

    const [source] = await waitForOne(`<voicebox.${rec.id}@example.com>`);
    await vi.waitFor(() => expect(spoolEntries(dir)).toEqual([]));
    await spool.stop();

    const mail = await simpleParser(source ?? Buffer.alloc(0));
    expect(mail.from?.value).toEqual([{ name: 'Bob Berger', address: '+49301234102@voice.example.com' }]);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : undefined).toEqual([
      { name: 'Alice Anders', address: 'alice@example.com' },
    ]);
    expect(mail.subject).toBe('Sprachnachricht von Bob Berger (+49301234102)');
    expect(mail.text).toContain('3 Sekunden');
    expect(mail.messageId).toBe(`<voicebox.${rec.id}@example.com>`);
    expect(mail.headers.get('x-voicebox-type')).toBe('voice');
    expect(mail.headers.get('x-voicebox-caller')).toBe('+49301234102');
    expect(mail.headers.get('x-voicebox-duration')).toBe('3');
    expect(mail.headers.get('x-voicebox-mailbox')).toBe('+49301234501');
    expect(mail.attachments).toHaveLength(1);
    const wav = mail.attachments[0];
    expect(wav?.contentType).toBe('audio/wav');
    expect(wav?.filename).toMatch(/^voicemail-\d{8}-\d{6}-49301234102\.wav$/);
    expect(wav?.content.length).toBe(48_044);
    expect(sha256(wav?.content ?? Buffer.alloc(0))).toBe(sha256(rec.bytes));
  });

  it('wait in the spool while SMTP is unreachable, and a new spool with the right port delivers them exactly once', async () => {
    const rec = recording();
    const dir = join(root, 'spool-down');
    const messageId = `<voicebox.${rec.id}@example.com>`;

    let attempts = 0;
    const down = smtp(await closedPort());
    const first = new MailSpool({
      dir,
      send: async (m) => {
        attempts += 1;
        await down.send(m);
      },
      retry: { firstMs: 20, maxMs: 50, factor: 2 },
    });
    await first.start();
    await first.enqueue(messageFor(rec), rec.id);
    await vi.waitFor(() => expect(attempts).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    await first.stop();
    expect(spoolEntries(dir)).toEqual([`${rec.id}.json`]);
    const entry = JSON.parse(readFileSync(join(dir, `${rec.id}.json`), 'utf8')) as {
      attempts: number;
      lastError: string;
    };
    expect(entry.attempts).toBeGreaterThanOrEqual(3);
    expect(entry.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(await inAliceInbox(messageId)).toEqual([]);

    // "restart" with the right configuration; enqueueing the same recording again changes nothing
    const second = new MailSpool({
      dir,
      send: smtp(lab.smtp.port).send,
      retry: { firstMs: 20, maxMs: 50, factor: 2 },
    });
    await second.start();
    await second.enqueue(messageFor({ ...rec, path: join(root, 'gone.wav') }), rec.id);
    await second.flush();
    await waitForOne(messageId);
    await second.flush();
    await second.enqueue(messageFor({ ...rec, path: join(root, 'gone.wav') }), rec.id);
    await second.flush();
    await second.stop();

    expect(spoolEntries(dir)).toEqual([]);
    // nothing still on its way in Postfix's queue that could turn into a second copy
    await vi.waitFor(
      async () =>
        expect(await run('postqueue', ['-c', lab.smtp.configDir, '-p'])).toMatch(/Mail queue is empty/),
      { timeout: 10_000, interval: 100 },
    );
    expect(await inAliceInbox(messageId)).toHaveLength(1);
  });

  it('go over the submission port with STARTTLS and AUTH, the certificate verified', async () => {
    const rec = recording();
    const dir = join(root, 'spool-submission');
    const spool = new MailSpool({
      dir,
      send: smtp(lab.smtp.submissionPort, {
        starttls: true,
        auth: { user: 'bob', pass: 'bobpw' },
        tls: labTls(lab),
      }).send,
    });
    await spool.enqueue(messageFor(rec), rec.id);
    await spool.flush();
    await spool.stop();
    expect(spoolEntries(dir)).toEqual([]);
    expect(await waitForOne(`<voicebox.${rec.id}@example.com>`)).toHaveLength(1);
  });
});
