// The summary an owner hears after she logs in, over the shipped menus with the simulator and a
// Maildir mailbox: only the kinds she has messages of, each counted in words — not "eins neue und
// null alte Sprachnachrichten".
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage, maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { aliceAsksForMessages, startVoicebox, type Voicebox } from '../actions/support.js';
import { deliverToAlice as deliver, emailFromCarol as email, voiceMessageForAlice } from '../support/mail.js';
import { aliceWithPin } from '../support/owners.js';

/** the site's key: the voice message is signed with it, the mailbox believes it by it */
const KEY = Buffer.alloc(32, 7);
let box: Voicebox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Alice with her PIN, Bob's voice message and `emails` e-mails, none read yet */
async function aliceWithMessages(emails: number): Promise<Voicebox> {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-summary-'));
  const maildir = join(dir, 'maildir');
  const { directory } = await aliceWithPin(dir);
  const wav = join(dir, 'bob.wav');
  const audio = Buffer.alloc(1_000, 1);
  writeFileSync(wav, audio);
  const voice = voiceMessageForAlice({
    wav,
    recordingId: '20200310142105',
    signature: { key: KEY, audioDigest: audioDigest(audio) },
  });
  await deliver(maildir, (await buildRawMessage(voice)).raw);
  for (let i = 1; i <= emails; i++) await deliver(maildir, email(`Report ${i}`));
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
  return box;
}

describe('the summary after login', () => {
  it('Alice with one new voice message and two e-mails hears just that, counted in words', async () => {
    const box = await aliceWithMessages(2);
    const call = await aliceAsksForMessages(box)
      // the text voice writes each counted prompt as `de:<id>(<count in words>)`
      .hears('you_have(de:count_new_voice(eins) und de:count_new_email(zwei))')
      .hangsUp();
    expect(call.said.filter((s) => /you_have|count_|no_messages/.test(s))).toEqual([
      'you_have(de:count_new_voice(eins) und de:count_new_email(zwei))',
    ]);
  });

  it('an empty mailbox is "Sie haben keine Nachrichten." and back to the main menu', async () => {
    dir = mkdtempSync(join(tmpdir(), 'voicebox-summary-'));
    const maildir = join(dir, 'maildir');
    const { directory } = await aliceWithPin(dir);
    box = await startVoicebox({
      directory,
      transport: maildirTransport({ root: maildir }),
      mailboxes: new MaildirMailboxStore({
        root: maildir,
        folder: 'INBOX',
        trash: 'Trash',
        deleteMode: 'trash',
      }),
    });
    const call = await aliceAsksForMessages(box).hears('no_messages').hears('main_menu').hangsUp();
    expect(call.said.filter((s) => /you_have|no_messages/.test(s))).toEqual(['no_messages']);
  });
});
