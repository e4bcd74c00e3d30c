// Settings by phone (S1–S6) over the shipped menus with the simulator, and the actions one by one
// against the YAML directory: profile, greetings, name, greeting type, transfer, message switch, PIN.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SettingsReadOnly,
  YamlDirectory,
  type Directory,
  type UserSettings,
} from '../../src/directory/index.js';
import { loadMenus } from '../../dsl/index.js';
import type { Bundle } from '../../src/graph/index.js';
import { GreetingStore } from '../../src/greetings/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import { verifyPin } from '../../src/pin/index.js';
import type { Value } from '../../src/runtime/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { ALICE, aliceSettingsIn, aliceWithPin, exampleUsers, PIN } from '../support/owners.js';
import { actionCaller, startVoicebox, testActions, type Voicebox } from './support.js';

const OFFICE = '+49 30 1234101'; // trusted below (login.trustOffice): no PIN
const STRANGER = '+4989777888';
// Tuesday 2026-12-01, 10:00 in Berlin: working hours, alice's own (work) profile is active
const now = () => new Date('2026-12-01T10:00:00+01:00');

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function setup(welcome: { minPinLength?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-settings-'));
  const { directory, usersFile } = await aliceWithPin(dir);
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now,
    welcome,
    login: { trustOffice: true },
  });
  return { box, settings: () => aliceSettingsIn(usersFile), usersFile };
}

/** from the office phone (trusted: no PIN) to the settings menu */
const intoSettings = (box: Voicebox) =>
  box.dial('501').from(OFFICE).hears('standard_greeting').press('*').hears('main_menu').press('2');

describe('settings by phone', () => {
  it('changing the PIN: too short and trivial are refused, a good one is stored as a hash only', async () => {
    const { box, settings, usersFile } = await setup({ minPinLength: 5 });
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('4')
      .hears('enter_new_pin')
      .types('2580#')
      .hears('repeat_new_pin')
      .types('2580#')
      .hears('pin_too_short')
      .hears('enter_new_pin')
      .types('11111#')
      .hears('repeat_new_pin')
      .types('11111#')
      .hears('pin_trivial')
      .hears('enter_new_pin')
      .types('97531#')
      .hears('repeat_new_pin')
      .types('97531#')
      .hears('pin_changed')
      .hears('key_profiles')
      .press('*')
      .hears('main_menu')
      .press('#');
    expect(r.said).toEqual(expect.arrayContaining(['pin_too_short', 'pin_trivial', 'pin_changed']));
    const s = await settings();
    expect(s.pinHash).toMatch(/^scrypt\$/);
    expect(await verifyPin('97531', s.pinHash!)).toBe(true);
    expect(s.pinChangedAt).toBe(now().toISOString());
    expect(readFileSync(usersFile, 'utf8')).not.toContain('97531');

    // the old PIN no longer works, the new one does
    const owner = () => box.dial('501').from(STRANGER).hears('standard_greeting').press('*');
    const old = await owner().hears('enter_pin').types(`${PIN}#`).hears('wrong_pin').hangsUp();
    expect(old.said).toContain('wrong_pin');
    const fresh = await owner().hears('enter_pin').types('97531#').hears('main_menu').press('#');
    expect(fresh.said).toContain('main_menu');
    expect(fresh.said).not.toContain('wrong_pin');
  });

  it('two different PINs typed: nothing changes', async () => {
    const { box, settings } = await setup();
    const before = (await settings()).pinHash;
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('4')
      .hears('enter_new_pin')
      .types('97531#')
      .hears('repeat_new_pin')
      .types('97532#')
      .hears('pins_differ')
      .hears('enter_new_pin')
      .press('*')
      .hears('key_profiles')
      .press('*')
      .hears('main_menu')
      .press('#');
    expect(r.said).toContain('pins_differ');
    expect((await settings()).pinHash).toBe(before);
  });

  it('choosing a profile makes it the active one, and the menu says so', async () => {
    const { box, settings } = await setup();
    expect((await settings()).activeProfile).toBe('work');
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('1')
      .hears('profile_is(de:profile_work)')
      .hears('key_profile_work')
      .press('2')
      .hears('profile_set')
      .hears('key_profiles')
      .press('1')
      .hears('profile_is(de:profile_mobile)')
      .hears('key_profile_work')
      .press('*')
      .hears('key_profiles')
      .press('*')
      .hears('main_menu')
      .press('#');
    expect(r.said).toContain('profile_is(de:profile_work)');
    expect(r.said).toContain('profile_set');
    expect(r.said).toContain('profile_is(de:profile_mobile)');
    expect((await settings()).activeProfile).toBe('mobile');
  });

  it('a greeting recorded by phone is stored in the call language, and the next caller hears it', async () => {
    const { box } = await setup();
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('1')
      .hearsTone()
      .speaks(3000)
      .press('#')
      .hears('keep_or_record_again')
      .press('1')
      .hears('greeting_saved')
      .hears('key_record_greeting')
      .press('*')
      .hears('key_profiles')
      .press('*')
      .hears('main_menu')
      .press('#');
    expect(r.said).toContain('greeting_saved');
    const file = join(box.media, 'greetings', '49301234501', 'work.de.wav');
    expect(existsSync(file)).toBe(true);

    const caller = await box.call(new ScriptedCaller({ number: STRANGER, dialed: '501' }).hangupAt(1500));
    expect(caller.events).toContainEqual({ kind: 'audio', file });
    expect(caller.said).not.toContain('de:standard_greeting(5 0 1)');
  });

  it('greeting type, message switch and transfer target of the active profile', async () => {
    const { box, settings } = await setup();
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('3')
      .hears('key_greeting_individual')
      .press('2')
      .hears('setting_saved')
      .hears('key_profiles')
      .press('6')
      .hears('key_accept_messages')
      .press('2')
      .hears('setting_saved')
      .hears('key_profiles')
      .press('5')
      .hears('enter_transfer_number')
      .types('000#')
      .hears('invalid_number')
      .hears('enter_transfer_number')
      .types('01701234567#')
      .hears('setting_saved')
      .hears('key_profiles')
      .press('*')
      .hears('main_menu')
      .press('#');
    expect(r.said.filter((s) => s === 'setting_saved')).toHaveLength(3);
    expect(r.said).toContain('invalid_number');
    const s = await settings();
    expect(s.greetingType).toBe('personalized');
    expect(s.profiles['work']).toEqual({ messagesAllowed: false, transferTo: '+49 1701234567' });
  });
});

