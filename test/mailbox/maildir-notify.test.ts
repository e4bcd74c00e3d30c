// What the notifier reads of a Maildir: per kind the unseen messages that arrived since the
// owner's last reset (the file's mtime, as Dovecot gives it as INTERNALDATE), who the newest is
// from, and a fingerprint that changes with every arrival, read, unread and delete.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { voiceMessageForAlice } from '../support/mail.js';
import { aliceOwner } from '../support/owners.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
const scratch = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'voicebox-notify-'));
  roots.push(root);
  return root;
};
const KEY = Buffer.alloc(32, 7);

const store = (root: string): MaildirMailboxStore =>
  new MaildirMailboxStore({
    root,
    folder: 'INBOX',
    trash: 'Deleted Voice Messages',
    deleteMode: 'trash',
    signingKey: KEY,
    // the site's fax and SMS gateway writes $(phonenumber)@fax.example.com
    trustedSenderDomains: ['example.com'],
  });

let counter = 0;
/** a message delivered into alice's new/ at `at` (its mtime; the name starts with that second) */
function put(root: string, raw: string | Buffer, at: Date): string {
  for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(root, 'alice', sub), { recursive: true });
  const dir = join(root, 'alice', 'new');
  const name = `${Math.floor(at.getTime() / 1000)}.M${++counter}P1.test`;
  const path = join(dir, name);
  writeFileSync(path, Buffer.isBuffer(raw) ? raw : raw.replace(/\r?\n/g, '\r\n'));
  utimesSync(path, at, at);
  return name;
}

const mail = (from: string, subject: string, extra: string[] = []): string =>
  [`From: ${from}`, 'To: alice@example.com', `Subject: ${subject}`, ...extra, '', 'text'].join('\n');

/** Bob Berger's (+49301234102) voice message, signed as voicebox signs what it sends */
async function signedVoice(root: string): Promise<Buffer> {
  const wav = join(root, `rec-${++counter}.wav`);
  const audio = randomBytes(500);
  writeFileSync(wav, audio);
  const message = voiceMessageForAlice({
    wav,
    recordingId: String(counter),
    signature: { key: KEY, audioDigest: audioDigest(audio) },
  });
  return (await buildRawMessage(message)).raw;
}

const T = new Date('2026-03-02T10:00:00Z');
const at = (seconds: number): Date => new Date(T.getTime() + seconds * 1000);

