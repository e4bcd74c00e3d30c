// The mails besides the caller's voice message: the lock notice, and what the owner passes
// on from remote inquiry (Fwd:, Re:, fax). Pure: each is checked as composed and as a mail
// client reads it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  buildRawMessage,
  composeFax,
  composeForward,
  composeLockMail,
  composeReply,
  MailComposeError,
  mailIds,
  voiceMessageId,
  type VoiceMessageInput,
} from '../../src/mail/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-compose-inquiry-'));
const comment = join(dir, 'comment.wav');
const original = join(dir, 'original.wav');
writeFileSync(comment, 'RIFF....WAVEcomment');
writeFileSync(original, 'RIFF....WAVEoriginal');
const at = new Date(Date.UTC(2026, 11, 1, 9, 30, 0));

const voice = (over: Partial<VoiceMessageInput> = {}): VoiceMessageInput => ({
  to: { email: 'bob@example.com', name: 'Bob Berger', language: 'de' },
  mailbox: '+49301234502',
  caller: { number: '+49301234501', name: 'Alice Anders' },
  recordedAt: at,
  durationMs: 9_000,
  wav: { path: comment },
  domain: 'example.com',
  timeZone: 'Europe/Berlin',
  messageId: voiceMessageId('fwd-call-1-7', 'example.com'),
  ...over,
});

describe('the lock notice', () => {
  const lock = (language: string) =>
    composeLockMail({
      to: { email: ' alice@example.com ', name: 'Alice\r\nBcc: x@evil.example' },
      mailbox: '+49 30 1234501',
      language,
      lockedAt: at,
      timeZone: 'Europe/Berlin',
      wrongPins: 3,
      caller: '+4989777888',
      from: { address: 'voicebox@example.com', name: 'voicebox' },
      messageId: mailIds.lock('uid=alice,ou=sales', at, 'example.com').messageId,
    });

  it('says when, after how many PINs and from which number; names no PIN', () => {
    const m = lock('de');
    expect(m.subject).toBe('Ihre Anmeldung per Telefon wurde gesperrt');
    expect(m.to).toEqual([{ name: 'Alice Bcc: x@evil.example', address: 'alice@example.com' }]);
    expect(m.from).toEqual({ name: 'voicebox', address: 'voicebox@example.com' });
    expect(m.text).toContain('nach 3 falschen PIN-Eingaben gesperrt');
    expect(m.text).toContain('Der letzte Versuch kam von: +4989777888');
    expect(m.messageId).toBe(`<voicebox.lock.uid_alice_ou_sales.${at.getTime()}@example.com>`);
    expect(m.headers).toEqual({ 'X-Voicebox-Type': 'lock', 'X-Voicebox-Mailbox': '+49 30 1234501' });
  });

  it('in English for anyone without German', () => {
    expect(lock('fr').subject).toBe('Your telephone login has been locked');
    expect(lock('en-GB').text).toContain('after 3 wrong PINs');
  });
});

describe('mail ids', () => {
  it('are the same for the same mail, whatever the clock: a replayed call does not send twice', () => {
    expect(mailIds.welcome('uid=alice,ou=sales', 'example.com')).toEqual({
      spoolId: 'welcome-uid_alice_ou_sales',
      messageId: 'voicebox.welcome.uid_alice_ou_sales@example.com',
    });
    expect(mailIds.lock('alice', at, 'example.com')).toEqual({
      spoolId: `lock-alice-${at.getTime()}`,
      messageId: `voicebox.lock.alice.${at.getTime()}@example.com`,
    });
    expect(mailIds.inquiry('fwd', '0f3c-4a/b', 7)).toBe('fwd-0f3c-4a_b-7');
    expect(mailIds.inquiry('fax', 'call 1', 'uid:9')).toBe('fax-call_1-uid_9');
  });
});

describe('a forwarded voice message', () => {
  it('carries her comment first, then the message, under Fwd: and the message subject', async () => {
    const m = composeForward({
      voice: voice(),
      message: { subject: 'Sprachnachricht von Carol', audioPath: original },
    });
    expect(m.subject).toBe('Fwd: Sprachnachricht von Carol');
    expect(m.to).toEqual([{ name: 'Bob Berger', address: 'bob@example.com' }]);
    expect(m.from.address).toBe('+49301234501@voice.example.com');
    expect(m.attachments.map((a) => [a.path, a.contentType])).toEqual([
      [comment, 'audio/wav'],
      [original, 'audio/wav'],
    ]);
    expect(m.attachments[1]?.filename).toBe('forwarded-message.wav');
    expect(m.messageId).toBe('<voicebox.fwd-call-1-7@example.com>');
    const parsed = await simpleParser((await buildRawMessage(m)).raw);
    expect(parsed.attachments.map((a) => a.content.toString())).toEqual([
      'RIFF....WAVEcomment',
      'RIFF....WAVEoriginal',
    ]);
  });

  it('without a subject keeps the voice message subject behind Fwd:', () => {
    const m = composeForward({ voice: voice(), message: { subject: '', audioPath: original } });
    expect(m.subject).toBe('Fwd: Sprachnachricht von Alice Anders (+49301234501)');
  });
});

