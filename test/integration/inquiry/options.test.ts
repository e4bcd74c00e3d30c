// Remote inquiry's options against the lab's real servers: forward a voice message with a
// spoken comment to a colleague's mailbox, reply to an e-mail with a recording, delete for
// good (expunge); and with the IMAP server down, the owner hears "not available" while
// callers still leave messages.
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ImapFlow, MessageStructureObject } from 'imapflow';
import { Attribute, Change } from 'ldapts';
import { smtpTransport } from '../../../src/mail/index.js';
import type { ImapMailboxOptions, ImapMailboxStore } from '../../../src/mailbox/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { ScriptedCaller } from '../../../src/sim/index.js';
import { quickMessage, startVoicebox, type Voicebox } from '../../actions/support.js';
import { nth } from '../../support/dialogue.js';
import { asLdapAdmin, imapClient, labMailboxStore, labDirectory, values, withImap } from '../lab/support.js';

const lab = inject('lab');
/** the site's key: the messages left are signed with it, the mailbox believes them by it */
const KEY = randomBytes(32);
const PIN = '1357';
const stamp = Date.now() % 10_000_000;
const from = `+4921${stamp}`;
/** the seeded user data of the users whose PIN is set here, put back afterwards */
const seeded = new Map<string, string[]>([
  ['uid=carol,ou=engineering,dc=example,dc=com', []],
  ['uid=wang,ou=sales,dc=example,dc=com', []],
]);

function directory() {
  return labDirectory(lab);
}

function imapStore(o: Partial<ImapMailboxOptions> = {}): ImapMailboxStore {
  return labMailboxStore(lab, { deleteMode: 'expunge', signingKey: KEY, ...o });
}

const as = <T>(user: string, fn: (imap: ImapFlow) => Promise<T>): Promise<T> =>
  withImap(imapClient(lab, user, `${user}pw`), fn);

/** uids in a user's folder matching an IMAP search; [] when the folder does not exist */
function find(user: string, folder: string, query: Record<string, unknown>): Promise<number[]> {
  return as(user, async (imap) => {
    if (!(await imap.list()).some((f) => f.path === folder)) return [];
    await imap.mailboxOpen(folder);
    return (await imap.search(query, { uid: true })) || [];
  });
}

async function waitFor(user: string, query: Record<string, unknown>): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const uids = await find(user, 'INBOX', query);
    if (uids.length > 0) return uids;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

const leaves = (n: MessageStructureObject): MessageStructureObject[] =>
  n.childNodes?.length ? n.childNodes.flatMap(leaves) : [n];

/** the decoded audio parts of a message, in order */
function audioParts(user: string, uid: number): Promise<Buffer[]> {
  return as(user, async (imap) => {
    await imap.mailboxOpen('INBOX');
    const msg = await imap.fetchOne(String(uid), { bodyStructure: true }, { uid: true });
    if (msg === false || !msg.bodyStructure) return [];
    const parts: Buffer[] = [];
    for (const p of leaves(msg.bodyStructure).filter((l) => l.type.startsWith('audio/'))) {
      const { content } = await imap.download(String(uid), p.part ?? '1', { uid: true });
      const chunks: Buffer[] = [];
      for await (const c of content ?? []) chunks.push(c as Buffer);
      parts.push(Buffer.concat(chunks));
    }
    return parts;
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** carol calls her mailbox 503 from an untrusted number, presses *, enters her PIN */
const carolCalls = () =>
  new ScriptedCaller({ number: '+4989444666', dialed: '503' })
    .pressWhilePlaying(/standard_greeting/, '*', 300)
    .pressWhilePlaying(/enter_pin/, `${PIN}#`, 300);

beforeAll(async () => {
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    for (const dn of seeded.keys()) {
      const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['voiceboxUserData'] });
      seeded.set(dn, values(searchEntries[0], 'voiceboxUserData'));
    }
  });
  const setup = directory();
  const pinHash = await hashPin(PIN);
  for (const number of ['+49 30 1234503', '+49301234505']) {
    const user = await setup.findByNumber([number]);
    await setup.updateSettings(user!, (s) => ({ ...s, pinHash, wrongPinCount: 0 }));
  }
  await setup.close();
});

afterAll(async () => {
  // the users as seeded again (other tests read the seed)
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    for (const [dn, data] of seeded) {
      await c.modify(
        dn,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'voiceboxUserData', values: data }),
        }),
      );
    }
  });
  // and the mail this file left behind
  const clean = (user: string, query: Record<string, unknown>) =>
    as(user, async (imap) => {
      await imap.mailboxOpen('INBOX');
      const uids = (await imap.search(query, { uid: true })) || [];
      if (uids.length) await imap.messageDelete(uids, { uid: true });
    });
  await clean('carol', { from: from.slice(1) });
  await clean('carol', { header: { 'message-id': `options-${stamp}` } });
  await clean('wang', { subject: 'Fwd:', from: 'carol' });
  await clean('alice', { subject: `Re: Lunch ${stamp}` });
});

