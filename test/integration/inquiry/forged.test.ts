// Mail that only claims to be a voice message, in the lab's Dovecot (APPEND over IMAP): erin
// calls in and hears it as the e-mail it is, and "call back" dials nothing; voicebox's own
// signed message is still a voice message she can call back; a number the dial policy refuses
// is not dialled; audio that is not the signed audio is not played; an e-mail whose HTML is
// nested too deeply is "could not be read" while the rest of the call goes on.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Attribute, Change } from 'ldapts';
import { audioDigest, buildRawMessage, composeVoiceMessage, smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import type { RuntimeLogger } from '../../../src/runtime/index.js';
import { ScriptedCaller } from '../../../src/sim/index.js';
import { startVoicebox } from '../../actions/support.js';
import { nth } from '../../support/dialogue.js';
import { asLdapAdmin, imapClient, labDirectory, labMailboxStore, values, withImap } from '../lab/support.js';

const lab = inject('lab');
const KEY = randomBytes(32);
const stamp = `forged-${Date.now()}`;
const folders: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'voicebox-forged-'));

/** a WAV the simulator can play: `ms` of silence, 8 kHz 16-bit mono */
function wav(ms: number, fill = 0): Buffer {
  const data = Buffer.alloc(16 * ms, fill);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** a voice message as voicebox sends it, signed with the site's key over `signedAudio` */
async function voiceMessage(
  caller: string,
  audio: Buffer,
  signedAudio = audio,
  mailbox = '+49301234506',
): Promise<Buffer> {
  const path = join(scratch, `${randomBytes(4).toString('hex')}.wav`);
  writeFileSync(path, audio);
  const message = composeVoiceMessage({
    to: { email: 'erin@example.com', name: 'Erin Engel', language: 'de' },
    mailbox,
    caller: { number: caller, name: 'Bob Berger' },
    recordedAt: new Date(),
    durationMs: 2000,
    wav: { path },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: `<voicebox.${stamp}-${randomBytes(4).toString('hex')}@example.com>`,
    signature: { key: KEY, audioDigest: audioDigest(signedAudio) },
  });
  return (await buildRawMessage(message)).raw;
}

/** an outside mail: voicebox's headers and a "WAV", but no signature of ours */
function outsideMail(o: { from: string; headers: string[]; html?: string }): string {
  return [
    `From: ${o.from}`,
    'To: erin@example.com',
    'Subject: Sprachnachricht von Bob Berger',
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${stamp}-${randomBytes(4).toString('hex')}@example.com>`,
    ...o.headers,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    o.html ? 'Content-Type: text/html; charset=utf-8' : 'Content-Type: text/plain; charset=utf-8',
    '',
    o.html ?? 'Bitte rufen Sie sofort zurueck.',
    '--b',
    'Content-Type: audio/wav; name="voicemail.wav"',
    'Content-Disposition: attachment; filename="voicemail.wav"',
    'Content-Transfer-Encoding: base64',
    '',
    wav(1000).toString('base64').replace(/.{76}/g, '$&\r\n'),
    '--b--',
    '',
  ].join('\r\n');
}

const FORGED_HEADERS = [
  'X-Voicebox-Type: voice',
  'X-Voicebox-Caller: +4990012345678',
  'X-Voicebox-Duration: 12',
  'X-Voicebox-Mailbox: +49301234506',
];

/** a fresh folder of erin's holding just these messages (one folder per case: simple scripts) */
async function folderWith(...messages: (string | Buffer)[]): Promise<string> {
  const folder = `VoiceboxForged${folders.length}-${Date.now()}`;
  folders.push(folder);
  await withImap(imapClient(lab, 'erin', 'erinpw'), async (imap) => {
    await imap.mailboxCreate(folder);
    for (const m of messages) await imap.append(folder, m);
  });
  return folder;
}

type Line = { level: string; obj: object; msg: string | undefined };
function capture(lines: Line[]): RuntimeLogger {
  const log: RuntimeLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

/** erin calls in from an untrusted number, logs in, opens her messages; `then` goes on from there */
/** at the first message's options she presses 3 (call back), at the next ones # */
const callsBackThenHangsUp = (c: ScriptedCaller): ScriptedCaller =>
  c
    .pressWhilePlaying(nth(/key_repeat_message/, 1), '3', 300)
    .pressWhilePlaying(nth(/key_repeat_message/, 2), '#', 300);

async function erinListens(folder: string, then: (c: ScriptedCaller) => ScriptedCaller) {
  const lines: Line[] = [];
  const box = await startVoicebox({
    directory: labDirectory(lab),
    transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    welcome: { enabled: false },
    // the site's own gateway writes $(phonenumber)@voice.example.com; no other domain is believed
    mailboxes: labMailboxStore(lab, { folder, signingKey: KEY, trustedSenderDomains: ['example.com'] }),
    signingKey: KEY,
    log: capture(lines),
  });
  try {
    const caller = new ScriptedCaller({ number: '+4989444555', dialed: '506' })
      .pressWhilePlaying(/standard_greeting/, '*', 300)
      .pressWhilePlaying(/enter_pin/, '2468#', 300)
      .pressWhilePlaying(nth(/(?<!key_)main_menu/, 1), '1', 300);
    const r = await box.call(then(caller).pressWhilePlaying(nth(/(?<!key_)main_menu/, 2), '#', 300));
    return {
      ...r,
      lines,
      dialled: r.events.flatMap((e) => (e.kind === 'transfer' ? [e.target] : [])),
      played: r.events.filter((e) => e.kind === 'audio'),
    };
  } finally {
    await box.close();
  }
}

beforeAll(async () => {
  const setup = labDirectory(lab);
  const erin = await setup.findByNumber(['+49 30 1234506']);
  const pinHash = await hashPin('2468');
  await setup.updateSettings(erin!, (s) => ({ ...s, pinHash, wrongPinCount: 0 }));
  await setup.close();
});

afterAll(async () => {
  await withImap(imapClient(lab, 'erin', 'erinpw'), async (imap) => {
    for (const folder of folders) await imap.mailboxDelete(folder).catch(() => undefined);
  });
  // erin as seeded again: no user data (other tests read the seed)
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    const dn = 'uid=erin,ou=engineering,dc=example,dc=com';
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['voiceboxUserData'] });
    if (values(searchEntries[0], 'voiceboxUserData').length > 0) {
      await c.modify(
        dn,
        new Change({ operation: 'delete', modification: new Attribute({ type: 'voiceboxUserData' }) }),
      );
    }
  });
});

describe('a forged voice message in the lab Dovecot', () => {
  it('is announced as an e-mail, read aloud, and "call back" dials nothing', async () => {
    const folder = await folderWith(
      outsideMail({ from: '"Bob Berger" <+4990012345678@voice.example.com>', headers: FORGED_HEADERS }),
    );
    const r = await erinListens(folder, callsBackThenHangsUp);
    expect(r.said).toContain('de:you_have(de:count_new_email(eins))');
    expect(r.said).toContain('de:message_subject(Sprachnachricht von Bob Berger)');
    expect(r.said).toContain('Bitte rufen Sie sofort zurueck.');
    expect(r.played).toEqual([]);
    expect(r.said).not.toContain('de:connecting');
    expect(r.dialled).toEqual([]);
  });

  it('a gateway-style sender under a domain nobody trusted is an e-mail: no voice message, nothing dialled', async () => {
    const folder = await folderWith(
      outsideMail({ from: '"Bob Berger" <+4930123456@voice.attacker.example>', headers: [] }),
    );
    const r = await erinListens(folder, callsBackThenHangsUp);
    expect(r.said).toContain('de:you_have(de:count_new_email(eins))');
    expect(r.played).toEqual([]);
    expect(r.said).not.toContain('de:connecting');
    expect(r.dialled).toEqual([]);
  });

  it('a voice message voicebox signed for another mailbox, re-sent to erin: an e-mail, nothing played or dialled', async () => {
    const folder = await folderWith(await voiceMessage('+49301234102', wav(1000), wav(1000), '+49301234501'));
    const r = await erinListens(folder, callsBackThenHangsUp);
    expect(r.said).toContain('de:you_have(de:count_new_email(eins))');
    expect(r.played).toEqual([]);
    expect(r.dialled).toEqual([]);
  });

  it('a voice message voicebox signed is still a voice message with its caller, and can be called back', async () => {
    const folder = await folderWith(await voiceMessage('+49301234102', wav(1000)));
    const r = await erinListens(folder, callsBackThenHangsUp);
    expect(r.said).toContainEqual(expect.stringMatching(/^de:you_have\(de:count_new_voice\(eins\)/));
    expect(r.played).toHaveLength(1);
    expect(r.said).toContain('de:connecting');
    expect(r.dialled).toEqual(['user/+49301234102']);
  });

  it('a premium number the dial policy refuses: call back is not offered, 3 dials nothing', async () => {
    // no voicebox headers: judged by its sender address, as mail from a fax/voice gateway
    const folder = await folderWith(
      outsideMail({ from: '"Hotline" <+4990012345678@voice.example.com>', headers: [] }),
    );
    const r = await erinListens(folder, callsBackThenHangsUp);
    // the options are said from the keys she can use: no "Um zurückzurufen, drücken Sie die 3"
    expect(r.said.some((s) => s.includes('key_repeat_message'))).toBe(true);
    expect(r.said.some((s) => s.includes('key_call_back'))).toBe(false);
    expect(r.said).not.toContain('de:connecting');
    expect(r.dialled).toEqual([]);
  });

  it('"forward as fax" to a premium number: refused, nothing is sent to the fax gateway', async () => {
    const folder = await folderWith(outsideMail({ from: 'Carol <carol@example.com>', headers: [] }));
    const r = await erinListens(folder, (c) =>
      c
        .pressWhilePlaying(nth(/key_repeat_message/, 1), '9', 300)
        .pressWhilePlaying(nth(/enter_fax_number/, 1), '09001234567#', 300)
        .pressWhilePlaying(nth(/enter_fax_number/, 2), '*', 300)
        .pressWhilePlaying(nth(/key_repeat_message/, 2), '#', 300),
    );
    expect(r.said).toContain('de:number_not_allowed');
    expect(r.said).not.toContain('de:message_forwarded');
    expect(r.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'fax number refused by the dial policy' }),
    );
  });

  it('a signature over other audio: the message is not played', async () => {
    const folder = await folderWith(await voiceMessage('+49301234102', wav(1000, 1), wav(1000)));
    const r = await erinListens(folder, (c) => c.pressWhilePlaying(nth(/key_repeat_message/, 1), '#', 300));
    expect(r.said).toContain('de:message_unreadable');
    expect(r.played).toEqual([]);
    expect(r.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'voice message cannot be played' }),
    );
  });

  it('HTML nested too deeply: "could not be read" for that e-mail, the next message still plays', async () => {
    const depth = 12_000;
    const folder = await folderWith(
      outsideMail({
        from: 'Mallory <mallory@example.com>',
        headers: [],
        html: `${'<div>'.repeat(depth)}deep${'</div>'.repeat(depth)}`,
      }),
      await voiceMessage('+49301234102', wav(1000)),
    );
    // an e-mail and a voice message: the e-mails first (2), then the voice messages (1)
    const r = await erinListens(folder, (c) =>
      c
        .pressWhilePlaying(nth(/key_emails/, 1), '2', 300)
        .pressWhilePlaying(nth(/key_repeat_message/, 1), '#', 300)
        .pressWhilePlaying(nth(/key_emails/, 2), '1', 300)
        .pressWhilePlaying(nth(/key_repeat_message/, 2), '#', 300),
    );
    // said in one breath with the subject it follows
    expect(
      r.said.some((s) => s.endsWith('de:email_unreadable')),
      r.said.join('\n'),
    ).toBe(true);
    expect(r.said).not.toContain('de:messages_unavailable');
    expect(r.played).toHaveLength(1);
    expect(r.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'e-mail could not be read' }),
    );
    expect(r.lines.filter((l) => l.msg === 'mailbox unavailable')).toEqual([]);
  });
});
