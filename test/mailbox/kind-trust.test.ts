// What makes a mail a voice (fax, SMS) message: voicebox's signature for the mailbox being read,
// or the sender address of a gateway the admin trusts — never a look-alike domain, never a
// genuine message copied into another mailbox, never a sender name the signature does not cover.
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audioDigest, buildRawMessage, composeVoiceMessage } from '../../src/mail/index.js';
import { announcedSender, classifyMessage } from '../../src/mailbox/kind.js';
import { header, parseHeaders, splitHeaderBody } from '../../src/mailbox/mime.js';

const KEY = Buffer.alloc(32, 5);
const none = () => undefined;

describe('the sender address form ($(phonenumber)@voice.<domain>)', () => {
  it('an outside domain that merely starts with voice. is an e-mail without a number', () => {
    expect(classifyMessage(none, '+4930123456@voice.attacker.example', KEY)).toEqual({ kind: 'email' });
    expect(
      classifyMessage(none, '+4930123456@voice.attacker.example', KEY, {
        trustedSenderDomains: ['ums.example.com'],
      }),
    ).toEqual({ kind: 'email' });
  });

  it('a listed gateway domain counts, matched exactly and without regard to case; fax and SMS alike', () => {
    const trust = { trustedSenderDomains: ['UMS.example.com'] };
    expect(
      classifyMessage(none, '+4930123456@voice.ums.example.com', KEY, { ...trust, hasAudio: true }),
    ).toEqual({
      kind: 'voice',
      senderNumber: '+4930123456',
    });
    expect(classifyMessage(none, '+4930222@FAX.Ums.Example.Com', KEY, trust)).toMatchObject({ kind: 'fax' });
    expect(classifyMessage(none, '+49170111@sms.ums.example.com', KEY, trust)).toMatchObject({ kind: 'sms' });
    for (const lookalike of [
      '+4930123456@voice.ums.example.com.attacker.net',
      '+4930123456@voice.xums.example.com',
      '+4930123456@voice.sub.ums.example.com',
      '+4930123456@ums.example.com',
    ]) {
      expect(classifyMessage(none, lookalike, KEY, trust)).toEqual({ kind: 'email' });
    }
  });
});

async function signedHeaders(o: { mailbox: string; name: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-kind-'));
  const audio = Buffer.from('RIFF-audio');
  writeFileSync(join(dir, 'r.wav'), audio);
  const message = composeVoiceMessage({
    to: { email: 'anna@example.com', name: 'Anna', language: 'de' },
    mailbox: o.mailbox,
    caller: { number: '+49301234102', name: o.name },
    recordedAt: new Date('2026-03-02T10:00:00Z'),
    durationMs: 4000,
    wav: { path: join(dir, 'r.wav') },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: '<voicebox.kind-1@example.com>',
    signature: { key: KEY, audioDigest: audioDigest(audio) },
  });
  const raw = (await buildRawMessage(message)).raw;
  return parseHeaders(splitHeaderBody(raw).header);
}

describe('a signed voice message', () => {
  it('counts in the mailbox it was left in, and is an e-mail in any other', async () => {
    const headers = await signedHeaders({ mailbox: '+49301234501', name: 'Bob Berger' });
    const get = (n: string) => header(headers, n);
    const from = '+49301234102@voice.example.com';
    expect(classifyMessage(get, from, KEY, { ownerMailbox: '+49 30 1234501' })).toMatchObject({
      kind: 'voice',
      senderNumber: '+49301234102',
      signedCallerName: 'Bob Berger',
    });
    // re-sent into a colleague's mailbox: nothing of it is believed there
    const replayed = classifyMessage(get, from, KEY, { ownerMailbox: '+49301234502' });
    expect(replayed).toMatchObject({ kind: 'email', forged: true });
    expect(replayed).not.toHaveProperty('senderNumber');
    expect(classifyMessage(get, from, KEY)).toMatchObject({ kind: 'email' });
  });

  it('the announced sender is the signed name: a changed name does not verify, a changed From name is not announced', async () => {
    const headers = await signedHeaders({ mailbox: '+49301234501', name: 'Bob Berger' });
    const owner = { ownerMailbox: '+49301234501' };
    const genuine = classifyMessage((n) => header(headers, n), 'x@voice.example.com', KEY, owner);
    // the From display name is the mail's own to write: "Chef" is never announced
    expect(announcedSender(genuine, 'Der Chef', 'x@voice.example.com')).toBe('Bob Berger');
    const renamed = (n: string) => (n === 'x-voicebox-caller-name' ? 'Der Chef' : header(headers, n));
    const changed = classifyMessage(renamed, 'x@voice.example.com', KEY, owner);
    expect(changed).toMatchObject({ kind: 'email', forged: true });
  });

  it('a name with umlauts and a comma survives the mail and still verifies', async () => {
    const headers = await signedHeaders({
      mailbox: '+49301234501',
      name: 'Müller, Jürgen-Hans von Übersee-Ölmühle',
    });
    const c = classifyMessage((n) => header(headers, n), 'x@voice.example.com', KEY, {
      ownerMailbox: '+49301234501',
    });
    expect(c).toMatchObject({ kind: 'voice', signedCallerName: 'Müller, Jürgen-Hans von Übersee-Ölmühle' });
  });
});

describe('messages signed before the caller name was (v1)', () => {
  it('stay voice messages in their mailbox; the sender is announced by number, not by a name', () => {
    const date = 'Mon, 02 Mar 2026 10:00:00 +0000';
    const audio = 'A'.repeat(43);
    const text = JSON.stringify([
      'voicebox-v1',
      'voicebox.old-1@example.com',
      'voice',
      '+49301234102',
      '4',
      '+49301234501',
      String(Date.parse(date) / 1000),
      audio,
    ]);
    const sig = createHmac('sha256', KEY).update(text).digest('base64url');
    const headers: Record<string, string> = {
      'message-id': '<voicebox.old-1@example.com>',
      'x-voicebox-type': 'voice',
      'x-voicebox-caller': '+49301234102',
      'x-voicebox-duration': '4',
      'x-voicebox-mailbox': '+49301234501',
      'x-voicebox-caller-name': 'Der Chef',
      date,
      'x-voicebox-signature': `v1; audio=${audio}; sig=${sig}`,
    };
    const c = classifyMessage((n) => headers[n], 'x@voice.example.com', KEY, {
      ownerMailbox: '+49301234501',
    });
    expect(c).toMatchObject({ kind: 'voice', senderNumber: '+49301234102' });
    expect(announcedSender(c, 'Der Chef', 'x@voice.example.com')).toBe('+49301234102');
    expect(classifyMessage((n) => headers[n], 'x', KEY, { ownerMailbox: '+49301234502' }).kind).toBe('email');
  });
});

describe('mailbox.trustedSenderDomains', () => {
  it('none by default; host names only, a bad one reported with its key', async () => {
    const { schema } = await import('../../src/config/schema.js');
    const { trustedSenderDomainsFrom } = await import('../../src/cli/services.js');
    const mailbox = schema['mailbox'];
    expect(mailbox?.kind === 'section' ? mailbox.fields['trustedSenderDomains'] : undefined).toMatchObject({
      default: [],
    });
    expect(trustedSenderDomainsFrom([' UMS.Example.com '])).toEqual(['ums.example.com']);
    for (const bad of ['voice.', '@ums.example.com', 'ums', '*.example.com']) {
      expect(() => trustedSenderDomainsFrom(['ok.example.com', bad])).toThrow(
        /^mailbox\.trustedSenderDomains\[1\]: .* is not a domain name/,
      );
    }
  });
});
