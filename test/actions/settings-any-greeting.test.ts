// Greetings by phone for any profile and any offered language, the greeting internal callers
// hear, and removing the transfer number — over the shipped menus with the simulator, each
// followed by the call of someone who hears the difference.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { readConfig } from '../../src/config/index.js';
import type { UserSettings } from '../../src/directory/index.js';
import type { Bundle } from '../../src/graph/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import { isInternal } from '../../src/phone/index.js';
import { answering, type Answering } from '../support/calls.js';
import { nth, prompt } from '../support/dialogue.js';
import { aliceSettingsIn, aliceWithPin } from '../support/owners.js';
import { startVoicebox, testActions, type Voicebox } from './support.js';

const OFFICE = '+49 30 1234101'; // her desk phone: internal, and trusted below (no PIN)
const BOB_OFFICE = '+49 30 1234102'; // a colleague: an internal caller
const LONDON = '+442079460123'; // a caller from abroad: English
const MUNICH = '+4989777888'; // a caller from Germany, outside the company

const TUESDAY_10 = new Date('2026-12-01T10:00:00+01:00'); // office hours: her chosen profile, work
const TUESDAY_21 = new Date('2026-12-01T21:32:00+01:00'); // after hours: home

let box: Voicebox | undefined;
let line: Answering | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
  await line?.close();
  line = undefined;
});

/** Alice (de, chose work); the clock is `clock.now`, so a test moves it between calls */
async function setup(settings: (s: UserSettings) => UserSettings = (s) => s) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-any-greeting-'));
  const { directory, usersFile } = await aliceWithPin(dir, settings);
  const clock = { now: TUESDAY_10 };
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now: () => clock.now,
    login: { trustOffice: true },
  });
  return { box, clock, usersFile };
}

const folder = (box: Voicebox) => join(box.media, 'greetings', '49301234501');
const greetingFiles = (box: Voicebox) => (existsSync(folder(box)) ? readdirSync(folder(box)).sort() : []);

/** from her desk phone to the greetings menu */
const intoGreetings = (box: Voicebox) =>
  box
    .dial('501')
    .from(OFFICE)
    .hears('standard_greeting')
    .press('*')
    .hears('main_menu')
    .press('2')
    .hears('key_greetings')
    .press('2')
    .hears('key_record_greeting');

/** records and keeps a greeting, once the greetings menu (and its choice) has been said */
const recordsAndKeeps = (call: ReturnType<typeof intoGreetings>, heardBack: string) =>
  call
    .press('1')
    .hearsTone()
    .speaks(3000)
    .press('#')
    .hears(heardBack)
    .hearsAudio()
    .hears('keep_or_record_again')
    .press('1')
    .hears('greeting_saved')
    .hears('key_record_greeting')
    .hangsUp();

describe('a greeting for another profile, in another language', () => {
  it('Alice (German, chose work) records one for home in English: a caller from London after hours hears it', async () => {
    const { box, clock } = await setup();
    const r = await recordsAndKeeps(
      intoGreetings(box)
        .press('6')
        .hears('which_profile_greeting')
        .hears('key_profile_internal(die 7)')
        .press('3')
        .hears('which_language_greeting')
        .hears('key_language_en(die 2)')
        .press('2')
        .hears('greeting_chosen_is(de:profile_home,de:language_en)'),
      'your_greeting_for(de:profile_home,de:language_en)',
    );
    expect(r.said).toContain('greeting_saved');
    expect(greetingFiles(box)).toEqual(['home.en.wav']);

    clock.now = TUESDAY_21;
    const london = await box.dial('501').from(LONDON).hearsAudio().hangsUp();
    expect(london.heard).toContain('audio:home.en.wav');
    expect(london.said.filter((s) => s.startsWith('standard_greeting'))).toEqual([]);

    // during office hours her callers get work, for which she recorded nothing: the standard greeting
    clock.now = TUESDAY_10;
    const morning = await box.dial('501').from(LONDON).hears('standard_greeting').hangsUp();
    expect(morning.heard.filter((h) => h.startsWith('audio:'))).toEqual([]);
  });

  it('without choosing, key 1 records for her chosen profile in her language, and says so', async () => {
    const { box } = await setup();
    await recordsAndKeeps(intoGreetings(box), 'your_greeting_for(de:profile_work,de:language_de)');
    expect(greetingFiles(box)).toEqual(['work.de.wav']);
  });

  it('nothing pressed at the language: her own language', async () => {
    const { box } = await setup();
    await recordsAndKeeps(
      intoGreetings(box)
        .press('6')
        .hears('which_profile_greeting')
        .press('2')
        .hears('key_language_en')
        .hears('greeting_chosen_is(de:profile_mobile,de:language_de)'),
      'your_greeting_for(de:profile_mobile,de:language_de)',
    );
    expect(greetingFiles(box)).toEqual(['mobile.de.wav']);
  });

  it('hearing the one chosen plays that one — not the German one callers would get in its place', async () => {
    const { box } = await setup();
    mkdirSync(folder(box), { recursive: true });
    writeFileSync(join(folder(box), 'home.de.wav'), 'RIFF....WAVE');
    const none = await intoGreetings(box)
      .press('6')
      .hears('which_profile_greeting')
      .press('3')
      .hears('which_language_greeting')
      .press('2')
      .hears('greeting_chosen_is')
      .press('2')
      .hears('no_greeting_in_language(de:profile_home,de:language_en)')
      .hears('key_record_greeting')
      .hangsUp();
    expect(none.heard.filter((h) => h.startsWith('audio:'))).toEqual([]);

    writeFileSync(join(folder(box), 'home.en.wav'), 'RIFF....WAVE');
    const heard = await intoGreetings(box)
      .press('6')
      .hears('which_profile_greeting')
      .press('3')
      .hears('which_language_greeting')
      .press('2')
      .hears('greeting_chosen_is')
      .press('2')
      .hears('your_greeting_for(de:profile_home,de:language_en)')
      .hearsAudio()
      .hears('key_record_greeting')
      .hangsUp();
    expect(heard.heard.filter((h) => h.startsWith('audio:'))).toEqual(['audio:home.en.wav']);
  });
});

