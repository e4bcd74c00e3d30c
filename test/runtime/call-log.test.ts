// The main log as an admin reads it (the ixi-UMS Voice-Mail Server manual §4.10): one line per
// call when it ends — called and calling number, flow, the mailbox found, the active profile, the
// IMAP user, how long, how it ended, the errors met — and at debug her data without secrets, the
// IMAP login and the search. pino's JSON, as `serve` writes it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { maildirTransport } from '../../src/mail/index.js';
import { MaildirMailboxStore } from '../../src/mailbox/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { startVoicebox, quickMessage, type Voicebox } from '../actions/support.js';
import { prompt } from '../support/dialogue.js';
import { deliverToAlice, emailFromCarol } from '../support/mail.js';
import { aliceWithPin, PIN } from '../support/owners.js';

let box: Voicebox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** a voicebox over Alice's mailbox whose log is pino's JSON lines at `level`, kept in `text()` */
async function start(level: 'info' | 'debug') {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-call-log-'));
  const { directory } = await aliceWithPin(dir, (s) => ({
    ...s,
    legacyPin: 'MjQ2OA==',
    mailPassword: 'enc:SECRET-MAIL-PASSWORD',
  }));
  let out = '';
  const log = pino({ level }, { write: (s: string) => void (out += s) });
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    mailboxes: new MaildirMailboxStore({
      root: join(dir, 'maildir'),
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
    }),
    now: () => new Date('2026-12-01T21:32:00+01:00'),
    log,
  });
  const lines = () =>
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { box, text: () => out, lines, ended: () => lines().filter((l) => l.msg === 'call ended') };
}

describe('the call log', () => {
  it('a caller leaves a message: one line at its end with what the manual lists', async () => {
    const v = await start('info');
    await v.box.call(quickMessage('501', '+4989777888'));
    const ended = v.ended();
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({
      level: 30,
      called: '501',
      caller: '+4989777888',
      flow: 'voicebox',
      mailbox: '+49 30 1234501',
      // a Tuesday at 21:32: the company's off-hours profile
      profile: 'home',
      ended: 'completed',
      cause: 'NORMAL_CLEARING',
    });
    expect(typeof ended[0]!.ms).toBe('number');
    expect(ended[0]!.errors).toBeUndefined();
  });

  it('the owner reads her messages: the IMAP user is on the line; at debug her login, the search and her data without secrets', async () => {
    const v = await start('debug');
    await deliverToAlice(join(dir!, 'maildir'), emailFromCarol('Report 1'));
    await v.box
      .dial('501')
      .from('+4989777888')
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types(`${PIN}#`)
      .hears('main_menu')
      .press('1')
      .hears('message_subject(Report 1)')
      .hangsUp();
    const ended = v.ended();
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ mailbox: '+49 30 1234501', imapUser: 'alice', ended: 'caller hung up' });
    const debug = v.lines().filter((l) => l.level === 20);
    expect(debug.find((l) => l.msg === 'user data')).toMatchObject({
      data: { name: 'Alice Anders', email: 'alice@example.com', settings: { language: 'de' } },
    });
    expect(debug.find((l) => l.msg === 'mailbox login')).toMatchObject({
      login: 'alice',
      folder: 'mailbox.folder',
    });
    expect(debug.find((l) => l.msg === 'mailbox search')).toBeDefined();
    // her PIN (hash, legacy) and mail password: nowhere in the log, not even at debug
    const text = v.text();
    expect(text).not.toMatch(
      /scrypt\$|MjQ2OA|SECRET-MAIL-PASSWORD|pinHash|legacyPin|mailPassword|rawUserData/,
    );
  });

  it("a caller's number and name are values: a line break or a quote stays inside, and a long one is cut", async () => {
    const v = await start('info');
    const name = `Eve"\n{"level":60,"msg":"forged"}${'x'.repeat(500)}`;
    const caller = new ScriptedCaller({ number: `+4989${'7'.repeat(200)}`, name, dialed: '501' })
      .pressWhilePlaying(prompt('standard_greeting'), '0', 500)
      .pressDuring('record', '#', 2000);
    await v.box.call(caller);
    // every line is one JSON object: nothing the caller sent made a line of its own
    const lines = v.lines();
    expect(lines.some((l) => l.msg === 'forged')).toBe(false);
    const ended = v.ended()[0]!;
    expect((ended.caller as string).length).toBeLessThanOrEqual(65);
    // (the line break reaches voicebox as FreeSWITCH passes it on: a space)
    expect(ended.callerName as string).toMatch(/^Eve"\s\{"level":60,"msg":"forged"\}x/);
    expect((ended.callerName as string).length).toBeLessThanOrEqual(65);
  });

  it('a number nobody has: the line says so, without a mailbox or profile', async () => {
    const v = await start('info');
    const caller = new ScriptedCaller({ number: '+4989777888', dialed: '599' });
    await v.box.call(caller);
    const ended = v.ended()[0]!;
    expect(ended).toMatchObject({ called: '599', flow: 'voicebox', ended: 'completed' });
    expect(ended.mailbox).toBeUndefined();
    expect(ended.profile).toBeUndefined();
    expect(v.lines().find((l) => l.msg === 'no user has this number')).toMatchObject({ called: '599' });
  });
});
