// The IMAP adapter against the lab's real Dovecot, in every access mode of R8. All messages live
// in a folder of our own (alice's INBOX/VoiceboxTest, the per-user folder of R8), so the other
// integration files' counts of alice's INBOX are never disturbed; the folders go at the end.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { audioDigest, buildRawMessage, composeVoiceMessage } from '../../../src/mail/index.js';
import { encryptPassword, ImapMailboxStore, MailboxUnavailable } from '../../../src/mailbox/index.js';
import type { ImapMailboxOptions, Mailbox, MailboxOwner } from '../../../src/mailbox/index.js';
import { imapClient, labTls, run, withImap } from '../lab/support.js';
import { aliceOwner } from '../../support/owners.js';

const lab = inject('lab');
const FOLDER = 'INBOX/VoiceboxTest';
const TRASH = 'Deleted Voice Messages';
const KEY = randomBytes(32).toString('hex');
/** the site's key voice messages are signed with (mail.signingKey) */
const SIGNING_KEY = randomBytes(32);
const scratch = mkdtempSync(join(tmpdir(), 'voicebox-mailbox-it-'));
const wav = Buffer.concat([Buffer.from('RIFF\x24\x10\x00\x00WAVEfmt ', 'latin1'), randomBytes(4096)]);
const wavPath = join(scratch, 'recording.wav');
writeFileSync(wavPath, wav);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const alice: MailboxOwner = { ...aliceOwner, folder: FOLDER };
const asAlice = (): ImapFlow => imapClient(lab, 'alice', 'alicepw');

function options(overrides: Partial<ImapMailboxOptions> = {}): ImapMailboxOptions {
  return {
    host: lab.host,
    port: lab.imap.port,
    tls: false,
    tlsOptions: labTls(lab), // STARTTLS, verified against the lab's certificate
    access: 'administrative',
    adminMode: 'master',
    masterUser: lab.imap.master.user,
    masterPassword: lab.imap.master.password,
    masterSeparator: lab.imap.master.separator,
    namespace: 'Other Users/',
    pathTemplate: 'user.${MAILBOX}',
    loginTemplate: '$(LOGIN)',
    passwordKey: KEY,
    signingKey: SIGNING_KEY,
    timeoutMs: 5_000,
    folder: 'INBOX',
    trash: TRASH,
    deleteMode: 'trash',
    ...overrides,
  };
}

const doveadm = (...args: string[]): Promise<string> => run('doveadm', ['-c', lab.imap.config, ...args]);
const RIGHTS = ['lookup', 'read', 'write', 'write-seen', 'write-deleted', 'insert', 'expunge'];

interface Seeded {
  voiceSubject: string;
  htmlSubject: string;
  plainSubject: string;
}

function email(subject: string, date: string, contentType: string, body: string): string {
  return [
    'From: Carol Chen <carol@example.com>',
    'To: alice@example.com',
    `Subject: ${subject}`,
    `Message-ID: <${randomUUID()}@mailbox.test>`,
    `Date: ${date}`,
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    '',
    body,
    '',
  ].join('\r\n');
}

/** Empties our folder and puts three messages in: a seen plain e-mail, an HTML reply, a voice message. */
async function seed(): Promise<Seeded> {
  const tag = randomUUID().slice(0, 8);
  const voice = composeVoiceMessage({
    to: { email: 'alice@example.com', name: 'Alice Anders', language: 'en' },
    mailbox: '+49301234501',
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date('2026-03-03T10:00:00Z'),
    durationMs: 7_000,
    wav: { path: wavPath },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: `<voicebox.${tag}@example.com>`,
    signature: { key: SIGNING_KEY, audioDigest: audioDigest(wav) },
  });
  const raw = (await buildRawMessage(voice)).raw;
  const plainSubject = `Plain ${tag}`;
  const htmlSubject = `HTML ${tag}`;
  await withImap(asAlice(), async (c) => {
    const status = await c.status(FOLDER, { messages: true }).catch(() => false as const);
    if (status === false) await c.mailboxCreate(FOLDER);
    const lock = await c.getMailboxLock(FOLDER);
    try {
      if (c.mailbox !== false && c.mailbox.exists > 0) await c.messageDelete('1:*');
    } finally {
      lock.release();
    }
    await c.append(
      FOLDER,
      email(
        plainSubject,
        'Sun, 01 Mar 2026 09:00:00 +0000',
        'text/plain; charset=utf-8',
        'Lunch at noon? Carol',
      ),
      ['\\Seen'],
    );
    await c.append(
      FOLDER,
      email(
        htmlSubject,
        'Mon, 02 Mar 2026 09:00:00 +0000',
        'text/html; charset=utf-8',
        '<html><body><p>Hi Alice,</p><p>the offer is ready. Please call me back.</p>' +
          '<div class="gmail_quote"><div>On Sun, 1 Mar 2026 Alice wrote:</div>' +
          '<blockquote>Old question about the offer from last week</blockquote></div></body></html>',
      ),
    );
    await c.append(FOLDER, raw);
  });
  return { voiceSubject: voice.subject, htmlSubject, plainSubject };
}

