// The messages page over the lab's real Dovecot: a voice message delivered to walt through the
// lab's Postfix is listed, played (without becoming seen), marked heard and deleted on the web
// page — and an IMAP client logged in as walt sees each of those changes. walt is the lab's
// mail-only mailbox of this test alone (lab/README.md); he is the one user of a users file of
// the test's own, his mailbox opened as the phone opens it (the lab's master user).
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { mailboxStoreFrom } from '../../../src/cli/services.js';
import { readConfig } from '../../../src/config/index.js';
import { audioDigest, buildRawMessage, composeVoiceMessage, smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { imapClient, withImap } from '../lab/support.js';
import { webTest, type WebTest } from '../../web/support.js';

const lab = inject('lab');
const PIN = '2468';
/** walt's mailbox number: +49 30 1234531, extension 531 (no seed user has it) */
const WALT_MAILBOX = '+49 30 1234531';
const WALT_E164 = '+49301234531';
/** the site's key: the message is signed with it, the page's mailbox store believes it by it */
const KEY = randomBytes(32);
const labConfig = readConfig(lab.config);
const TRASH = labConfig.mailbox.trash;

let pinHash = '';
beforeAll(async () => {
  pinHash = await hashPin(PIN);
  await emptyWalt();
});

let t: WebTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  await emptyWalt();
});

const asWalt = (): ImapFlow => imapClient(lab, 'walt', 'waltpw');

/** his INBOX and trash empty: each test starts from nothing */
async function emptyWalt(): Promise<void> {
  await withImap(asWalt(), async (c) => {
    for (const folder of ['INBOX', TRASH]) {
      if ((await c.status(folder, { messages: true }).catch(() => false as const)) === false) continue;
      const lock = await c.getMailboxLock(folder);
      try {
        if (c.mailbox !== false && c.mailbox.exists > 0) await c.messageDelete('1:*');
      } finally {
        lock.release();
      }
    }
  });
}

/** the messages in one of his folders with this Message-ID, with their flags, as walt's mail program sees them */
async function inFolder(folder: string, messageId: string): Promise<Array<{ uid: number; flags: string[] }>> {
  return withImap(asWalt(), async (c) => {
    if ((await c.status(folder, { messages: true }).catch(() => false as const)) === false) return [];
    const lock = await c.getMailboxLock(folder);
    try {
      const uids = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
      const found: Array<{ uid: number; flags: string[] }> = [];
      for (const uid of uids) {
        const m = await c.fetchOne(String(uid), { uid: true, flags: true }, { uid: true });
        if (m) found.push({ uid: m.uid, flags: [...(m.flags ?? [])] });
      }
      return found;
    } finally {
      lock.release();
    }
  });
}

/** polls until `check` gives a value, at most 15 s (Postfix hands the mail to Dovecot's LMTP) */
async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Bob's voice message for walt, as voicebox sends it (signed), and a plain e-mail, through Postfix */
async function deliverToWalt(dir: string): Promise<{ messageId: string; emailId: string; audio: Buffer }> {
  const audio = Buffer.concat([Buffer.from('RIFF\x24\x10\x00\x00WAVEfmt ', 'latin1'), randomBytes(4096)]);
  const wav = join(dir, 'bob.wav');
  writeFileSync(wav, audio);
  const tag = randomBytes(6).toString('hex');
  const voice = composeVoiceMessage({
    to: { email: 'walt@example.com', name: 'Walt Weber', language: 'de' },
    mailbox: WALT_E164,
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date(),
    durationMs: 7_000,
    wav: { path: wav },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: `<voicebox.${tag}@example.com>`,
    signature: { key: KEY, audioDigest: audioDigest(audio) },
  });
  const emailId = `<mail.${tag}@example.com>`;
  const email = Buffer.from(
    [
      'From: Carol Chen <carol@example.com>',
      'To: walt@example.com',
      `Subject: Lunch ${tag}`,
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: ${emailId}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Noon?',
      '',
    ].join('\r\n'),
  );
  const transport = smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5_000 });
  try {
    for (const [id, messageId, raw] of [
      [tag, voice.messageId, (await buildRawMessage(voice)).raw],
      [`${tag}-mail`, emailId, email],
    ] as const) {
      await transport.send({
        id,
        messageId,
        envelope: { from: 'voicebox@example.com', to: ['walt@example.com'] },
        raw,
      });
    }
  } finally {
    transport.close();
  }
  await eventually('the voice message in his INBOX', async () =>
    (await inFolder('INBOX', voice.messageId)).length > 0 ? true : undefined,
  );
  await eventually('the e-mail in his INBOX', async () =>
    (await inFolder('INBOX', emailId)).length > 0 ? true : undefined,
  );
  return { messageId: voice.messageId, emailId, audio };
}

