// What the notifier reads of a mailbox on the real Dovecot: per kind the unseen messages that
// arrived (INTERNALDATE) since the owner's last reset, who the newest is from, and a fingerprint
// (one STATUS) that changes with every arrival, read, unread, move and delete. In a folder of
// felix's own, made and removed here, so no other test's counts move.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { audioDigest, signVoiceFields } from '../../../src/mail/index.js';
import { MailboxUnavailable } from '../../../src/mailbox/index.js';
import type { MailboxOwner, NotifyCounts } from '../../../src/mailbox/index.js';
import { imapClient, labMailboxStore, withImap } from '../lab/support.js';

const lab = inject('lab');
const tag = `notify-${Date.now()}`;
const folder = `Notify-${Date.now()}`;
const elsewhere = `${folder}-Archive`;
const felix: MailboxOwner = { mailbox: 'felix', email: 'felix@example.com', number: '+49301234508', folder };
const KEY = randomBytes(32);
const store = labMailboxStore(lab, {
  deleteMode: 'expunge',
  signingKey: KEY,
  // the gateway that writes +4930…@fax.example.com
  trustedSenderDomains: ['example.com'],
});

const T = new Date('2026-03-02T10:00:00Z');
const at = (seconds: number): Date => new Date(T.getTime() + seconds * 1000);

let n = 0;
/** a message of `kind` as voicebox signs it for felix; `signed: false` is an outside mail with the same headers */
function raw(from: string, kind: string | undefined, caller = '', signed = true): string {
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const messageId = `<${tag}-${++n}@example.com>`;
  const fields = { messageId, type: kind ?? '', caller, duration: '', mailbox: felix.number!, date };
  return [
    `From: ${from}`,
    'To: felix@example.com',
    ...(kind ? [`X-Voicebox-Type: ${kind}`, `X-Voicebox-Mailbox: ${felix.number}`] : []),
    ...(kind && caller ? [`X-Voicebox-Caller: ${caller}`] : []),
    ...(kind && signed
      ? [`X-Voicebox-Signature: ${signVoiceFields(KEY, fields, audioDigest(Buffer.alloc(0)))}`]
      : []),
    `Subject: ${tag} ${n}`,
    `Date: ${date}`,
    `Message-ID: ${messageId}`,
    '',
    'hello',
    '',
  ].join('\r\n');
}

const felixImap = <T>(fn: Parameters<typeof withImap<T>>[1]) =>
  withImap(imapClient(lab, 'felix', 'felixpw'), fn);

async function notifyCounts(since?: Date): Promise<NotifyCounts> {
  const mailbox = await store.open(felix);
  try {
    const counts = await mailbox.notifyCounts(since);
    expect(counts.summary).toEqual(await mailbox.summary());
    return counts;
  } finally {
    await mailbox.close();
  }
}

/** the UID of this run's message `k` in the folder */
const uidOf = (imap: Parameters<Parameters<typeof felixImap>[0]>[0], k: number) =>
  imap.search({ header: { 'message-id': `${tag}-${k}@` } }, { uid: true }).then((r) => String((r || [])[0]));

beforeAll(() =>
  felixImap(async (imap) => {
    await imap.mailboxCreate(folder);
    await imap.mailboxCreate(elsewhere);
  }),
);
afterAll(() =>
  felixImap(async (imap) => {
    await imap.mailboxDelete(folder).catch(() => undefined);
    await imap.mailboxDelete(elsewhere).catch(() => undefined);
  }),
);

