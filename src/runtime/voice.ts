// The runtime's Voice over src/speech: catalog texts, rendered with espeak-ng into the
// media root's TTS cache.
import { fillPlaceholders, isLanguage, type PromptCatalog, type Renderer } from '../speech/index.js';
import type { Voice } from './ports.js';

export class UnknownPromptText extends Error {
  constructor(id: string, language: string) {
    super(`prompt '${id}' has no text in '${language}'`);
    this.name = 'UnknownPromptText';
  }
}

export function speechVoice(catalogs: ReadonlyMap<string, PromptCatalog>, renderer: Renderer): Voice {
  return {
    promptText(id, language, values) {
      const text = catalogs.get(language)?.prompts.get(id);
      if (text === undefined) throw new UnknownPromptText(id, language);
      return fillPlaceholders(text, values, isLanguage(language) ? language : 'en');
    },
    async render(text, language) {
      const audio = await renderer.render(text, isLanguage(language) ? language : 'en');
      return { freeswitchPath: audio.freeswitchPath };
    },
  };
}
