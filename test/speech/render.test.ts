import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSpeechEngines,
  createRenderer,
  sayDateTime,
  SpeechEngineMissing,
  SpeechRenderFailed,
  toFreeSwitchPath,
  type MediaRoot,
} from '../../src/speech/index.js';
import { ConcurrencyLimit } from '../../src/speech/limit.js';
import { readWav } from './wav.js';

let dir: string;
let mediaRoot: MediaRoot;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-speech-'));
  mediaRoot = { local: dir, freeswitch: '/var/lib/freeswitch/voicebox' };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sentence = 'You have three new voice messages. Press one to listen.';

describe('createRenderer().render (espeak-ng + sox)', () => {
  it('writes an 8 kHz mono 16-bit PCM WAV under <media>/tts/<lang>/<sha256>.wav', async () => {
    const renderer = createRenderer({ mediaRoot });
    const audio = await renderer.render(sentence, 'en');

    expect(audio.cached).toBe(false);
    expect(audio.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(audio.localPath).toBe(join(dir, 'tts', 'en', `${audio.hash}.wav`));
    expect(audio.freeswitchPath).toBe(`/var/lib/freeswitch/voicebox/tts/en/${audio.hash}.wav`);
    const wav = readWav(audio.localPath);
    expect(wav).toMatchObject({
      audioFormat: 1,
      sampleRate: 8000,
      channels: 1,
      bitsPerSample: 16,
      intact: true,
    });
    expect(wav.durationSeconds).toBeGreaterThan(0.3);
    expect(wav.durationSeconds).toBeLessThan(15);
  });

  it('renders German with umlauts, and 16 kHz when configured', async () => {
    const renderer = createRenderer({ mediaRoot, sampleRate: 16000 });
    const text = `Sie haben eine neue Sprachnachricht, ${sayDateTime(new Date('2024-03-05T13:05:00Z'), 'de', 'Europe/Berlin', { now: new Date('2024-03-05T15:00:00Z') })}. Drücken Sie die Eins zum Abhören.`;
    const audio = await renderer.render(text, 'de');
    const wav = readWav(audio.localPath);
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, intact: true });
    expect(wav.durationSeconds).toBeGreaterThan(1);
  });

  it('takes a second render of the same text from the cache without touching the file', async () => {
    const renderer = createRenderer({ mediaRoot });
    const first = await renderer.render(sentence, 'en');
    const before = statSync(first.localPath);
    const second = await createRenderer({ mediaRoot }).render(`  ${sentence.replace(' ', '\n')} `, 'en');
    const after = statSync(second.localPath);

    expect(second.cached).toBe(true);
    expect(second.localPath).toBe(first.localPath);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('respells what espeak-ng would spell out or mangle: PIN as a word, the German E-Mail', () => {
    const r = createRenderer({ mediaRoot });
    expect(r.locate('Bitte geben Sie Ihre PIN ein.', 'de').text).toBe('Bitte geben Sie Ihre Pin ein.');
    expect(r.locate('Sie haben zwei neue E-Mails und eine E-Mail.', 'de').text).toBe(
      'Sie haben zwei neue Emails und eine Email.',
    );
    expect(r.locate('Please enter your PIN. Your PINs differ.', 'en').text).toBe(
      'Please enter your pin. Your pins differ.',
    );
    // only whole words: a name or a word that holds the letters stays as it is
    expect(r.locate('PINGUIN und SPIN', 'de').text).toBe('PINGUIN und SPIN');
  });

  it('keys the cache by voice, sample rate and text', () => {
    const base = createRenderer({ mediaRoot }).locate(sentence, 'en').hash;
    expect(createRenderer({ mediaRoot, voices: { en: 'en-gb' } }).locate(sentence, 'en').hash).not.toBe(base);
    expect(createRenderer({ mediaRoot, sampleRate: 16000 }).locate(sentence, 'en').hash).not.toBe(base);
    expect(createRenderer({ mediaRoot, wordsPerMinute: 170 }).locate(sentence, 'en').hash).not.toBe(base);
    expect(createRenderer({ mediaRoot }).locate(`${sentence}!`, 'en').hash).not.toBe(base);
  });

  it('gives concurrent renders of the same text one intact file and leaves no temporary files', async () => {
    // Two renderers stand for two voicebox processes sharing the media directory.
    const a = createRenderer({ mediaRoot });
    const b = createRenderer({ mediaRoot });
    const results = await Promise.all([
      a.render(sentence, 'en'),
      a.render(sentence, 'en'),
      b.render(sentence, 'en'),
      b.render(sentence, 'en'),
    ]);

    expect(new Set(results.map((r) => r.localPath)).size).toBe(1);
    expect(readdirSync(join(dir, 'tts', 'en'))).toEqual([`${results[0]?.hash}.wav`]);
    const wav = readWav(results[0]?.localPath ?? '');
    expect(wav.intact).toBe(true);
    expect(wav.durationSeconds).toBeGreaterThan(0.3);
  });

  it('never lets a reader see half a file', async () => {
    const renderer = createRenderer({ mediaRoot });
    const { localPath } = renderer.locate(sentence, 'en');
    let done = false;
    const rendering = renderer.render(sentence, 'en').finally(() => (done = true));
    while (!done) {
      if (existsSync(localPath)) {
        expect(readWav(localPath).intact).toBe(true);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await rendering;
    expect(readWav(localPath).intact).toBe(true);
  });

  it('kills a render that takes too long and leaves nothing behind', async () => {
    const renderer = createRenderer({ mediaRoot, timeoutMs: 1 });
    const long = Array.from({ length: 300 }, () => sentence).join(' ');
    await expect(renderer.render(long, 'en')).rejects.toThrow(/took longer than 1 ms/);
    expect(readdirSync(join(dir, 'tts', 'en'))).toEqual([]);
  });

  it('renders many different prompts through the concurrency limit', async () => {
    const renderer = createRenderer({ mediaRoot, concurrency: 2 });
    const texts = Array.from({ length: 6 }, (_, i) => `Prompt number ${i + 1}.`);
    const results = await Promise.all(texts.map((t) => renderer.render(t, 'en')));
    expect(results.every((r) => !r.cached)).toBe(true);
    expect(readdirSync(join(dir, 'tts', 'en')).sort()).toEqual(results.map((r) => `${r.hash}.wav`).sort());
    for (const r of results) expect(readWav(r.localPath).intact).toBe(true);
  });

  it('names the Debian package when espeak-ng is missing', async () => {
    const renderer = createRenderer({ mediaRoot, commands: { espeak: join(dir, 'no-espeak-ng') } });
    const failure = renderer.render(sentence, 'en');
    await expect(failure).rejects.toBeInstanceOf(SpeechEngineMissing);
    await expect(failure).rejects.toThrow(/apt-get install --no-install-recommends espeak-ng/);
    expect(readdirSync(join(dir, 'tts', 'en'))).toEqual([]);
  });

  it('names the Debian package when sox is missing', async () => {
    const renderer = createRenderer({ mediaRoot, commands: { sox: join(dir, 'no-sox') } });
    const failure = renderer.render(sentence, 'en');
    await expect(failure).rejects.toThrow(SpeechEngineMissing);
    await expect(failure).rejects.toThrow(/apt-get install --no-install-recommends sox/);
    expect(readdirSync(join(dir, 'tts', 'en'))).toEqual([]);
  });

  it("reports espeak-ng's own complaint about an unknown voice", async () => {
    const renderer = createRenderer({ mediaRoot, voices: { en: 'xx-no-such-voice' } });
    const failure = renderer.render(sentence, 'en');
    await expect(failure).rejects.toThrow(SpeechRenderFailed);
    await expect(failure).rejects.toThrow(/xx-no-such-voice.*voice does not exist/s);
    expect(readdirSync(join(dir, 'tts', 'en'))).toEqual([]);
  });

  it('refuses empty text and languages without a voice', async () => {
    const renderer = createRenderer({ mediaRoot });
    await expect(renderer.render('  \n ', 'en')).rejects.toThrow(/nothing to say/);
    await expect(renderer.render('Bonjour', 'fr')).rejects.toThrow(
      /no espeak-ng voice configured for language "fr"/,
    );
    expect(createRenderer({ mediaRoot, voices: { fr: 'fr-fr' } }).voiceFor('fr')).toBe('fr-fr');
  });

  it('reports the installed engine versions', async () => {
    const versions = await checkSpeechEngines();
    expect(versions.espeak).toMatch(/eSpeak NG/);
    expect(versions.sox).toMatch(/SoX/);
    await expect(checkSpeechEngines({ sox: join(dir, 'no-sox') })).rejects.toThrow(SpeechEngineMissing);
  });
});

describe('toFreeSwitchPath', () => {
  it('maps a file under the media root to the name FreeSWITCH knows it by', () => {
    const root = { local: '/srv/voicebox/media', freeswitch: '/mnt/voicebox' };
    expect(toFreeSwitchPath(root, '/srv/voicebox/media/tts/de/abc.wav')).toBe('/mnt/voicebox/tts/de/abc.wav');
    expect(toFreeSwitchPath(root, '/srv/voicebox/media/greetings/../tts/x.wav')).toBe(
      '/mnt/voicebox/tts/x.wav',
    );
  });

  it('refuses a file FreeSWITCH cannot see', () => {
    const root = { local: '/srv/voicebox/media', freeswitch: '/mnt/voicebox' };
    expect(() => toFreeSwitchPath(root, '/srv/voicebox/other/x.wav')).toThrow(/not inside the media root/);
    expect(() => toFreeSwitchPath(root, '/srv/voicebox/media-old/x.wav')).toThrow(RangeError);
  });
});

describe('ConcurrencyLimit', () => {
  it('never runs more tasks at once than allowed, and runs them all', async () => {
    const limit = new ConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      limit.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        return i;
      }),
    );
    // Release tasks one by one as they arrive at their gate.
    for (let released = 0; released < 5; released++) {
      while (gates.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(running).toBeLessThanOrEqual(2);
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it('frees its slot when a task fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(() => Promise.resolve('next'))).toBe('next');
  });
});
