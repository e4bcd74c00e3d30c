import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildPrompts,
  compareCatalogs,
  createRenderer,
  createSpeech,
  fillPlaceholders,
  loadCatalog,
  loadCatalogs,
  MissingPlaceholderValue,
  parseCatalog,
  placeholdersOf,
  PromptCatalogError,
  SpeechEngineMissing,
  UnknownPrompt,
  type BuildProgress,
  type MediaRoot,
  type RenderedAudio,
  type Renderer,
} from '../../src/speech/index.js';
import { readWav } from './wav.js';

let dir: string;
let catalogDir: string;
let mediaRoot: MediaRoot;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-catalog-'));
  catalogDir = join(dir, 'prompts');
  mkdirSync(catalogDir);
  mediaRoot = { local: join(dir, 'media'), freeswitch: '/media' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const EN = `# English prompts
welcome: "Welcome to your voice mailbox."
new_messages: "You have {count} new messages."
from_caller: "Message from {caller}, received {received}."
goodbye: Goodbye.
`;
const DE = `welcome: "Willkommen in Ihrer Sprachbox."
new_messages: "Sie haben {count} neue Nachrichten."
goodbye: "Auf Wiederhören."
press_one: "Drücken Sie die Eins."
`;

describe('parseCatalog', () => {
  it('reads a flat map of prompt ids to texts', () => {
    const { prompts, counts } = parseCatalog(EN, 'en.yaml');
    expect([...prompts.keys()]).toEqual(['welcome', 'new_messages', 'from_caller', 'goodbye']);
    expect(prompts.get('goodbye')).toBe('Goodbye.');
    expect(counts.size).toBe(0);
  });

  it('reads a counted prompt as its forms, its text being the plural', () => {
    const source = [
      'count_new_fax:',
      '  one: "ein neues Fax"',
      '  other: "{count} neue Faxe"',
      'count_new_voice: { zero: "keine neuen Sprachnachrichten", one: "eine neue Sprachnachricht", other: "{count} neue Sprachnachrichten" }',
    ].join('\n');
    const { prompts, counts } = parseCatalog(source, 'de.yaml');
    expect(counts.get('count_new_fax')).toEqual({ one: 'ein neues Fax', other: '{count} neue Faxe' });
    expect(counts.get('count_new_voice')?.zero).toBe('keine neuen Sprachnachrichten');
    expect(prompts.get('count_new_fax')).toBe('{count} neue Faxe');
  });

  it.each([
    [
      'fax: { one: "ein Fax", few: "{count} Faxe", other: "{count} Faxe" }',
      /prompt "fax": unknown form "few"; a counted prompt has the forms one, other and \(if needed\) zero/,
    ],
    ['fax: { one: "ein Fax" }', /prompt "fax": a counted prompt needs an "other" form/],
    ['fax: { other: "{count} Faxe" }', /prompt "fax": a counted prompt needs a "one" form/],
    [
      'fax: { one: "ein Fax", other: "Faxe" }',
      /prompt "fax": the form "other" must say the number: put \{count\} into "Faxe"/,
    ],
    ['fax: { one: "ein Fax", other: 2 }', /prompt "fax": the form "other" must be a text, found a number/],
    [
      'fax: { one: "ein Fax von {sender}", other: "{count} Faxe" }',
      /the form "one" has \{sender\}, which "other" does not have/,
    ],
    ['fax: { one: "ein {Fax", other: "{count} Faxe" }', /form "one": stray "\{"/],
  ])('rejects the counted prompt %j with a message naming the form', (source, message) => {
    expect(() => parseCatalog(source, 'de.yaml')).toThrow(PromptCatalogError);
    expect(() => parseCatalog(source, 'de.yaml')).toThrow(message);
  });

  it.each([
    ['', /en\.yaml: the file is empty/],
    ['# nothing yet\n', /en\.yaml: the file is empty/],
    ['- welcome\n- goodbye\n', /en\.yaml: expected a map of prompt_id: "text", found a list/],
    ['"just text"\n', /found a string/],
    ['welcome: "a"\nwelcome: "b"\n', /en\.yaml: duplicated mapping key \(line 2, column 1\)/],
    ['welcome: "unterminated\n', /en\.yaml: .*\(line \d+, column \d+\)/],
    ['one: 1\n', /en\.yaml: prompt "one": expected text, found a number \(quote it: one: "1"\)/],
    ['agree: true\n', /prompt "agree": expected text, found a boolean/],
    ['welcome:\n', /en\.yaml: prompt "welcome": expected text, found nothing \(null\)/],
    ['menu:\n  intro: "x"\n', /prompt "menu": unknown form "intro"/],
    ['welcome: "  "\n', /prompt "welcome": the text is empty/],
    ['count: "You have {count new messages"\n', /prompt "count": stray "\{"/],
    ['count: "You have {} messages"\n', /prompt "count": stray "\{"/],
  ])('rejects %j with a message naming file and key', (source, message) => {
    expect(() => parseCatalog(source, 'en.yaml')).toThrow(PromptCatalogError);
    expect(() => parseCatalog(source, 'en.yaml')).toThrow(message);
  });

  it('keeps the key in the error for tools', () => {
    try {
      parseCatalog('ok: "fine"\nbad: 3\n', 'de.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PromptCatalogError);
      expect(error).toMatchObject({ file: 'de.yaml', key: 'bad' });
    }
  });
});

describe('loadCatalogs', () => {
  it('loads every <lang>.yaml of a directory', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    writeFileSync(join(catalogDir, 'de.yml'), DE);
    writeFileSync(join(catalogDir, 'README.txt'), 'not a catalog');
    const catalogs = await loadCatalogs(catalogDir);
    expect([...catalogs.keys()].sort()).toEqual(['de', 'en']);
    expect(catalogs.get('de')?.prompts.get('press_one')).toBe('Drücken Sie die Eins.');
    expect(catalogs.get('de')?.file).toBe(join(catalogDir, 'de.yml'));
  });

  it('names the missing file or directory', async () => {
    await expect(loadCatalog(join(catalogDir, 'fr.yaml'))).rejects.toThrow(/fr\.yaml: no such file/);
    await expect(loadCatalogs(join(dir, 'nowhere'))).rejects.toThrow(/nowhere: no such directory/);
  });

  it('refuses two files for one language', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    writeFileSync(join(catalogDir, 'en.yml'), EN);
    await expect(loadCatalogs(catalogDir)).rejects.toThrow(/language "en" is also in/);
  });
});

