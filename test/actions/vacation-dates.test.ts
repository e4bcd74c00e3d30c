// Her vacation with dates, heard on a call: before the first day her callers get the profile she
// chose, from its first instant to the last instant of the last day (Berlin time) the vacation
// profile, afterwards her choice again — without anybody switching it off.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readUserData, YamlDirectory, type UserSettings } from '../../src/directory/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import type { Value } from '../../src/runtime/index.js';
import { writeWav } from '../../src/sim/index.js';
import { voicebox } from '../support/in-process.js';
import { ALICE, aliceSettingsIn, aliceWithPin } from '../support/owners.js';
import { actionCaller, startVoicebox, testActions, type Voicebox } from './support.js';

const STRANGER = '+49 89 777888';
const ALICE_KEY = '49301234501';
// Monday 21 to Friday 25 December 2026; every call below is at 10:00 on a weekday, in office
// hours, when Alice's own choice (work) would answer
const CHRISTMAS: Partial<UserSettings> = {
  vacation: true,
  vacationFrom: '2026-12-21',
  vacationUntil: '2026-12-25',
};

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function greetingHeard(settings: Partial<UserSettings>, at: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-vacation-dates-'));
  const { directory } = await aliceWithPin(dir, (s) => ({ ...s, ...settings }));
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now: () => new Date(at),
  });
  const folder = join(box.media, 'greetings', ALICE_KEY);
  mkdirSync(folder, { recursive: true });
  for (const profile of ['work', 'vacation']) writeWav(join(folder, `${profile}.de.wav`), 1500, 200);
  const r = await box.dial('501').from(STRANGER).hearsAudio().hangsUp();
  await box.close();
  box = undefined;
  return r.heard.find((h) => h.startsWith('audio:'));
}

describe('a caller and her vacation dates', () => {
  it('the Friday before: her chosen profile answers', async () => {
    expect(await greetingHeard(CHRISTMAS, '2026-12-18T10:00:00+01:00')).toBe('audio:work.de.wav');
  });

  it('during the vacation: the vacation profile answers', async () => {
    expect(await greetingHeard(CHRISTMAS, '2026-12-22T10:00:00+01:00')).toBe('audio:vacation.de.wav');
  });

  it('the first instant of the first day, Berlin time (23:00 UTC the day before), is vacation already', async () => {
    expect(await greetingHeard(CHRISTMAS, '2026-12-20T23:00:00Z')).toBe('audio:vacation.de.wav');
  });

  it('the Monday after: her chosen profile again, with the switch still on in the directory', async () => {
    expect(await greetingHeard(CHRISTMAS, '2026-12-28T10:00:00+01:00')).toBe('audio:work.de.wav');
  });

  it('the switch on without dates: vacation, as before dates existed', async () => {
    expect(await greetingHeard({ vacation: true }, '2026-12-28T10:00:00+01:00')).toBe(
      'audio:vacation.de.wav',
    );
  });
});

