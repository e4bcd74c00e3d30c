// speech.readMail (the manual §4.6 "Activate TTS-dependent functionality: for remote inquiry
// (reading e-mails)"): switched off for all users, remote inquiry neither counts, announces nor
// offers her e-mails; her voice messages are as before.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage, maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { aliceAsksForMessages, startVoicebox, type Voicebox } from '../actions/support.js';
import { deliverToAlice as deliver, emailFromCarol as email, voiceMessageForAlice } from '../support/mail.js';
import { aliceWithPin } from '../support/owners.js';

const KEY = Buffer.alloc(32, 7);
let box: Voicebox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Alice with her PIN, `voice` signed voice messages from Bob and `emails` e-mails from Carol */
async function aliceWith(o: { voice: number; emails: number; readMail: boolean }) {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-read-mail-'));
  const maildir = join(dir, 'maildir');
  const { directory } = await aliceWithPin(dir);
  for (let i = 1; i <= o.voice; i++) {
    const wav = join(dir, `bob-${i}.wav`);
    const audio = Buffer.alloc(1_000, i);
    writeFileSync(wav, audio);
    const voice = voiceMessageForAlice({
      wav,
      recordingId: `2020031014210${i}`,
      signature: { key: KEY, audioDigest: audioDigest(audio) },
    });
    await deliver(maildir, (await buildRawMessage(voice)).raw);
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
    readMail: o.readMail,
  });
  return { box, inbox: join(maildir, 'alice', 'new') };
}

const mentionsEmail = (heard: string[]) => heard.filter((h) => /email|Report/.test(h));

describe('speech.readMail', () => {
  it('on (the default): the e-mails are announced and offered under key 2', async () => {
    const { box: b } = await aliceWith({ voice: 1, emails: 2, readMail: true });
    const call = await aliceAsksForMessages(b)
      .hears('you_have(de:count_new_voice(eins) und de:count_new_email(zwei))')
      .hears('key_emails(die 2)')
      .hangsUp();
    expect(mentionsEmail(call.heard)).toHaveLength(2);
  });

  it('off: only the voice message is announced, and played at once with nothing to choose', async () => {
    const { box: b, inbox } = await aliceWith({ voice: 1, emails: 2, readMail: false });
    const call = await aliceAsksForMessages(b)
      .hears('you_have(de:count_new_voice(eins))')
      .hearsAudio()
      .hears('key_next_message(die 6)')
      .press('6')
      .hears('no_more_voice_messages')
      .hangsUp();
    expect(mentionsEmail(call.heard)).toEqual([]);
    // the e-mails are left as they were: still new in her mailbox
    expect(readdirSync(inbox)).toHaveLength(2);
  });

  it('off, with e-mails only: "no messages", back in the main menu', async () => {
    const { box: b } = await aliceWith({ voice: 0, emails: 2, readMail: false });
    const call = await aliceAsksForMessages(b).hears('no_messages').hears('main_menu').hangsUp();
    expect(mentionsEmail(call.heard)).toEqual([]);
  });
});