describe('the greeting internal callers hear', () => {
  it('recorded by phone: a colleague hears it, a caller from outside does not', async () => {
    const { box } = await setup();
    await recordsAndKeeps(
      intoGreetings(box)
        .press('6')
        .hears('which_profile_greeting')
        .press('7')
        .hears('which_language_greeting')
        .press('1')
        .hears('greeting_chosen_is(de:profile_internal,de:language_de)'),
      'your_greeting_for(de:profile_internal,de:language_de)',
    );
    expect(greetingFiles(box)).toEqual(['internal.de.wav']);

    const colleague = await box.dial('501').from(BOB_OFFICE).hearsAudio().hangsUp();
    expect(colleague.heard).toContain('audio:internal.de.wav');

    const outside = await box.dial('501').from(MUNICH).hears('standard_greeting').hangsUp();
    expect(outside.heard.filter((h) => h.startsWith('audio:'))).toEqual([]);
  });
});

describe('removing the transfer number', () => {
  const withTarget = (s: UserSettings): UserSettings => ({
    ...s,
    profiles: { ...s.profiles, work: { ...(s.profiles.work ?? {}), transferTo: '+49 170 1000001' } },
  });

  const intoTransfer = (box: Voicebox) =>
    box
      .dial('501')
      .from(OFFICE)
      .hears('standard_greeting')
      .press('*')
      .hears('main_menu')
      .press('2')
      .hears('key_transfer_setup')
      .press('5');

  it('with a number set she hears it, removes it after 1, and callers are no longer offered a transfer', async () => {
    const { box, usersFile } = await setup(withTarget);
    const before = await box.dial('501').from(MUNICH).hears('transfer_offer_number').hangsUp();
    expect(before.heard.some((h) => h.startsWith('transfer_offer_number'))).toBe(true);

    const r = await intoTransfer(box)
      .hears('transfer_number_is')
      .hears('key_clear_transfer(die 2)')
      .press('2')
      .hears('confirm_clear_transfer')
      .press('1')
      .hears('transfer_cleared')
      .hears('key_profiles')
      .hangsUp();
    expect(r.said).toContain('transfer_cleared');
    expect((await aliceSettingsIn(usersFile)).profiles.work?.transferTo).toBeUndefined();

    const after = await box.dial('501').from(MUNICH).hears('leave_message_after_tone').hangsUp();
    expect(after.said.filter((s) => s.startsWith('transfer_offer'))).toEqual([]);
    const listens = after.events.filter((e) => e.kind === 'listen');
    expect(listens.every((e) => !e.keys.includes('2'))).toBe(true);
  });

  it('the star key keeps it', async () => {
    const { box, usersFile } = await setup(withTarget);
    await intoTransfer(box)
      .hears('transfer_number_is')
      .press('2')
      .hears('confirm_clear_transfer')
      .press('*')
      .hears('nothing_deleted')
      .hears('key_profiles')
      .hangsUp();
    expect((await aliceSettingsIn(usersFile)).profiles.work?.transferTo).toBe('+49 170 1000001');
  });

  it('without a number, no removal is offered: straight to entering one', async () => {
    const { box } = await setup();
    const r = await intoTransfer(box).hears('enter_transfer_number').hangsUp();
    expect(r.said.filter((s) => s.startsWith('key_clear_transfer'))).toEqual([]);
    expect(r.said.filter((s) => s.startsWith('transfer_number_is'))).toEqual([]);
  });
});

