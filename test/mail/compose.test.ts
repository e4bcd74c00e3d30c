import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import {
  buildRawMessage,
  composeVoiceMessage,
  composeWelcomeMail,
  fillAddressTemplate,
  MailComposeError,
  senderLocalPart,
  voiceMessageId,
} from '../../src/mail/index.js';
import type { VoiceMessageInput } from '../../src/mail/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-compose-'));
const wavPath = join(dir, 'rec.wav');
writeFileSync(wavPath, Buffer.from('RIFF....WAVEfmt fake'));

// 10 March 2020, 14:21:05 UTC = 15:21:05 in Berlin (CET)
const recordedAt = new Date(Date.UTC(2020, 2, 10, 14, 21, 5));

const input = (over: Partial<VoiceMessageInput> = {}): VoiceMessageInput => ({
  to: { email: 'alice@example.com', name: 'Alice Anders', language: 'de' },
  mailbox: '+49301234501',
  caller: { number: '+49301234102', name: 'Bob Berger' },
  recordedAt,
  durationMs: 12_300,
  wav: { path: wavPath },
  domain: 'example.com',
  timeZone: 'Europe/Berlin',
  messageId: voiceMessageId('rec-1', 'example.com'),
  ...over,
});

/** The message as a mail client sees it: built by nodemailer, parsed by mailparser. */
async function asReceived(message: Parameters<typeof buildRawMessage>[0]) {
  const built = await buildRawMessage(message);
  return {
    built,
    parsed: await simpleParser(built.raw),
    head: built.raw.toString('latin1').split('\r\n\r\n')[0] ?? '',
  };
}

