import { german } from './de.js';
import { english } from './en.js';
import type { LanguageWording } from './types.js';

/** Languages voicebox can put values into words for. Add one: a file next to `en.ts`, and a line here. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];

const WORDINGS: Record<Language, LanguageWording> = { en: english, de: german };

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

export function wordingFor(lang: Language): LanguageWording {
  const wording = WORDINGS[lang] as LanguageWording | undefined;
  if (!wording)
    throw new RangeError(`no wording for language "${String(lang)}"; supported: ${LANGUAGES.join(', ')}`);
  return wording;
}