describe('placeholders', () => {
  it('lists the names in order', () => {
    expect(placeholdersOf('From {caller} at {time}, again {caller}')).toEqual(['caller', 'time']);
    expect(placeholdersOf('Welcome.')).toEqual([]);
  });

  it('fills text as written and numbers in words of the language', () => {
    expect(fillPlaceholders('You have {count} new messages.', { count: 21 }, 'en')).toBe(
      'You have twenty-one new messages.',
    );
    expect(fillPlaceholders('Sie haben {count} neue Nachrichten.', { count: 21 }, 'de')).toBe(
      'Sie haben einundzwanzig neue Nachrichten.',
    );
    expect(fillPlaceholders('Message from {caller}.', { caller: 'plus four nine', unused: 'x' }, 'en')).toBe(
      'Message from plus four nine.',
    );
  });

  it('ends a sentence with one period when the value ends with one ("a.m.")', () => {
    expect(fillPlaceholders('Received {date}.', { date: 'today at ten a.m.' }, 'en')).toBe(
      'Received today at ten a.m.',
    );
    expect(fillPlaceholders('At {time}. Then {x}', { time: 'ten a.m.', x: 'more.' }, 'en')).toBe(
      'At ten a.m. Then more.',
    );
    expect(fillPlaceholders('Von {name}.', { name: 'Dr. Bob' }, 'de')).toBe('Von Dr. Bob.');
  });

  it('refuses to leave a placeholder unfilled', () => {
    expect(() => fillPlaceholders('From {caller}.', {}, 'en')).toThrow(MissingPlaceholderValue);
    expect(() => fillPlaceholders('From {toString}.', {}, 'en')).toThrow(/no value for \{toString\}/);
  });
});

describe('compareCatalogs', () => {
  it('finds prompts missing in a language and placeholders that differ', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    writeFileSync(join(catalogDir, 'de.yaml'), DE.replace('{count}', '{anzahl}'));
    expect(compareCatalogs(await loadCatalogs(catalogDir))).toEqual([
      { promptId: 'from_caller', language: 'de', problem: 'missing (defined in en)' },
      { promptId: 'new_messages', language: 'en', problem: "placeholders {count} differ from de's {anzahl}" },
      { promptId: 'press_one', language: 'en', problem: 'missing (defined in de)' },
    ]);
  });

  it('is content with catalogs that match', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), 'a: "A {x}."\nb: "B."\n');
    writeFileSync(join(catalogDir, 'de.yaml'), 'b: "Be."\na: "{x} Ah."\n');
    expect(compareCatalogs(await loadCatalogs(catalogDir))).toEqual([]);
  });
});

