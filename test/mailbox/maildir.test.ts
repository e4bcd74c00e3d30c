// The Maildir adapter on temp dirs, with messages written the real way: src/mail's
// composeVoiceMessage + maildirTransport.
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage, maildirTransport } from '../../src/mail/index.js';
import {
  MaildirMailboxStore,
  maildirFolderPath,
  MessageNotFound,
  MessageTooLarge,
  MessageUnreadable,
} from '../../src/mailbox/index.js';
import type { MaildirMailboxOptions } from '../../src/mailbox/index.js';
import { voiceMessageForAlice } from '../support/mail.js';
import { aliceOwner } from '../support/owners.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
const scratch = (): string => {
  const root = mkdtempSync(join(tmpdir(), 'voicebox-mailbox-'));
  roots.push(root);
  return root;
};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** the site's key, as mail.signingKey or voicebox-signing.key holds it */
const KEY = Buffer.alloc(32, 7);

async function deliver(root: string, raw: string | Buffer): Promise<void> {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.replace(/\r?\n/g, '\r\n'));
  await maildirTransport({ root }).send({
    id: randomBytes(4).toString('hex'),
    messageId: '<x@y>',
    envelope: { from: 'sender@example.com', to: ['alice@example.com'] },
    raw: bytes,
  });
}

/** Bob's voice message for Alice, recorded `at`, signed over `signedAudio` with the site's key. */
async function deliverVoice(
  root: string,
  wav: Buffer,
  at: string,
  signedAudio: Buffer | undefined = wav,
): Promise<string> {
  const path = join(root, `rec-${at}.wav`);
  writeFileSync(path, wav);
  const message = voiceMessageForAlice({
    wav: path,
    recordingId: at.replace(/\D/g, ''),
    recordedAt: new Date(at),
    durationMs: 12_400,
    ...(signedAudio ? { signature: { key: KEY, audioDigest: audioDigest(signedAudio) } } : {}),
  });
  await deliver(root, (await buildRawMessage(message)).raw);
  return message.subject;
}

