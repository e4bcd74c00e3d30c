// Speech: how fast values become words, and what a prompt costs to render cold vs from the cache.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRenderer,
  sameMediaRoot,
  sayDateTime,
  sayDuration,
  sayNumber,
  sayPhoneNumber,
  type Language,
} from '../src/speech/index.js';

function callsPerSecond(name: string, fn: (i: number) => string): void {
  for (let i = 0; i < 2000; i++) fn(i); // warm up the JIT
  const iterations = 200_000;
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink += fn(i).length;
  const ms = performance.now() - start;
  const rate = Math.round(iterations / (ms / 1000));
  console.log(
    `${name.padEnd(34)} ${rate.toLocaleString('en-US').padStart(12)} calls/s  (${sink > 0 ? 'ok' : '?'})`,
  );
}

const now = new Date('2024-03-13T12:00:00Z');
for (const lang of ['en', 'de'] as const) {
  callsPerSecond(`sayNumber ${lang}`, (i) => sayNumber((i * 7919) % 2_000_001, lang));
  callsPerSecond(`sayDateTime ${lang} (Europe/Berlin)`, (i) =>
    sayDateTime(new Date(now.getTime() - (i % 20_000) * 60_000), lang, 'Europe/Berlin', { now }),
  );
  callsPerSecond(`sayDuration ${lang}`, (i) => sayDuration(i % 7200, lang));
  callsPerSecond(`sayPhoneNumber ${lang}`, (i) => sayPhoneNumber(`+49814247${i % 100_000}`, lang));
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${pick(0.5).toFixed(2)} ms, p95 ${pick(0.95).toFixed(2)} ms`;
}

const dir = mkdtempSync(join(tmpdir(), 'voicebox-bench-'));
try {
  const renderer = createRenderer({ mediaRoot: sameMediaRoot(dir) });
  const texts: Record<Language, string[]> = {
    en: Array.from(
      { length: 20 },
      (_, i) => `You have ${sayNumber(i + 2, 'en')} new voice messages. Press one to listen.`,
    ),
    de: Array.from(
      { length: 20 },
      (_, i) =>
        `Sie haben ${sayNumber(i + 2, 'de')} neue Sprachnachrichten. Drücken Sie die Eins zum Abhören.`,
    ),
  };
  for (const lang of ['en', 'de'] as const) {
    const cold: number[] = [];
    for (const text of texts[lang]) {
      const t0 = performance.now();
      const audio = await renderer.render(text, lang);
      if (audio.cached) throw new Error('expected a cold render');
      cold.push(performance.now() - t0);
    }
    const cached: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const text of texts[lang]) {
        const t0 = performance.now();
        const audio = await renderer.render(text, lang);
        if (!audio.cached) throw new Error('expected a cache hit');
        cached.push(performance.now() - t0);
      }
    }
    console.log(`render ${lang} cold, one at a time (${cold.length} prompts)`.padEnd(48), stats(cold));
    console.log(`render ${lang} cached (${cached.length} lookups)`.padEnd(48), stats(cached));
  }
  // Throughput with the renderer's concurrency limit (one render per core).
  const batch = Array.from({ length: 20 }, (_, i) => `Message ${sayNumber(i + 100, 'en')} of your mailbox.`);
  const t0 = performance.now();
  await Promise.all(batch.map((text) => renderer.render(text, 'en')));
  const ms = performance.now() - t0;
  console.log(
    `render en cold, ${batch.length} at once`.padEnd(48),
    `${ms.toFixed(0)} ms total, ${(ms / batch.length).toFixed(2)} ms per prompt`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