describe('voice message', () => {
  it('in German: From per template, subject and body name caller, Berlin time and duration', async () => {
    const m = composeVoiceMessage(input());
    expect(m.from).toEqual({ name: 'Bob Berger', address: '+49301234102@voice.example.com' });
    expect(m.to).toEqual([{ name: 'Alice Anders', address: 'alice@example.com' }]);
    expect(m.subject).toBe('Sprachnachricht von Bob Berger (+49301234102)');
    expect(m.text).toContain('Sie haben eine neue Sprachnachricht in Ihrer Voicebox +49301234501.');
    expect(m.text).toContain('Bob Berger (+49301234102)');
    expect(m.text).toContain('Dienstag, 10. März 2020, 15:21 Uhr');
    expect(m.text).toContain('12 Sekunden');
    expect(m.headers).toEqual({
      'X-Voicebox-Type': 'voice',
      'X-Voicebox-Caller': '+49301234102',
      'X-Voicebox-Duration': '12',
      'X-Voicebox-Mailbox': '+49301234501',
      'X-Voicebox-Caller-Name': 'Bob Berger',
    });
    expect(m.attachments).toEqual([
      { filename: 'voicemail-20200310-152105-49301234102.wav', path: wavPath, contentType: 'audio/wav' },
    ]);

    const { parsed } = await asReceived(m);
    expect(parsed.from?.value).toEqual([{ name: 'Bob Berger', address: '+49301234102@voice.example.com' }]);
    expect(parsed.subject).toBe('Sprachnachricht von Bob Berger (+49301234102)');
    expect(parsed.date?.getTime()).toBe(recordedAt.getTime());
    expect(parsed.headers.get('x-voicebox-type')).toBe('voice');
    expect(parsed.headers.get('x-voicebox-duration')).toBe('12');
    expect(parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['voicemail-20200310-152105-49301234102.wav', 'audio/wav'],
    ]);
  });

  it('in English, minutes and seconds, in another time zone', () => {
    const m = composeVoiceMessage(
      input({
        to: { email: 'carol@example.com', name: 'Carol Chen', language: 'en-US' },
        durationMs: 65_000,
        timeZone: 'America/New_York',
      }),
    );
    expect(m.subject).toBe('Voice message from Bob Berger (+49301234102)');
    expect(m.text).toContain('You have a new voice message in your mailbox +49301234501.');
    expect(m.text).toContain('Tuesday, 10 March 2020, 10:21');
    expect(m.text).toContain('1 minute 5 seconds');
    expect(m.headers['X-Voicebox-Duration']).toBe('65');
  });

  it('falls back to English for a language without texts, and to UTC for an unknown zone', () => {
    const m = composeVoiceMessage(
      input({ to: { email: 'a@example.com', name: 'A', language: 'fr' }, timeZone: 'Mars/Olympus' }),
    );
    expect(m.subject).toBe('Voice message from Bob Berger (+49301234102)');
    expect(m.text).toContain('14:21 (UTC)');
  });

  it('anonymous caller: anonymous@voice.<domain>, "unknown caller" in subject and body', () => {
    const de = composeVoiceMessage(input({ caller: { number: '' } }));
    expect(de.from).toEqual({ name: '', address: 'anonymous@voice.example.com' });
    expect(de.subject).toBe('Sprachnachricht von unbekanntem Anrufer');
    expect(de.text).toContain('unbekannt (Rufnummer unterdrückt)');
    expect(de.headers['X-Voicebox-Caller']).toBe('anonymous');
    expect(de.attachments[0]?.filename).toBe('voicemail-20200310-152105-anonymous.wav');

    const en = composeVoiceMessage(
      input({ caller: {}, to: { email: 'c@example.com', name: 'C', language: 'en' } }),
    );
    expect(en.subject).toBe('Voice message from an unknown caller');

    // a name but no number (CLIP no screening): the name, and still anonymous@
    const named = composeVoiceMessage(input({ caller: { name: 'Reception' } }));
    expect(named.from.address).toBe('anonymous@voice.example.com');
    expect(named.subject).toBe('Sprachnachricht von Reception');
  });

  it('a number without a name is the display name, and the local part keeps only + and digits', () => {
    const m = composeVoiceMessage(input({ caller: { number: '+49 (30) 1234-102"<x>' } }));
    expect(m.from).toEqual({ name: '+49301234102', address: '+49301234102@voice.example.com' });
    expect(senderLocalPart('030 1234 102')).toBe('0301234102');
    expect(senderLocalPart('abc')).toBe('anonymous');
  });

  it('uses a configured template and address type (the ixi-UMS Voice-Mail Server manual §4.1.3)', () => {
    const m = composeVoiceMessage(
      input({ fromTemplate: '$(phonenumber)@$(addrtype).domain.net', addrType: 'voc' }),
    );
    expect(m.from.address).toBe('+49301234102@voc.domain.net');
    expect(fillAddressTemplate('$(phonenumber)@ $(addrtype).domain.net', '0814247990', 'voc')).toBe(
      '0814247990@voc.domain.net',
    );
    expect(() => fillAddressTemplate('$(phonenumber)', '1', 'voice')).toThrow(MailComposeError);
    // a broken configured template does not cost the message: the default one is used
    expect(composeVoiceMessage(input({ fromTemplate: 'nonsense' })).from.address).toBe(
      '+49301234102@voice.example.com',
    );
  });

  it('a caller name with CR/LF cannot add a header; non-ASCII names are encoded', async () => {
    const m = composeVoiceMessage(
      input({ caller: { number: '+49301234102', name: 'Mallory\r\nBcc: victim@evil.example\r\n\r\nbody' } }),
    );
    const { built, parsed, head } = await asReceived(m);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(head).not.toMatch(/^bcc:/im);
    expect(built.envelope.to).toEqual(['alice@example.com']);
    expect(parsed.from?.value[0]?.name).toBe('Mallory Bcc: victim@evil.example body');
    expect(parsed.subject).toBe('Sprachnachricht von Mallory Bcc: victim@evil.example body (+49301234102)');

    const wang = await asReceived(
      composeVoiceMessage(input({ caller: { number: '+49301234105', name: '王芳' } })),
    );
    expect(wang.head).toMatch(/^[\x20-\x7e\r\n\t]*$/); // the header block is plain ASCII
    expect(wang.parsed.from?.value[0]?.name).toBe('王芳');
    expect(wang.parsed.subject).toBe('Sprachnachricht von 王芳 (+49301234105)');
  });

  it('the Message-ID is the given one, the same for every build of the same recording', async () => {
    const id = voiceMessageId('rec-1', 'example.com');
    expect(id).toBe('<voicebox.rec-1@example.com>');
    expect(voiceMessageId('a/b c', 'example.com')).toBe('<voicebox.a=2fb=20c@example.com>');
    const first = await asReceived(composeVoiceMessage(input()));
    const second = await asReceived(composeVoiceMessage(input()));
    expect(first.parsed.messageId).toBe(id);
    expect(second.parsed.messageId).toBe(id);
    expect(composeVoiceMessage(input({ messageId: 'x@y' })).messageId).toBe('<x@y>');
    expect(() => composeVoiceMessage(input({ messageId: 'x@y>\r\nBcc: z' }))).toThrow(MailComposeError);
  });

  it('a return path sets the envelope sender, not the From', async () => {
    const { built, parsed } = await asReceived(
      composeVoiceMessage(input({ returnPath: 'postmaster@example.com' })),
    );
    expect(built.envelope).toEqual({ from: 'postmaster@example.com', to: ['alice@example.com'] });
    expect(parsed.from?.value[0]?.address).toBe('+49301234102@voice.example.com');
  });
});

