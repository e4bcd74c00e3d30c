// The e-mail-to-SMS gateway in the lab: an SMS job → the SMS queue → the mail spool → Postfix →
// the stand-in provider's mailbox (every address @sms.example.com goes to `smsgw`, lab/README.md).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { simpleParser } from 'mailparser';
import type { ImapFlow } from 'imapflow';
import { MailSpool, smtpTransport } from '../../../src/mail/index.js';
import { mailSmsGateway, smsJob, SmsQueue } from '../../../src/notify/index.js';
import type { DirectoryUser } from '../../../src/directory/index.js';
import { imapClient, withImap } from '../lab/support.js';

const lab = inject('lab');
const root = mkdtempSync(join(tmpdir(), 'voicebox-sms-it-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const berlin = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  extensionLength: 3,
  outsideLinePrefix: '0',
};

/** The raw sources of the provider mailbox's messages with this Message-ID. */
async function atProvider(messageId: string): Promise<Buffer[]> {
  return withImap(imapClient(lab, 'smsgw', 'smsgwpw'), async (c: ImapFlow) => {
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

describe('an SMS through the e-mail-to-SMS gateway', () => {
  it('reaches the provider as a plain-text mail to <her number>@sms.example.com, once', async () => {
    const transport = smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5_000 });
    const spool = new MailSpool({
      dir: join(root, 'mail'),
      send: transport.send,
      retry: { firstMs: 50, maxMs: 500 },
    });
    await spool.start();
    const sent: string[] = [];
    const queue = new SmsQueue({
      dir: join(root, 'notify-sms'),
      gateway: mailSmsGateway({ spool, addressTemplate: '$(MOBILE)@sms.example.com', domain: 'example.com' }),
      onSent: (j) => void sent.push(j.id),
    });
    await queue.start();

    const alice: DirectoryUser = {
      id: `uid=alice-${Date.now()},ou=sales,dc=example,dc=com`, // a fresh id: a fresh Message-ID per run
      name: 'Alice Anders',
      email: 'alice@example.com',
      mailbox: '+49 30 1234501',
      numbers: { mobile: '+49 170 1000001' },
      settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [], language: 'de' },
      rawUserData: [],
    };
    const job = smsJob({
      user: alice,
      counts: { voice: 2, fax: 1 },
      lastFrom: '+49301234102',
      defaultLanguage: 'de',
      location: berlin,
    });
    expect(await queue.enqueue(job)).toBe(true);
    await queue.idle();
    expect(sent).toEqual([job.id]); // in the mail spool: the SMS queue is done with it
    expect(readdirSync(join(root, 'notify-sms')).filter((f) => f.endsWith('.json'))).toEqual([]);

    const messageId = `<voicebox.sms.${job.id}@example.com>`;
    const [source] = await vi.waitFor(
      async () => {
        const found = await atProvider(messageId);
        expect(found.length).toBeGreaterThan(0);
        return found;
      },
      { timeout: 15_000, interval: 100 },
    );
    await queue.stop();
    await spool.stop();
    transport.close();

    const mail = await simpleParser(source ?? Buffer.alloc(0));
    const text = '2 neue Sprachnachrichten und 1 neues Fax, zuletzt von +49 30 1234102';
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((a) => a.address) : []).toEqual([
      '491701000001@sms.example.com',
    ]);
    expect(mail.from?.value).toEqual([{ name: 'voicebox', address: 'voicebox@example.com' }]);
    expect(mail.subject).toBe(text);
    expect(mail.text?.trim()).toBe(text);
    expect(mail.attachments).toEqual([]);
    expect(await atProvider(messageId)).toHaveLength(1);
  });
});