describe('a spoken reply', () => {
  const reply = (message: { senderNumber?: string; replyAddress: string; subject?: string }) =>
    composeReply({
      voice: {
        ...voice({ messageId: voiceMessageId('re-call-1-7', 'example.com') }),
        to: { language: 'en' },
      },
      message: { subject: 'Offer', sender: 'Carol Clark', ...message },
      from: { name: 'Alice Anders', address: 'alice@example.com' },
    });

  it("goes to a phone's voice address, from the owner's own address", () => {
    const m = reply({ senderNumber: '+4989555123', replyAddress: '' });
    expect(m.to).toEqual([{ name: 'Carol Clark', address: '+4989555123@voice.example.com' }]);
    expect(m.from).toEqual({ name: 'Alice Anders', address: 'alice@example.com' });
    expect(m.subject).toBe('Re: Offer');
    expect(m.messageId).toBe('<voicebox.re-call-1-7@example.com>');
  });

  it('to an e-mail: its Reply-To (else From); nobody to reply to is an error', () => {
    expect(reply({ replyAddress: 'carol@clark.example' }).to[0]?.address).toBe('carol@clark.example');
    expect(reply({ replyAddress: 'carol@clark.example', subject: '' }).subject).toMatch(
      /^Re: Voice message from /,
    );
    expect(() => reply({ replyAddress: 'Carol Clark' })).toThrow('the sender has no address to reply to');
  });
});

describe('a fax', () => {
  const fax = (template?: string) =>
    composeFax({
      message: { subject: 'Invoice 42', text: ['Dear Alice,', 'please find the invoice.'] },
      number: '+4930999888',
      from: { name: 'Alice Anders', address: 'alice@example.com' },
      ...(template ? { template } : {}),
      domain: 'example.com',
      id: mailIds.inquiry('fax', 'call-1', 7),
      date: at,
    });

  it('goes to the fax address of the number, with the text in its pieces', () => {
    const m = fax();
    expect(m.to).toEqual([{ name: '+4930999888', address: '+4930999888@fax.example.com' }]);
    expect(m.from).toEqual({ name: 'Alice Anders', address: 'alice@example.com' });
    expect(m.subject).toBe('Invoice 42');
    expect(m.text).toBe('Dear Alice,\n\nplease find the invoice.');
    expect(m.messageId).toBe('<voicebox.fax-call-1-7@example.com>');
    expect(m.date).toBe(at);
  });

  it('through a configured template; one that gives no address is refused', () => {
    expect(fax('$(phonenumber)@$(addrtype).gw.example.com').to).toEqual([
      { name: '+4930999888', address: '+4930999888@fax.gw.example.com' },
    ]);
    expect(() => fax('$(phonenumber)')).toThrow(MailComposeError);
  });
});

describe('what the owner and her colleagues read in these mails', () => {
  const lockAt = (language: string, timeZone: string) =>
    composeLockMail({
      to: { email: 'alice@example.com', name: 'Alice Anders' },
      mailbox: '+49301234501',
      language,
      timeZone,
      lockedAt: at,
      wrongPins: 3,
      caller: '+4989777888',
      from: { address: 'voicebox@example.com' },
      messageId: '<lock@example.com>',
    });

  it("the lock notice says when in the site's local time, in her language's words", () => {
    // 2026-12-01 09:30 UTC is a Tuesday, 10:30 in Berlin
    expect(lockAt('de', 'Europe/Berlin').text).toContain(
      'wurde am Dienstag, 1. Dezember 2026, um 10:30 Uhr nach 3 falschen PIN-Eingaben gesperrt.',
    );
    expect(lockAt('en', 'Europe/Berlin').text).toContain(
      'was locked on Tuesday, 1 December 2026, at 10:30 after 3 wrong PINs.',
    );
    expect(lockAt('en', 'America/New_York').text).toContain('on Tuesday, 1 December 2026, at 04:30');
    expect(lockAt('de', 'Europe/Berlin').text).not.toContain('2026-12-01T09:30');
  });

  it("a forward to an English colleague has an English subject, naming the message's sender", () => {
    const toBob = voice({ to: { email: 'bob@example.com', name: 'Bob Berger', language: 'en' } });
    const m = composeForward({
      voice: toBob,
      message: { subject: 'Sprachnachricht von Carol Clark', sender: 'Carol Clark', audioPath: original },
    });
    expect(m.subject).toBe('Fwd: Voice message from Carol Clark');
    expect(m.text).toContain('Alice Anders forwarded a voice message from Carol Clark to your mailbox');
  });

  it('a forward to a German colleague has a German subject', () => {
    const m = composeForward({
      voice: voice(),
      message: { subject: 'Voice message from Carol Clark', sender: 'Carol Clark', audioPath: original },
    });
    expect(m.subject).toBe('Fwd: Sprachnachricht von Carol Clark');
    expect(m.text).toContain('Alice Anders hat Ihnen eine Sprachnachricht von Carol Clark');
  });

  it("a reply names the owner's mailbox as hers, never as the recipient's", () => {
    const m = composeReply({
      voice: { ...voice({ mailbox: '+49301234501' }), to: { language: 'de' } },
      message: { subject: 'Angebot', sender: 'Carol Clark', senderNumber: '+4989555123', replyAddress: '' },
      from: { name: 'Alice Anders', address: 'alice@example.com' },
    });
    expect(m.text).not.toContain('in Ihrer Voicebox +49301234501');
    expect(m.text).toContain(
      'Alice Anders hat Ihnen mit einer Sprachnachricht aus der Voicebox +49301234501 geantwortet.',
    );
    const en = composeReply({
      voice: { ...voice({ mailbox: '+49301234501' }), to: { language: 'en' } },
      message: { subject: 'Offer', sender: 'Carol Clark', replyAddress: 'carol@clark.example' },
      from: { name: 'Alice Anders', address: 'alice@example.com' },
    });
    expect(en.text).not.toContain('your mailbox');
    expect(en.text).toContain('Alice Anders replied to you by voice from the mailbox +49301234501.');
  });
});