describe('welcome mail', () => {
  const base = {
    to: { email: 'erin@example.com', name: 'Erin Engel' },
    mailbox: '+49 30 1234506',
    from: { address: 'voicebox@example.com', name: 'Voicebox' },
  };

  it('in German with a new PIN, portal link and free text', () => {
    const m = composeWelcomeMail({
      ...base,
      language: 'de',
      pin: '48213',
      portalUrl: 'https://portal.example.com/',
      text: {
        de: 'Bitte melden Sie sich mit Ihrer E-Mail-Adresse an.',
        en: 'Please log in with your e-mail address.',
      },
    });
    expect(m.subject).toBe('Willkommen bei Ihrer Voicebox');
    expect(m.from).toEqual({ name: 'Voicebox', address: 'voicebox@example.com' });
    expect(m.text).toContain('Die Nummer Ihrer Voicebox ist: +49 30 1234506');
    expect(m.text).toContain('Ihre PIN ist: 48213');
    expect(m.text).toContain('https://portal.example.com/');
    expect(m.text.trimEnd().endsWith('Bitte melden Sie sich mit Ihrer E-Mail-Adresse an.')).toBe(true);
    expect(m.headers['X-Voicebox-Type']).toBe('welcome');
  });

  it('in English keeping the PIN the user already has, no portal, with the user guide attached', async () => {
    const m = composeWelcomeMail({
      ...base,
      language: 'en',
      attachments: [{ filename: 'voicebox-user-guide.pdf', path: wavPath, contentType: 'application/pdf' }],
      messageId: 'welcome-erin-1@example.com',
    });
    expect(m.text).toContain('Your PIN is the one you already have.');
    expect(m.text).not.toMatch(/Your PIN is:/);
    expect(m.text).not.toContain('browser');
    const { parsed } = await asReceived(m);
    expect(parsed.messageId).toBe('<welcome-erin-1@example.com>');
    expect(parsed.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['voicebox-user-guide.pdf', 'application/pdf'],
    ]);
  });

  it('no PIN and no phone section when remote login by phone is off', () => {
    const m = composeWelcomeMail({ ...base, language: 'en', pin: '97531', phoneLogin: false });
    expect(m.text).not.toContain('97531');
    expect(m.text).not.toContain('PIN');
  });
});
