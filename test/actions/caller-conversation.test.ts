// What a caller hears on the shipped menus, in words: the greeting and its offers with messages
// on and off, the transfer named and what follows when it does not connect, greetings in another
// language, answers from abroad, an empty recording. Prompts are checked by id and by the words
// of the catalogs, since the words are what the caller hears.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { loadMenus } from '../../dsl/index.js';
import { createActions } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import type { UserSettings } from '../../src/directory/index.js';
import { GreetingStore, type LanguageFallback } from '../../src/greetings/index.js';
import { MailSpool, maildirTransport, spoolMailer } from '../../src/mail/index.js';
import { writeWav } from '../../src/sim/index.js';
import { silentLogger } from '../support/log.js';
import { ALICE, aliceWithPin, maildirInbox } from '../support/owners.js';
import { actionCaller, startVoicebox, type Voicebox } from './support.js';

const STRANGER = '+4989777888'; // a German caller from outside the company
const LONDON = '+442071234567';
/** Alice's mailbox folder in the media root */
const ALICE_KEY = '49301234501';
const BOB_KEY = '49301234502';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

// Tuesday 2026-12-01 in Berlin: 10:00 the work profile (no transfer), 12:30 the break (mobile,
// transfer to her mobile +49 170 1000001)
const at = (hhmm: string) => () => new Date(`2026-12-01T${hhmm}:00+01:00`);

async function start(o: { alice?: (s: UserSettings) => UserSettings; now?: () => Date } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-caller-talk-'));
  const maildir = join(dir, 'maildir');
  const { directory } = await aliceWithPin(dir, o.alice);
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    now: o.now ?? at('10:00'),
  });
  const voiceMails = () =>
    maildirInbox(maildir, 'alice').filter((m) => /X-Voicebox-Type: voice/i.test(m.text));
  return { box, voiceMails };
}

/** a recording in the media root, as the store keeps it: greetings/<mailbox>/<file> */
function recordedFile(b: Voicebox, mailboxKey: string, file: string): string {
  const folder = join(b.media, 'greetings', mailboxKey);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, file);
  writeWav(path, 1500, 200);
  return path;
}

const catalogs: Record<string, Record<string, string>> = {
  de: load(readFileSync('menus/prompts/de.yaml', 'utf8')) as Record<string, string>,
  en: load(readFileSync('menus/prompts/en.yaml', 'utf8')) as Record<string, string>,
};

type Events = { events: readonly { kind: string; text?: string; file?: string }[] };

/** what voicebox said, with the language, one entry a prompt: `de:standard_greeting(5 0 1)` */
const spokenPrompts = (r: Events) =>
  r.events.flatMap((e) => (e.kind === 'prompt' && e.text ? e.text.split(/\s(?=[a-z]{2}:\w)/) : []));

/** the catalog words of what voicebox said, in its language; values left as {name} */
const words = (r: Events) =>
  spokenPrompts(r).map((s) => {
    const m = /^(\w+):(\w+)/.exec(s);
    return m ? (catalogs[m[1]!]?.[m[2]!] ?? s) : s;
  });