/** the shipped menus, compiled with the company's declarations (company.ivr) changed */
function companyWhere(change: (company: string) => string): Bundle {
  const menus = join(mkdtempSync(join(tmpdir(), 'voicebox-company-')), 'menus');
  cpSync('menus', menus, { recursive: true, filter: (from) => !from.includes('transcripts') });
  const company = join(menus, 'company.ivr');
  writeFileSync(company, change(readFileSync(company, 'utf8')));
  const loaded = loadMenus([menus]);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return loaded.bundle;
}

/** Alice's voicebox over those menus, as `setup` over the shipped ones */
async function answeringWith(bundle: Bundle) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-company-box-'));
  const { directory } = await aliceWithPin(dir);
  const config = readConfig();
  const spool = new MailSpool({ dir: join(dir, 'spool'), send: async () => {} });
  const media = join(dir, 'media');
  const actions = testActions({
    directory,
    spool,
    media,
    bundle,
    login: { trustOffice: true },
    now: () => TUESDAY_10,
  });
  line = await answering({
    bundle,
    actions,
    config: config.menu,
    mediaRoot: { local: media, freeswitch: media },
    now: () => TUESDAY_10,
    classifyCaller: (n) => (isInternal(n, config.location) ? 'internal' : 'external'),
  });
  const files = () => {
    const folder = join(media, 'greetings', '49301234501');
    return existsSync(folder) ? readdirSync(folder).sort() : [];
  };
  return { line, files, close: () => directory.close() };
}

describe("the choices follow the company's declarations", () => {
  it('a company offering one language: no language question, the greeting goes in her own', async () => {
    const bundle = companyWhere((c) => c.replace('offer de, en', 'offer de'));
    const { line, files, close } = await answeringWith(bundle);
    try {
      const r = await line
        .dial('501')
        .from(OFFICE)
        .hears('standard_greeting')
        .press('*')
        .hears('main_menu')
        .press('2')
        .hears('key_greetings')
        .press('2')
        .hears('key_record_greeting')
        .press('6')
        .hears('which_profile_greeting')
        .press('3')
        .hears('greeting_chosen_is(de:profile_home,de:language_de)')
        .press('1')
        .hearsTone()
        .speaks(3000)
        .press('#')
        .hears('your_greeting_for(de:profile_home,de:language_de)')
        .hearsAudio()
        .hears('keep_or_record_again')
        .press('1')
        .hears('greeting_saved')
        .hangsUp();
      expect(r.heard.filter((h) => h.startsWith('which_language_greeting'))).toEqual([]);
      expect(files()).toEqual(['home.de.wav']);
    } finally {
      await close();
    }
  });

  it('a company without a profile for internal callers: key 7 is neither offered nor taken', async () => {
    const bundle = companyWhere((c) => c.replace(/^\s*internal callers get internal\n/m, ''));
    const { line, close } = await answeringWith(bundle);
    try {
      const r = await line
        .dial('501')
        .from(OFFICE)
        .hears('standard_greeting')
        .press('*')
        .hears('main_menu')
        .press('2')
        .hears('key_greetings')
        .press('2')
        .hears('key_record_greeting')
        .press('6')
        .hears('which_profile_greeting')
        .hears('key_profile_custom2(die 6)')
        // 7 once the choices are said (the second "back" of the call: the greetings menu has one)
        .scripted((c) => c.pressAfterPlayed(nth(prompt('key_back'), 2), '7'))
        .hears('invalid_choice')
        .hangsUp();
      expect(r.heard.filter((h) => h.startsWith('key_profile_internal'))).toEqual([]);
      const listens = r.events.flatMap((e) =>
        e.kind === 'listen' && e.menu === 'choose_greeting_profile' ? [e.keys] : [],
      );
      expect(listens[0]).toEqual(['1', '2', '3', '4', '5', '6', '*']);
    } finally {
      await close();
    }
  });
});
