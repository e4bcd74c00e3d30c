// After the summary the owner chooses what to hear — voice messages, e-mails, faxes, SMS — so
// the owner of a real inbox does not step through her e-mails to reach a voice message. Only
// the kinds she has are offered; one kind alone starts at once.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage, MailSpool, maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import type { CallEvent, Value } from '../../src/runtime/index.js';
import { deliverToAlice as deliver, emailFromCarol as email, voiceMessageForAlice } from '../support/mail.js';
import { ALICE, aliceWithPin } from '../support/owners.js';
import { actionCaller, aliceAsksForMessages, startVoicebox, testActions, type Voicebox } from './support.js';

/** the site's key: the voice message is signed with it, the mailbox believes it by it */
const KEY = Buffer.alloc(32, 7);
let box: Voicebox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** the file a voice message's audio is played from, by its Maildir file */
const playedFrom = (file: string) =>
  `audio:maildir-${file.split(':')[0]!.replace(/[^A-Za-z0-9._-]/g, '_')}.wav`;

/**
 * Alice with her PIN, signed voice messages from Bob (the i-th recorded a second after the one
 * before; those listed in `heard` heard already) and `emails` e-mails; what each voice message
 * is played as, in the order recorded
 */
async function aliceWith(o: { voice: number; emails: number; heard?: number[] }) {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-categories-'));
  const maildir = join(dir, 'maildir');
  const inbox = join(maildir, 'alice');
  const { directory } = await aliceWithPin(dir);
  const played: string[] = [];
  for (let i = 1; i <= o.voice; i++) {
    const wav = join(dir, `bob-${i}.wav`);
    const audio = Buffer.alloc(1_000, i);
    writeFileSync(wav, audio);
    const voice = voiceMessageForAlice({
      wav,
      recordingId: `2020031014210${i}`,
      signature: { key: KEY, audioDigest: audioDigest(audio) },
    });
    const before = existsSync(join(inbox, 'new')) ? readdirSync(join(inbox, 'new')) : [];
    await deliver(maildir, (await buildRawMessage(voice)).raw);
    const file = readdirSync(join(inbox, 'new')).find((f) => !before.includes(f))!;
    played.push(playedFrom(file));
    if (o.heard?.includes(i)) renameSync(join(inbox, 'new', file), join(inbox, 'cur', `${file}:2,S`));
  }
  for (let i = 1; i <= o.emails; i++) await deliver(maildir, email(`Report ${i}`));
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    mailboxes: new MaildirMailboxStore({
      root: maildir,
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
      signingKey: KEY,
    }),
    signingKey: KEY,
  });
  return { box, played };
}

/** Alice logs in from outside and asks for her messages */
/** the keys the category menu waited for, each time it waited */
const categoryKeys = (events: CallEvent[]) =>
  events.flatMap((e) => (e.kind === 'listen' && e.menu === 'categories' ? [e.keys] : []));