const plainMail = (
  subject: string,
  date: string,
  body: string,
  from = 'Carol Chen <carol@example.com>',
): string =>
  [
    `From: ${from}`,
    'To: alice@example.com',
    `Subject: ${subject}`,
    `Date: ${date}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\n');

const store = (root: string, o: Partial<MaildirMailboxOptions> = {}): MaildirMailboxStore =>
  new MaildirMailboxStore({
    root,
    folder: 'INBOX',
    trash: 'Deleted Voice Messages',
    deleteMode: 'trash',
    signingKey: KEY,
    // the site's own fax and SMS gateway writes $(phonenumber)@fax.example.com
    trustedSenderDomains: ['example.com'],
    ...o,
  });

describe('Maildir mailbox', () => {
  it('counts new and old voice messages, e-mails, faxes and SMS', async () => {
    const root = scratch();
    const wav = randomBytes(2000);
    await deliverVoice(root, wav, '2026-03-01T10:00:00Z');
    await deliverVoice(root, wav, '2026-03-02T10:00:00Z');
    await deliver(root, plainMail('Lunch', 'Mon, 02 Mar 2026 12:00:00 +0000', 'Noon?'));
    await deliver(
      root,
      plainMail('Fax', 'Mon, 02 Mar 2026 13:00:00 +0000', 'p1', '<+4930555@fax.example.com>'),
    );
    await deliver(
      root,
      plainMail('SMS', 'Mon, 02 Mar 2026 14:00:00 +0000', 'hi', '<+491701@sms.example.com>'),
    );
    await deliver(
      root,
      plainMail('Old fax', 'Sun, 01 Mar 2026 13:00:00 +0000', 'p1', '<+4930556@fax.example.com>'),
    );
    await deliver(
      root,
      plainMail('Old SMS', 'Sun, 01 Mar 2026 14:00:00 +0000', 'ok', '<+491702@sms.example.com>'),
    );
    const mailbox = await store(root).open(aliceOwner);
    const list = await mailbox.list('oldest_first');
    for (const m of list.filter((m) => m.subject.startsWith('Old ') || m === list[0]))
      await mailbox.markSeen(m.uid);
    expect(await mailbox.summary()).toEqual({
      newVoice: 1,
      oldVoice: 1,
      newEmail: 1,
      oldEmail: 0,
      newFax: 1,
      oldFax: 1,
      newSms: 1,
      oldSms: 1,
      total: 7,
    });
  });

  it('lists newest first with kind, sender, number, subject, duration and new flag', async () => {
    const root = scratch();
    const subject = await deliverVoice(root, randomBytes(100), '2026-03-02T10:00:00Z');
    await deliver(root, plainMail('=?utf-8?Q?Gr=C3=BC=C3=9Fe?=', 'Sun, 01 Mar 2026 09:00:00 +0000', 'Hallo'));
    const list = await (await store(root).open(aliceOwner)).list('newest_first');
    expect(list).toEqual([
      expect.objectContaining({
        kind: 'voice',
        sender: 'Bob Berger',
        senderNumber: '+49301234102',
        subject,
        durationMs: 12_000,
        isNew: true,
        date: new Date('2026-03-02T10:00:00Z'),
      }),
      expect.objectContaining({ kind: 'email', sender: 'Carol Chen', subject: 'Grüße', isNew: true }),
    ]);
    expect(list[1]).not.toHaveProperty('senderNumber');
  });

  it('saves the voice attachment byte-identical to the recording', async () => {
    const root = scratch();
    const wav = Buffer.concat([Buffer.from('RIFF'), randomBytes(50_000)]);
    await deliverVoice(root, wav, '2026-03-02T10:00:00Z');
    const mailbox = await store(root).open(aliceOwner);
    const [voice] = await mailbox.list('newest_first');
    const path = await mailbox.voiceAudio(voice!.uid, join(root, 'play'));
    expect(sha(readFileSync(path))).toBe(sha(wav));
  });

  it('markSeen moves the file to cur/ with :2,S and keeps the uid', async () => {
    const root = scratch();
    await deliver(root, plainMail('One', 'Sun, 01 Mar 2026 09:00:00 +0000', 'x'));
    const mailbox = await store(root).open(aliceOwner);
    const [one] = await mailbox.list('newest_first');
    await mailbox.markSeen(one!.uid);
    expect(readdirSync(join(root, 'alice', 'new'))).toEqual([]);
    expect(readdirSync(join(root, 'alice', 'cur'))).toEqual([`${one!.uid}:2,S`]);
    expect(await mailbox.list('newest_first')).toEqual([
      expect.objectContaining({ uid: one!.uid, isNew: false }),
    ]);
  });

  it('lists one kind, or only the new ones, without opening the others', async () => {
    const root = scratch();
    const wav = randomBytes(2000);
    await deliverVoice(root, wav, '2026-03-01T10:00:00Z');
    await deliverVoice(root, wav, '2026-03-02T10:00:00Z');
    await deliver(root, plainMail('Lunch', 'Mon, 02 Mar 2026 12:00:00 +0000', 'Noon?'));
    await deliver(
      root,
      plainMail('Fax', 'Mon, 02 Mar 2026 13:00:00 +0000', 'p1', '<+4930555@fax.example.com>'),
    );
    const mailbox = await store(root).open(aliceOwner);
    const [older] = (await mailbox.list('oldest_first')).filter((m) => m.kind === 'voice');
    await mailbox.markSeen(older!.uid);
    const kinds = async (filter: Parameters<typeof mailbox.list>[1]) =>
      (await mailbox.list('newest_first', filter)).map((m) => [
        m.kind,
        m.isNew,
        m.date.toISOString().slice(0, 10),
      ]);
    expect(await kinds({ kind: 'voice' })).toEqual([
      ['voice', true, '2026-03-02'],
      ['voice', false, '2026-03-01'],
    ]);
    expect(await kinds({ kind: 'voice', unread: true })).toEqual([['voice', true, '2026-03-02']]);
    expect(await kinds({ kind: 'voice', unread: false })).toEqual([['voice', false, '2026-03-01']]);
    expect(await kinds({ kind: 'fax' })).toEqual([['fax', true, '2026-03-02']]);
    expect(await kinds({ kind: 'sms' })).toEqual([]);
    expect(await kinds({ kind: 'email' })).toEqual([['email', true, '2026-03-02']]);
    // a heard message the new ones' list never opens: its file could not even be read
    const cur = join(root, 'alice', 'cur');
    const heard = readdirSync(cur)[0]!;
    rmSync(join(cur, heard));
    symlinkSync(join(root, 'gone'), join(cur, heard));
    expect(await kinds({ unread: true })).toEqual([
      ['fax', true, '2026-03-02'],
      ['email', true, '2026-03-02'],
      ['voice', true, '2026-03-02'],
    ]);
  });

  it('a message in cur/ without S is still new', async () => {
    const root = scratch();
    await deliver(root, plainMail('Flagged', 'Sun, 01 Mar 2026 09:00:00 +0000', 'x'));
    const [name] = readdirSync(join(root, 'alice', 'new'));
    renameSync(join(root, 'alice', 'new', name!), join(root, 'alice', 'cur', `${name!}:2,F`));
    expect((await (await store(root).open(aliceOwner)).summary()).newEmail).toBe(1);
  });

  it('delete moves into the Maildir++ folder ".Deleted Voice Messages", created when missing', async () => {
    const root = scratch();
    await deliverVoice(root, randomBytes(10), '2026-03-02T10:00:00Z');
    const mailbox = await store(root).open(aliceOwner);
    const [voice] = await mailbox.list('newest_first');
    await mailbox.delete(voice!.uid);
    expect(await mailbox.list('newest_first')).toEqual([]);
    const trash = join(root, 'alice', '.Deleted Voice Messages');
    expect(readdirSync(join(trash, 'new'))).toHaveLength(1);
    expect(existsSync(join(trash, 'maildirfolder'))).toBe(true);
    await expect(mailbox.markSeen(voice!.uid)).rejects.toBeInstanceOf(MessageNotFound);
  });

  it('expunge mode removes the file for good', async () => {
    const root = scratch();
    await deliver(root, plainMail('Gone', 'Sun, 01 Mar 2026 09:00:00 +0000', 'x'));
    const mailbox = await store(root, { deleteMode: 'expunge' }).open(aliceOwner);
    const [gone] = await mailbox.list('newest_first');
    await mailbox.delete(gone!.uid);
    expect(readdirSync(join(root, 'alice', 'new'))).toEqual([]);
    expect(existsSync(join(root, 'alice', '.Deleted Voice Messages'))).toBe(false);
  });

  it('reads the owner’s own folder (INBOX/Voice → .INBOX.Voice) and an empty mailbox as empty', async () => {
    const root = scratch();
    expect(maildirFolderPath('/m/alice', 'Inbox/Voice')).toBe('/m/alice/.INBOX.Voice');
    expect(maildirFolderPath('/m/alice', 'INBOX')).toBe('/m/alice');
    expect(() => maildirFolderPath('/m/alice', '../bob')).toThrow(/not a folder name/);
    const mailbox = await store(root).open({ ...aliceOwner, folder: 'INBOX/Voice' });
    expect((await mailbox.summary()).total).toBe(0);
    expect(await mailbox.list('newest_first')).toEqual([]);
  });

  it('refuses uids that are not message names', async () => {
    const root = scratch();
    const mailbox = await store(root).open(aliceOwner);
    await expect(mailbox.text('../../etc/passwd')).rejects.toBeInstanceOf(MessageNotFound);
    await expect(mailbox.voiceAudio('nope', root)).rejects.toBeInstanceOf(MessageNotFound);
  });

  it('reads an HTML e-mail aloud without its quoted history', async () => {
    const root = scratch();
    await deliver(
      root,
      [
        'From: Carol <carol@example.com>',
        'Subject: Re: offer',
        'Date: Sun, 01 Mar 2026 09:00:00 +0000',
        'MIME-Version: 1.0',
        'Content-Type: multipart/alternative; boundary="b1"',
        '',
        '--b1',
        'Content-Type: text/html; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<p>Sch=F6ne Gr=FC=DFe, the offer is ready.</p><blockquote type=3D"cite">old text</blockquote>',
        '--b1--',
        '',
      ].join('\n'),
    );
    const mailbox = await store(root).open(aliceOwner);
    const [mail] = await mailbox.list('newest_first');
    expect(await mailbox.text(mail!.uid)).toEqual(['Schöne Grüße, the offer is ready.']);
  });

  it('reads the voice message body text too (plain part, not the WAV)', async () => {
    const root = scratch();
    await deliverVoice(root, randomBytes(10), '2026-03-02T10:00:00Z');
    const mailbox = await store(root).open(aliceOwner);
    const [voice] = await mailbox.list('newest_first');
    expect((await mailbox.text(voice!.uid)).join(' ')).toMatch(/Sprachnachricht/);
  });
});

describe('voice messages voicebox did not write', () => {
  /** an outside mail that claims to be a voice message from a colleague, with a premium number */
  const forged = (wav: Buffer) =>
    [
      'From: "Bob Berger" <+4990012345678@voice.example.com>',
      'To: alice@example.com',
      'Subject: Sprachnachricht von Bob Berger (+4990012345678)',
      'Date: Mon, 02 Mar 2026 10:00:00 +0000',
      'Message-ID: <voicebox.forged@example.com>',
      'X-Voicebox-Type: voice',
      'X-Voicebox-Caller: +4990012345678',
      'X-Voicebox-Duration: 12',
      'X-Voicebox-Mailbox: +49301234501',
      'X-Voicebox-Signature: v1; audio=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Rufen Sie bitte sofort zurück.',
      '--b',
      'Content-Type: audio/wav; name="voicemail.wav"',
      'Content-Disposition: attachment; filename="voicemail.wav"',
      'Content-Transfer-Encoding: base64',
      '',
      wav.toString('base64').replace(/.{76}/g, '$&\n'),
      '--b--',
      '',
    ].join('\n');

  it('an outside mail with the voice headers is an e-mail: no caller number, read aloud, not played', async () => {
    const root = scratch();
    await deliver(root, forged(randomBytes(3000)));
    const mailbox = await store(root).open(aliceOwner);
    const [mail] = await mailbox.list('newest_first');
    expect(mail).toMatchObject({ kind: 'email', sender: 'Bob Berger' });
    expect(mail).not.toHaveProperty('senderNumber');
    expect(mail).not.toHaveProperty('durationMs');
    expect(await mailbox.summary()).toMatchObject({ newVoice: 0, newEmail: 1 });
    expect(await mailbox.text(mail!.uid)).toEqual(['Rufen Sie bitte sofort zurück.']);
    await expect(mailbox.voiceAudio(mail!.uid, join(root, 'play'))).rejects.toBeInstanceOf(MessageNotFound);
  });

  it("a genuine message re-sent into a colleague's mailbox is an e-mail there: no caller, not played", async () => {
    const root = scratch();
    // signed for alice's mailbox +49301234501, delivered into bert's Maildir
    await deliverVoice(root, randomBytes(3000), '2026-03-02T10:00:00Z');
    const bert = await store(root).open({ ...aliceOwner, number: '+49301234502' });
    const [mail] = await bert.list('newest_first');
    expect(mail).toMatchObject({ kind: 'email' });
    expect(mail).not.toHaveProperty('senderNumber');
    expect(await bert.summary()).toMatchObject({ newVoice: 0, newEmail: 1 });
    await expect(bert.voiceAudio(mail!.uid, join(root, 'play'))).rejects.toBeInstanceOf(MessageNotFound);
    // in alice's own mailbox it is her voice message, announced with its signed name
    const [own] = await (await store(root).open(aliceOwner)).list('newest_first');
    expect(own).toMatchObject({ kind: 'voice', sender: 'Bob Berger', senderNumber: '+49301234102' });
  });

  it('an outside gateway address is an e-mail unless its domain is trusted', async () => {
    const root = scratch();
    await deliver(
      root,
      plainMail(
        'Hotline',
        'Mon, 02 Mar 2026 13:00:00 +0000',
        'call',
        '"Hotline" <+4990012345678@voice.attacker.example>',
      ),
    );
    const [mail] = await (await store(root).open(aliceOwner)).list('newest_first');
    expect(mail).toMatchObject({ kind: 'email', sender: 'Hotline' });
    expect(mail).not.toHaveProperty('senderNumber');
    const untrusted = await store(root, { trustedSenderDomains: [] }).open(aliceOwner);
    await deliver(
      root,
      plainMail('Fax', 'Mon, 02 Mar 2026 14:00:00 +0000', 'p1', '<+4930555@fax.example.com>'),
    );
    expect(await untrusted.summary()).toMatchObject({ newFax: 0, newEmail: 2 });
  });

  it('a message signed with another key is an e-mail; with the right key a voice message', async () => {
    const root = scratch();
    await deliverVoice(root, randomBytes(500), '2026-03-02T10:00:00Z');
    const otherKey = await (
      await store(root, { signingKey: Buffer.alloc(32, 8) }).open(aliceOwner)
    ).list('newest_first');
    expect(otherKey[0]).toMatchObject({ kind: 'email' });
    expect(otherKey[0]).not.toHaveProperty('senderNumber');
    const noKey = await (await store(root, { signingKey: undefined }).open(aliceOwner)).list('newest_first');
    expect(noKey[0]).toMatchObject({ kind: 'email' });
    const right = await (await store(root).open(aliceOwner)).list('newest_first');
    expect(right[0]).toMatchObject({ kind: 'voice', senderNumber: '+49301234102' });
  });

  it('a changed caller header breaks the signature', async () => {
    const root = scratch();
    await deliverVoice(root, randomBytes(500), '2026-03-02T10:00:00Z');
    const [name] = readdirSync(join(root, 'alice', 'new'));
    const file = join(root, 'alice', 'new', name!);
    writeFileSync(
      file,
      readFileSync(file, 'latin1').replace(
        'X-Voicebox-Caller: +49301234102',
        'X-Voicebox-Caller: +4990012345',
      ),
      'latin1',
    );
    const [mail] = await (await store(root).open(aliceOwner)).list('newest_first');
    expect(mail).toMatchObject({ kind: 'email' });
    expect(mail).not.toHaveProperty('senderNumber');
  });

  it('a signature over other audio: the audio is not played', async () => {
    const root = scratch();
    const signed = randomBytes(800);
    await deliverVoice(root, randomBytes(800), '2026-03-02T10:00:00Z', signed);
    const mailbox = await store(root).open(aliceOwner);
    const [voice] = await mailbox.list('newest_first');
    const dir = join(root, 'play');
    await expect(mailbox.voiceAudio(voice!.uid, dir)).rejects.toBeInstanceOf(MessageUnreadable);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});

describe('downloads', () => {
  it('audio over the cap is not saved; the owner is told it is too large', async () => {
    const root = scratch();
    const wav = Buffer.alloc(25 * 1024 * 1024, 1);
    await deliverVoice(root, wav, '2026-03-02T10:00:00Z');
    const mailbox = await store(root).open(aliceOwner);
    const [voice] = await mailbox.list('newest_first');
    const dir = join(root, 'play');
    await expect(mailbox.voiceAudio(voice!.uid, dir)).rejects.toBeInstanceOf(MessageTooLarge);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    // under a larger cap the same message plays
    const roomy = await store(root, { maxAudioBytes: 30 * 1024 * 1024 }).open(aliceOwner);
    expect(statSync(await roomy.voiceAudio(voice!.uid, dir)).size).toBe(wav.length);
  });

  it('a saved message is for voicebox and FreeSWITCH only, and is not fetched again', async () => {
    const root = scratch();
    await deliverVoice(root, randomBytes(1000), '2026-03-02T10:00:00Z');
    const mailbox = await store(root).open(aliceOwner);
    const [voice] = await mailbox.list('newest_first');
    const dir = join(root, 'media', 'inbox', 'call-1');
    const path = await mailbox.voiceAudio(voice!.uid, dir);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
    writeFileSync(path, 'already here');
    expect(await mailbox.voiceAudio(voice!.uid, dir)).toBe(path);
    expect(readFileSync(path, 'utf8')).toBe('already here');
  });
});

describe('an e-mail that cannot be read', () => {
  it('HTML nested too deeply: that one e-mail is unreadable, the next one is read', async () => {
    const root = scratch();
    const depth = 20_000;
    await deliver(
      root,
      [
        'From: Mallory <mallory@example.com>',
        'Subject: deep',
        'Date: Sun, 01 Mar 2026 09:00:00 +0000',
        'Content-Type: text/html; charset=utf-8',
        '',
        `${'<div>'.repeat(depth)}hello${'</div>'.repeat(depth)}`,
      ].join('\n'),
    );
    await deliver(root, plainMail('After', 'Sun, 01 Mar 2026 10:00:00 +0000', 'Still here.'));
    const mailbox = await store(root, { textBytes: 256 * 1024 }).open(aliceOwner);
    const [after, deep] = await mailbox.list('newest_first');
    await expect(mailbox.text(deep!.uid)).rejects.toBeInstanceOf(MessageUnreadable);
    await expect(mailbox.text(deep!.uid)).rejects.toThrow(/nested too deeply/);
    expect(await mailbox.text(after!.uid)).toEqual(['Still here.']);
  });
});

describe('mail from ixi-UMS (test/fixtures/mail/ixi-ums)', () => {
  const ixi = (name: string): Buffer => readFileSync(join('test/fixtures/mail/ixi-ums', name));
  const ixiStore = (root: string) => store(root, { trustedSenderDomains: ['ums.example.com'] });

  it('a voc. voice message is listed as voice with its number, and its WAV is played as sent', async () => {
    const root = scratch();
    await deliver(root, ixi('voice.eml'));
    const mailbox = await ixiStore(root).open(aliceOwner);
    const [m] = await mailbox.list('newest_first');
    expect(m).toMatchObject({
      kind: 'voice',
      senderNumber: '+4989777888',
      senderName: '',
      subject: 'Sprachnachricht von +4989777888',
    });
    const played = readFileSync(await mailbox.voiceAudio(m!.uid, join(root, 'media')));
    expect(played.subarray(0, 4).toString()).toBe('RIFF');
    expect(played.readUInt16LE(20)).toBe(6); // A-law, as ixi-UMS sent it: not converted
  });

  it('a voc. mail without audio is an e-mail from that number; faxes and SMS by their address', async () => {
    const root = scratch();
    for (const name of ['voice-without-audio.eml', 'fax.eml', 'sms.eml']) await deliver(root, ixi(name));
    const mailbox = await ixiStore(root).open(aliceOwner);
    const list = await mailbox.list('newest_first');
    expect(list.map((m) => [m.kind, m.senderNumber])).toEqual([
      ['email', '+4989777888'],
      ['sms', '+491701234567'],
      ['fax', '+4930555123'],
    ]);
    await expect(mailbox.voiceAudio(list[0]!.uid, join(root, 'media'))).rejects.toBeInstanceOf(
      MessageNotFound,
    );
    expect(await mailbox.summary()).toMatchObject({ newVoice: 0, newEmail: 1, newFax: 1, newSms: 1 });
  });
});

describe('the language of a mail', () => {
  it('is its Content-Language when it says one, else unknown until its text is read', async () => {
    const root = scratch();
    await deliver(
      root,
      ['Content-Language: en-GB', plainMail('Lunch', 'Mon, 02 Mar 2026 12:00:00 +0000', 'Noon?')].join('\n'),
    );
    await deliver(root, plainMail('Mittag', 'Mon, 02 Mar 2026 13:00:00 +0000', 'Um zwölf?'));
    const list = await (await store(root).open(aliceOwner)).list('oldest_first');
    expect(list.map((m) => [m.subject, m.language])).toEqual([
      ['Lunch', 'en'],
      ['Mittag', ''],
    ]);
  });
});
