// Check (b)'s parts on made-up lines and a deliberately broken menu: the keys a text announces,
// the menus a flip governs, and a call that announces a key its menu does not act on.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '../../src/graph/index.js';
import { hiddenKeysAnnounced, keysAnnounced, keysNamed, labelKeys } from './announced.js';
import { ALICE } from './fixtures.js';
import { flipsOf, governedMenus, menusOf } from './flips.js';
import { transcriptOf, type Heard, type Said } from './format.js';
import { loadShipped, runScenario, type Scenario } from './runner.js';

const keys = (text: string): string[] => keysNamed(text).map((a) => a.key);

describe('the keys a text names', () => {
  it('finds the German ways of naming a key', () => {
    expect(keys('Um zurückzurufen, drücken Sie die 3.')).toEqual(['3']);
    expect(keys('Drücken Sie die 2, dann verbinde ich Sie mit der Nummer eins zwei.')).toEqual(['2']);
    expect(keys('Zum Hauptmenü drücken Sie die Stern-Taste.')).toEqual(['*']);
    expect(keys('Bitte geben Sie Ihre PIN ein, gefolgt von der Raute-Taste.')).toEqual(['#']);
    expect(keys('Zum Behalten drücken Sie die 1. Für eine neue Aufnahme die 2.')).toEqual(['1', '2']);
    expect(keys('Zum Bestätigen drücken Sie die 1, zum Abbrechen die Stern-Taste.')).toEqual(['1', '*']);
  });

  it('finds the English ways of naming a key', () => {
    expect(keys('To call back, press 3.')).toEqual(['3']);
    expect(keys('For the main menu, press star. To hang up, press pound.')).toEqual(['*', '#']);
    expect(keys('Please enter your PIN, followed by the hash key.')).toEqual(['#']);
    expect(keys('To keep it, press 1 or 2.')).toEqual(['1', '2']);
    expect(keys('Für Deutsch drücken Sie die 1. For English, press 2.')).toEqual(['1', '2']);
  });

  it('takes no number for a key that is none', () => {
    expect(keys('Hallo, Sie sind mit der Voice-Box 5 0 1 verbunden.')).toEqual([]);
    expect(keys('Nachricht eins: eine Sprachnachricht von Bob Berger, heute um neun Uhr zwölf.')).toEqual([]);
    expect(keys('Am Samstag ist das Netz von 8 bis 12 Uhr nicht erreichbar.')).toEqual([]);
    expect(keys('Bitte zahlen Sie die 3. Mahnung bis zum 1. April.')).toEqual([]);
    expect(keys('Sie haben ein Fax mit 2 Seiten erhalten, die 2 sind angekommen.')).toEqual([]);
    expect(keys('Drücken Sie die 10 nicht. Press 12 or 13.')).toEqual([]);
    expect(keys('You have 3 new messages, press on.')).toEqual([]);
  });
});

/** A made-up call: `events` after a menu that acts on `acting`. */
function madeUp(menu: string, acting: string[], events: Heard[]) {
  return transcriptOf(
    'menus/transcripts/made-up.de.txt',
    ['# made-up.de', '# made up'],
    [{ kind: 'listen', menu, keys: acting }, ...events],
  );
}

const say = (text: string, prompts = ['made_up']): Heard => ({ kind: 'prompt', prompts, text, numbers: [] });

