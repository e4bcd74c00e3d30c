// What the IMAP adapter believes and fetches, against the lab's Dovecot: voice headers only
// under a valid signature (in the summary too), audio over the size cap never downloaded, a
// downloaded message not fetched again, an unreadable e-mail failing alone.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { audioDigest, buildRawMessage, composeVoiceMessage } from '../../../src/mail/index.js';
import {
  MailboxUnavailable,
  MessageTooLarge,
  MessageUnreadable,
  type Mailbox,
} from '../../../src/mailbox/index.js';
import { imapClient, labMailboxStore, withImap } from '../lab/support.js';

const lab = inject('lab');
const KEY = randomBytes(32);
const FOLDER = `VoiceboxTrust-${Date.now()}`;
const erin = { mailbox: 'erin', email: 'erin@example.com', folder: FOLDER, number: '+49301234506' };
const scratch = mkdtempSync(join(tmpdir(), 'voicebox-trust-'));
const subjects = { voice: '', big: '' };

async function signedVoice(audio: Buffer, caller = '+49301234102') {
  const path = join(scratch, `${randomBytes(4).toString('hex')}.wav`);
  writeFileSync(path, audio);
  const message = composeVoiceMessage({
    to: { email: 'erin@example.com', name: 'Erin Engel', language: 'en' },
    mailbox: '+49301234506',
    caller: { number: caller, name: 'Bob Berger' },
    recordedAt: new Date(),
    durationMs: 3000,
    wav: { path },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: `<voicebox.trust-${randomBytes(6).toString('hex')}@example.com>`,
    signature: { key: KEY, audioDigest: audioDigest(audio) },
  });
  return { raw: (await buildRawMessage(message)).raw, subject: message.subject };
}

const forged = [
  'From: "Bob Berger" <+4990012345678@voice.example.com>',
  'To: erin@example.com',
  'Subject: forged voice message',
  `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
  `Message-ID: <trust-forged-${Date.now()}@example.com>`,
  'X-Voicebox-Type: voice',
  'X-Voicebox-Caller: +4990012345678',
  'X-Voicebox-Duration: 12',
  '',
  'call me back',
  '',
].join('\r\n');

const deepHtml = [
  'From: Mallory <mallory@example.com>',
  'To: erin@example.com',
  'Subject: deeply nested',
  `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
  'Content-Type: text/html; charset=utf-8',
  '',
  `${'<b>'.repeat(12_000)}deep`,
  '',
].join('\r\n');

let mailbox: Mailbox;
const open = () => labMailboxStore(lab, { signingKey: KEY }).open(erin);
const uidOf = async (subject: string) =>
  (await mailbox.list('newest_first')).find((m) => m.subject === subject)!.uid;

beforeAll(async () => {
  const voice = await signedVoice(randomBytes(64 * 1024));
  const big = await signedVoice(Buffer.alloc(25 * 1024 * 1024, 7), '+49301234103');
  subjects.voice = voice.subject;
  subjects.big = big.subject;
  await withImap(imapClient(lab, 'erin', 'erinpw'), async (imap) => {
    await imap.mailboxCreate(FOLDER);
    for (const raw of [voice.raw, big.raw, forged, deepHtml]) await imap.append(FOLDER, raw);
  });
  mailbox = await open();
}, 120_000);

afterAll(async () => {
  await mailbox?.close();
  await withImap(imapClient(lab, 'erin', 'erinpw'), (imap) => imap.mailboxDelete(FOLDER));
});

describe('the IMAP mailbox believes only what voicebox signed', () => {
  it('the forged mail counts and lists as an e-mail without a caller; the signed ones as voice', async () => {
    expect(await mailbox.summary()).toMatchObject({ newVoice: 2, newEmail: 2, total: 4 });
    const list = await mailbox.list('newest_first');
    const forgedInfo = list.find((m) => m.subject === 'forged voice message');
    expect(forgedInfo).toMatchObject({ kind: 'email', sender: 'Bob Berger' });
    expect(forgedInfo).not.toHaveProperty('senderNumber');
    expect(list.find((m) => m.subject === subjects.voice)).toMatchObject({
      kind: 'voice',
      senderNumber: '+49301234102',
      durationMs: 3000,
    });
    // another site's key: nothing is a voice message
    const other = await labMailboxStore(lab, { signingKey: randomBytes(32) }).open(erin);
    try {
      expect(await other.summary()).toMatchObject({ newVoice: 0, newEmail: 4 });
    } finally {
      await other.close();
    }
  });
});

describe('downloads', () => {
  it('a 25 MB "voice message" over the 20 MB cap is not downloaded', async () => {
    const dir = join(scratch, 'big');
    const started = Date.now();
    await expect(mailbox.voiceAudio(await uidOf(subjects.big), dir)).rejects.toBeInstanceOf(MessageTooLarge);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    console.log(`refused a 25 MB message in ${Date.now() - started} ms without downloading it`);
  });

  it('a message is saved for voicebox and FreeSWITCH only, and fetched once', async () => {
    const dir = join(scratch, 'inbox', 'call-1');
    const path = await mailbox.voiceAudio(await uidOf(subjects.voice), dir);
    expect(statSync(path).size).toBe(64 * 1024);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
    writeFileSync(path, 'kept');
    expect(await mailbox.voiceAudio(await uidOf(subjects.voice), dir)).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('kept');
  });

  it('HTML nested too deeply: that e-mail cannot be read, the mailbox goes on', async () => {
    const uid = await uidOf('deeply nested');
    const failure = await mailbox.text(uid).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MessageUnreadable);
    expect(failure).not.toBeInstanceOf(MailboxUnavailable);
    expect(await mailbox.text(await uidOf('forged voice message'))).toEqual(['call me back']);
  });
});