// ---- unit level

async function unit(directory?: (file: string) => Directory, bundle?: Bundle) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-settings-unit-'));
  const usersFile = exampleUsers(dir);
  const yaml = new YamlDirectory({ file: usersFile });
  const d = directory ? directory(usersFile) : yaml;
  const greetings = new GreetingStore({ local: dir, freeswitch: dir });
  const spool = new MailSpool({ dir: join(dir, 'spool'), send: async () => {} });
  const actions = testActions({
    directory: d,
    spool,
    media: dir,
    welcome: { enabled: false, minPinLength: 4 },
    now,
    ...(bundle ? { bundle } : {}),
  });
  const { run, lookup } = actionCaller(actions, OFFICE, { language: 'en', now });
  const rec = await lookup(ALICE);
  const settings = () => aliceSettingsIn(usersFile);
  const wav = join(dir, 'rec.wav');
  writeFileSync(wav, 'RIFF-not-really');
  const audio: Value = { kind: 'audio', freeswitchPath: wav, localPath: wav, ms: 2000 };
  return { run, rec, settings, greetings, audio, usersFile };
}

describe('settings actions against the YAML directory', () => {
  it('set transfer: a number that does not normalise is invalid; a good one is stored canonical', async () => {
    const u = await unit();
    expect(await u.run('set transfer', u.rec, 'home', '12x')).toEqual({ outcome: 'invalid' });
    // no number is no target: removing one is `clear transfer`, asked for on purpose
    expect(await u.run('set transfer', u.rec, 'mobile', '')).toEqual({ outcome: 'invalid' });
    expect((await u.settings()).profiles['mobile']).toEqual({ transferTo: '+49 170 1000001' });
    expect(await u.run('set transfer', u.rec, 'home', '+4989555123')).toEqual({});
    expect((await u.settings()).profiles['home']).toEqual({ transferTo: '+49 89555123' });
    // another profile's target is untouched
    expect((await u.settings()).profiles['mobile']).toEqual({ transferTo: '+49 170 1000001' });
  });

  it('clear transfer removes the target of that profile alone, and keeps its switch', async () => {
    const u = await unit();
    await u.run('set messages allowed', u.rec, 'mobile', false);
    expect(await u.run('clear transfer', u.rec, 'mobile')).toEqual({});
    const s = await u.settings();
    expect(s.profiles['mobile']).toEqual({ messagesAllowed: false });
    expect(s.trustedNumbers).toEqual(['+49 170 1000001']);
    // a profile without a target stays without one
    expect(await u.run('clear transfer', u.rec, 'home')).toEqual({});
    expect((await u.settings()).profiles['home'] ?? {}).toEqual({});
  });

  it('set messages allowed and greeting type keep the other settings', async () => {
    const u = await unit();
    await u.run('set messages allowed', u.rec, 'mobile', false);
    await u.run('set greeting type', u.rec, 'personalized');
    const s = await u.settings();
    expect(s.profiles['mobile']).toEqual({ transferTo: '+49 170 1000001', messagesAllowed: false });
    expect(s.greetingType).toBe('personalized');
    expect(s.trustedNumbers).toEqual(['+49 170 1000001']);
  });

  it('set profile ends a vacation switched on elsewhere', async () => {
    const u = await unit();
    const yaml = new YamlDirectory({ file: u.usersFile });
    await yaml.updateSettings((await yaml.findByNumber([ALICE]))!, (s) => ({ ...s, vacation: true }));
    await u.run('set profile', u.rec, 'home');
    const s = await u.settings();
    expect(s.activeProfile).toBe('home');
    expect(s.vacation).toBeUndefined();
  });

  it('greetings in the language given, the name, deleting one profile and all', async () => {
    const u = await unit();
    await u.run('save greeting', u.rec, 'work', u.audio, 'en');
    await u.run('save greeting', u.rec, 'home', u.audio, 'en');
    await u.run('save name', u.rec, u.audio);
    expect(await u.greetings.greeting(ALICE, 'work', 'en')).toBeDefined();
    expect(await u.greetings.greeting(ALICE, 'work', 'de')).toBeUndefined();
    expect(await u.greetings.name(ALICE)).toBeDefined();
    await u.run('delete greeting', u.rec, 'work');
    expect(await u.greetings.greeting(ALICE, 'work', 'en')).toBeUndefined();
    expect(await u.greetings.greeting(ALICE, 'home', 'en')).toBeDefined();
    await u.run('delete all greetings', u.rec);
    expect(await u.greetings.greeting(ALICE, 'home', 'en')).toBeUndefined();
    expect(await u.greetings.name(ALICE)).toBeUndefined();
    await expect(u.run('save greeting', u.rec, 'work', 'not audio', 'en')).rejects.toThrow(/recording/);
  });

  it('save greeting keeps it in the language given, not the call language; greeting in hears exactly that one', async () => {
    const u = await unit(); // the call speaks English
    await u.run('save greeting', u.rec, 'home', u.audio, 'de');
    expect(await u.greetings.greeting(ALICE, 'home', 'de')).toBeDefined();
    expect(await u.greetings.greeting(ALICE, 'home', 'en')).toBeUndefined();
    expect(await u.run('greeting in', u.rec, 'home', 'de')).toMatchObject({ value: { kind: 'audio' } });
    // none in English: the owner is told so, though a caller from abroad gets the German one
    expect(await u.run('greeting in', u.rec, 'home', 'en')).toEqual({ outcome: 'none' });
    expect(await u.run('greeting', u.rec, 'home')).toMatchObject({ value: { kind: 'audio' } });
  });

  it("the company's declarations: the languages it offers, in its order, and its internal callers' profile", async () => {
    const shipped = await unit();
    expect(await shipped.run('offered languages')).toEqual({ value: ['de', 'en'] });
    expect(await shipped.run('language offered', 'en')).toEqual({ value: true });
    expect(await shipped.run('internal profile')).toEqual({ value: 'internal' });

    const bundle = loadMenus(['menus']).bundle;
    const { internal: _none, ...profiles } = bundle.profiles;
    const germanOnly = await unit(undefined, {
      ...bundle,
      languages: { ...bundle.languages, offered: ['de'] },
      profiles,
    });
    expect(await germanOnly.run('offered languages')).toEqual({ value: ['de'] });
    expect(await germanOnly.run('language offered', 'en')).toEqual({ value: false });
    expect(await germanOnly.run('internal profile')).toEqual({ outcome: 'none' });
  });

  it('change pin: too short, trivial, then a hash that replaces a legacy PIN and resets the count', async () => {
    const u = await unit();
    const yaml = new YamlDirectory({ file: u.usersFile });
    await yaml.updateSettings((await yaml.findByNumber([ALICE]))!, (s: UserSettings) => ({
      ...s,
      legacyPin: Buffer.from('8642').toString('base64'),
      wrongPinCount: 2,
    }));
    expect(await u.run('change pin', u.rec, '123')).toEqual({ outcome: 'too_short' });
    expect(await u.run('change pin', u.rec, '4321')).toEqual({ outcome: 'trivial' });
    expect(await u.run('change pin', u.rec, '7777')).toEqual({ outcome: 'trivial' });
    expect(await u.run('change pin', u.rec, '8135')).toEqual({});
    const s = await u.settings();
    expect(s.legacyPin).toBeUndefined();
    expect(s.wrongPinCount).toBe(0);
    expect(await verifyPin('8135', s.pinHash!)).toBe(true);
  });

  it('a read-only directory: the error goes up (the caller hears the apology)', async () => {
    const u = await unit((file) => {
      const yaml = new YamlDirectory({ file });
      return {
        findByNumber: (f) => yaml.findByNumber(f),
        updateSettings: async (user) => {
          throw new SettingsReadOnly(user.id, 'insufficientAccessRights (50)');
        },
        close: () => yaml.close(),
      };
    });
    await expect(u.run('set profile', u.rec, 'home')).rejects.toBeInstanceOf(SettingsReadOnly);
    await expect(u.run('change pin', u.rec, '8135')).rejects.toBeInstanceOf(SettingsReadOnly);
  });
});
