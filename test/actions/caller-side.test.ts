// The caller side of the shipped menus, end to end on the embedded defaults: the file
// directory, the spool, Maildir delivery; the caller is the simulator.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { YamlDirectory } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { prompt } from '../support/dialogue.js';
import { exampleUsers, maildirInbox } from '../support/owners.js';
import { quickMessage, startVoicebox, type Voicebox } from './support.js';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function start(menu: Record<string, string | number | boolean> = {}, now?: () => Date) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-caller-'));
  const usersFile = exampleUsers(dir);
  const maildir = join(dir, 'maildir');
  const directory = new YamlDirectory({ file: usersFile });
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    menu,
    ...(now ? { now } : {}),
  });
  const inbox = (user: string) => maildirInbox(maildir, user).map((m) => m.text);
  return { box, inbox, directory, usersFile };
}

const voiceMails = (mails: string[]) => mails.filter((m) => /X-Voicebox-Type: voice/i.test(m));

describe('a caller leaves a message', () => {
  it('0 during the greeting skips to the tone; the message lands in the owner inbox as a WAV', async () => {
    const { box, inbox } = await start();
    const r = await box.call(quickMessage('+49 30 1234501', '+4930555123'));
    expect(r.said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(r.events.map((e) => e.kind)).toContain('tone');
    expect(r.said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    const mails = voiceMails(inbox('alice'));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatch(/^From: .*<\+4930555123@voice\.example\.com>/m);
    expect(mails[0]).toMatch(/^Subject: .*\+49 ?30 ?555123/m);
    expect(mails[0]).toMatch(/Content-Type: audio\/wav/);
  });

  it('a caller from abroad hears English, from Austria German', async () => {
    const { box } = await start();
    expect((await box.call(quickMessage('501', '+33123456789'))).said[0]).toMatch(/^en:standard_greeting/);
    expect((await box.call(quickMessage('501', '+431234567'))).said[0]).toMatch(/^de:standard_greeting/);
  });

  it('hanging up during the recording still delivers what was said', async () => {
    const { box, inbox } = await start();
    const caller = new ScriptedCaller({ number: '+4930555123', dialed: '501' })
      .pressWhilePlaying(prompt('standard_greeting'), '0', 500)
      .hangupDuring('record', 4000);
    const r = await box.call(caller);
    // record_ms: FreeSWITCH reports 60 ms less than the 4 s recorded
    expect(r.events.find((e) => e.kind === 'record')).toMatchObject({ ms: 3940, hungUp: true });
    await box.spool.flush();
    expect(voiceMails(inbox('alice'))).toHaveLength(1);
  });

  it('hanging up during the greeting sends nothing', async () => {
    const { box, inbox } = await start();
    await box.call(new ScriptedCaller({ number: '+4930555123', dialed: '501' }).hangupAt(1000));
    await box.spool.flush();
    expect(voiceMails(inbox('alice'))).toEqual([]);
  });

  it('a disabled mailbox says so and takes no message', async () => {
    const { box, inbox } = await start();
    const r = await box.call(quickMessage('+49 30 1234504'));
    expect(r.said).toEqual(['de:mailbox_disabled de:goodbye']);
    expect(r.events.some((e) => e.kind === 'record')).toBe(false);
    await box.spool.flush();
    expect(inbox('dave')).toEqual([]);
  });

  it('an unknown number, or one built to break the directory search, is an unknown mailbox', async () => {
    const { box } = await start();
    for (const called of ['+49 30 1234599', '*)(uid=*', '\\2a']) {
      const r = await box.call(quickMessage(called));
      expect(r.said, called).toEqual(['de:unknown_mailbox de:goodbye']);
    }
  });

  it('sends the welcome mail on the first call only, and stores a PIN hash', async () => {
    const { box, inbox, usersFile } = await start();
    await box.call(quickMessage('+49 30 1234501'));
    await box.call(quickMessage('+49 30 1234501'));
    await box.spool.flush();
    const welcome = inbox('alice').filter((m) => !/X-Voicebox-Type: voice/i.test(m));
    expect(welcome).toHaveLength(1);
    const users = readFileSync(usersFile, 'utf8');
    expect(users).toMatch(/welcomeSentAt=\d{4}-/);
    // alice already had a PIN: the mail says to keep it, no new hash
    expect(welcome[0]).not.toMatch(/\b\d{4}\b.*PIN/);
  });

  it('a user without a PIN gets a fresh one by mail, stored only as a salted hash', async () => {
    const { box, inbox, usersFile } = await start();
    await box.call(quickMessage('+49 30 1234502'));
    await box.spool.flush();
    const [welcome] = inbox('bob').filter((m) => !/X-Voicebox-Type: voice/i.test(m));
    const pin = /PIN[^0-9]*(\d{4})\b/.exec(welcome ?? '')?.[1];
    expect(pin).toMatch(/^\d{4}$/);
    const users = readFileSync(usersFile, 'utf8');
    expect(users).toMatch(/pinHash=scrypt\$/);
    expect(users).not.toContain(`=${pin}`);
  });
});

describe('profiles, transfer and language', () => {
  // Tuesday 2026-12-01 in Berlin
  const at = (hhmm: string) => () => new Date(`2026-12-01T${hhmm}:00+01:00`);

  it('in the break the mobile profile offers the transfer; busy → the caller leaves a message', async () => {
    const { box, inbox } = await start({}, at('12:30'));
    const caller = new ScriptedCaller({ number: '+4989777888', dialed: '501' })
      .pressWhilePlaying(prompt('standard_greeting'), '2', 500)
      .pressDuring('record', '#', 2000)
      .destination('user/+491701000001', { outcome: 'busy' });
    const r = await box.call(caller);
    expect(r.events).toContainEqual({ kind: 'transfer', target: 'user/+491701000001', outcome: 'busy' });
    expect(r.said).toContain('de:target_busy');
    expect(r.said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    expect(voiceMails(inbox('alice'))).toHaveLength(1);
  });

  it('in working hours the work profile has no transfer: 2 is just the message', async () => {
    const { box } = await start({}, at('10:00'));
    const caller = new ScriptedCaller({ number: '+4989777888', dialed: '501' })
      .pressWhilePlaying(prompt('standard_greeting'), '2', 500)
      .pressDuring('record', '#', 2000);
    const r = await box.call(caller);
    expect(r.events.some((e) => e.kind === 'transfer')).toBe(false);
    expect(r.events.some((e) => e.kind === 'record')).toBe(true);
  });

  it('asks the caller for her language when configured so', async () => {
    const { box } = await start({ language_choice: 'ask' });
    const caller = new ScriptedCaller({ number: '+4989777888', dialed: '501' })
      .pressWhilePlaying(prompt('choose_language_prompt'), '2', 300)
      .pressWhilePlaying(prompt('standard_greeting'), '0', 300)
      .pressDuring('record', '#', 1000);
    const r = await box.call(caller);
    expect(r.said[0]).toBe('de:choose_language_prompt');
    expect(r.said[1]).toMatch(/^en:standard_greeting/);
  });
});
