// The IMAP summary remembers each message's kind by UID and searches headers only for
// messages that arrived since: the counts must still follow every change in the store —
// new mail, mail read elsewhere, mail deleted — call after call on one store.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { audioDigest, signVoiceFields } from '../../../src/mail/index.js';
import type { MessageSummary } from '../../../src/mailbox/index.js';
import { expandUids } from '../../../src/mailbox/imap.js';
import { imapClient, labMailboxStore, withImap } from '../lab/support.js';

const lab = inject('lab');
const tag = `summary-${Date.now()}`;
const wang = { mailbox: 'wang', email: 'wang@example.com', number: '+49301234505' };
const KEY = randomBytes(32);
const store = labMailboxStore(lab, {
  deleteMode: 'expunge',
  signingKey: KEY,
  // the gateway that writes +4930…@fax.example.com
  trustedSenderDomains: ['example.com'],
});

/** a message of `kind` as voicebox signs it for `mailbox`; `signed: false` is an outside mail with the same header */
const raw = (from: string, kind: string | undefined, n: number, signed = true, mailbox = wang.number) => {
  const date = `${new Date().toUTCString().replace('GMT', '+0000')}`;
  const messageId = `<${tag}-${n}@example.com>`;
  const fields = { messageId, type: kind ?? '', caller: '', duration: '', mailbox, date };
  return [
    `From: ${from}`,
    'To: wang@example.com',
    ...(kind ? [`X-Voicebox-Type: ${kind}`, `X-Voicebox-Mailbox: ${mailbox}`] : []),
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
};

/** a gateway's voice message (ixi-UMS `voc.`, voicebox `voice.`): a WAV attached, or none */
const gatewayVoice = (from: string, n: number, audio: boolean) => {
  const date = `${new Date().toUTCString().replace('GMT', '+0000')}`;
  const head = [`From: ${from}`, 'To: wang@example.com', `Subject: ${tag} ${n}`, `Date: ${date}`];
  head.push(`Message-ID: <${tag}-${n}@example.com>`, 'MIME-Version: 1.0');
  if (!audio)
    return [...head, 'Content-Type: text/plain', '', 'You received a voice message.', ''].join('\r\n');
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'You received a voice message.',
    '--b',
    'Content-Type: audio/x-wav; name="message.wav"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('RIFF....WAVEfmt ').toString('base64'),
    '--b--',
    '',
  ].join('\r\n');
};

const wangImap = <T>(fn: Parameters<typeof withImap<T>>[1]) =>
  withImap(imapClient(lab, 'wang', 'wangpw'), fn);

async function summary(): Promise<MessageSummary> {
  const mailbox = await store.open(wang);
  try {
    return await mailbox.summary();
  } finally {
    await mailbox.close();
  }
}

const diff = (a: MessageSummary, b: MessageSummary) =>
  Object.fromEntries(
    Object.keys(a).map((k) => [k, b[k as keyof MessageSummary] - a[k as keyof MessageSummary]]),
  );

afterAll(() =>
  wangImap(async (imap) => {
    await imap.mailboxOpen('INBOX');
    const uids = (await imap.search({ subject: tag }, { uid: true })) || [];
    if (uids.length) await imap.messageDelete(uids, { uid: true });
  }),
);

describe('summary over calls, as the store changes', () => {
  it('counts new mail of every kind, mail read elsewhere and mail deleted', async () => {
    const before = await summary();
    await wangImap(async (imap) => {
      await imap.append('INBOX', raw('+4930111@voice.example.com', 'voice', 1));
      // a gateway's: voice with audio (ixi-UMS voc., voicebox voice.); without audio an e-mail
      await imap.append('INBOX', gatewayVoice('+4930111@voice.example.com', 2, true));
      await imap.append('INBOX', gatewayVoice('+4989777888@voc.example.com', 10, true));
      await imap.append('INBOX', gatewayVoice('+4989777889@voc.example.com', 11, false));
      // a fax and an SMS read elsewhere: old ones
      await imap.append('INBOX', raw('+4930223@fax.example.com', undefined, 12), ['\\Seen']);
      await imap.append('INBOX', raw('+4930334@sms.example.com', undefined, 13), ['\\Seen']);
      await imap.append('INBOX', raw('+4930222@fax.example.com', 'fax', 3));
      await imap.append('INBOX', raw('+4930333@sms.example.com', 'sms', 4));
      await imap.append('INBOX', raw('Alice <alice@example.com>', undefined, 5));
      // from outside, claiming to be a voice message: an e-mail
      await imap.append('INBOX', raw('+4930555@voice.example.com', 'voice', 7, false));
      // a look-alike of the trusted gateway, and a genuine message signed for another mailbox: e-mails
      await imap.append('INBOX', raw('+4930666@voice.example.com.attacker.net', undefined, 8));
      await imap.append('INBOX', raw('+4930777@voice.example.com', 'voice', 9, true, '+49301234506'));
    });
    const after = await summary();
    expect(diff(before, after)).toEqual({
      newVoice: 3,
      oldVoice: 0,
      newEmail: 5,
      oldEmail: 0,
      newFax: 1,
      oldFax: 1,
      newSms: 1,
      oldSms: 1,
      total: 12,
    });
    // one voice message heard and one deleted elsewhere, one more voice message arrives
    await wangImap(async (imap) => {
      await imap.mailboxOpen('INBOX');
      const [first] = (await imap.search({ subject: `${tag} 1` }, { uid: true })) || [];
      await imap.messageFlagsAdd(String(first), ['\\Seen'], { uid: true });
      const [second] = (await imap.search({ subject: `${tag} 2` }, { uid: true })) || [];
      await imap.messageDelete(String(second), { uid: true });
      await imap.append('INBOX', raw('+4930444@voice.example.com', 'voice', 6));
    });
    expect(diff(before, await summary())).toEqual({
      newVoice: 2,
      oldVoice: 1,
      newEmail: 5,
      oldEmail: 0,
      newFax: 1,
      oldFax: 1,
      newSms: 1,
      oldSms: 1,
      total: 12,
    });
  });
});

