// The runtime's Voice over src/speech: catalog texts, rendered with espeak-ng into the
// media root's TTS cache.
import {
  isLanguage,
  promptTextIn,
  type Language,
  type PromptCatalog,
  type Renderer,
} from '../speech/index.js';
import type { Voice } from './ports.js';

/**
 * What a call plays when something is down: the apology before a failing call hangs up, and
 * the notice when the messages cannot be read. They are rendered when the server starts, so
 * that a failure never waits for the renderer — which may be failing for the same reason.
 */
export const PREPARED_PROMPTS: readonly string[] = ['technical_problem', 'messages_unavailable'];

export class UnknownPromptText extends Error {
  constructor(id: string, language: string) {
    super(`prompt '${id}' has no text in '${language}'`);
    this.name = 'UnknownPromptText';
  }
}

export interface PreparedPrompts {
  /** prompt × language rendered (or found in the cache) */
  ready: number;
  /** the ones that could not be rendered: a failing call in that language hangs up without them */
  failures: Array<{ id: string; language: string; error: Error }>;
}

export interface SpeechVoice extends Voice {
  /** Renders `ids` (default PREPARED_PROMPTS) in every catalog language into the cache, now. */
  prepare(ids?: readonly string[]): Promise<PreparedPrompts>;
}

export function speechVoice(catalogs: ReadonlyMap<string, PromptCatalog>, renderer: Renderer): SpeechVoice {
  const lang = (language: string): Language => (isLanguage(language) ? language : 'en');
  const prepared = new Set<string>();
  const key = (id: string, language: string) => `${language}\u0000${id}`;

  return {
    promptText(id, language, values, count) {
      const catalog = catalogs.get(language);
      const text = catalog && promptTextIn(catalog, id, values, lang(language), count);
      if (text === undefined) throw new UnknownPromptText(id, language);
      return text;
    },
    async render(text, language) {
      const audio = await renderer.render(text, lang(language));
      return { freeswitchPath: audio.freeswitchPath };
    },
    ready(id, language) {
      const text = catalogs.get(language)?.prompts.get(id);
      if (text === undefined) return undefined;
      const audio = renderer.cached(text, lang(language));
      if (audio) return { freeswitchPath: audio.freeswitchPath };
      // The cache was emptied since the start (`rm -r <media>/tts` is allowed): render it
      // again for the next call, without making this one wait.
      if (prepared.has(key(id, language))) void renderer.render(text, lang(language)).catch(() => undefined);
      return undefined;
    },
    async prepare(ids = PREPARED_PROMPTS) {
      const result: PreparedPrompts = { ready: 0, failures: [] };
      const jobs: Array<Promise<void>> = [];
      for (const [language, catalog] of catalogs) {
        for (const id of ids) {
          const text = catalog.prompts.get(id);
          if (text === undefined) continue;
          prepared.add(key(id, language));
          jobs.push(
            renderer.render(text, lang(language)).then(
              () => void result.ready++,
              (error: unknown) =>
                void result.failures.push({
                  id,
                  language,
                  error: error instanceof Error ? error : new Error(String(error)),
                }),
            ),
          );
        }
      }
      await Promise.all(jobs);
      return result;
    },
  };
}
