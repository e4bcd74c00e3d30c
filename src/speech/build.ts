import { loadCatalogs, placeholdersOf } from './catalog.js';
import { SpeechEngineMissing } from './errors.js';
import type { MediaRoot } from './media.js';
import { createRenderer, type Renderer, type SampleRate } from './render.js';

export interface BuildPromptsOptions {
  /** Directory of `<lang>.yaml` catalogs, usually `menus/prompts`. */
  catalogDir: string;
  mediaRoot: MediaRoot;
  /** Only these languages; default every catalog in `catalogDir`. */
  languages?: readonly string[];
  onProgress?: (event: BuildProgress) => void;
  /** Used when no `renderer` is passed. Default 8000. */
  sampleRate?: SampleRate;
  /** espeak-ng voice per language, when no `renderer` is passed. */
  voices?: Readonly<Record<string, string>>;
  /** A ready renderer (its media root wins over `mediaRoot`). */
  renderer?: Renderer;
}

export interface LanguageCounts {
  /** Prompts without placeholders: the ones that can be rendered ahead of a call. */
  total: number;
  rendered: number;
  cached: number;
  failed: number;
  /** Prompts with placeholders; they are rendered during the call, once their values are known. */
  skipped: number;
}

export type BuildProgress =
  | {
      kind: 'prompt';
      language: string;
      promptId: string;
      outcome: 'rendered' | 'cached' | 'failed';
      error?: Error;
      /** Prompts finished so far over all languages, and how many there are. */
      done: number;
      total: number;
    }
  | { kind: 'language'; language: string; counts: LanguageCounts; elapsedMs: number };

export interface BuildResult {
  rendered: number;
  cached: number;
  failed: number;
  skipped: number;
  languages: Record<string, LanguageCounts>;
  failures: Array<{ language: string; promptId: string; error: Error }>;
}

/**
 * Renders every catalog prompt that has no placeholders into the TTS cache, so the first
 * call does not wait for espeak-ng. Failures of single prompts are counted and returned;
 * a missing espeak-ng or sox stops the build (SpeechEngineMissing), as every prompt would fail.
 */
export async function buildPrompts(options: BuildPromptsOptions): Promise<BuildResult> {
  const catalogs = await loadCatalogs(options.catalogDir);
  const languages = options.languages ?? [...catalogs.keys()];
  const renderer =
    options.renderer ??
    createRenderer({
      mediaRoot: options.mediaRoot,
      ...(options.sampleRate === undefined ? {} : { sampleRate: options.sampleRate }),
      ...(options.voices === undefined ? {} : { voices: options.voices }),
    });

  const work = languages.map((language) => {
    const catalog = catalogs.get(language);
    if (!catalog) {
      throw new RangeError(
        `no catalog for language "${language}" in ${options.catalogDir} (found: ${[...catalogs.keys()].join(', ') || 'none'})`,
      );
    }
    renderer.voiceFor(language); // fail before any rendering when a language has no voice
    const prompts = [...catalog.prompts].filter(([, text]) => placeholdersOf(text).length === 0);
    return { language, prompts, skipped: catalog.prompts.size - prompts.length };
  });

  const total = work.reduce((sum, w) => sum + w.prompts.length, 0);
  const result: BuildResult = { rendered: 0, cached: 0, failed: 0, skipped: 0, languages: {}, failures: [] };
  let done = 0;
  for (const { language, prompts, skipped } of work) {
    const started = performance.now();
    const counts: LanguageCounts = { total: prompts.length, rendered: 0, cached: 0, failed: 0, skipped };
    // The renderer limits concurrency; start everything and let it queue. A missing engine
    // ends the build, but only once every render started has settled: none still writes into
    // the cache folder after buildPrompts has returned.
    let missing: SpeechEngineMissing | undefined;
    await Promise.all(
      prompts.map(async ([promptId, text]) => {
        let outcome: 'rendered' | 'cached' | 'failed';
        let failure: Error | undefined;
        try {
          if (missing) return;
          outcome = (await renderer.render(text, language)).cached ? 'cached' : 'rendered';
        } catch (error) {
          if (error instanceof SpeechEngineMissing) {
            missing ??= error;
            return;
          }
          failure = error instanceof Error ? error : new Error(String(error));
          outcome = 'failed';
          result.failures.push({ language, promptId, error: failure });
        }
        counts[outcome]++;
        done++;
        options.onProgress?.({
          kind: 'prompt',
          language,
          promptId,
          outcome,
          done,
          total,
          ...(failure ? { error: failure } : {}),
        });
      }),
    );
    if (missing) throw missing;
    result.languages[language] = counts;
    result.rendered += counts.rendered;
    result.cached += counts.cached;
    result.failed += counts.failed;
    result.skipped += counts.skipped;
    options.onProgress?.({ kind: 'language', language, counts, elapsedMs: performance.now() - started });
  }
  return result;
}