/** the web page over walt alone, his mailbox on the lab's Dovecot as the lab's config reaches it */
async function waltsPage(): Promise<WebTest> {
  t = await webTest({
    users: (dir) => {
      const file = join(dir, 'users.yaml');
      writeFileSync(
        file,
        [
          'users:',
          '  walt:',
          '    name: Walt Weber',
          '    email: walt@example.com',
          '    login: walt',
          `    mailbox: '${WALT_MAILBOX}'`,
          '    settings:',
          '      - enabled=Y',
          '      - language=de',
          `      - pinHash=${pinHash}`,
          '      - welcomeSentAt=2026-01-01T00:00:00.000Z',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      return file;
    },
    mailboxes: mailboxStoreFrom(labConfig, KEY),
  });
  return t;
}

describe('walt on the messages page, his mailbox on IMAP', () => {
  it('lists the voice message, plays it without setting \\Seen, marks it heard, deletes it', async () => {
    const test = await waltsPage();
    const { messageId, emailId, audio } = await deliverToWalt(test.dir);
    const [delivered] = await inFolder('INBOX', messageId);
    const uid = String(delivered!.uid);

    const walt = test.client();
    await walt.login('531', PIN);
    const page = await walt.get('/messages');
    expect(page.status).toBe(200);
    // the voice message only (the e-mail is for his mail program), by its IMAP UID
    expect([...page.body.matchAll(/data-testid="message-(\d+)"/g)].map((m) => m[1])).toEqual([uid]);
    expect(page.body).toContain('Bob Berger');
    expect(page.body).toMatch(new RegExp(`data-testid="state-${uid}"[^>]*>\\s*neu`));

    const played = await walt.get(`/messages/${uid}/audio`);
    expect(played.status).toBe(200);
    expect(played.headers['content-type']).toBe('audio/wav');
    expect(played.raw.equals(audio)).toBe(true);
    // listening is no "heard": his mail program still shows it unread
    expect((await inFolder('INBOX', messageId))[0]!.flags).not.toContain('\\Seen');

    await walt.get('/messages');
    expect((await walt.post(`/messages/${uid}/heard`)).headers.location).toBe('/messages?done=heard');
    expect((await inFolder('INBOX', messageId))[0]!.flags).toContain('\\Seen');
    expect((await walt.get('/messages')).body).toMatch(
      new RegExp(`data-testid="state-${uid}"[^>]*>\\s*gehört`),
    );

    const deleted = await walt.post(`/messages/${uid}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.headers.location).toBe('/messages?done=deleted');
    expect((await walt.get('/messages?done=deleted')).body).toContain('Keine Sprachnachrichten');
    expect(await inFolder('INBOX', messageId)).toEqual([]);
    expect(await inFolder(TRASH, messageId)).toHaveLength(labConfig.mailbox.deleteMode === 'trash' ? 1 : 0);
    // the e-mail beside it is untouched
    expect(await inFolder('INBOX', emailId)).toHaveLength(1);
  });

  it("the e-mail's UID is not found, and his mailbox keeps it", async () => {
    const test = await waltsPage();
    const { emailId } = await deliverToWalt(test.dir);
    const [email] = await inFolder('INBOX', emailId);
    const walt = test.client();
    await walt.login('531', PIN);
    await walt.get('/messages');
    expect((await walt.get(`/messages/${email!.uid}/audio`)).status).toBe(404);
    expect((await walt.post(`/messages/${email!.uid}/delete`)).status).toBe(404);
    expect(await inFolder('INBOX', emailId)).toHaveLength(1);
  });
});
