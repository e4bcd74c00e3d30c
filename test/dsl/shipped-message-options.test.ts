// The shipped menus announce a message's options from the keys enabled for it: call back only when
// the admin allows it and the message has a number the dial policy allows — never for an e-mail.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { aliceAsksForMessages, quickMessage, startVoicebox, type Voicebox } from '../actions/support.js';
import { aliceWithPin } from '../support/owners.js';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** Alice's mailbox: a voice message Bob left from +4930555123 and an e-mail (no number) from Carol */
async function aliceWithTwoMessages(allowCallBack: boolean): Promise<Voicebox> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-options-'));
  const maildir = join(dir, 'maildir');
  const key = randomBytes(32);
  const { directory } = await aliceWithPin(dir);
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(maildir, 'alice', sub), { recursive: true });
  writeFileSync(
    join(maildir, 'alice', 'new', '1500000000.mail.test'),
    [
      'From: Carol Clark <carol@example.com>',
      'To: alice@example.com',
      'Subject: Lunch',
      'Date: Fri, 14 Jul 2017 04:40:00 +0200',
      'Message-ID: <lunch@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Lunch at noon?',
    ].join('\r\n'),
  );
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    signingKey: key,
    mailboxes: new MaildirMailboxStore({
      root: maildir,
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
      signingKey: key,
    }),
    menu: { allow_call_back: allowCallBack, message_order: 'oldest_first' },
  });
  await box.call(quickMessage('501', '+4930555123'));
  await box.spool.flush();
  return box;
}

/** the keys said after each message's heading, message by message, up to its last one (the main menu) */
function optionsOf(heard: string[]): string[][] {
  const starts = heard.flatMap((h, i) => (h.startsWith('message_heading') ? [i] : []));
  return starts.map((s, n) => {
    const keys = heard.slice(s, starts[n + 1] ?? heard.length).filter((h) => h.startsWith('key_'));
    return keys.slice(0, keys.findIndex((k) => k.startsWith('key_main_menu')) + 1);
  });
}

describe("a message's options in the shipped menus", () => {
  it('with call back allowed: announced for the voice message with a number, not for the e-mail', async () => {
    const box = await aliceWithTwoMessages(true);
    const call = await aliceAsksForMessages(box)
      .hears('key_emails(die 2)')
      .press('2')
      .hears('key_repeat_message(die 1)')
      .press('6')
      .hears('no_more_emails')
      .hears('key_voice_messages(die 1)')
      .press('1')
      .hears('key_repeat_message(die 1)')
      .press('*')
      .hears('main_menu')
      .press('#')
      .hears('goodbye');
    const [email, voice] = optionsOf(call.heard);
    expect(email).toEqual([
      'key_repeat_message(die 1)',
      'key_next_message(die 6)',
      'key_delete_message(die 7)',
      'key_reply(die 8)',
      'key_forward_fax(die 9)',
      'key_main_menu(die Stern-Taste)',
    ]);
    expect(voice).toEqual([
      'key_repeat_message(die 1)',
      'key_call_back(die 3)',
      'key_forward_voice(die 5)',
      'key_next_message(die 6)',
      'key_delete_message(die 7)',
      'key_reply(die 8)',
      'key_main_menu(die Stern-Taste)',
    ]);
  });

  it('with call back switched off: never announced, and 3 is not a key the options take', async () => {
    const box = await aliceWithTwoMessages(false);
    const call = await aliceAsksForMessages(box)
      .hears('key_emails(die 2)')
      .press('2')
      .hears('key_repeat_message(die 1)')
      .press('6')
      .hears('no_more_emails')
      .hears('key_voice_messages(die 1)')
      .press('1')
      .hears('key_repeat_message(die 1)')
      .press('*')
      .hears('main_menu')
      .press('#')
      .hears('goodbye');
    expect(call.heard.filter((h) => h.startsWith('key_call_back'))).toEqual([]);
    const options = call.events.flatMap((e) => (e.kind === 'listen' && e.menu === 'options' ? [e.keys] : []));
    expect(options).toEqual([
      ['1', '6', '7', '8', '9', '#', '*'],
      ['1', '5', '6', '7', '8', '#', '*'],
    ]);
  });
});