describe('list by kind, new or all', () => {
  it('gives the messages of one kind as the summary counts them, the new ones alone when asked', async () => {
    const sub = `${tag}-list`;
    const named = (text: string, n: number) => text.replace(`Subject: ${tag} ${n}`, `Subject: ${sub} ${n}`);
    await wangImap(async (imap) => {
      await imap.append('INBOX', named(raw('+4930111@voice.example.com', 'voice', 21), 21));
      await imap.append('INBOX', named(raw('+4930112@voice.example.com', 'voice', 22), 22), ['\\Seen']);
      // a gateway's voc. mail without audio, and a forged voice header: e-mails, as counted
      await imap.append('INBOX', named(gatewayVoice('+4989777889@voc.example.com', 23, false), 23));
      await imap.append('INBOX', named(raw('+4930555@voice.example.com', 'voice', 24, false), 24));
      await imap.append('INBOX', named(raw('+4930222@fax.example.com', 'fax', 25), 25), ['\\Seen']);
      await imap.append('INBOX', named(raw('Alice <alice@example.com>', undefined, 26), 26));
    });
    const mailbox = await store.open(wang);
    try {
      const mine = async (filter: Parameters<typeof mailbox.list>[1]) =>
        (await mailbox.list('oldest_first', filter))
          .filter((m) => m.subject.startsWith(`${sub} `))
          .map((m) => [Number(m.subject.slice(sub.length + 1)), m.kind, m.isNew]);
      expect(await mine({ kind: 'voice' })).toEqual([
        [21, 'voice', true],
        [22, 'voice', false],
      ]);
      expect(await mine({ kind: 'voice', unread: true })).toEqual([[21, 'voice', true]]);
      expect(await mine({ kind: 'voice', unread: false })).toEqual([[22, 'voice', false]]);
      expect(await mine({ kind: 'email' })).toEqual([
        [23, 'email', true],
        [24, 'email', true],
        [26, 'email', true],
      ]);
      expect(await mine({ kind: 'fax' })).toEqual([[25, 'fax', false]]);
      expect(await mine({ kind: 'sms' })).toEqual([]);
      expect(await mine({ unread: true })).toEqual([
        [21, 'voice', true],
        [23, 'email', true],
        [24, 'email', true],
        [26, 'email', true],
      ]);
    } finally {
      await mailbox.close();
    }
  });
});

describe('expandUids', () => {
  it('reads an ESEARCH ALL sequence set and a plain SEARCH list', () => {
    expect(expandUids({ all: '1:3,7,10:9' })).toEqual([1, 2, 3, 7, 9, 10]);
    expect(expandUids([4, 5])).toEqual([4, 5]);
    expect(expandUids({})).toEqual([]);
    expect(expandUids(false)).toEqual([]);
  });
});

describe('ixi-UMS mail over IMAP (test/fixtures/mail/ixi-ums)', () => {
  it('a voc. voice message lists as voice with its number and its WAV is fetched; without audio an e-mail', async () => {
    const fixture = (name: string) =>
      readFileSync(join('test/fixtures/mail/ixi-ums', name), 'latin1').replace(
        /^Subject: .*$/m,
        `Subject: ${tag} ${name}`,
      );
    await wangImap(async (imap) => {
      await imap.append('INBOX', fixture('voice.eml'));
      await imap.append('INBOX', fixture('voice-without-audio.eml'));
    });
    const ixi = labMailboxStore(lab, { deleteMode: 'expunge', trustedSenderDomains: ['ums.example.com'] });
    const mailbox = await ixi.open(wang);
    try {
      const mine = (await mailbox.list('newest_first')).filter((m) => m.subject.startsWith(`${tag} voice`));
      expect(
        mine.map((m) => [m.subject.slice(tag.length + 1), m.kind, m.senderNumber, m.senderName]),
      ).toEqual([
        ['voice-without-audio.eml', 'email', '+4989777888', ''],
        ['voice.eml', 'voice', '+4989777888', ''],
      ]);
      const wav = readFileSync(await mailbox.voiceAudio(mine[1]!.uid, mkdtempSync(join(tmpdir(), 'ixi-'))));
      expect(wav.subarray(0, 4).toString()).toBe('RIFF');
      expect(wav.readUInt16LE(20)).toBe(6); // A-law, as sent
    } finally {
      await mailbox.close();
    }
  });
});
