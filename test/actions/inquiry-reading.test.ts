// The owner hears a mail read out in the shipped catalogs' words: every option key cuts in on the
// body at once (7 deletes, * to the main menu, # on to the keys), the body is read with the voice
// of the mail's language, and "Nachricht eins: eine E-Mail von …, heute um …" is one sentence.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { MailSpool } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { speechVoice, type Voice } from '../../src/runtime/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { createRenderer, loadCatalogs } from '../../src/speech/index.js';
import { answering, type Answering } from '../support/calls.js';
import { nth, spoken } from '../support/dialogue.js';
import { aliceWithPin, PIN } from '../support/owners.js';
import { namedSilence } from '../support/voice.js';
import { testActions } from './support.js';

let line: Answering | undefined;
afterEach(async () => {
  await line?.close();
  line = undefined;
});

const NOW = new Date('2027-03-03T10:30:00Z'); // 11:30 in Berlin

/** a plain-text mail from Bob, received at 10:00 Berlin time */
function mail(o: { subject: string; body: string; language?: string }): string {
  return [
    'From: Bob Berger <bob@example.com>',
    'To: alice@example.com',
    `Subject: ${o.subject}`,
    'Date: Wed, 03 Mar 2027 10:00:00 +0100',
    'Message-ID: <reading@example.com>',
    ...(o.language ? [`Content-Language: ${o.language}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    o.body,
    '',
  ].join('\r\n');
}

/** a body read in several pieces: five sentences a paragraph */
function longBody(sentence: (i: number) => string, paragraphs = 8): string {
  const out: string[] = [];
  for (let p = 0; p < paragraphs; p++)
    out.push(Array.from({ length: 5 }, (_, i) => sentence(p * 5 + i + 1)).join(' '));
  return out.join('\r\n\r\n') + '\r\n';
}

const english = (i: number) => `This is sentence number ${i} of a long report about the quarter.`;
const german = (i: number) => `Das ist Satz Nummer ${i} eines langen Berichts über das Quartal.`;

interface Rendered {
  text: string;
  language: string;
}

/**
 * Alice (language `language`) with a PIN and this one mail in her Maildir; voicebox speaks the
 * shipped catalogs' words, and each text is played as silence named after it, so the caller
 * reacts to the words she hears. `rendered`: each text with the language of the voice it got.
 */
async function aliceWith(text: string, language = 'de') {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-reading-'));
  const { directory } = await aliceWithPin(dir, (s) => ({ ...s, language }));
  const maildir = join(dir, 'maildir');
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, 'alice', sub), { recursive: true });
  writeFileSync(join(maildir, 'alice', 'new', '1700000000.reading.test'), text);
  const mailboxes = new MaildirMailboxStore({
    root: maildir,
    folder: 'INBOX',
    trash: 'Deleted Voice Messages',
    deleteMode: 'trash',
  });
  const { bundle } = loadMenus(['menus']);
  const spool = new MailSpool({ dir: join(dir, 'spool'), send: async () => {} });
  const media = join(dir, 'media');
  const actions = testActions({ directory, spool, media, bundle, mailboxes, now: () => NOW });
  const words = speechVoice(
    await loadCatalogs('menus/prompts'),
    createRenderer({ mediaRoot: { local: media, freeswitch: media } }),
  );
  const rendered: Rendered[] = [];
  const voice: Voice = {
    promptText: (id, lang, values, count) => words.promptText(id, lang, values, count),
    render: async (t, lang) => {
      rendered.push({ text: t, language: lang });
      return { freeswitchPath: namedSilence(t) };
    },
  };
  line = await answering({ bundle, actions, voice, now: () => NOW, defaultFlow: 'voicebox' });
  const inbox = () => ['new', 'cur'].flatMap((f) => readdirSync(join(maildir, 'alice', f)));
  return { line, rendered, inbox };
}

/** she calls her mailbox from abroad, presses * in her greeting, her PIN, and 1 for the messages */
function owner(then: (c: ScriptedCaller) => ScriptedCaller): ScriptedCaller {
  return then(
    new ScriptedCaller({ number: '+4989777888', dialed: '501' })
      .pressWhilePlaying(spoken(/^(Hallo|Hello)/), '*', 300)
      .pressWhilePlaying(spoken(/PIN/), `${PIN}#`, 300)
      .pressWhilePlaying(nth(spoken(/^(Hauptmenü|Main menu)\.$/), 1), '1', 300),
  );
}

const pieces = (rendered: Rendered[]) =>
  rendered.filter((r) => /(sentence|Satz) number|Satz Nummer/.test(r.text));
const after = (rendered: Rendered[], text: RegExp) => {
  const at = rendered.findIndex((r) => text.test(r.text));
  expect(at, rendered.map((r) => r.text).join('\n')).toBeGreaterThanOrEqual(0);
  return rendered.slice(at + 1).map((r) => r.text);
};

describe('a key pressed while an e-mail is read acts at once', () => {
  it('7 in the middle of the body deletes the mail: no more of it is read', async () => {
    const { line, rendered, inbox } = await aliceWith(
      mail({ subject: 'Quarter', body: longBody(english), language: 'en' }),
    );
    await line.call(
      owner((c) =>
        c
          .pressWhilePlaying(spoken(/sentence number 20 /), '7', 300)
          .hangupWhilePlaying(spoken(/^Die Nachricht wurde gelöscht\.$/), 300),
      ),
    );
    expect(after(rendered, /sentence number 20 /)[0]).toBe('Die Nachricht wurde gelöscht.');
    expect(pieces(rendered).at(-1)?.text).toMatch(/sentence number 20 /);
    expect(rendered.map((r) => r.text).join(' ')).not.toMatch(/sentence number 40 /);
    expect(inbox()).toEqual([]);
  });

  it('* in the middle of the body goes to the main menu', async () => {
    const { line, rendered, inbox } = await aliceWith(
      mail({ subject: 'Quarter', body: longBody(english), language: 'en' }),
    );
    await line.call(
      owner((c) =>
        c
          .pressWhilePlaying(spoken(/sentence number 20 /), '*', 300)
          .hangupWhilePlaying(nth(spoken(/^Hauptmenü\.$/), 2), 300),
      ),
    );
    expect(after(rendered, /sentence number 20 /)).toEqual(['Hauptmenü.']);
    expect(inbox()).toHaveLength(1);
  });

  it('# in the middle of the body ends it and goes on to the keys of the message', async () => {
    const { line, rendered } = await aliceWith(
      mail({ subject: 'Quarter', body: longBody(english), language: 'en' }),
    );
    await line.call(
      owner((c) =>
        c
          .pressWhilePlaying(spoken(/sentence number 20 /), '#', 300)
          .hangupWhilePlaying(spoken(/^Um die Nachricht noch einmal zu hören/), 300),
      ),
    );
    expect(after(rendered, /sentence number 20 /)).toEqual([
      expect.stringMatching(
        /^Um die Nachricht noch einmal zu hören, drücken Sie die 1\. .* Zum Löschen drücken Sie die 7\./,
      ),
    ]);
    expect(rendered.map((r) => r.text).join(' ')).not.toMatch(/sentence number 40 /);
  });
});

describe('a mail is read with the voice of its language', () => {
  it('an English mail in a German call: the body in English, the menus in German', async () => {
    const { line, rendered } = await aliceWith(
      mail({ subject: 'Quarter', body: longBody(english, 2), language: 'en' }),
    );
    await line.call(owner((c) => c.hangupWhilePlaying(spoken(/^Um die Nachricht noch einmal/), 300)));
    expect(pieces(rendered).map((r) => r.language)).toEqual(['en', 'en']);
    expect(rendered.find((r) => r.text.startsWith('Nachricht eins'))?.language).toBe('de');
    expect(rendered.find((r) => r.text.startsWith('Um die Nachricht'))?.language).toBe('de');
  });

  it('a German mail without Content-Language in a German call: German, told from its words', async () => {
    const { line, rendered } = await aliceWith(mail({ subject: 'Quartal', body: longBody(german, 2) }));
    await line.call(owner((c) => c.hangupWhilePlaying(spoken(/^Um die Nachricht noch einmal/), 300)));
    expect(pieces(rendered).map((r) => r.language)).toEqual(['de', 'de']);
  });

  it('a German mail in an English call: the body in German', async () => {
    const { line, rendered } = await aliceWith(
      mail({ subject: 'Quartal', body: longBody(german, 2), language: 'de' }),
      'en',
    );
    await line.call(owner((c) => c.hangupWhilePlaying(spoken(/^To hear it again/), 300)));
    expect(pieces(rendered).map((r) => r.language)).toEqual(['de', 'de']);
    expect(rendered.find((r) => r.text.startsWith('Message one'))?.language).toBe('en');
  });
});

describe('the heading of a message is one sentence', () => {
  it('in German', async () => {
    const { line, rendered } = await aliceWith(mail({ subject: 'Quartal', body: 'Kurz.' }));
    await line.call(owner((c) => c.hangupWhilePlaying(spoken(/^Betreff/), 300)));
    expect(rendered.map((r) => r.text)).toContain(
      'Nachricht eins: eine E-Mail von Bob Berger, heute um zehn Uhr.',
    );
  });

  it('in English', async () => {
    const { line, rendered } = await aliceWith(mail({ subject: 'Quarter', body: 'Short.' }), 'en');
    await line.call(owner((c) => c.hangupWhilePlaying(spoken(/^Subject/), 300)));
    expect(rendered.map((r) => r.text)).toContain(
      'Message one: an e-mail from Bob Berger, today at ten a.m.',
    );
  });
});
