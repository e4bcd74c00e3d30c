// The language a mail is read in: its Content-Language, else told from its subject and the start
// of its body, else unknown ('': the owner's language is used).
import { describe, expect, it } from 'vitest';
import { contentLanguage, detectLanguage, messageLanguage } from '../../src/mailbox/language.js';
import { languageCorpus } from './language-corpus.js';

describe('Content-Language', () => {
  it.each([
    ['de', 'de'],
    ['de-DE', 'de'],
    ['EN-gb', 'en'],
    ['en_US', 'en'],
    ['en, de', 'en'],
    [' de-AT , en', 'de'],
    ['fr-FR', ''],
    ['', ''],
    [undefined, ''],
  ])('%s → "%s"', (header, language) => {
    expect(contentLanguage(header)).toBe(language);
  });

  it('wins over the words', () => {
    expect(messageLanguage('en', 'Termin morgen', 'Können wir das Treffen verschieben?')).toBe('en');
    expect(messageLanguage(undefined, 'Termin morgen', 'Können wir das Treffen verschieben?')).toBe('de');
  });
});

describe('told from the words', () => {
  it.each([
    ['Rückruf erbeten', 'Herr Schmidt bittet um Rückruf unter der bekannten Nummer.', 'de'],
    ['Please call back', 'Mr Smith asked you to call him back on the usual number.', 'en'],
    ['AW: Vertrag', 'Den Vertrag habe ich geprüft.', 'de'],
    ['RE: Contract', 'I have reviewed the contract.', 'en'],
    ['', 'Bin in zehn Minuten da, bis gleich!', 'de'],
    ['OK', '', ''],
    ['Danke!', '', ''],
    ['2027-0412', '+49 89 777888', ''],
  ])('%s / %s → "%s"', (subject, body, language) => {
    expect(detectLanguage(subject, body)).toBe(language);
  });

  it('only the start of the body counts', () => {
    const german = 'Können wir das Treffen auf morgen verschieben? '.repeat(8);
    expect(
      detectLanguage('', `${german}${'This is the quoted English history of the mail. '.repeat(50)}`),
    ).toBe('de');
  });

  it('gets at least 98 of the 100 short mails of the corpus right', () => {
    const right = languageCorpus.filter(({ language, text }) => {
      const dot = text.indexOf('. ');
      return detectLanguage(text.slice(0, dot), text.slice(dot + 2)) === language;
    });
    expect(languageCorpus).toHaveLength(100);
    expect(right.length).toBeGreaterThanOrEqual(98);
  });
});
