// What the owner hears in her settings, over the shipped menus with the simulator: the profile
// her callers get now and why, a question before anything recorded is deleted, and no key
// announced that the admin switched off.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { YamlDirectory, type UserSettings } from '../../src/directory/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import type { CallEvent, Value } from '../../src/runtime/index.js';
import { nth, prompt } from '../support/dialogue.js';
import { ALICE, aliceWithPin, exampleUsers } from '../support/owners.js';
import { actionCaller, startVoicebox, testActions, type Voicebox } from './support.js';

const OFFICE = '+49 30 1234101'; // her desk phone: internal, and trusted below (no PIN)

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function setup(o: { now?: () => Date; menu?: Record<string, boolean> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-settings-talk-'));
  const { directory } = await aliceWithPin(dir);
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now: o.now ?? (() => new Date('2026-12-01T10:00:00+01:00')),
    login: { trustOffice: true },
    ...(o.menu ? { menu: o.menu } : {}),
  });
  return box;
}

/** from her desk phone to the settings menu */
const intoSettings = (box: Voicebox) =>
  box.dial('501').from(OFFICE).hears('standard_greeting').press('*').hears('main_menu').press('2');

/** greetings Alice recorded earlier: the work profile's in German and English, and her name */
function recorded(box: Voicebox, files = ['work.de.wav', 'work.en.wav', 'name.wav']): string[] {
  const folder = join(box.media, 'greetings', '49301234501');
  mkdirSync(folder, { recursive: true });
  return files.map((f) => {
    writeFileSync(join(folder, f), 'RIFF....WAVE');
    return join(folder, f);
  });
}

describe('the profile in force', () => {
  it('at 21:32 on a Tuesday she hears that her callers get Home, because it is after hours — not Work, and not "internal" from her desk phone', async () => {
    const box = await setup({ now: () => new Date('2026-12-01T21:32:00+01:00') });
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('1')
      .hears('profile_in_force_off_hours(de:profile_home,de:profile_work)')
      .hears('key_profile_work')
      .press('*')
      .hears('key_profiles')
      .hangsUp();
    expect(r.said).not.toContain('profile_is(de:profile_work)');
    expect(r.said.join(' ')).not.toContain('profile_internal');
  });

  it('during office hours, when what she chose is in force, just her profile', async () => {
    const box = await setup();
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('1')
      .hears('profile_is(de:profile_work)')
      .hears('key_profile_work')
      .hangsUp();
    expect(r.said.filter((s) => s.startsWith('profile_in_force'))).toEqual([]);
  });

  it('choosing a profile after hours says that another one is in force now', async () => {
    const box = await setup({ now: () => new Date('2026-12-01T21:32:00+01:00') });
    await intoSettings(box)
      .hears('key_profiles')
      .press('1')
      .hears('key_profile_work')
      .press('2')
      .hears('profile_set')
      .hears('profile_in_force_off_hours(de:profile_home,de:profile_mobile)')
      .hears('key_profiles')
      .hangsUp();
  });
});

describe('deleting asks first', () => {
  it('all greetings and her name: the star key keeps them, 1 deletes them', async () => {
    const box = await setup();
    const files = recorded(box);
    const kept = await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('5')
      .hears('confirm_delete_all')
      .press('*')
      .hears('nothing_deleted')
      .hears('key_record_greeting')
      .hangsUp();
    expect(kept.said).not.toContain('all_greetings_deleted');
    expect(files.filter((f) => existsSync(f))).toEqual(files);

    const gone = await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('5')
      .hears('confirm_delete_all')
      .press('1')
      .hears('all_greetings_deleted')
      .hears('key_record_greeting')
      .hangsUp();
    expect(gone.said).toContain('all_greetings_deleted');
    expect(files.filter((f) => existsSync(f))).toEqual([]);
  });

  it('key 3 names the profile and the languages it was recorded in, and deletes only after 1', async () => {
    const box = await setup();
    const [de, en, name] = recorded(box);
    await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('3')
      .hears('confirm_delete_greeting(de:profile_work,de:language_de und de:language_en)')
      .press('*')
      .hears('nothing_deleted')
      .hears('key_record_greeting')
      .hangsUp();
    expect([de, en].every((f) => existsSync(f!))).toBe(true);

    recorded(box, []);
    await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('3')
      .hears('confirm_delete_greeting(de:profile_work,de:language_de und de:language_en)')
      .press('1')
      .hears('greeting_deleted')
      .hears('key_record_greeting')
      .hangsUp();
    expect([de, en].some((f) => existsSync(f!))).toBe(false);
    expect(existsSync(name!)).toBe(true);
  });

  it('key 3 with only a German recording names German alone', async () => {
    const box = await setup();
    recorded(box, ['work.de.wav']);
    await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('3')
      .hears('confirm_delete_greeting(de:profile_work,de:language_de)')
      .hangsUp();
  });

  it('key 3 with nothing recorded for the profile says so, and asks nothing', async () => {
    const box = await setup();
    const r = await intoSettings(box)
      .hears('key_profiles')
      .press('2')
      .hears('key_record_greeting')
      .press('3')
      .hears('no_greeting_recorded')
      .hears('key_record_greeting')
      .hangsUp();
    expect(r.said.filter((s) => s.startsWith('confirm_delete'))).toEqual([]);
  });
});

