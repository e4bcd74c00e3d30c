// Alice's voice messages on the web page (/messages), in her local Maildir: listed newest first
// with caller, date and length; played as the WAV that was recorded (without marking it heard);
// marked heard; deleted; and what a forged uid or path, an e-mail's uid and a caller's name
// written as markup get.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage, composeVoiceMessage, voiceMessageId } from '../../src/mail/index.js';
import { MailboxUnavailable, type MailboxStore } from '../../src/mailbox/index.js';
import { createWebApp } from '../../src/web/server.js';
import { deliverToAlice, emailFromCarol } from '../support/mail.js';
import { aliceOwner, aliceRecipient } from '../support/owners.js';
import { webClient, webTest, type WebClient, type WebTest } from './support.js';

let t: WebTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Wednesday 2 December 2026, 15:30 in Berlin (the menus' office hours zone) */
const NOW = new Date('2026-12-02T14:30:00Z');

/** a WAV-looking recording of its own, so a played file can be told from another */
const recording = (): Buffer =>
  Buffer.concat([Buffer.from('RIFF\x24\x10\x00\x00WAVEfmt ', 'latin1'), randomBytes(3000)]);

/**
 * A voice message for Alice (mailbox +49301234501) as voicebox sends it, signed with the key
 * the WebTest's store trusts, delivered into her Maildir; returns its uid (the Maildir name up to `:`) and its audio.
 */
async function voiceFor(
  test: WebTest,
  o: {
    at: string;
    caller?: { number?: string; name?: string };
    durationMs?: number;
    /** the audio the signature names (default: the one attached) */
    signed?: Buffer;
  },
): Promise<{ uid: string; audio: Buffer }> {
  const audio = recording();
  const wav = join(test.dir, `rec-${randomBytes(4).toString('hex')}.wav`);
  writeFileSync(wav, audio);
  const message = composeVoiceMessage({
    to: { ...aliceRecipient, language: 'de' },
    mailbox: aliceOwner.number!,
    caller: o.caller ?? { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date(o.at),
    durationMs: o.durationMs ?? 3_000,
    wav: { path: wav },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: voiceMessageId(randomBytes(6).toString('hex'), 'example.com'),
    signature: { key: test.signingKey, audioDigest: audioDigest(o.signed ?? audio) },
  });
  return { uid: await deliverNew(test, (await buildRawMessage(message)).raw), audio };
}

/** delivers a raw message to Alice; the uid of the file that appeared */
async function deliverNew(test: WebTest, raw: Buffer): Promise<string> {
  const before = new Set(inbox(test));
  await deliverToAlice(test.maildir, raw);
  const name = inbox(test).find((n) => !before.has(n));
  if (name === undefined) throw new Error('the message did not arrive');
  return name.split('/')[1]!.split(':')[0]!;
}

/** the names of the files in Alice's Maildir INBOX (new/ and cur/) */
function inbox(test: WebTest): string[] {
  const root = join(test.maildir, 'alice');
  return ['new', 'cur'].flatMap((sub) =>
    existsSync(join(root, sub)) ? readdirSync(join(root, sub)).map((n) => `${sub}/${n}`) : [],
  );
}
const fileOf = (test: WebTest, uid: string) =>
  inbox(test).find((n) => n.split('/')[1]!.split(':')[0] === uid);

/** the text of the element with this data-testid (tags removed, spaces folded) */
function textOf(body: string, testid: string): string | undefined {
  const at = body.indexOf(`data-testid="${testid}"`);
  if (at < 0) return undefined;
  const start = body.indexOf('>', at) + 1;
  const tag = /^[^<]*<\/?([a-z0-9]+)/i.exec(body.slice(body.lastIndexOf('<', at)))?.[1] ?? 'span';
  const end = body.indexOf(`</${tag}`, start);
  return body
    .slice(start, end)
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** the uids of the listed messages, top to bottom */
const listed = (body: string): string[] =>
  [...body.matchAll(/data-testid="message-(?!list|counts|hint|empty)([^"]+)"/g)].map((m) => m[1]!);

async function aliceLoggedIn(): Promise<{ test: WebTest; alice: WebClient }> {
  t = await webTest({ clock: () => NOW });
  const alice = t.client();
  await alice.login();
  return { test: t, alice };
}

describe('her voice messages', () => {
  it('a number without a name is shown in the groups the phone says it in: area code, then the rest', async () => {
    const { test, alice } = await aliceLoggedIn();
    const munich = await voiceFor(test, { at: '2026-12-02T13:00:00Z', caller: { number: '+49895550101' } });
    const mobile = await voiceFor(test, { at: '2026-12-02T13:01:00Z', caller: { number: '+4917012345678' } });
    const paris = await voiceFor(test, { at: '2026-12-02T13:02:00Z', caller: { number: '+33123456789' } });
    const page = await alice.get('/messages');
    expect(textOf(page.body, `caller-${munich.uid}`)).toBe('089 5550101');
    expect(textOf(page.body, `caller-${mobile.uid}`)).toBe('0170 12345678');
    expect(textOf(page.body, `caller-${paris.uid}`)).toBe('+33 123 456 789');
  });

  it('lists only voice messages, newest first, with caller, date in her time zone and length', async () => {
    const { test, alice } = await aliceLoggedIn();
    const monday = await voiceFor(test, { at: '2026-11-30T13:05:00Z', durationMs: 12_400 });
    const today = await voiceFor(test, {
      at: '2026-12-02T13:05:00Z',
      caller: { number: '+49301234199' },
      durationMs: 65_000,
    });
    const yesterday = await voiceFor(test, { at: '2026-12-01T22:59:00Z', caller: {} });
    await deliverNew(test, emailFromCarol('Lunch at noon?'));

    const page = await alice.get('/messages');
    expect(page.status).toBe(200);
    expect(listed(page.body)).toEqual([today.uid, yesterday.uid, monday.uid]);
    expect(page.body).not.toContain('Lunch at noon?');
    expect(textOf(page.body, 'message-counts')).toBe('3 neu, 0 gehört');
    expect(textOf(page.body, 'message-hint')).toMatch(/E-Mails und Faxe lesen Sie in Ihrem E-Mail-Programm/);

    expect(textOf(page.body, `caller-${monday.uid}`)).toBe('Bob Berger');
    expect(textOf(page.body, `date-${monday.uid}`)).toBe('Mo., 30.11.2026, 14:05');
    expect(textOf(page.body, `duration-${monday.uid}`)).toBe('0:12');
    // a number without a name, written as it is dialled here
    expect(textOf(page.body, `caller-${today.uid}`)).toBe('030 1234199');
    expect(textOf(page.body, `date-${today.uid}`)).toBe('heute, 14:05');
    expect(textOf(page.body, `duration-${today.uid}`)).toBe('1:05');
    // 22:59 UTC is 23:59 in Berlin: yesterday there
    expect(textOf(page.body, `date-${yesterday.uid}`)).toBe('gestern, 23:59');
    expect(textOf(page.body, `state-${today.uid}`)).toBe('neu');
    expect(page.body).toContain(`src="/messages/${encodeURIComponent(today.uid)}/audio"`);
    expect(page.body).toMatch(new RegExp(`<audio[^>]*preload="none"[^>]*data-testid="play-${today.uid}"`));
  });

  it('in English for an English browser', async () => {
    const { test } = await aliceLoggedIn();
    const m = await voiceFor(test, { at: '2026-11-30T13:05:00Z' });
    const english = webClient(test.app, { acceptLanguage: 'en-GB,en;q=0.8' });
    await english.login();
    const page = await english.get('/messages');
    expect(textOf(page.body, 'message-counts')).toBe('1 new, 0 heard');
    expect(textOf(page.body, `date-${m.uid}`)).toBe('Mon, 30 Nov 2026, 14:05');
    expect(textOf(page.body, `heard-${m.uid}`)).toBe('Mark as heard');
  });

  it('says so when there is none', async () => {
    const { test, alice } = await aliceLoggedIn();
    await deliverNew(test, emailFromCarol('Only an e-mail'));
    const page = await alice.get('/messages');
    expect(textOf(page.body, 'message-empty')).toBe('Keine Sprachnachrichten');
    expect(textOf(page.body, 'message-counts')).toBe('0 neu, 0 gehört');
  });

  it('plays the recorded WAV, uncached, without marking it heard, and leaves no copy behind', async () => {
    const { test, alice } = await aliceLoggedIn();
    const m = await voiceFor(test, { at: '2026-12-02T13:05:00Z' });
    await alice.get('/messages');
    const audio = await alice.get(`/messages/${encodeURIComponent(m.uid)}/audio`);
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.headers['cache-control']).toBe('no-store');
    expect(audio.raw.equals(m.audio)).toBe(true);
    expect(fileOf(test, m.uid)).toMatch(/^new\//);
    expect(textOf((await alice.get('/messages')).body, `state-${m.uid}`)).toBe('neu');
    const copies = join(test.deps.media.local, 'web-audio');
    expect(existsSync(copies) ? readdirSync(copies) : []).toEqual([]);
  });

  it('"Als gehört markieren" marks it heard: the page says gehört and the file has the S flag', async () => {
    const { test, alice } = await aliceLoggedIn();
    const m = await voiceFor(test, { at: '2026-12-02T13:05:00Z' });
    const other = await voiceFor(test, { at: '2026-12-02T12:00:00Z' });
    await alice.get('/messages');
    const done = await alice.post(`/messages/${encodeURIComponent(m.uid)}/heard`);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/messages?done=heard');
    const page = await alice.get('/messages?done=heard');
    expect(textOf(page.body, 'notice')).toBe('Die Nachricht ist als gehört markiert.');
    expect(textOf(page.body, `state-${m.uid}`)).toBe('gehört');
    expect(page.body).not.toContain(`data-testid="heard-${m.uid}"`);
    expect(textOf(page.body, `state-${other.uid}`)).toBe('neu');
    expect(textOf(page.body, 'message-counts')).toBe('1 neu, 1 gehört');
    expect(fileOf(test, m.uid)).toMatch(/^cur\/.*:2,S$/);
    expect(fileOf(test, other.uid)).toMatch(/^new\//);
  });

  it('"Löschen" deletes it: gone from the page and from her INBOX (into the trash folder)', async () => {
    const { test, alice } = await aliceLoggedIn();
    const m = await voiceFor(test, { at: '2026-12-02T13:05:00Z' });
    const kept = await voiceFor(test, { at: '2026-12-02T12:00:00Z' });
    await alice.get('/messages');
    const done = await alice.post(`/messages/${encodeURIComponent(m.uid)}/delete`);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/messages?done=deleted');
    const page = await alice.get('/messages?done=deleted');
    expect(textOf(page.body, 'notice')).toBe('Die Nachricht ist gelöscht.');
    expect(listed(page.body)).toEqual([kept.uid]);
    expect(fileOf(test, m.uid)).toBeUndefined();
    const trash = join(test.maildir, 'alice', `.${test.config.mailbox.trash}`, 'new');
    expect(readdirSync(trash).map((n) => n.split(':')[0])).toEqual([m.uid]);
  });

  it('a delete without the form token is refused and deletes nothing', async () => {
    const { test, alice } = await aliceLoggedIn();
    const m = await voiceFor(test, { at: '2026-12-02T13:05:00Z' });
    await alice.get('/messages');
    const refused = await alice.post(`/messages/${encodeURIComponent(m.uid)}/delete`, {}, { csrf: false });
    expect(refused.status).toBe(403);
    expect(fileOf(test, m.uid)).toBeDefined();
  });
});

describe('what the browser cannot make it do', () => {
  it("an e-mail's uid, a made-up one and a path are not found, and nothing changes", async () => {
    const { test, alice } = await aliceLoggedIn();
    const voice = await voiceFor(test, { at: '2026-12-02T13:05:00Z' });
    const email = await deliverNew(test, emailFromCarol('Not a voice message'));
    const before = inbox(test).sort();
    await alice.get('/messages');
    for (const uid of [email, 'nothing-here', '..', `../alice/new/${voice.uid}`, `${voice.uid}:2,S`]) {
      const path = `/messages/${encodeURIComponent(uid)}`;
      expect((await alice.get(`${path}/audio`)).status, `${uid} audio`).toBe(404);
      expect((await alice.post(`${path}/heard`)).status, `${uid} heard`).toBe(404);
      expect((await alice.post(`${path}/delete`)).status, `${uid} delete`).toBe(404);
    }
    expect((await alice.get('/messages/../../etc/passwd/audio')).status).toBe(404);
    // longer than any uid: refused before a route runs
    expect((await alice.get(`/messages/${'x'.repeat(300)}/audio`)).status).toBe(414);
    const notFound = await alice.get(`/messages/${encodeURIComponent(email)}/audio`);
    expect(notFound.headers['content-type']).toMatch(/^text\/html/);
    expect(textOf(notFound.body, 'notice')).toMatch(/gibt es nicht/);
    expect(inbox(test).sort()).toEqual(before);
  });

  it("a caller's name written as markup is shown as text", async () => {
    const { test, alice } = await aliceLoggedIn();
    const m = await voiceFor(test, {
      at: '2026-12-02T13:05:00Z',
      caller: { number: '+49301234102', name: '<script>alert("x")</script><b>Bob' },
    });
    const page = await alice.get('/messages');
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<b>Bob');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;Bob');
    expect(listed(page.body)).toEqual([m.uid]);
  });

  it('the page needs a login', async () => {
    t = await webTest({ clock: () => NOW });
    const stranger = t.client();
    const page = await stranger.get('/messages');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
  });
});

describe('when it cannot show her messages', () => {
  it('audio that is not the audio its signature names is not played (410), and says why', async () => {
    const { test, alice } = await aliceLoggedIn();
    const m = await voiceFor(test, { at: '2026-12-02T13:05:00Z', signed: recording() });
    await alice.get('/messages');
    const refused = await alice.get(`/messages/${encodeURIComponent(m.uid)}/audio`);
    expect(refused.status).toBe(410);
    expect(refused.raw.includes(m.audio)).toBe(false);
    expect(textOf(refused.body, 'notice')).toMatch(/kann nicht abgespielt werden/);
  });

  it('her mailbox unreachable: "Ihr Postfach ist gerade nicht erreichbar" (503), logged without secrets', async () => {
    const warnings: Array<{ obj: object; msg?: string }> = [];
    const log = {
      info() {},
      debug() {},
      error() {},
      warn: (obj: object, msg?: string) => void warnings.push({ obj, ...(msg !== undefined ? { msg } : {}) }),
      child: () => log,
    };
    const down: MailboxStore = {
      open: () => Promise.reject(new MailboxUnavailable('imap.example.com: connection refused (user alice)')),
      fingerprint: () => Promise.reject(new MailboxUnavailable('down')),
    };
    t = await webTest({ clock: () => NOW, mailboxes: down, log });
    const alice = t.client();
    await alice.login();
    for (const answer of [
      await alice.get('/messages'),
      await alice.get('/messages/1/audio'),
      await alice.post('/messages/1/delete'),
    ]) {
      expect(answer.status).toBe(503);
      expect(textOf(answer.body, 'notice')).toMatch(/^Ihr Postfach ist gerade nicht erreichbar/);
    }
    expect(warnings.some((w) => w.msg === 'web: mailbox unavailable')).toBe(true);
    expect(JSON.stringify(warnings)).not.toMatch(/2468|scrypt/);
  });

  it('no mailbox store on this server: the page says the mailbox is not set up', async () => {
    t = await webTest({ clock: () => NOW });
    const app = await createWebApp({ ...t.deps, mailboxes: undefined });
    try {
      const alice = webClient(app);
      await alice.login();
      const page = await alice.get('/messages');
      expect(textOf(page.body, 'notice')).toMatch(/kein Postfach für Sprachnachrichten eingerichtet/);
      expect(page.body).not.toContain('data-testid="message-list"');
      expect((await alice.get('/messages/1/audio')).status).toBe(503);
    } finally {
      await app.close();
    }
  });

  it('her phone access is settings only: no messages page', async () => {
    t = await webTest({ clock: () => NOW, login: { access: 'settings' } });
    const alice = t.client();
    await alice.login();
    expect((await alice.get('/messages')).status).toBe(403);
    expect((await alice.get('/box')).body).not.toContain('href="/messages"');
  });
});
