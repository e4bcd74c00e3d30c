// The site's welcome mail (the ixi-UMS Voice-Mail Server manual §4.1.1): its sender and display
// name, a free text per language at the bottom and files attached — read as she receives it
// (the message the spool sends, parsed), and refused at start when a file or text is unusable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import {
  buildRawMessage,
  spoolMailer,
  type MailMessage,
  type SpoolMailerOptions,
} from '../../src/mail/index.js';
import { aliceRecipient } from '../support/owners.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-welcome-'));
const guide = join(dir, 'Kurzanleitung Voicebox.pdf');
writeFileSync(guide, '%PDF-1.4\n% a quick guide\n%%EOF\n');

function mailer(o: Partial<SpoolMailerOptions> = {}) {
  const spooled: MailMessage[] = [];
  const m = spoolMailer({
    spool: { enqueue: async (message) => void spooled.push(message) },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    defaultLanguage: 'de',
    ...o,
  });
  return { m, spooled };
}

/** the welcome mail alice receives, as her mail program reads it */
async function received(o: Partial<SpoolMailerOptions>, language = 'de') {
  const { m, spooled } = mailer(o);
  await m.welcome({
    userId: 'alice',
    to: { ...aliceRecipient, language },
    mailbox: '+49 30 1234501',
    pin: '4711',
  });
  const { raw } = await buildRawMessage(spooled[0]!);
  return simpleParser(raw);
}

const site: Partial<SpoolMailerOptions> = {
  sender: { address: 'voicemailbox@example.com', name: 'Voice-Mailbox Beispiel GmbH' },
  welcome: {
    text: {
      de: 'Bitte melden Sie sich mit Ihrer E-Mail-Adresse und dem Windows-Passwort an.',
      en: 'Please log in with your e-mail address and your Windows password.',
    },
    attachments: [guide],
  },
};

describe('the welcome mail as the site set it up', () => {
  it('comes from the configured sender with its display name', async () => {
    const mail = await received(site);
    expect(mail.from?.value).toEqual([
      { address: 'voicemailbox@example.com', name: 'Voice-Mailbox Beispiel GmbH' },
    ]);
  });

  it('carries the free text in her language at the bottom, after her PIN', async () => {
    const de = await received(site, 'de');
    const en = await received(site, 'en');
    expect(de.text?.trim().endsWith('dem Windows-Passwort an.')).toBe(true);
    expect(de.text!.indexOf('Ihre PIN ist: 4711')).toBeLessThan(de.text!.indexOf('Windows-Passwort'));
    expect(en.text?.trim().endsWith('and your Windows password.')).toBe(true);
    expect(en.text).not.toContain('Bitte melden');
  });

  it('has the quick guide attached under its own name, as a PDF', async () => {
    const mail = await received(site);
    expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['Kurzanleitung Voicebox.pdf', 'application/pdf'],
    ]);
    expect(mail.attachments[0]?.content.toString()).toContain('a quick guide');
  });

  it('without settings is the mail it always was: from voicebox@<domain>, no text, nothing attached', async () => {
    const mail = await received({});
    expect(mail.from?.value).toEqual([{ address: 'voicebox@example.com', name: 'voicebox' }]);
    expect(mail.attachments).toEqual([]);
    expect(mail.text?.trim().endsWith('Ihre PIN ist: 4711')).toBe(true);
  });

  it('with the defaults of the config file is the same mail', async () => {
    const { welcome } = parseConfig({});
    const mail = await received({ sender: { address: welcome.from, name: welcome.fromName }, welcome });
    expect(mail.from?.value).toEqual([{ address: 'voicebox@example.com', name: 'voicebox' }]);
    expect(mail.attachments).toEqual([]);
  });

  it('sends the lock notice from the same sender', async () => {
    const { m, spooled } = mailer(site);
    await m.lockNotice({
      userId: 'alice',
      to: aliceRecipient,
      mailbox: '+49 30 1234501',
      lockedAt: new Date(Date.UTC(2026, 11, 1, 9, 30)),
      wrongPins: 5,
      caller: '+4930555123',
    });
    const mail = await simpleParser((await buildRawMessage(spooled[0]!)).raw);
    expect(mail.from?.value).toEqual([
      { address: 'voicemailbox@example.com', name: 'Voice-Mailbox Beispiel GmbH' },
    ]);
  });
});

/** the problems of a config's `welcome` section, as `voicebox config check` lists them */
function problems(welcome: object): string[] {
  try {
    parseConfig({ welcome });
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => `${p.key}: ${p.message}`);
  }
}

describe('the welcome settings, checked at start', () => {
  it('accepts a sender, texts in de and en and a readable file', () => {
    expect(
      problems({
        from: 'voicemailbox@example.com',
        fromName: 'Voice-Mailbox',
        text: { de: 'Hallo', en: 'Hello' },
        attachments: [guide],
      }),
    ).toEqual([]);
  });

  it('names the key of a missing file, a folder, a relative path', () => {
    expect(problems({ attachments: [join(dir, 'missing.pdf'), dir, 'guide.pdf'] })).toEqual([
      `welcome.attachments: '${join(dir, 'missing.pdf')}' cannot be read by voicebox: ENOENT`,
      `welcome.attachments: '${dir}' cannot be read by voicebox: not a file`,
      "welcome.attachments: 'guide.pdf' is not an absolute path",
    ]);
  });

  it('refuses files that are too big to mail', () => {
    const big = join(dir, 'big.pdf');
    writeFileSync(big, Buffer.alloc(11 * 1024 * 1024));
    expect(problems({ attachments: [big] })).toEqual([
      'welcome.attachments: the files are 11.0 MB together; at most 10 MB',
    ]);
  });

  it('refuses a text in a language voicebox writes no mail in, and a sender that is no address', () => {
    expect(problems({ text: { fr: 'Bonjour' }, from: 'voicebox at example' })).toEqual([
      expect.stringMatching(/^welcome\.from: 'voicebox at example' is not valid/),
      "welcome.text.fr: voicebox writes its mails in de and en: a text for 'fr' is never sent",
    ]);
  });
});