/** the category menu's labels (its `*` label is the options' too) */
const labels = /^key_(voice_messages|emails|faxes|sms|main_menu)\(/;
const kindLabels = /^key_(voice_messages|emails|faxes|sms)\(/;

describe('the category menu after the summary', () => {
  it('Alice with two e-mails and a voice message presses 1 and hears the voice message, not an e-mail', async () => {
    const { box: b } = await aliceWith({ voice: 1, emails: 2 });
    const call = await aliceAsksForMessages(b)
      .hears('you_have(de:count_new_voice(eins) und de:count_new_email(zwei))')
      .hears('key_voice_messages(die 1)')
      .press('1')
      .hearsAudio()
      .hangsUp();
    const after = call.heard.slice(call.heard.indexOf('key_voice_messages(die 1)') + 1);
    // what she heard after choosing: the voice message's heading and its audio, no e-mail
    expect(after.filter((h) => /message_subject|Report/.test(h))).toEqual([]);
    expect(after.at(-1)).toMatch(/^audio:maildir-.*\.wav$/);
    expect(categoryKeys(call.events)[0]).toEqual(['1', '2', '*']);
  });

  it('offers only the kinds there are: no fax or SMS key, said or pressable', async () => {
    const { box: b } = await aliceWith({ voice: 1, emails: 2 });
    const call = await aliceAsksForMessages(b)
      .hears('key_main_menu(die Stern-Taste)')
      .press('*')
      .hears('main_menu')
      .hangsUp();
    expect(call.heard.filter((h) => labels.test(h))).toEqual([
      'key_voice_messages(die 1)',
      'key_emails(die 2)',
      'key_main_menu(die Stern-Taste)',
    ]);
    expect(categoryKeys(call.events)).toEqual([['1', '2', '*']]);
  });

  it('with voice messages only there is nothing to choose: the new one at once, then the heard one, then "Keine weiteren Sprachnachrichten."', async () => {
    // the heard one is the newer: newest first alone would play it first
    const { box: b, played } = await aliceWith({ voice: 2, emails: 0, heard: [2] });
    const call = await aliceAsksForMessages(b)
      .hearsAudio()
      .hears('key_next_message(die 6)')
      .press('6')
      .hearsAudio()
      .hears('key_next_message(die 6)')
      .press('6')
      .hears('no_more_voice_messages')
      .hangsUp();
    expect(call.heard.filter((h) => h.startsWith('audio:'))).toEqual([played[0], played[1]]);
    expect(call.heard.filter((h) => kindLabels.test(h))).toEqual([]);
    expect(categoryKeys(call.events)).toEqual([]);
  });

  it('after the last voice message, deleted, "Keine weiteren Sprachnachrichten." and the menu without voice messages', async () => {
    const { box: b } = await aliceWith({ voice: 1, emails: 2 });
    const call = await aliceAsksForMessages(b)
      .hears('key_voice_messages(die 1)')
      .press('1')
      .hearsAudio()
      .hears('key_delete_message(die 7)')
      .press('7')
      .hears('message_deleted')
      .hears('no_more_voice_messages')
      .hears('key_main_menu(die Stern-Taste)')
      .press('2')
      .hears('message_subject(Report 2)')
      .hangsUp();
    const back = call.heard.slice(call.heard.indexOf('no_more_voice_messages'));
    expect(back.filter((h) => labels.test(h))).toEqual([
      'key_emails(die 2)',
      'key_main_menu(die Stern-Taste)',
    ]);
    expect(categoryKeys(call.events)).toEqual([
      ['1', '2', '*'],
      ['2', '*'],
    ]);
  });

  it('says "Gehörte Sprachnachrichten:" before the first heard one, after the new ones', async () => {
    const { box: b, played } = await aliceWith({ voice: 3, emails: 0, heard: [2, 3] });
    const call = await aliceAsksForMessages(b)
      .hearsAudio()
      .hears('key_next_message(die 6)')
      .press('6')
      .hears('old_voice_messages')
      .hearsAudio()
      .hangsUp();
    // the new one, then the heard ones newest first
    expect(call.heard.filter((h) => h.startsWith('audio:'))).toEqual([played[0], played[2]]);
    const saved = call.heard.indexOf('old_voice_messages');
    expect(call.heard.indexOf(played[0]!)).toBeLessThan(saved);
    expect(saved).toBeLessThan(call.heard.indexOf(played[2]!));
    expect(call.heard.filter((h) => h === 'old_voice_messages')).toHaveLength(1);
  });
});

describe('list messages', () => {
  it('gives one kind, the new ones first, and marks the first heard one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'voicebox-categories-'));
    const maildir = join(dir, 'maildir');
    const inbox = join(maildir, 'alice');
    const { directory } = await aliceWithPin(dir);
    for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(inbox, sub), { recursive: true });
    const mail = (subject: string, day: number) =>
      [
        'From: Carol Chen <carol@example.com>',
        'To: alice@example.com',
        `Subject: ${subject}`,
        `Date: Tue, 0${day} Mar 2027 10:00:00 +0100`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Hello Alice.',
        '',
      ].join('\r\n');
    writeFileSync(join(inbox, 'new', '1700000001.old-new.test'), mail('new, older', 1));
    writeFileSync(join(inbox, 'cur', '1700000002.heard.test:2,S'), mail('read, newest', 4));
    writeFileSync(join(inbox, 'new', '1700000003.new.test'), mail('new, newer', 2));
    writeFileSync(join(inbox, 'cur', '1700000004.heard.test:2,S'), mail('read, older', 3));
    writeFileSync(
      join(inbox, 'new', '1700000005.fax.test'),
      mail('a fax', 5).replace('carol@example.com', '+4930555123@fax.ums.example.com'),
    );
    const store = new MaildirMailboxStore({
      root: maildir,
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
      trustedSenderDomains: ['ums.example.com'],
    });
    const spool = new MailSpool({ dir: join(dir, 'spool'), send: async () => {} });
    const now = () => new Date('2027-03-06T10:00:00Z');
    const actions = testActions({ directory, spool, media: dir, mailboxes: store, now });
    const { run, lookup } = actionCaller(actions, ALICE, { language: 'de', now });
    const alice = await lookup(ALICE);
    const list = async (order: string, kind: string, unread: boolean) =>
      (
        ((await run('list messages', alice, order, kind, unread)) as { value: Value[] }).value as Array<
          Record<string, Value>
        >
      ).map((m) => [m['subject'], m['first_old']]);
    expect(await list('newest_first', 'email', false)).toEqual([
      ['new, newer', false],
      ['new, older', false],
      ['read, newest', true],
      ['read, older', false],
    ]);
    expect(await list('oldest_first', 'email', false)).toEqual([
      ['new, older', false],
      ['new, newer', false],
      ['read, older', true],
      ['read, newest', false],
    ]);
    expect(await list('newest_first', 'email', true)).toEqual([
      ['new, newer', false],
      ['new, older', false],
    ]);
    expect(await list('newest_first', 'fax', false)).toEqual([['a fax', false]]);
    expect(await list('newest_first', 'sms', false)).toEqual([]);
    expect(await run('message summary', alice)).toEqual({
      value: expect.objectContaining({
        voice: 0,
        email: 4,
        fax: 1,
        sms: 0,
        kinds: 2,
        first_kind: 'email',
        total: 5,
      }),
    });
  });
});