describe('forward with a comment, reply, delete for good', () => {
  let box: Voicebox;
  beforeAll(async () => {
    box = await startVoicebox({
      directory: directory(),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
      welcome: { enabled: false },
      mailboxes: imapStore(),
      signingKey: KEY,
    });
  });
  afterAll(() => box?.close());

  it('carol forwards a voice message to wang with a spoken comment: both audio parts arrive', async () => {
    const left = await box.call(quickMessage('+49 30 1234503', from, 3));
    expect(left.said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    const [uid] = await waitFor('carol', { from: from.slice(1) });
    expect(uid).toBeDefined();
    const [original] = await audioParts('carol', uid!);
    expect(original!.length).toBeGreaterThan(1000);

    const r = await box.call(
      carolCalls()
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 1), '1', 300)
        .pressWhilePlaying(nth(/key_repeat_message/, 1), '5', 300)
        .pressWhilePlaying(/enter_target_mailbox/, '505#', 300)
        .pressDuring('record', '#', 2000)
        .pressWhilePlaying(nth(/key_repeat_message/, 2), '7', 300)
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 2), '#', 300),
    );
    expect(r.said).toContain('en:message_forwarded');
    expect(r.said).toContain('en:message_deleted');
    expect(r.said.at(-1)).toBe('en:goodbye');
    await box.spool.flush();

    const [fwd] = await waitFor('wang', { subject: 'Fwd:', from: 'carol' });
    expect(fwd).toBeDefined();
    const parts = await audioParts('wang', fwd!);
    expect(parts).toHaveLength(2);
    // her comment first (2 s of the simulator's audio), then the message, byte for byte
    expect(parts[0]!.length).toBeGreaterThan(1000);
    expect(parts[1]!.equals(original!)).toBe(true);

    // deleteMode expunge: gone for good, nothing in a trash folder
    expect(await find('carol', 'INBOX', { from: from.slice(1) })).toEqual([]);
    expect(await find('carol', 'Deleted Voice Messages', { from: from.slice(1) })).toEqual([]);
  });

  it('carol replies to an e-mail from alice: alice gets the "Re:" with the recording', async () => {
    const subject = `Lunch ${stamp}`;
    await as('carol', (imap) =>
      imap.append(
        'INBOX',
        [
          'From: Alice Anders <alice@example.com>',
          'To: Carol Chen <carol@example.com>',
          `Subject: ${subject}`,
          `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
          `Message-ID: <options-${stamp}@example.com>`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'Shall we have lunch at noon?',
          '',
        ].join('\r\n'),
      ),
    );
    const r = await box.call(
      carolCalls()
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 1), '1', 300)
        .pressWhilePlaying(nth(/key_repeat_message/, 1), '8', 300)
        .pressDuring('record', '#', 2000)
        .pressWhilePlaying(nth(/key_repeat_message/, 2), '7', 300)
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 2), '#', 300),
    );
    // the subject as said: its number in words
    expect(r.said).toContainEqual(expect.stringMatching(/^en:message_subject\(Lunch [a-z, -]+\)$/));
    expect(r.said).toContain('en:reply_sent');
    expect(r.said.at(-1)).toBe('en:goodbye');
    await box.spool.flush();
    const [re] = await waitFor('alice', { subject: `Re: ${subject}` });
    expect(re).toBeDefined();
    const parts = await audioParts('alice', re!);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(await find('carol', 'INBOX', { subject })).toEqual([]);
  });
});

describe('the IMAP server is down', () => {
  let box: Voicebox;
  beforeAll(async () => {
    box = await startVoicebox({
      directory: directory(),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
      welcome: { enabled: false },
      mailboxes: imapStore({ port: await freePort(), timeoutMs: 1000 }),
    });
  });
  afterAll(() => box?.close());

  it('the owner hears that her messages are not available; callers still leave messages', async () => {
    const r = await box.call(
      carolCalls()
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 1), '1', 300)
        .pressWhilePlaying(nth(/(?<!key_)main_menu/, 2), '#', 300),
    );
    expect(r.said).toContain('en:messages_unavailable');
    expect(r.said).not.toContain('en:technical_problem');
    expect(r.said.at(-1)).toBe('en:goodbye');

    const left = await box.call(quickMessage('+49 30 1234503', from, 2));
    expect(left.said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    expect(await waitFor('carol', { from: from.slice(1) })).toHaveLength(1);
  });
});
