// Remote inquiry over the shipped menus with the simulator and a Maildir mailbox: a long
// e-mail is read piece by piece, and the caller can cut it short or hear it again.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { nth, prompt, spoken } from '../support/dialogue.js';
import { aliceWithPin, maildirInbox, PIN } from '../support/owners.js';
import { ownerCalls, startVoicebox, type Voicebox } from './support.js';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** alice with a PIN, and one e-mail of `bytes` plain text in her Maildir INBOX */
async function aliceWithLongMail(bytes: number) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-inquiry-'));
  const maildir = join(dir, 'maildir');
  const { directory } = await aliceWithPin(dir);
  const sentence = (i: number) => `This is sentence number ${i} of a very long report about the quarter. `;
  let body = '';
  for (let i = 1; body.length < bytes; i++) body += sentence(i) + (i % 5 === 0 ? '\r\n\r\n' : '');
  mkdirSync(join(maildir, 'alice', 'new'), { recursive: true });
  mkdirSync(join(maildir, 'alice', 'cur'), { recursive: true });
  mkdirSync(join(maildir, 'alice', 'tmp'), { recursive: true });
  writeFileSync(
    join(maildir, 'alice', 'new', '1700000000.long.test'),
    [
      'From: Bob Berger <bob@example.com>',
      'To: alice@example.com',
      'Subject: Quarterly report',
      'Date: Tue, 14 Nov 2023 10:00:00 +0100',
      'Message-ID: <long@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
    ].join('\r\n'),
  );
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    mailboxes: new MaildirMailboxStore({
      root: maildir,
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
    }),
  });
  return { box, maildir };
}

describe('a long e-mail read aloud', () => {
  it('100 KB: the caller hears the first piece, skips the rest with #, and gets the keys of the message', async () => {
    const { box } = await aliceWithLongMail(100 * 1024);
    const r = await box.call(
      ownerCalls('+4989777888', [PIN], (c) =>
        c
          .pressWhilePlaying(nth(prompt('main_menu'), 1), '1', 300)
          .pressWhilePlaying(spoken(/sentence number 1 /), '#', 300)
          .pressWhilePlaying(prompt('key_repeat_message'), '*', 300)
          .pressWhilePlaying(nth(prompt('main_menu'), 2), '#', 300),
      ),
    );
    const pieces = r.said.filter((s) => s.startsWith('This is sentence'));
    expect(pieces).toHaveLength(1);
    expect(pieces[0]).toMatch(/^This is sentence number 1 of/);
    // straight on after the body: the options menu, then the main menu
    expect(r.said.slice(r.said.indexOf(pieces[0]!) + 1)).toEqual([
      expect.stringMatching(/^de:key_repeat_message\(die 1\) /),
      'de:main_menu',
      'de:goodbye',
    ]);
  });

  it('1 in the middle of the body says the message again from its heading', async () => {
    const { box } = await aliceWithLongMail(100 * 1024);
    const r = await box.call(
      ownerCalls('+4989777888', [PIN], (c) =>
        c
          .pressWhilePlaying(nth(prompt('main_menu'), 1), '1', 300)
          .pressWhilePlaying(nth(spoken(/sentence number 6 /), 1), '1', 300)
          .pressWhilePlaying(nth(spoken(/sentence number 1 /), 2), '#', 300)
          .pressWhilePlaying(prompt('key_repeat_message'), '*', 300)
          .pressWhilePlaying(nth(prompt('main_menu'), 2), '#', 300),
      ),
    );
    const pieces = r.said.filter((s) => s.startsWith('This is sentence'));
    expect(pieces.map((p) => /number (\d+) /.exec(p)?.[1])).toEqual(['1', '6', '1']);
    const headings = r.said.filter((s) => s.startsWith('de:message_heading'));
    expect(headings).toHaveLength(2);
    expect(r.said.at(-1)).toBe('de:goodbye');
  });

  it("a reply goes to the sender's address, not her display name", async () => {
    const { box, maildir } = await aliceWithLongMail(300);
    const r = await box.call(
      ownerCalls('+4989777888', [PIN], (c) =>
        c
          .pressWhilePlaying(nth(prompt('main_menu'), 1), '1', 300)
          .pressWhilePlaying(nth(prompt('key_repeat_message'), 1), '8', 300)
          .pressDuring('record', '#', 2000)
          .pressWhilePlaying(nth(prompt('key_repeat_message'), 2), '*', 300)
          .pressWhilePlaying(nth(prompt('main_menu'), 2), '#', 300),
      ),
    );
    expect(r.said).toContain('de:reply_sent');
    await box.spool.flush();
    const replies = maildirInbox(maildir, 'bob').map((m) => m.text);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatch(/^Subject: Re: Quarterly report/m);
    expect(replies[0]).toMatch(/audio\/wav/);
  });
});