/**
 * The German words of a prompt as heard (`profile_is(…)`, `key_profiles(die 1)`), from the shipped
 * catalog: a key's label with its `{key}` filled as the runtime fills it.
 */
const germanText = (() => {
  const catalog = load(readFileSync('menus/prompts/de.yaml', 'utf8')) as Record<string, unknown>;
  return (heard: string) => {
    const [, id = heard, value] = /^([^(]+)(?:\((.*)\))?$/.exec(heard) ?? [];
    const entry = catalog[id];
    const text = typeof entry === 'string' ? entry : JSON.stringify(entry ?? '');
    return value === undefined ? text : text.replace('{key}', value);
  };
})();

/** what the settings menu said the first time, in German words, and the keys it then waited for */
function settingsMenu(call: { said: string[]; events: CallEvent[] }) {
  const from = call.said.findIndex((s) => s.startsWith('key_profiles('));
  const to = call.said.findIndex((s, i) => i > from && s.startsWith('key_main_menu('));
  const listens = call.events.filter((e) => e.kind === 'listen');
  return {
    words: call.said
      .slice(from, to + 1)
      .map(germanText)
      .join(' '),
    keys: listens.find((e) => e.keys.includes('6'))?.keys,
  };
}

describe('keys the admin switched off are not announced', () => {
  it('the settings menu reads as sentences, one for each key, and ends with the way back', async () => {
    const box = await setup();
    const r = await intoSettings(box).hears('key_main_menu').hangsUp();
    expect(settingsMenu(r)).toEqual({
      words:
        'Für Ihre Profile drücken Sie die 1. Für Ihre Ansagen drücken Sie die 2. ' +
        'Für die Art Ihrer Ansage drücken Sie die 3. Für eine neue PIN drücken Sie die 4. ' +
        'Für die Rufumleitung drücken Sie die 5. Für den Nachrichtenempfang drücken Sie die 6. ' +
        'Zum Hauptmenü drücken Sie die Stern-Taste.',
      keys: ['1', '2', '3', '4', '5', '6', '*'],
    });
  });

  it('without greeting type and transfer setup the settings menu names neither 3 nor 5, and does not wait for them', async () => {
    const box = await setup({ menu: { allow_greeting_type: false, allow_transfer_setup: false } });
    const r = await intoSettings(box).hears('key_main_menu').hangsUp();
    const menu = settingsMenu(r);
    expect(menu.words).toBe(
      'Für Ihre Profile drücken Sie die 1. Für Ihre Ansagen drücken Sie die 2. ' +
        'Für eine neue PIN drücken Sie die 4. Für den Nachrichtenempfang drücken Sie die 6. ' +
        'Zum Hauptmenü drücken Sie die Stern-Taste.',
    );
    expect(menu.words).not.toMatch(/die 3|die 5|drei|fünf|Art Ihrer Ansage|Rufumleitung/);
    expect(menu.keys).toEqual(['1', '2', '4', '6', '*']);

    // 5, then 3, once the choices are said: the menu waits for a key, and neither is one of them
    const pressed = await intoSettings(box)
      .scripted((c) => c.pressAfterPlayed(nth(prompt('key_main_menu'), 1), '5'))
      .hears('invalid_choice')
      .hears('key_main_menu')
      .scripted((c) => c.pressAfterPlayed(nth(prompt('key_main_menu'), 2), '3'))
      .hears('invalid_choice')
      .hangsUp();
    expect(pressed.said).not.toContain('enter_transfer_number');
    expect(pressed.said.filter((s) => s.startsWith('key_greeting_individual'))).toEqual([]);
  });

  it('with transfer setup the menu offers it', async () => {
    const box = await setup();
    const r = await intoSettings(box)
      .hears('key_transfer_setup(die 5)')
      .press('5')
      .hears('enter_transfer_number')
      .hangsUp();
    expect(r.said).toContain('key_transfer_setup(die 5)');
  });

  it('without deleting greetings, the greetings menu never names keys 3 and 5', async () => {
    const box = await setup({ menu: { allow_delete_greetings: false, allow_delete_all_greetings: false } });
    const r = await intoSettings(box).hears('key_profiles').press('2').hears('key_record_greeting').hangsUp();
    const words = r.said
      .slice(r.said.findIndex((s) => s.startsWith('key_record_greeting(')))
      .map(germanText)
      .join(' ');
    expect(words).toBe(
      'Um Ihre Ansage aufzunehmen, drücken Sie die 1. Um sie anzuhören, drücken Sie die 2. ' +
        'Um Ihren Namen aufzunehmen, drücken Sie die 4. ' +
        'Für die Ansage eines anderen Profils oder in einer anderen Sprache drücken Sie die 6. ' +
        'Um zurückzugehen, drücken Sie die Stern-Taste.',
    );
    expect(r.events.filter((e) => e.kind === 'listen').at(-1)).toEqual({
      kind: 'listen',
      menu: 'greetings',
      keys: ['1', '2', '4', '6', '*'],
    });
  });
});

describe('profile in force, profile reason: what a caller from outside gets, whoever asks', () => {
  async function ask(at: string, settings: Partial<UserSettings> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-profile-reason-'));
    const usersFile = exampleUsers(dir);
    const directory = new YamlDirectory({ file: usersFile });
    const now = () => new Date(at);
    const actions = testActions({
      directory,
      spool: new MailSpool({ dir: join(dir, 'spool'), send: async () => {} }),
      media: dir,
      welcome: { enabled: false },
      now,
    });
    // her desk phone: an internal caller of her own mailbox
    const { run, lookup } = actionCaller(actions, OFFICE, { language: 'de', now });
    const user = await lookup(ALICE);
    if (Object.keys(settings).length > 0) {
      const entry = await directory.findByNumber([ALICE]);
      await directory.updateSettings(entry!, (s) => ({ ...s, ...settings }));
    }
    const fresh = await lookup(ALICE);
    const valueOf = async (name: string) => ((await run(name, fresh ?? user)) as { value: Value }).value;
    const result = [await valueOf('profile in force'), await valueOf('profile reason')];
    await directory.close();
    return result;
  }

  it.each([
    ['Tuesday 10:00', '2026-12-01T10:00:00+01:00', {}, ['work', 'chosen']],
    ['Tuesday 12:30', '2026-12-01T12:30:00+01:00', {}, ['mobile', 'break']],
    ['Tuesday 21:32', '2026-12-01T21:32:00+01:00', {}, ['home', 'off_hours']],
    ['Saturday 10:00', '2026-12-05T10:00:00+01:00', {}, ['home', 'closed_day']],
    ['Christmas Eve 10:00', '2026-12-24T10:00:00+01:00', {}, ['home', 'holiday']],
    ['Tuesday 21:32 on vacation', '2026-12-01T21:32:00+01:00', { vacation: true }, ['vacation', 'vacation']],
    [
      'Tuesday 10:00, chose mobile',
      '2026-12-01T10:00:00+01:00',
      { activeProfile: 'mobile' },
      ['mobile', 'chosen'],
    ],
  ] as const)('%s', async (_when, at, settings, expected) => {
    expect(await ask(at, settings as Partial<UserSettings>)).toEqual(expected);
  });
});

describe('greeting languages', () => {
  it('are the languages a profile’s greeting was recorded in, in the order the menus declare them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-greeting-languages-'));
    const usersFile = exampleUsers(dir);
    const directory = new YamlDirectory({ file: usersFile });
    const now = () => new Date('2026-12-01T10:00:00+01:00');
    const actions = testActions({
      directory,
      spool: new MailSpool({ dir: join(dir, 'spool'), send: async () => {} }),
      media: dir,
      now,
    });
    const { run, lookup } = actionCaller(actions, OFFICE, { language: 'de', now });
    const user = await lookup(ALICE);
    const folder = join(dir, 'greetings', '49301234501');
    mkdirSync(folder, { recursive: true });
    for (const f of ['work.en.wav', 'work.de.wav', 'home.en.wav']) writeFileSync(join(folder, f), 'RIFF');
    expect(await run('greeting languages', user, 'work')).toEqual({ value: ['de', 'en'] });
    expect(await run('greeting languages', user, 'home')).toEqual({ value: ['en'] });
    expect(await run('greeting languages', user, 'mobile')).toEqual({ value: [] });
    await directory.close();
  });
});