describe('notifyCounts on Dovecot', () => {
  it('counts unseen voice, fax and SMS by INTERNALDATE, and names who the newest is from', async () => {
    await felixImap(async (imap) => {
      await imap.append(folder, raw('+4930111@voice.example.com', 'voice', '+4930111'), [], at(-60)); // 1: before the reset
      await imap.append(folder, raw('+4930112@voice.example.com', 'voice', '+4930112'), [], at(10)); // 2
      await imap.append(folder, raw('+4930222@fax.example.com', undefined), [], at(20)); // 3: the gateway's fax
      await imap.append(folder, raw('+4930223@fax.example.com', undefined), ['\\Seen'], at(25)); // 4: read
      await imap.append(folder, raw('+4930333@sms.example.com', 'sms', '+4930333'), [], at(30)); // 5
      // 6: from outside, claiming to be a voice message: an e-mail
      await imap.append(folder, raw('+4930999@voice.example.com', 'voice', '+4930999', false), [], at(40));
      await imap.append(folder, raw('Carol Chen <carol@example.com>', undefined), [], at(50)); // 7
    });

    const counts = await notifyCounts(T);
    expect(counts.since).toEqual({ voice: 1, fax: 1, sms: 1 });
    expect(counts.last).toEqual({
      voice: { from: '+4930112', at: at(10) },
      fax: { from: '+4930222', at: at(20) },
      sms: { from: '+4930333', at: at(30) },
    });
    expect(counts.summary).toMatchObject({ newVoice: 2, newFax: 1, oldFax: 1, newSms: 1, newEmail: 2 });
    // without a reset: every unseen one; the forged one never
    expect((await notifyCounts()).since).toEqual({ voice: 2, fax: 1, sms: 1 });
    // INTERNALDATE has whole seconds: a voice message of 10:00:10 counts after a reset at 10:00:10.700
    expect((await notifyCounts(new Date(at(10).getTime() + 700))).since.voice).toBe(1);
    expect((await notifyCounts(at(11))).since.voice).toBe(0);

    // read elsewhere: no longer counted; marked unread again: counted again
    await felixImap(async (imap) => {
      await imap.mailboxOpen(folder);
      await imap.messageFlagsAdd(await uidOf(imap, 2), ['\\Seen'], { uid: true });
      await imap.messageFlagsRemove(await uidOf(imap, 4), ['\\Seen'], { uid: true });
    });
    const after = await notifyCounts(T);
    expect(after.since).toEqual({ voice: 0, fax: 2, sms: 1 });
    expect(after.last.voice).toBeUndefined();
    expect(after.last.fax).toEqual({ from: '+4930223', at: at(25) });
  });

  it('names the sender as the list does when the newest has no number', async () => {
    await felixImap((imap) =>
      // a signed SMS without a caller number: the list names its From address
      imap.append(folder, raw('Anon <anon@sms.example.com>', 'sms'), [], at(100)),
    );
    const mailbox = await store.open(felix);
    try {
      const [newest] = await mailbox.list('newest_first', { kind: 'sms', unread: true });
      const counts = await mailbox.notifyCounts(at(100));
      expect(counts.last.sms).toEqual({ from: newest!.sender, at: at(100) });
      expect(newest!.sender).toBe('anon@sms.example.com');
    } finally {
      await mailbox.close();
    }
  });
});

describe('fingerprint on Dovecot', () => {
  it('changes on arrival, \\Seen set and cleared, move and delete; equal when nothing changed', async () => {
    const seen: string[] = [];
    const now = async () => {
      const f = await store.fingerprint(felix);
      seen.push(f);
      return f;
    };
    const start = await now();
    expect(await store.fingerprint(felix)).toBe(start);

    await felixImap((imap) => imap.append(folder, raw('+4930444@fax.example.com', undefined), [], at(200)));
    const arrived = await now();
    expect(await store.fingerprint(felix)).toBe(arrived);
    const k = n;

    await felixImap(async (imap) => {
      await imap.mailboxOpen(folder);
      await imap.messageFlagsAdd(await uidOf(imap, k), ['\\Seen'], { uid: true });
    });
    await now();
    await felixImap(async (imap) => {
      await imap.mailboxOpen(folder);
      await imap.messageFlagsRemove(await uidOf(imap, k), ['\\Seen'], { uid: true });
    });
    // the same MESSAGES, UNSEEN, UIDNEXT as on arrival: HIGHESTMODSEQ tells them apart
    const unread = await now();
    expect(unread).not.toBe(arrived);

    await felixImap(async (imap) => {
      await imap.mailboxOpen(folder);
      await imap.messageMove(await uidOf(imap, k), elsewhere, { uid: true });
    });
    await now();

    await felixImap((imap) => imap.append(folder, raw('+4930445@fax.example.com', undefined), [], at(300)));
    await now();
    const mailbox = await store.open(felix);
    try {
      const [fax] = await mailbox.list('newest_first', { kind: 'fax', unread: true });
      await mailbox.delete(fax!.uid);
    } finally {
      await mailbox.close();
    }
    await now();
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('names host, user and mode when the server refuses, never the password', async () => {
    const wrong = labMailboxStore(lab, { masterPassword: 'not-the-secret' });
    const error = await wrong.fingerprint(felix).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxUnavailable);
    expect((error as Error).message).toContain(`${lab.host}:${lab.imap.port}`);
    expect((error as Error).message).toContain(`felix${lab.imap.master.separator}${lab.imap.master.user}`);
    expect((error as Error).message).toContain('master access');
    expect((error as Error).message).not.toContain('not-the-secret');
  });

  it('says which folder when it does not exist', async () => {
    const error = await store.fingerprint({ ...felix, folder: `${folder}-missing` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxUnavailable);
    expect((error as Error).message).toContain(`${folder}-missing`);
  });
});
