// Every render ends — with audio, an error or a timeout — and hands its place in the queue
// on, whatever espeak-ng and sox do (test/speech/fake-engines.ts wraps the real programs).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRenderer, SpeechRenderFailed, type MediaRoot } from '../../src/speech/index.js';
import { alive, installFakeEngines, type FakeEngines } from './fake-engines.js';
import { readWav } from './wav.js';

let engines: FakeEngines;
let media: MediaRoot;

beforeAll(() => {
  engines = installFakeEngines();
});
afterAll(() => engines.restore());

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-settle-'));
  media = { local: dir, freeswitch: dir };
});
afterEach(() => {
  for (const flag of ['sox-fails', 'espeak-hangs', 'espeak-fails'] as const) engines.lower(flag);
  rmSync(media.local, { recursive: true, force: true });
});

/** Every promise rejected, each with an error matching all the patterns. */
async function expectAllRejected(renders: Array<Promise<unknown>>, ...patterns: RegExp[]) {
  const results = await Promise.allSettled(renders);
  for (const result of results) {
    expect(result.status).toBe('rejected');
    const reason = (result as PromiseRejectedResult).reason as Error;
    expect(reason).toBeInstanceOf(SpeechRenderFailed);
    for (const pattern of patterns) expect(reason.message).toMatch(pattern);
  }
}

/** Long enough that espeak-ng's WAV (~44 kB a second) overflows every pipe buffer on the way to sox. */
const long = (n: number) =>
  `Message ${n}. ` + Array.from({ length: 12 }, () => 'You have three new voice messages.').join(' ');

describe('a render ends and frees its slot', () => {
  it('when sox fails at once (full disk): N failures, then a good render still finishes', async () => {
    // one slot, a timeout far beyond the test: only the failures themselves may end these renders
    const renderer = createRenderer({ mediaRoot: media, concurrency: 1, timeoutMs: 600_000 });
    engines.raise('sox-fails');
    await expectAllRejected(
      [1, 2, 3, 4].map((n) => renderer.render(long(n), 'en')),
      /sox failed.*No space left on device/s,
    );
    engines.lower('sox-fails');
    const good = await renderer.render('Your message has been saved.', 'en');
    expect(readWav(good.localPath).intact).toBe(true);
    expect(readdirSync(join(media.local, 'tts', 'en'))).toEqual([`${good.hash}.wav`]);
  });

  it('when espeak-ng fails at once: the error names it, and the next render finishes', async () => {
    const renderer = createRenderer({ mediaRoot: media, concurrency: 1, timeoutMs: 600_000 });
    engines.raise('espeak-fails');
    await expectAllRejected(
      [1, 2, 3].map((n) => renderer.render(long(n), 'en')),
      /espeak-ng.*No space left/s,
    );
    engines.lower('espeak-fails');
    const good = await renderer.render('Goodbye.', 'en');
    expect(readWav(good.localPath).intact).toBe(true);
  });

  it('when espeak-ng never ends: it is killed after the timeout and the next render gets the slot', async () => {
    const renderer = createRenderer({ mediaRoot: media, concurrency: 1, timeoutMs: 5000 });
    engines.raise('espeak-hangs');
    const stuck = renderer.render('This will never be said.', 'en');
    // queued behind the stuck one: it can only start once the stuck render gave its slot back
    const waiting = renderer.render('Hello.', 'en');
    // only the stuck render's espeak-ng hangs: the flag goes once that one has started, before
    // its timeout hands the slot on (lowered after the timeout, a busy machine can start the
    // next espeak-ng first, and it would hang too)
    await vi.waitFor(() => expect(engines.hungPids()).toHaveLength(2), { timeout: 60_000, interval: 20 });
    engines.lower('espeak-hangs');
    await expect(stuck).rejects.toThrow(/took longer than 5000 ms/);
    const pids = engines.hungPids();
    expect(pids).toHaveLength(2);
    expect(pids.filter(alive)).toEqual([]);
    expect(readWav((await waiting).localPath).intact).toBe(true);
    expect(readdirSync(join(media.local, 'tts', 'en'))).toHaveLength(1);
  });

  it('when the text is huge and sox fails at once', async () => {
    const renderer = createRenderer({ mediaRoot: media, concurrency: 1, timeoutMs: 600_000 });
    engines.raise('sox-fails');
    const huge = Array.from({ length: 20_000 }, (_, i) => `Line ${i} of a very long e-mail.`).join(' ');
    await expectAllRejected([renderer.render(huge, 'en')], /sox failed/);
    engines.lower('sox-fails');
    expect((await renderer.render('Done.', 'en')).cached).toBe(false);
  });
});
