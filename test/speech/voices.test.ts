// The voice and speed per language (config speech.voices, speech.rate; the manual §4.6 "Speaker
// Assignment"): what espeak-ng is asked for, and a changed setting never plays a stale file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRenderer, type MediaRoot } from '../../src/speech/index.js';
import { installFakeEngines, type FakeEngines } from './fake-engines.js';
import { readWav } from './wav.js';

let engines: FakeEngines;
let mediaRoot: MediaRoot;

beforeAll(() => {
  engines = installFakeEngines();
});
afterAll(() => engines.restore());
beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-voices-'));
  mediaRoot = { local: dir, freeswitch: dir };
});
afterEach(() => rmSync(mediaRoot.local, { recursive: true, force: true }));

const GERMAN = 'Sie haben drei neue Sprachnachrichten.';
const ENGLISH = 'You have three new voice messages.';

describe('the configured voice and speed', () => {
  it('reach espeak-ng per language: -v the voice, -s the words per minute', async () => {
    const before = engines.espeakRuns().length;
    const renderer = createRenderer({ mediaRoot, voices: { de: 'de+f3' }, rates: { de: 200 } });
    await renderer.render(GERMAN, 'de');
    await renderer.render(ENGLISH, 'en');
    const runs = engines.espeakRuns().slice(before);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.slice(0, 4)).toEqual(['-v', 'de+f3', '-s', '200']);
    // English keeps the defaults: US English at 150
    expect(runs[1]!.slice(0, 4)).toEqual(['-v', 'en-us', '-s', '150']);
    expect(renderer.wordsPerMinuteFor('de')).toBe(200);
    expect(renderer.wordsPerMinuteFor('en')).toBe(150);
  });

  it('are part of the cache key: another speed or voice renders again, the same settings do not', async () => {
    const at150 = createRenderer({ mediaRoot });
    const first = await at150.render(GERMAN, 'de');
    expect((await at150.render(GERMAN, 'de')).cached).toBe(true);

    const at200 = createRenderer({ mediaRoot, rates: { de: 200 } });
    const faster = await at200.render(GERMAN, 'de');
    expect(faster.cached).toBe(false);
    expect(faster.hash).not.toBe(first.hash);

    const other = await createRenderer({ mediaRoot, voices: { de: 'de+f3' } }).render(GERMAN, 'de');
    expect(other.cached).toBe(false);
    expect(new Set([first.hash, faster.hash, other.hash]).size).toBe(3);
    // and back: the first file is still the one for the first settings
    expect((await createRenderer({ mediaRoot, rates: { de: 150 } }).render(GERMAN, 'de')).hash).toBe(
      first.hash,
    );
  });

  it('are heard: the same sentence at 300 words per minute takes well under half as long as at 100', async () => {
    const slow = await createRenderer({ mediaRoot, rates: { de: 100 } }).render(GERMAN, 'de');
    const fast = await createRenderer({ mediaRoot, rates: { de: 300 } }).render(GERMAN, 'de');
    const seconds = (path: string) => readWav(path).durationSeconds;
    expect(seconds(fast.localPath)).toBeLessThan(seconds(slow.localPath) * 0.5);
    expect(seconds(fast.localPath)).toBeGreaterThan(0.3);
  });

  it('refuses a speed espeak-ng does not take, naming the language', () => {
    expect(() => createRenderer({ mediaRoot, rates: { de: 500 } })).toThrow(
      'words per minute for "de" must be a whole number from 80 to 450, got 500',
    );
    expect(() => createRenderer({ mediaRoot, wordsPerMinute: 40 })).toThrow(/from 80 to 450, got 40/);
  });
});
