// Names on the pages for what the menus call by a code: profiles and languages. One table, so
// a profile is called the same on every page.
import type { PageLanguage } from './context.js';

/** the names the shipped menus give their profiles; a profile the menus add beyond these shows its own name */
const PROFILE_LABEL: Record<PageLanguage, Record<string, string>> = {
  de: {
    work: 'Im Büro',
    mobile: 'Unterwegs',
    home: 'Zu Hause',
    vacation: 'Urlaub',
    custom1: 'Eigenes Profil 1',
    custom2: 'Eigenes Profil 2',
    internal: 'Für Anrufer aus dem Haus',
  },
  en: {
    work: 'At work',
    mobile: 'On the road',
    home: 'At home',
    vacation: 'On vacation',
    custom1: 'Custom profile 1',
    custom2: 'Custom profile 2',
    internal: 'For internal callers',
  },
};

/** a profile's name in the page's language ("Im Büro" for `work`) */
export function profileLabel(name: string, language: PageLanguage): string {
  return Object.hasOwn(PROFILE_LABEL[language], name) ? PROFILE_LABEL[language][name]! : name;
}

/** a language's name in the page's language ("Englisch" for `en` on a German page); an unknown code as it is */
export function languageName(language: PageLanguage, code: string): string {
  try {
    return new Intl.DisplayNames([language], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}