describe('Maildir notifyCounts', () => {
  it('counts the unseen voice, fax and SMS messages by arrival, and names who the newest is from', async () => {
    const root = scratch();
    put(root, await signedVoice(root), at(-60)); // before the reset
    put(root, await signedVoice(root), at(10));
    put(root, mail('<+4930555@fax.example.com>', 'Fax 1'), at(20));
    put(root, mail('<+4930556@fax.example.com>', 'Fax 2'), at(30));
    put(root, mail('<+491701@sms.example.com>', 'SMS'), at(40));
    put(root, mail('Carol Chen <carol@example.com>', 'Lunch'), at(50)); // e-mail: never counted
    const mailbox = await store(root).open(aliceOwner);

    const counts = await mailbox.notifyCounts(T);
    expect(counts.summary).toEqual(await mailbox.summary());
    expect(counts.since).toEqual({ voice: 1, fax: 2, sms: 1 });
    expect(counts.last).toEqual({
      voice: { from: '+49301234102', at: at(10) },
      fax: { from: '+4930556', at: at(30) },
      sms: { from: '+491701', at: at(40) },
    });
    // without a reset: every unseen one
    expect((await mailbox.notifyCounts()).since).toEqual({ voice: 2, fax: 2, sms: 1 });
  });

  it('does not count what was read, and counts what is marked unread again', async () => {
    const root = scratch();
    const name = put(root, mail('<+4930555@fax.example.com>', 'Fax'), at(5));
    const mailbox = await store(root).open(aliceOwner);
    const [fax] = await mailbox.list('newest_first');
    await mailbox.markSeen(fax!.uid);
    expect((await mailbox.notifyCounts(T)).since.fax).toBe(0);
    expect((await mailbox.notifyCounts(T)).last).toEqual({});
    renameSync(join(root, 'alice', 'cur', `${name}:2,S`), join(root, 'alice', 'cur', `${name}:2,`));
    expect((await mailbox.notifyCounts(T)).since.fax).toBe(1);
  });

  it('counts a message that arrived in the same second as the reset', async () => {
    const root = scratch();
    put(root, mail('<+491701@sms.example.com>', 'SMS'), T);
    const mailbox = await store(root).open(aliceOwner);
    // reset at 10:00:00.700, the message's time is 10:00:00 (whole seconds, as INTERNALDATE)
    expect((await mailbox.notifyCounts(new Date(T.getTime() + 700))).since.sms).toBe(1);
    expect((await mailbox.notifyCounts(at(1))).since.sms).toBe(0);
  });

  it('counts a forged voice mail (no valid signature) as e-mail, not as voice', async () => {
    const root = scratch();
    put(
      root,
      mail('<+4930999@voice.example.com>', 'Voice?', [
        'X-Voicebox-Type: voice',
        'X-Voicebox-Caller: +4930999',
        `X-Voicebox-Mailbox: ${aliceOwner.number}`,
      ]),
      at(5),
    );
    const counts = await (await store(root).open(aliceOwner)).notifyCounts(T);
    expect(counts.since).toEqual({ voice: 0, fax: 0, sms: 0 });
    expect(counts.summary).toMatchObject({ newVoice: 0, newEmail: 1 });
  });

  it('when the newest has no number, names the sender as the list does', async () => {
    const root = scratch();
    // a gateway's SMS whose local part is no number: an SMS, from its address
    put(root, mail('Info <info@sms.example.com>', 'SMS'), at(5));
    const mailbox = await store(root).open(aliceOwner);
    const [sms] = await mailbox.list('newest_first');
    expect((await mailbox.notifyCounts(T)).last.sms).toEqual({ from: sms!.sender, at: at(5) });
    expect(sms!.sender).toBe('Info');
  });

  it('looks at the newest 1,000 unseen messages only', async () => {
    const root = scratch();
    for (let i = 0; i < 1001; i++) put(root, mail(`<+4917${1000 + i}@sms.example.com>`, `SMS ${i}`), at(i));
    const counts = await (await store(root).open(aliceOwner)).notifyCounts();
    expect(counts.since.sms).toBe(1000);
    expect(counts.summary.newSms).toBe(1001);
    expect(counts.last.sms).toEqual({ from: '+49172000', at: at(1000) });
  });
});

describe('Maildir fingerprint', () => {
  it('changes with every arrival, read, unread and delete, and stays equal when nothing changed', async () => {
    const root = scratch();
    const s = store(root);
    const empty = await s.fingerprint(aliceOwner); // no Maildir yet: an empty one
    expect(await s.fingerprint(aliceOwner)).toBe(empty);

    const name = put(root, mail('<+4930555@fax.example.com>', 'Fax'), at(1));
    const arrived = await s.fingerprint(aliceOwner);
    expect(arrived).not.toBe(empty);
    expect(await s.fingerprint(aliceOwner)).toBe(arrived);

    const mailbox = await s.open(aliceOwner);
    const [fax] = await mailbox.list('newest_first');
    await mailbox.markSeen(fax!.uid);
    const read = await s.fingerprint(aliceOwner);
    expect(read).not.toBe(arrived);

    // marked unread again by a mail client: S gone from the name
    renameSync(join(root, 'alice', 'cur', `${name}:2,S`), join(root, 'alice', 'cur', `${name}:2,`));
    const unread = await s.fingerprint(aliceOwner);
    expect(new Set([empty, arrived, read, unread]).size).toBe(4);

    await mailbox.delete(fax!.uid);
    expect(readdirSync(join(root, 'alice', 'cur'))).toEqual([]);
    const deleted = await s.fingerprint(aliceOwner);
    expect(deleted).not.toBe(unread);
    expect(deleted).toBe(empty); // the same names as before it came
  });
});
