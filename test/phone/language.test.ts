import { describe, expect, it } from 'vitest';
import type { LanguageRules } from '../../src/graph/index.js';
import { languageForCaller } from '../../src/phone/index.js';

/** The shipped rules: German for +49 +43 +41, English elsewhere, German by default. */
const rules: LanguageRules = {
  default: 'de',
  byCallerPrefix: [
    { prefix: '+49', language: 'de' },
    { prefix: '+43', language: 'de' },
    { prefix: '+41', language: 'de' },
  ],
  otherwise: 'en',
  offered: ['de', 'en'],
};

describe('languageForCaller', () => {
  it.each([
    ['+49301234501', 'de'],
    ['+4315321234', 'de'],
    ['+41441234567', 'de'],
    ['+33123456789', 'en'],
    ['+12125550123', 'en'],
    ['+302101234567', 'en'],
    ['+49 30 1234501', 'de'],
    ['+33 1 23 45 67 89', 'en'],
  ])('%s hears %s', (caller, language) => {
    expect(languageForCaller(caller, rules)).toBe(language);
  });

  it.each([[undefined], [''], ['anonymous'], ['501'], ['0301234501'], ['+999123456'], ['*)(uid=*']])(
    'an anonymous or unknown caller (%s) hears the default language',
    (caller) => {
      expect(languageForCaller(caller, { ...rules, default: 'fr' })).toBe('fr');
    },
  );

  it('the longest prefix wins, in whatever order the rules come', () => {
    const berlinEnglish: LanguageRules = {
      ...rules,
      byCallerPrefix: [
        { prefix: '+49', language: 'de' },
        { prefix: '+4930', language: 'en' },
        { prefix: '+493012', language: 'fr' },
      ],
    };
    expect(languageForCaller('+49301234501', berlinEnglish)).toBe('fr');
    expect(languageForCaller('+49305555555', berlinEnglish)).toBe('en');
    expect(languageForCaller('+49891234567', berlinEnglish)).toBe('de');
  });

  it('prefixes written with spaces or without "+" still match', () => {
    const loose: LanguageRules = { ...rules, byCallerPrefix: [{ prefix: '49 30', language: 'de' }] };
    expect(languageForCaller('+49301234501', loose)).toBe('de');
    expect(languageForCaller('+49891234567', loose)).toBe('en');
  });

  it('an empty prefix matches no one', () => {
    const empty: LanguageRules = { ...rules, byCallerPrefix: [{ prefix: '', language: 'fr' }] };
    expect(languageForCaller('+33123456789', empty)).toBe('en');
  });

  it('no rules at all: everyone with a number gets otherwise', () => {
    expect(languageForCaller('+49301234501', { ...rules, byCallerPrefix: [] })).toBe('en');
  });
});
