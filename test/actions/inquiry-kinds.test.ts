// The owner hears what kind each message is, and an ixi-UMS voice message (sender
// `$(phonenumber)@voc.<domain>`) is played, not read as the e-mail text around it.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import type { Value } from '../../src/runtime/index.js';
import { ALICE, aliceWithPin, PIN } from '../support/owners.js';
import { actionCaller, startVoicebox, testActions, type Voicebox } from './support.js';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** Alice's Maildir with these ixi-UMS fixtures (and other mails) in her INBOX, the gateway trusted */
function maildirWith(dir: string, fixtures: string[], mails: Record<string, string> = {}) {
  const maildir = join(dir, 'maildir');
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, 'alice', sub), { recursive: true });
  fixtures.forEach((name, i) =>
    copyFileSync(
      join('test/fixtures/mail/ixi-ums', name),
      join(maildir, 'alice', 'new', `170000000${i}.${name}.test`),
    ),
  );
  // `cur/<name>:2,S` is read already, a bare name new
  for (const [name, text] of Object.entries(mails))
    writeFileSync(join(maildir, 'alice', name.includes('/') ? '' : 'new', name), text);
  const store = new MaildirMailboxStore({
    root: maildir,
    folder: 'INBOX',
    trash: 'Deleted Voice Messages',
    deleteMode: 'trash',
    trustedSenderDomains: ['ums.example.com'],
  });
  return { maildir, store };
}

/** Alice with a PIN, the ixi-UMS gateway `ums.example.com` trusted, these fixtures in her INBOX */
async function aliceWithIxiMail(...fixtures: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-kinds-'));
  const { directory } = await aliceWithPin(dir);
  const { maildir, store } = maildirWith(dir, fixtures);
  box = await startVoicebox({ directory, transport: maildirTransport({ root: maildir }), mailboxes: store });
  return box;
}

const owner = (b: Voicebox) =>
  b.dial('501').from('+4989777888').hears('standard_greeting').press('*').hears('enter_pin').types(`${PIN}#`);

describe('an ixi-UMS voice message', () => {
  it('is announced as a voice message from its number and played', async () => {
    const b = await aliceWithIxiMail('voice.eml');
    // voice messages only: no menu to choose the kind, the message at once
    const r = await owner(b)
      .hears('main_menu')
      .press('1')
      .hears('message_heading(eins,de:message_kind_voice)')
      .hearsAudio()
      .hangsUp();
    const at = r.heard.indexOf('message_heading(eins,de:message_kind_voice)');
    expect(r.heard.slice(at + 1, at + 4)).toEqual([
      'from_number(plus vier neun, acht neun, sieben sieben sieben, acht acht acht)',
      'received_at(am dritten März zweitausendsiebenundzwanzig um neun Uhr zwölf)',
      expect.stringMatching(/^audio:maildir-.*\.wav$/),
    ]);
    expect(r.heard.join(' ')).not.toMatch(/Sprachnachricht erhalten|message_subject/);
  });
});

describe('the kind said before a message', () => {
  it('fax, SMS and a voc. mail without audio (an e-mail), each under its own key, each with its number', async () => {
    const b = await aliceWithIxiMail('fax.eml', 'sms.eml', 'voice-without-audio.eml');
    const r = await owner(b)
      .hears('main_menu')
      .press('1')
      .hears('key_emails(die 2)')
      .press('2')
      .hears('message_heading(eins,de:message_kind_email)')
      .hears('key_main_menu(die Stern-Taste)')
      .press('6')
      .hears('no_more_emails')
      .hears('key_faxes(die 3)')
      .press('3')
      .hears('message_heading(eins,de:message_kind_fax)')
      .hears('key_main_menu(die Stern-Taste)')
      .press('6')
      .hears('no_more_faxes')
      .hears('key_sms(die 4)')
      .press('4')
      .hears('message_heading(eins,de:message_kind_sms)')
      .hangsUp();
    const headings = r.heard.flatMap((h, i) =>
      h.startsWith('message_heading') ? [[h, r.heard[i + 1]!.replace(/\(.*/, '')]] : [],
    );
    expect(headings).toEqual([
      ['message_heading(eins,de:message_kind_email)', 'from_number'],
      ['message_heading(eins,de:message_kind_fax)', 'from_number'],
      ['message_heading(eins,de:message_kind_sms)', 'from_number'],
    ]);
    expect(r.heard.join(' ')).not.toMatch(/message_kind_voice/);
  });
});

describe('what the flow is given of each message', () => {
  const mail = (from: string, subject: string, body: string, language?: string) =>
    [
      `From: ${from}`,
      'To: alice@example.com',
      `Subject: ${subject}`,
      'Date: Tue, 02 Mar 2027 10:00:00 +0100',
      ...(language ? [`Content-Language: ${language}`] : []),
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n');

  it('sender_name, language (said or told from the words once read), and old faxes and SMS counted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-kinds-'));
    const { directory } = await aliceWithPin(dir);
    const { store } = maildirWith(dir, ['voice.eml'], {
      '1700000101.en.test': mail('Bob Berger <bob@example.com>', 'Lunch', 'Noon?', 'en-GB'),
      '1700000102.de.test': mail('<carol@example.com>', 'Rückruf erbeten', 'Herr Schmidt bittet um Rückruf.'),
      'cur/1700000103.fax.test:2,S': mail('<+4930555123@fax.ums.example.com>', 'Fax', 'p1'),
    });
    const spool = new MailSpool({ dir: join(dir, 'spool'), send: async () => {} });
    const now = () => new Date('2027-03-03T10:00:00Z');
    const actions = testActions({ directory, spool, media: dir, mailboxes: store, now });
    const { run, lookup } = actionCaller(actions, ALICE, { language: 'de', now });
    const alice = await lookup(ALICE);
    const listOf = async (kind: string) =>
      ((await run('list messages', alice, 'oldest_first', kind, false)) as { value: Value[] }).value as Array<
        Record<string, Value>
      >;
    const fields = (m: Record<string, Value>) => [
      m['kind'],
      m['sender_name'],
      m['sender_number'],
      m['language'],
    ];
    const emails = await listOf('email');
    expect(emails.map(fields)).toEqual([
      ['email', 'Bob Berger', '', 'en'],
      ['email', '', '', ''],
    ]);
    expect((await listOf('fax')).map(fields)).toEqual([['fax', '', '+4930555123', '']]);
    expect((await listOf('voice')).map(fields)).toEqual([['voice', '', '+4989777888', '']]);
    await run('message text', emails[1]!);
    expect(emails[1]!['language']).toBe('de');
    expect(await run('message summary', alice)).toEqual({
      value: expect.objectContaining({ new_voice: 1, new_email: 2, new_fax: 0, old_fax: 1, old_sms: 0 }),
    });
  });
});
