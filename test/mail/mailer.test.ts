// The Mailer over the spool: each verb composes its mail and spools it under an id derived
// from what it is about (a replay makes the same id), in the recipient's language or else
// the site's default, signed when the site has a key.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spoolMailer, type Mailer, type MailMessage, type SpoolMailerOptions } from '../../src/mail/index.js';
import { aliceOwner, aliceRecipient } from '../support/owners.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-mailer-'));
const wav = join(dir, 'rec-1.wav');
writeFileSync(wav, 'RIFF....WAVEfake');
const at = new Date(Date.UTC(2026, 11, 1, 9, 30, 0));

function mailer(o: Partial<SpoolMailerOptions> = {}) {
  const spooled: { id: string; message: MailMessage }[] = [];
  const m = spoolMailer({
    spool: { enqueue: async (message, id) => void spooled.push({ id, message }) },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    defaultLanguage: 'de',
    ...o,
  });
  return { m, spooled };
}

const alice = aliceRecipient;
/** Alice as the owner of mailbox +49301234501 who sends a reply from it */
const owner = { ...alice, mailbox: aliceOwner.number, number: aliceOwner.number };
/** a caller from +4930555123 leaves 4 s for alice */
const leaveMessage = (m: Mailer) =>
  m.voiceMessage({
    recording: { id: 'rec-1', path: wav, ms: 4000 },
    to: alice,
    mailbox: aliceOwner.number,
    caller: { number: '+4930555123', name: '' },
    recordedAt: at,
  });
const passedOn = { callId: 'call-1', uid: 7, subject: 'Offer' };

describe('the Mailer', () => {
  it('spools a voice message under its recording id, with the Message-ID made from it', async () => {
    const { m, spooled } = mailer();
    await leaveMessage(m);
    expect(spooled.map((s) => [s.id, s.message.messageId])).toEqual([
      ['rec-1', '<voicebox.rec-1@example.com>'],
    ]);
    expect(spooled[0]?.message.subject).toBe('Sprachnachricht von +4930555123');
  });

  it("writes in the recipient's language, else the site's default language", async () => {
    const english = mailer({ defaultLanguage: 'en' });
    const mail = { userId: 'alice', mailbox: '+49 30 1234501', pin: '4711' };
    await english.m.welcome({ ...mail, to: alice });
    await english.m.welcome({ ...mail, to: { ...alice, language: 'de' } });
    expect(english.spooled.map((s) => s.message.subject)).toEqual([
      'Welcome to your voice mailbox',
      'Willkommen bei Ihrer Voicebox',
    ]);
    const german = mailer();
    await german.m.reply({
      message: { ...passedOn, sender: 'Carol', senderNumber: '+4989555123', replyAddress: '' },
      recording: { path: wav, ms: 3000 },
      owner,
      at,
    });
    expect(german.spooled[0]?.message.text).toContain('mit einer Sprachnachricht aus der Voicebox');
  });

  it('gives the welcome, lock, Fwd:, Re: and fax mails the ids they always had', async () => {
    const { m, spooled } = mailer();
    await m.welcome({ userId: 'uid=alice', to: alice, mailbox: '501' });
    await m.lockNotice({
      userId: 'uid=alice',
      to: alice,
      mailbox: '501',
      lockedAt: at,
      wrongPins: 3,
      caller: '',
    });
    await m.forward({
      message: { ...passedOn, audioPath: wav, durationMs: 5000 },
      comment: { path: wav, ms: 2000 },
      to: { email: 'bob@example.com', name: 'Bob' },
      mailbox: '+49301234502',
      from: { number: '+49301234501', name: 'Alice Anders' },
      at,
    });
    await m.reply({
      message: { ...passedOn, sender: 'Carol', replyAddress: 'carol@clark.example' },
      recording: { path: wav, ms: 3000 },
      owner,
      at,
    });
    await m.fax({
      message: { ...passedOn, text: ['a', 'b'] },
      number: '+4930999888',
      from: { name: 'Alice Anders', email: 'alice@example.com' },
      at,
    });
    expect(spooled.map((s) => [s.id, s.message.messageId, s.message.subject])).toEqual([
      ['welcome-uid_alice', '<voicebox.welcome.uid_alice@example.com>', 'Willkommen bei Ihrer Voicebox'],
      [
        `lock-uid_alice-${at.getTime()}`,
        `<voicebox.lock.uid_alice.${at.getTime()}@example.com>`,
        'Ihre Anmeldung per Telefon wurde gesperrt',
      ],
      ['fwd-call-1-7', '<voicebox.fwd-call-1-7@example.com>', 'Fwd: Offer'],
      ['re-call-1-7', '<voicebox.re-call-1-7@example.com>', 'Re: Offer'],
      ['fax-call-1-7', '<voicebox.fax-call-1-7@example.com>', 'Offer'],
    ]);
    // a forward lasts as long as her comment and the message together
    expect(spooled[2]?.message.headers).toMatchObject({ 'X-Voicebox-Duration': '7' });
  });

  it('signs voice messages, forwards and replies with the site key, and only then', async () => {
    const unsigned = mailer();
    const signed = mailer({ signingKey: new Uint8Array(32).fill(7) });
    for (const { m } of [unsigned, signed]) await leaveMessage(m);
    const signature = (s: { message: MailMessage }[]) =>
      (s[0]?.message.headers as Record<string, string> | undefined)?.['X-Voicebox-Signature'];
    expect(signature(unsigned.spooled)).toBeUndefined();
    expect(signature(signed.spooled)).toMatch(/^v2; audio=/);
  });
});
