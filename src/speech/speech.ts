import { promptTextIn, type PlaceholderValue, type PromptCatalog } from './catalog.js';
import { UnknownPrompt } from './errors.js';
import type { RenderedAudio, Renderer } from './render.js';
import type { Language } from './wording/index.js';

/**
 * What the call runtime asks of speech: a file FreeSWITCH can play for a prompt or for any
 * text (a number, a date, a phone number put into words by `sayNumber` & co.).
 */
export interface Speech {
  /** The prompt's text in `lang` with its placeholders filled, rendered (or taken from the cache). */
  prompt(
    promptId: string,
    lang: Language,
    values?: Readonly<Record<string, PlaceholderValue>>,
  ): Promise<RenderedAudio>;
  /**
   * The text of a prompt with its placeholders filled, without rendering it; a counted prompt in
   * the form for `values.count` ("eine neue Sprachnachricht", "zwei neue Sprachnachrichten").
   */
  promptText(promptId: string, lang: Language, values?: Readonly<Record<string, PlaceholderValue>>): string;
  /** Any text, e.g. `speech.say(sayDateTime(received, 'de', tz), 'de')`. */
  say(text: string, lang: Language): Promise<RenderedAudio>;
}

export function createSpeech(options: {
  catalogs: ReadonlyMap<string, PromptCatalog>;
  renderer: Renderer;
}): Speech {
  function promptText(
    promptId: string,
    lang: Language,
    values: Readonly<Record<string, PlaceholderValue>> = {},
  ): string {
    const catalog = options.catalogs.get(lang);
    const count = typeof values.count === 'number' ? values.count : undefined;
    const text = catalog && promptTextIn(catalog, promptId, values, lang, count);
    if (text === undefined) throw new UnknownPrompt(promptId, lang);
    return text;
  }
  return {
    promptText,
    // async, so an unknown prompt rejects like a failed render instead of throwing synchronously
    prompt: async (promptId, lang, values) =>
      options.renderer.render(promptText(promptId, lang, values), lang),
    say: (text, lang) => options.renderer.render(text, lang),
  };
}