describe('what the owner is told, and choosing a profile by phone', () => {
  async function unit(at: string) {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-vacation-dates-unit-'));
    const { directory, usersFile } = await aliceWithPin(dir, (s) => ({ ...s, ...CHRISTMAS }));
    const now = () => new Date(at);
    const actions = testActions({
      directory,
      spool: new MailSpool({ dir: join(dir, 'spool'), send: async () => {} }),
      media: dir,
      now,
    });
    const { run, lookup } = actionCaller(actions, STRANGER, { language: 'de', now });
    const rec = await lookup(ALICE);
    const value = async (name: string, ...args: Value[]) =>
      ((await run(name, rec, ...args)) as { value: Value }).value;
    return { run, rec, value, usersFile, directory };
  }

  it('before the dates she hears her own profile in force; during them, vacation', async () => {
    const before = await unit('2026-12-18T10:00:00+01:00');
    expect([await before.value('profile in force'), await before.value('profile reason')]).toEqual([
      'work',
      'chosen',
    ]);
    await before.directory.close();
    const during = await unit('2026-12-22T10:00:00+01:00');
    expect([await during.value('profile in force'), await during.value('profile reason')]).toEqual([
      'vacation',
      'vacation',
    ]);
    await during.directory.close();
  });

  it('choosing a profile by phone ends the vacation in force, and its dates go with it', async () => {
    const u = await unit('2026-12-22T10:00:00+01:00');
    await u.run('set profile', u.rec, 'home');
    const s = await aliceSettingsIn(u.usersFile);
    expect(s.activeProfile).toBe('home');
    expect([s.vacation, s.vacationFrom, s.vacationUntil]).toEqual([undefined, undefined, undefined]);
    await u.directory.close();
  });

  it('a vacation not begun yet stays planned: switching work→home on 10 December keeps Christmas', async () => {
    const u = await unit('2026-12-10T10:00:00+01:00');
    await u.run('set profile', u.rec, 'home');
    const s = await aliceSettingsIn(u.usersFile);
    expect(s.activeProfile).toBe('home');
    expect([s.vacation, s.vacationFrom, s.vacationUntil]).toEqual([true, '2026-12-21', '2026-12-25']);
    await u.directory.close();
  });

  it('a vacation that is over is cleared by choosing a profile', async () => {
    const u = await unit('2026-12-28T10:00:00+01:00');
    await u.run('set profile', u.rec, 'home');
    const s = await aliceSettingsIn(u.usersFile);
    expect([s.vacation, s.vacationFrom, s.vacationUntil]).toEqual([undefined, undefined, undefined]);
    await u.directory.close();
  });

  it('the dates are stored as two keys of her user data and read back', async () => {
    const u = await unit('2026-12-22T10:00:00+01:00');
    const alice = await new YamlDirectory({ file: u.usersFile }).findByNumber([ALICE]);
    expect(alice?.rawUserData).toEqual(
      expect.arrayContaining(['vacation=Y', 'vacationFrom=2026-12-21', 'vacationUntil=2026-12-25']),
    );
    await u.directory.close();
  });
});

describe('the dates in the directory', () => {
  it('a value that is no calendar day is reported and left out: the switch alone decides', () => {
    const read = readUserData(['vacation=Y', 'vacationFrom=2026-02-30', 'vacationUntil=31.12.2026']);
    expect(read.settings.vacation).toBe(true);
    expect(read.settings.vacationFrom).toBeUndefined();
    expect(read.settings.vacationUntil).toBeUndefined();
    expect(read.readings.filter((r) => r.problem !== undefined).map((r) => [r.value, r.problem])).toEqual([
      ['vacationFrom=2026-02-30', 'expected a date YYYY-MM-DD'],
      ['vacationUntil=31.12.2026', 'expected a date YYYY-MM-DD'],
    ]);
  });
});

describe('voicebox explain', () => {
  it('names the dates and where the call stands to them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-vacation-explain-'));
    writeFileSync(
      join(dir, 'users.yaml'),
      `users:
  vera:
    name: Vera Vacation
    email: vera@example.com
    mailbox: '+49 30 1234562'
    settings: [language=en, profile=work, vacation=Y, vacationFrom=2026-12-21, vacationUntil=2026-12-25]
`,
    );
    const config = join(dir, 'voicebox.yaml');
    writeFileSync(config, 'directory:\n  file: users.yaml\nmedia:\n  local: media\n');
    const explain = (at: string) => voicebox('explain', '+49 30 1234562', '--config', config, '--at', at);
    const during = await explain('2026-12-22 10:00');
    expect(during.code, during.err).toBe(0);
    expect(during.out).toContain(
      'profile   vacation\n          because: she is on vacation\n          vacation: from 2026-12-21 until 2026-12-25 (Europe/Berlin): in force\n',
    );
    const before = await explain('2026-12-18 10:00');
    expect(before.out).toContain(
      'profile   work\n          because: her own choice\n          vacation: from 2026-12-21 until 2026-12-25 (Europe/Berlin): not begun yet\n',
    );
    expect((await explain('2026-12-28 10:00')).out).toContain('(Europe/Berlin): over\n');
  });
});