/** what the call said and played, in order: prompt ids without the language, `audio:<file>`, `tone` */
function sequence(r: Events): string[] {
  return r.events.flatMap((e) =>
    e.kind === 'prompt'
      ? spokenPrompts({ events: [e] }).map((p) => p.replace(/^\w+:/, '').replace(/\(.*$/, ''))
      : e.kind === 'audio' && e.file
        ? [`audio:${e.file.split('/').at(-1)}`]
        : e.kind === 'tone'
          ? ['tone']
          : [],
  );
}

const messagesOff = (profile: string) => (s: UserSettings) => ({
  ...s,
  profiles: { ...s.profiles, [profile]: { ...s.profiles[profile], messagesAllowed: false } },
});

describe('with messages switched off', () => {
  it('the greeting offers no message and no tone; the caller is told, and hears goodbye', async () => {
    const { box, voiceMails } = await start({ alice: messagesOff('work') });
    const r = await box
      .dial('501')
      .from(STRANGER)
      .hears('standard_greeting')
      .hears('messages_not_accepted')
      .hangsUp();
    expect(sequence(r)).toEqual(['standard_greeting', 'messages_not_accepted', 'goodbye']);
    expect(words(r).join(' ')).not.toMatch(/Signalton|drücken Sie die 1/);
    expect(r.events.some((e) => e.kind === 'record')).toBe(false);
    await box.spool.flush();
    expect(voiceMails()).toEqual([]);
  });

  it('with a transfer target the greeting offers the transfer only', async () => {
    const { box } = await start({ alice: messagesOff('mobile'), now: at('12:30') });
    const r = await box.dial('501').from(STRANGER).hears('transfer_offer_number').hangsUp();
    expect(sequence(r)).toEqual(['standard_greeting', 'transfer_offer_number']);
    expect(words(r).join(' ')).not.toMatch(/Signalton|die 1/);
  });

  it('messages on: the standard greeting asks for a message after the tone', async () => {
    const { box } = await start();
    const r = await box.dial('501').from(STRANGER).hears('leave_message_after_tone').hangsUp();
    expect(words(r).join(' ')).toBe(
      'Hallo, Sie sind mit der Voice-Box {number} verbunden. Ich bin zurzeit nicht im Büro. ' +
        'Bitte hinterlassen Sie eine Nachricht nach dem Signalton.',
    );
  });
});

describe('the transfer offer names whom', () => {
  it('without a recorded name: the number, in the offer "press 2 and I will connect you to"', async () => {
    const { box } = await start({ now: at('12:30') });
    const r = await box.dial('501').from(STRANGER).hears('transfer_offer_number').hangsUp();
    expect(spokenPrompts(r).at(-1)).toMatch(
      /^de:transfer_offer_number\(plus vier neun, eins sieben null\b.*\)$/,
    );
    expect(words(r).at(-1)).toBe('Drücken Sie die 2, dann verbinde ich Sie mit der Nummer {number}.');
  });

  it('with her recorded name: the name last, after "Drücken Sie die 2, dann verbinde ich Sie mit"', async () => {
    const { box } = await start({ now: at('12:30') });
    recordedFile(box, ALICE_KEY, 'name.wav');
    const r = await box.dial('501').from(STRANGER).hears('transfer_offer_name').hearsAudio().hangsUp();
    // the offer before "… nach dem Signalton": that sentence comes last, the tone follows it
    expect(sequence(r)).toEqual(['standard_greeting', 'transfer_offer_name', 'audio:name.wav']);
  });

  it('user_and_system after her own English greeting: one offer, with the name', async () => {
    const { box } = await start({
      alice: (s) => ({ ...s, transferAnnouncement: 'user_and_system' }),
      now: at('12:30'),
    });
    recordedFile(box, ALICE_KEY, 'mobile.en.wav');
    recordedFile(box, ALICE_KEY, 'name.wav');
    const r = await box.dial('501').from(LONDON).hears('transfer_offer_name').hearsAudio().hangsUp();
    expect(sequence(r)).toEqual([
      'audio:mobile.en.wav',
      'press_1_to_leave_message',
      'transfer_offer_name',
      'audio:name.wav',
    ]);
    expect(r.said.filter((s) => /transfer_offer|press_1_or_2/.test(s))).toHaveLength(1);
    expect(words(r)).toEqual(['To leave a message, press 1.', 'Press 2 and I will connect you to']);
  });

  it('after her own greeting with the announcement left to her (user), the system offers nothing', async () => {
    const { box } = await start({ now: at('12:30') });
    recordedFile(box, ALICE_KEY, 'mobile.de.wav');
    const r = await box.dial('501').from(STRANGER).hearsAudio().hangsUp();
    expect(sequence(r)).toEqual(['audio:mobile.de.wav']);
  });
});

describe('a transfer that does not connect', () => {
  const pressTwo = (b: Voicebox, outcome: 'busy' | 'failed' | 'no-answer') =>
    b
      .dial('501')
      .from(STRANGER)
      .hears('transfer_offer_number')
      .press('2')
      .hears('connecting')
      .scripted((c) => c.destination('user/+491701000001', { outcome }));

  it('failed, messages on: the caller is told, then asked for a message after the tone', async () => {
    const { box, voiceMails } = await start({ now: at('12:30') });
    const r = await pressTwo(box, 'failed').hearsTone().speaks(2000).press('#');
    expect(sequence(r)).toEqual([
      'standard_greeting',
      'transfer_offer_number',
      'connecting',
      'transfer_failed',
      'leave_message_after_tone',
      'tone',
      'message_saved',
    ]);
    expect(words(r).slice(3, 5).join(' ')).toBe(
      'Die Verbindung konnte leider nicht hergestellt werden. ' +
        'Bitte hinterlassen Sie eine Nachricht nach dem Signalton.',
    );
    await box.spool.flush();
    expect(voiceMails()).toHaveLength(1);
  });

  it('failed, messages off: try again later, goodbye, no tone', async () => {
    const { box } = await start({ alice: messagesOff('mobile'), now: at('12:30') });
    const r = await pressTwo(box, 'failed').hears('goodbye');
    expect(sequence(r).slice(-3)).toEqual(['transfer_failed', 'try_again_later', 'goodbye']);
    expect(words(r).slice(-3).join(' ')).toBe(
      'Die Verbindung konnte leider nicht hergestellt werden. Bitte versuchen Sie es später noch einmal. ' +
        'Auf Wiederhören.',
    );
    expect(r.events.some((e) => e.kind === 'tone' || e.kind === 'record')).toBe(false);
  });

  it('busy or no answer, messages off: the same, not "leave a message"', async () => {
    const { box } = await start({ alice: messagesOff('mobile'), now: at('12:30') });
    const busy = await pressTwo(box, 'busy').hears('goodbye');
    expect(sequence(busy).slice(-3)).toEqual(['target_busy', 'try_again_later', 'goodbye']);
    const none = await pressTwo(box, 'no-answer').hears('goodbye');
    expect(sequence(none).slice(-3)).toEqual(['target_no_answer', 'try_again_later', 'goodbye']);
    for (const r of [busy, none]) expect(words(r).join(' ')).not.toMatch(/Signalton|Nachricht/);
  });

  it('busy, messages on: busy, then the message after the tone', async () => {
    const { box } = await start({ now: at('12:30') });
    const r = await pressTwo(box, 'busy').hearsTone().speaks(2000).press('#');
    expect(sequence(r).slice(2)).toEqual([
      'connecting',
      'target_busy',
      'leave_message_after_tone',
      'tone',
      'message_saved',
    ]);
  });
});

describe('greetings in another language, and answers from abroad', () => {
  it('a caller from London hears her German greeting rather than the standard one', async () => {
    const { box } = await start();
    recordedFile(box, ALICE_KEY, 'work.de.wav');
    const r = await box.dial('501').from(LONDON).hearsAudio().hangsUp();
    expect(sequence(r)).toEqual(['audio:work.de.wav']);
  });

  it('a German caller of an English owner who recorded only English hears the English one', async () => {
    const { box } = await start({ alice: (s) => ({ ...s, language: 'en' }) });
    recordedFile(box, ALICE_KEY, 'work.en.wav');
    const r = await box.dial('501').from(STRANGER).hearsAudio().hangsUp();
    expect(sequence(r)).toEqual(['audio:work.en.wav']);
  });

  it('an unknown mailbox answers a caller from London in English', async () => {
    const { box } = await start();
    const r = await box.dial('+49 30 1234599').from(LONDON).hears('unknown_mailbox');
    expect(r.said).toEqual(['unknown_mailbox', 'goodbye']);
    expect(words(r)).toEqual(['Sorry, there is no voice box at this number.', 'Goodbye.']);
    expect(r.events.find((e) => e.kind === 'prompt')).toMatchObject({
      text: 'en:unknown_mailbox en:goodbye',
    });
  });

  it('a disabled mailbox answers a caller from London in English, one from Munich in German', async () => {
    const { box } = await start();
    const london = await box.dial('+49 30 1234504').from(LONDON).hears('mailbox_disabled');
    expect(london.events.find((e) => e.kind === 'prompt')).toMatchObject({
      text: 'en:mailbox_disabled en:goodbye',
    });
    const munich = await box.dial('+49 30 1234504').from(STRANGER).hears('mailbox_disabled');
    expect(munich.events.find((e) => e.kind === 'prompt')).toMatchObject({
      text: 'de:mailbox_disabled de:goodbye',
    });
  });
});

describe('the greeting action and config greetings.languageFallback', () => {
  async function greetingFor(
    fallback: LanguageFallback | undefined,
    files: string[],
    language: string,
    aliceLanguage = 'de',
  ) {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-fallback-'));
    const { directory } = await aliceWithPin(dir, (s) => ({ ...s, language: aliceLanguage }));
    const media = { local: dir, freeswitch: dir };
    const bundle = loadMenus(['menus']).bundle;
    const spool = new MailSpool({ dir: join(dir, 'spool'), send: async () => undefined });
    const config = readConfig();
    const actions = createActions({
      bundle,
      directory,
      mailer: spoolMailer({ spool, domain: 'example.com', timeZone: 'UTC', defaultLanguage: 'de' }),
      greetings: new GreetingStore(media, fallback ? { languageFallback: fallback } : {}),
      media,
      location: config.location,
      policy: { login: { ...config.login, wrongPinLog: '' }, welcome: config.welcome },
      log: silentLogger,
    });
    mkdirSync(join(dir, 'greetings', ALICE_KEY), { recursive: true });
    for (const f of files) writeWav(join(dir, 'greetings', ALICE_KEY, f), 500, 0);
    const { run, lookup } = actionCaller(actions, LONDON, { language, now: at('10:00') });
    const r = await run('greeting', await lookup(ALICE), 'work');
    await directory.close();
    return 'value' in r && r.value && typeof r.value === 'object' && 'localPath' in r.value
      ? String(r.value.localPath).split('/').at(-1)
      : r;
  }

  it('recorded (the default): the call language, else hers, else the company default', async () => {
    expect(await greetingFor(undefined, ['work.de.wav'], 'en')).toBe('work.de.wav');
    expect(await greetingFor('recorded', ['work.de.wav', 'work.en.wav'], 'en')).toBe('work.en.wav');
    expect(await greetingFor('recorded', ['home.de.wav'], 'en')).toEqual({ outcome: 'none' });
    // hers before the company's (de)
    expect(await greetingFor('recorded', ['work.de.wav', 'work.fr.wav'], 'en', 'fr')).toBe('work.fr.wav');
    expect(await greetingFor('recorded', ['work.de.wav'], 'en', 'fr')).toBe('work.de.wav');
  });

  it('standard: only the call language, else the standard greeting', async () => {
    expect(await greetingFor('standard', ['work.de.wav'], 'en')).toEqual({ outcome: 'none' });
    expect(await greetingFor('standard', ['work.en.wav'], 'en')).toBe('work.en.wav');
  });
});

describe('words', () => {
  it('personalized: "Hallo, Sie sind mit der Voice-Box von <Name> verbunden."', async () => {
    const { box } = await start();
    recordedFile(box, BOB_KEY, 'name.wav');
    const r = await box.dial('502').from(STRANGER).hears('personal_greeting_end').hangsUp();
    expect(sequence(r)).toEqual(['personal_greeting_start', 'audio:name.wav', 'personal_greeting_end']);
    expect(words(r).join(' <Name> ')).toBe(
      'Hallo, Sie sind mit der Voice-Box von <Name> verbunden. Ich bin zurzeit nicht im Büro.',
    );
  });

  it('an empty recording: "Es wurde nichts aufgenommen. Auf Wiederhören."', async () => {
    const { box, voiceMails } = await start();
    const r = await box
      .dial('501')
      .from(STRANGER)
      .hears('standard_greeting')
      .press('0')
      .hearsTone()
      .speaks(100)
      .press('#');
    expect(sequence(r).slice(-3)).toEqual(['tone', 'nothing_recorded', 'goodbye']);
    expect(words(r).slice(-2).join(' ')).toBe('Es wurde nichts aufgenommen. Auf Wiederhören.');
    expect(catalogs.en!.nothing_recorded).toBe('Nothing was recorded.');
    await box.spool.flush();
    expect(voiceMails()).toEqual([]);
  });
});
