// The caller side against the real servers of the lab: the owner is found in OpenLDAP,
// the message goes through Postfix into her Dovecot INBOX.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { MailSpool, smtpTransport } from '../../../src/mail/index.js';
import { quickMessage, startVoicebox, type Voicebox } from '../../actions/support.js';
import { imapClient, labDirectory, withImap } from '../lab/support.js';

const lab = inject('lab');
let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

function directory(servers: string[]) {
  return labDirectory(lab, { servers, connectTimeoutMs: 500, timeoutMs: 2000 });
}

describe('a caller leaves a message (real LDAP, Postfix, Dovecot)', () => {
  it('lands in the owner Dovecot INBOX with From per template, the caller in the Subject and the WAV', async () => {
    box = await startVoicebox({
      welcome: { enabled: false },
      directory: directory(lab.ldap.servers.map((s) => s.url)),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    });
    const from = `+4989${Date.now() % 1_000_000}`;
    const r = await box.call(quickMessage('030 1234501', from, 3));
    expect(r.said.at(-1)).toBe('de:message_saved');
    const record = r.events.find((e) => e.kind === 'record');
    const wav = record?.kind === 'record' ? readFileSync(record.file) : Buffer.alloc(0);
    await box.spool.flush();
    const found = await withImap(imapClient(lab, 'alice', 'alicepw'), async (imap) => {
      await imap.mailboxOpen('INBOX');
      for (let i = 0; i < 50; i++) {
        const uids = (await imap.search({ from: from.slice(1) }, { uid: true })) || [];
        if (uids.length > 0) {
          const msg = await imap.fetchOne(String(uids[0]), { source: true }, { uid: true });
          return msg ? msg.source : undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return undefined;
    });
    expect(found).toBeDefined();
    const mail = await simpleParser(found!);
    expect(mail.from?.value[0]?.address).toBe(`${from}@voice.example.com`);
    expect(mail.subject).toContain(from.slice(3));
    expect(mail.headers.get('x-voicebox-type')).toBe('voice');
    const attachment = mail.attachments[0]!;
    expect(attachment.contentType).toBe('audio/wav');
    expect(createHash('sha256').update(attachment.content).digest('hex')).toBe(
      createHash('sha256').update(wav).digest('hex'),
    );
    // 3 s spoken, 2.9 s recorded (FreeSWITCH loses the first 60 ms) of 8 kHz 16-bit mono
    expect(attachment.content.length).toBeGreaterThan(2.9 * 16000);
  });

  it('the second LDAP server answers when the first is down', async () => {
    box = await startVoicebox({
      welcome: { enabled: false },
      directory: directory(['ldap://127.0.0.1:1', lab.ldap.servers[1].url]),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    });
    const r = await box.call(quickMessage('501'));
    expect(r.said[0]).toMatch(/^de:standard_greeting/);
  });

  it('with no LDAP server at all the caller hears an apology, and nothing crashes', async () => {
    box = await startVoicebox({
      welcome: { enabled: false },
      directory: directory(['ldap://127.0.0.1:1', 'ldap://127.0.0.1:2']),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    });
    const r = await box.call(quickMessage('501'));
    expect(r.said).toEqual(['de:technical_problem']);
    expect(r.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
    // the next call is served just the same
    expect((await box.call(quickMessage('501'))).said).toEqual(['de:technical_problem']);
  });
});

describe('SMTP down', () => {
  it('the caller still hears thank you; the message waits and is delivered exactly once after a restart', async () => {
    box = await startVoicebox({
      welcome: { enabled: false },
      directory: directory(lab.ldap.servers.map((s) => s.url)),
      transport: smtpTransport({ host: lab.host, port: 1, timeoutMs: 1000 }),
    });
    const from = `+4940${Date.now() % 1_000_000}`;
    const r = await box.call(quickMessage('501', from, 2));
    expect(r.said.at(-1)).toBe('de:message_saved');
    expect(box.spool.pending()).toHaveLength(1);
    const spoolDir = join(box.media, 'spool');
    await box.close();
    box = undefined;
    // voicebox restarted, SMTP back
    const transport = smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 });
    const spool = new MailSpool({ dir: spoolDir, send: transport.send });
    await spool.start();
    await spool.flush();
    await spool.stop();
    transport.close();
    const count = await withImap(imapClient(lab, 'alice', 'alicepw'), async (imap) => {
      await imap.mailboxOpen('INBOX');
      let hits: number[] = [];
      for (let i = 0; i < 50 && hits.length === 0; i++) {
        hits = (await imap.search({ from: from.slice(1) }, { uid: true })) || [];
        if (hits.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // give a duplicate the time to arrive, should there be one
      await new Promise((resolve) => setTimeout(resolve, 500));
      return ((await imap.search({ from: from.slice(1) }, { uid: true })) || []).length;
    });
    expect(count).toBe(1);
  });
});