describe('buildPrompts', () => {
  it('renders every prompt without placeholders, then finds them all cached', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    writeFileSync(join(catalogDir, 'de.yaml'), DE);
    const events: BuildProgress[] = [];

    const first = await buildPrompts({ catalogDir, mediaRoot, onProgress: (e) => events.push(e) });
    expect(first).toMatchObject({ rendered: 5, cached: 0, failed: 0, skipped: 3, failures: [] });
    expect(first.languages).toEqual({
      de: { total: 3, rendered: 3, cached: 0, failed: 0, skipped: 1 },
      en: { total: 2, rendered: 2, cached: 0, failed: 0, skipped: 2 },
    });
    const promptEvents = events.filter((e) => e.kind === 'prompt');
    expect(promptEvents.map((e) => e.done)).toEqual([1, 2, 3, 4, 5]);
    expect(promptEvents.every((e) => e.total === 5)).toBe(true);
    expect(events.filter((e) => e.kind === 'language').map((e) => e.language)).toEqual(['de', 'en']);

    const files = readdirSync(join(mediaRoot.local, 'tts', 'de'));
    expect(files).toHaveLength(3);
    for (const f of files) {
      expect(readWav(join(mediaRoot.local, 'tts', 'de', f))).toMatchObject({
        sampleRate: 8000,
        intact: true,
      });
    }

    const second = await buildPrompts({ catalogDir, mediaRoot });
    expect(second).toMatchObject({ rendered: 0, cached: 5, failed: 0, skipped: 3 });
  });

  it('builds only the languages asked for, at the rate asked for', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    writeFileSync(join(catalogDir, 'de.yaml'), DE);
    const result = await buildPrompts({ catalogDir, mediaRoot, languages: ['en'], sampleRate: 16000 });
    expect(Object.keys(result.languages)).toEqual(['en']);
    const [file] = readdirSync(join(mediaRoot.local, 'tts', 'en'));
    expect(readWav(join(mediaRoot.local, 'tts', 'en', file ?? ''))).toMatchObject({ sampleRate: 16000 });
    await expect(buildPrompts({ catalogDir, mediaRoot, languages: ['fr'] })).rejects.toThrow(
      /no catalog for language "fr".*found: de, en/,
    );
  });

  it('counts a prompt that fails and goes on with the rest', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    writeFileSync(join(catalogDir, 'xx.yaml'), 'hello: "Hello."\nbye: "Bye."\n');
    const result = await buildPrompts({ catalogDir, mediaRoot, voices: { xx: 'xx-no-such-voice' } });
    expect(result).toMatchObject({ rendered: 2, failed: 2 });
    expect(result.failures.map((f) => `${f.language}/${f.promptId}`).sort()).toEqual(['xx/bye', 'xx/hello']);
    expect(result.failures[0]?.error.message).toMatch(/voice does not exist/);
  });

  it('stops at once when espeak-ng is missing', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    const renderer = createRenderer({ mediaRoot, commands: { espeak: join(dir, 'no-espeak-ng') } });
    await expect(buildPrompts({ catalogDir, mediaRoot, renderer })).rejects.toThrow(SpeechEngineMissing);
  });

  it('returns only once every render it started has settled: none writes into the cache after it', async () => {
    writeFileSync(join(catalogDir, 'en.yaml'), EN);
    const real = createRenderer({ mediaRoot });
    let release = (): void => undefined;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const renderer: Renderer = {
      ...real,
      render: async (text, lang) => {
        if (text.startsWith('Welcome')) throw new SpeechEngineMissing('espeak-ng', 'espeak-ng');
        await slow; // another render, still running when the engine is found missing
        return real.locate(text, lang) as RenderedAudio & { cached: boolean };
      },
    };
    let settled = false;
    const built = buildPrompts({ catalogDir, mediaRoot, renderer }).finally(() => (settled = true));
    built.catch(() => undefined);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    release();
    await expect(built).rejects.toThrow(SpeechEngineMissing);
  });
});

describe('createSpeech', () => {
  it('renders a catalog prompt with its placeholders filled', async () => {
    writeFileSync(join(catalogDir, 'de.yaml'), DE);
    const speech = createSpeech({
      catalogs: await loadCatalogs(catalogDir),
      renderer: createRenderer({ mediaRoot }),
    });

    expect(speech.promptText('new_messages', 'de', { count: 3 })).toBe('Sie haben drei neue Nachrichten.');
    const audio = await speech.prompt('new_messages', 'de', { count: 3 });
    expect(audio.freeswitchPath).toBe(`/media/tts/de/${audio.hash}.wav`);
    expect(readWav(audio.localPath).durationSeconds).toBeGreaterThan(0.3);
    const again = await speech.say('Sie haben drei neue Nachrichten.', 'de');
    expect(again).toMatchObject({ cached: true, localPath: audio.localPath });
    expect(statSync(audio.localPath).size).toBeGreaterThan(44);
  });

  it('names an unknown prompt and a missing value', async () => {
    writeFileSync(join(catalogDir, 'de.yaml'), DE);
    const speech = createSpeech({
      catalogs: await loadCatalogs(catalogDir),
      renderer: createRenderer({ mediaRoot }),
    });
    expect(() => speech.promptText('welcome', 'en')).toThrow(UnknownPrompt);
    expect(() => speech.promptText('nope', 'de')).toThrow(/no prompt "nope" in the "de" catalog/);
    expect(() => speech.promptText('new_messages', 'de')).toThrow(MissingPlaceholderValue);
  });
});