async function withMailbox<T>(
  o: ImapMailboxOptions,
  owner: MailboxOwner,
  fn: (m: Mailbox) => Promise<T>,
): Promise<T> {
  const mailbox = await new ImapMailboxStore(o).open(owner);
  try {
    return await fn(mailbox);
  } finally {
    await mailbox.close();
  }
}

async function subjectsIn(folder: string): Promise<string[]> {
  return withImap(asAlice(), async (c) => {
    const lock = await c.getMailboxLock(folder);
    try {
      if (c.mailbox === false || c.mailbox.exists === 0) return [];
      const subjects: string[] = [];
      for await (const m of c.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
      return subjects;
    } finally {
      lock.release();
    }
  });
}

/**
 * What every access mode must do the same: counts, list, audio, text, seen, delete.
 * `privateSeen`: the lab's shared namespace keeps \Seen per reader (INDEXPVT), so through
 * "Other Users/" the admin account sees its own flags, not alice's: her seen e-mail counts as new.
 */
async function exercise(o: ImapMailboxOptions, owner: MailboxOwner, privateSeen = false): Promise<void> {
  const seeded = await seed();
  await withMailbox(o, owner, async (m) => {
    expect(await m.summary()).toEqual({
      newVoice: 1,
      oldVoice: 0,
      newEmail: privateSeen ? 2 : 1,
      oldEmail: privateSeen ? 0 : 1,
      newFax: 0,
      oldFax: 0,
      newSms: 0,
      oldSms: 0,
      total: 3,
    });
    const list = await m.list('newest_first');
    expect(list.map((i) => [i.kind, i.subject, i.isNew])).toEqual([
      ['voice', seeded.voiceSubject, true],
      ['email', seeded.htmlSubject, true],
      ['email', seeded.plainSubject, privateSeen],
    ]);
    const [voice, html] = list;
    expect(voice).toMatchObject({ sender: 'Bob Berger', senderNumber: '+49301234102', durationMs: 7_000 });
    expect(html).toMatchObject({ sender: 'Carol Chen' });
    expect((await m.list('oldest_first')).map((i) => i.subject)[0]).toBe(seeded.plainSubject);

    const audio = await m.voiceAudio(voice!.uid, scratch);
    expect(sha(readFileSync(audio))).toBe(sha(wav));

    const text = (await m.text(html!.uid)).join(' ');
    expect(text).toContain('Please call me back.');
    expect(text).not.toMatch(/Old question|wrote:/);

    await m.markSeen(voice!.uid);
    expect(await m.summary()).toMatchObject({ newVoice: 0, oldVoice: 1 });

    await m.delete(voice!.uid);
    expect(await m.summary()).toMatchObject({ newVoice: 0, oldVoice: 0, total: 2 });
  });
  expect(await subjectsIn(FOLDER)).not.toContain(seeded.voiceSubject);
  if (o.deleteMode === 'trash') expect(await subjectsIn(TRASH)).toContain(seeded.voiceSubject);
}

beforeAll(async () => {
  // the lab's master user has no mailbox of its own: dave stands in as the admin account that
  // alice's folders are shared with (namespace and template modes)
  await seed();
  await withImap(asAlice(), async (c) => {
    await c.mailboxCreate(TRASH).catch(() => undefined);
    await c.mailboxCreate(`${FOLDER}/${TRASH}`).catch(() => undefined);
  });
  for (const folder of [FOLDER, TRASH, `${FOLDER}/${TRASH}`]) {
    await doveadm('acl', 'set', '-u', 'alice', folder, 'user=dave', ...RIGHTS);
  }
  // master mode must create the trash itself
  await withImap(asAlice(), (c) => c.mailboxDelete(TRASH));
});

afterAll(async () => {
  await withImap(asAlice(), async (c) => {
    for (const folder of [`${FOLDER}/${TRASH}`, FOLDER, TRASH])
      await c.mailboxDelete(folder).catch(() => undefined);
  });
  rmSync(scratch, { recursive: true, force: true });
});

describe('IMAP mailbox, administrative access', () => {
  it('master user (alice*master): counts, newest first, WAV byte-identical, text, delete creates the trash', async () => {
    const before = await withImap(asAlice(), async (c) => (await c.list()).map((f) => f.path));
    expect(before).not.toContain(TRASH);
    await exercise(options(), alice);
    await doveadm('acl', 'set', '-u', 'alice', TRASH, 'user=dave', ...RIGHTS);
  });

  it('"Other Users" namespace: logs in as the admin account and opens Other Users/alice/...', async () => {
    await exercise(
      options({ adminMode: 'namespace', masterUser: 'dave', masterPassword: 'davepw' }),
      alice,
      true,
    );
  });

  it('full-path template (Other Users/${MAILBOX}/INBOX here; Dovecot has no user.${MAILBOX}), expunge for good', async () => {
    const o = options({
      adminMode: 'template',
      masterUser: 'dave',
      masterPassword: 'davepw',
      pathTemplate: 'Other Users/${MAILBOX}/INBOX',
      deleteMode: 'expunge',
    });
    const trashBefore = await subjectsIn(TRASH);
    await exercise(o, alice, true);
    expect(await subjectsIn(TRASH)).toEqual(trashBefore);
  });

  it('refuses a wrong master password with MailboxUnavailable naming user and mode, not the password', async () => {
    const error = await new ImapMailboxStore(options({ masterPassword: 'wrong-secret' }))
      .open(alice)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxUnavailable);
    expect((error as Error).message).toMatch(/login refused/);
    expect((error as Error).message).toContain('alice*master');
    expect((error as Error).message).toContain('master access');
    expect((error as Error).message).not.toContain('wrong-secret');
  });

  it('says which folder is missing or not shared', async () => {
    const error = await new ImapMailboxStore(options())
      .open({ ...alice, folder: 'INBOX/NoSuchFolder' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxUnavailable);
    expect((error as Error).message).toContain('INBOX/NoSuchFolder');
  });
});

describe('IMAP mailbox, individual access', () => {
  it('logs in with alice’s own password, stored encrypted', async () => {
    await exercise(options({ access: 'individual', masterUser: undefined, masterPassword: undefined }), {
      ...alice,
      mailPassword: encryptPassword('alicepw', KEY),
    });
  });

  it('both: individual when a password is stored, administrative otherwise', async () => {
    const both = options({ access: 'both' });
    // a stored password that the server refuses proves the individual login was tried
    const error = await new ImapMailboxStore(both)
      .open({ ...alice, mailPassword: encryptPassword('not-alices', KEY) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxUnavailable);
    expect((error as Error).message).toMatch(/as alice \(individual access\).*login refused/);
    await exercise(both, alice); // no password stored: master login
  });

  it('a login name from the template, on the owner’s own IMAP host', async () => {
    const o = options({ access: 'individual', host: 'imap.invalid', loginTemplate: '$(MAILBOX)' });
    const owner = {
      ...alice,
      login: 'ignored',
      imapHost: lab.host,
      mailPassword: encryptPassword('alicepw', KEY),
    };
    expect((await withMailbox(o, owner, (m) => m.summary())).total).toBeGreaterThan(0);
  });
});

describe('IMAP mailbox, big bodies', () => {
  it('reads at most the first 64 KiB of a 100 KB e-mail, in bounded pieces', async () => {
    await seed();
    const subject = `Long ${randomUUID().slice(0, 8)}`;
    const body = 'This is a rather long sentence that goes on. '.repeat(2300); // ~100 KB
    await withImap(asAlice(), (c) =>
      c.append(FOLDER, email(subject, 'Tue, 03 Mar 2026 12:00:00 +0000', 'text/plain; charset=utf-8', body)),
    );
    await withMailbox(options(), alice, async (m) => {
      const long = (await m.list('newest_first')).find((i) => i.subject === subject);
      const started = Date.now();
      const pieces = await m.text(long!.uid);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(400);
      expect(pieces.join(' ').length).toBeLessThanOrEqual(64 * 1024);
      expect(pieces.join(' ').length).toBeGreaterThan(30_000);
    });
  });
});

describe('IMAP mailbox, server trouble', () => {
  it('server down (closed port): MailboxUnavailable at once', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const started = Date.now();
    const error = await new ImapMailboxStore(options({ port })).open(alice).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxUnavailable);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a server that never greets: MailboxUnavailable after timeoutMs', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();
      const error = await new ImapMailboxStore(options({ port, timeoutMs: 500 }))
        .open(alice)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MailboxUnavailable);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });
});