describe('check (b) on made-up calls', () => {
  let bundle: Bundle;
  beforeAll(async () => {
    bundle = (await loadShipped()).bundle;
  });

  it('names the line and the key announced while the menu does not act on it', () => {
    const t = madeUp(
      'options',
      ['1', '4', '6', '#', '7', '*'],
      [
        say('Um die Nachricht noch einmal zu hören, drücken Sie die 1.', ['key_repeat_message']),
        say('Um zurückzurufen, drücken Sie die 3.', ['key_call_back']),
        { kind: 'dtmf', digits: '1' },
      ],
    );
    expect(hiddenKeysAnnounced([t], labelKeys(bundle))).toEqual([
      "menus/transcripts/made-up.de.txt:4: announces key 3 (label key_call_back) while menu 'options' acts only " +
        'on 1 4 6 hash 7 *: "Um zurückzurufen, drücken Sie die 3."',
    ]);
  });

  it('finds a hidden key named in plain words, not only by its label', () => {
    const t = madeUp(
      'greeting',
      ['0', '1', '*'],
      [say('Drücken Sie die 2, dann verbinde ich Sie mit', ['transfer_offer_name'])],
    );
    expect(hiddenKeysAnnounced([t], labelKeys(bundle))).toEqual([
      "menus/transcripts/made-up.de.txt:3: announces key 2 (Drücken Sie die 2) while menu 'greeting' acts only " +
        'on 0 1 *: "Drücken Sie die 2, dann verbinde ich Sie mit"',
    ]);
  });

  it('lets every key pass that the menu acts on, and a mail that names keys', () => {
    const t = madeUp(
      'greeting',
      ['0', '1', '2', '*'],
      [
        say('Um eine Nachricht zu hinterlassen, drücken Sie die 1.'),
        say('Drücken Sie die 2, dann verbinde ich Sie mit', ['transfer_offer_name']),
      ],
    );
    const mail = madeUp('options', ['1', '#'], [say('Press 5 to confirm your order.', ['(text)'])]);
    expect(hiddenKeysAnnounced([t, mail], labelKeys(bundle))).toEqual([]);
  });

  it('checks only what is said while a menu waits: not after a key, nor before a menu', () => {
    const t = transcriptOf(
      'menus/transcripts/made-up.de.txt',
      ['# made-up.de'],
      [
        say('Bitte sprechen Sie nach dem Signalton. Drücken Sie danach die Raute-Taste.'),
        { kind: 'listen', menu: 'main', keys: ['1', '2'] },
        say('Für Ihre Einstellungen drücken Sie die 2.'),
        { kind: 'dtmf', digits: '2' },
        say('Zum Hauptmenü drücken Sie die Stern-Taste.'),
      ],
    );
    expect(t.said.map((s: Said) => s.waiting?.menu)).toEqual([undefined, 'main', undefined]);
    expect(hiddenKeysAnnounced([t], labelKeys(bundle))).toEqual([]);
  });

  it('takes a label for the key its menu gives it', () => {
    const t = madeUp('options', ['1'], [say('To call back, press 3.', ['key_call_back'])]);
    expect(keysAnnounced(t.said[0]!, labelKeys(bundle))).toEqual([{ key: '3', by: 'label key_call_back' }]);
  });
});

describe('the menus a flip governs', () => {
  let bundle: Bundle;
  beforeAll(async () => {
    bundle = (await loadShipped()).bundle;
  });

  it('are read off the compiled menus', () => {
    expect([...governedMenus(bundle, ['config.allow_call_back'])]).toEqual(['inquiry.options']);
    expect([...governedMenus(bundle, ['config.allow_transfer_setup'])]).toEqual(['settings.main']);
    // read in a step before the greeting: `offer = settings.can_transfer and …`
    expect([...governedMenus(bundle, ['settings.can_transfer'])]).toEqual(['voicebox.greeting']);
    // a branch that decides whether the caller is asked her language
    expect(governedMenus(bundle, ['config.language_choice'])).toContain('voicebox.choose_language');
  });

  it('leave out a menu only reached after the flip changed what is said before it', () => {
    // `message_format` words the heading said before a message; the main menu after the last
    // message reads nothing it changes
    expect([...governedMenus(bundle, ['config.message_format'])]).toEqual(['inquiry.options']);
  });

  it('cover every flip: a renamed field would leave a flip governing nothing', () => {
    const idle = flipsOf(bundle)
      .filter((f) => !f.name.startsWith('menu.max_message'))
      .filter((f) => governedMenus(bundle, f.reads).size === 0)
      .map((f) => f.name);
    expect(idle).toEqual([]);
  });

  it('tell the main menu from the settings menu by the keys it acts on', () => {
    expect(menusOf(bundle, { menu: 'main', keys: ['1', '2', '#'] })).toEqual(['inquiry.main']);
    expect(menusOf(bundle, { menu: 'main', keys: ['1', '2', '4', '6', '*'] })).toEqual(['settings.main']);
  });
});

describe('check (b) on a menu that names a hidden key', () => {
  const FIXTURE = 'test/transcripts/fixtures/hidden-key';
  const scenario: Scenario = {
    name: 'hidden-key',
    about: 'the greeting names key 5 whether or not it is there',
    calls: {
      de: {
        owner: ALICE,
        from: '+4989777888',
        at: '2027-03-03T21:32:00+01:00',
        script: (c) => c.at('greeting', '1'),
      },
    },
  };

  it('is refused by the checker, and caught on a call when the switch hides the key', async () => {
    const broken = await loadShipped(FIXTURE);
    // the checker refuses it; the call runs it anyway, as a menu that slipped past would
    expect(broken.errors.join('\n')).toContain("prompt 'fixture_transfer' names key 5");
    const labels = labelKeys(broken.bundle);

    const shown = await runScenario(broken, scenario, 'de');
    expect(hiddenKeysAnnounced([shown], labels)).toEqual([]);

    const hidden = await runScenario(broken, scenario, 'de', {
      config: { menu: { allow_transfer_setup: false } },
    });
    expect(hiddenKeysAnnounced([hidden], labels)).toEqual([
      "menus/transcripts/hidden-key.de.txt:4: announces key 5 (drücken Sie die 5) while menu 'greeting' acts only " +
        'on 1: "Für die Rufumleitung drücken Sie die 5."',
    ]);
  }, 60_000);
});
