import { describe, expect, it } from 'vitest';
import { sayNumber, sayOrdinal, sayYear } from '../../src/speech/index.js';

describe('sayNumber', () => {
  it.each([
    [0, 'zero', 'null'],
    [1, 'one', 'eins'],
    [2, 'two', 'zwei'],
    [7, 'seven', 'sieben'],
    [10, 'ten', 'zehn'],
    [11, 'eleven', 'elf'],
    [12, 'twelve', 'zwölf'],
    [13, 'thirteen', 'dreizehn'],
    [16, 'sixteen', 'sechzehn'],
    [17, 'seventeen', 'siebzehn'],
    [20, 'twenty', 'zwanzig'],
    [21, 'twenty-one', 'einundzwanzig'],
    [30, 'thirty', 'dreißig'],
    [31, 'thirty-one', 'einunddreißig'],
    [42, 'forty-two', 'zweiundvierzig'],
    [70, 'seventy', 'siebzig'],
    [77, 'seventy-seven', 'siebenundsiebzig'],
    [99, 'ninety-nine', 'neunundneunzig'],
    [100, 'one hundred', 'hundert'],
    [101, 'one hundred one', 'hunderteins'],
    [111, 'one hundred eleven', 'hundertelf'],
    [121, 'one hundred twenty-one', 'hunderteinundzwanzig'],
    [200, 'two hundred', 'zweihundert'],
    [354, 'three hundred fifty-four', 'dreihundertvierundfünfzig'],
    [999, 'nine hundred ninety-nine', 'neunhundertneunundneunzig'],
    [1000, 'one thousand', 'tausend'],
    [1001, 'one thousand one', 'tausendeins'],
    [1100, 'one thousand one hundred', 'tausendeinhundert'],
    [1234, 'one thousand two hundred thirty-four', 'tausendzweihundertvierunddreißig'],
    [2000, 'two thousand', 'zweitausend'],
    [21_000, 'twenty-one thousand', 'einundzwanzigtausend'],
    [101_000, 'one hundred one thousand', 'hunderteintausend'],
    [
      999_999,
      'nine hundred ninety-nine thousand nine hundred ninety-nine',
      'neunhundertneunundneunzigtausendneunhundertneunundneunzig',
    ],
    [1_000_000, 'one million', 'eine Million'],
    [1_000_001, 'one million one', 'eine Million eins'],
    [1_100_000, 'one million one hundred thousand', 'eine Million einhunderttausend'],
    [2_000_001, 'two million one', 'zwei Millionen eins'],
    [21_000_000, 'twenty-one million', 'einundzwanzig Millionen'],
    [
      123_456_789,
      'one hundred twenty-three million four hundred fifty-six thousand seven hundred eighty-nine',
      'hundertdreiundzwanzig Millionen vierhundertsechsundfünfzigtausendsiebenhundertneunundachtzig',
    ],
    [1_000_000_000, 'one billion', 'eine Milliarde'],
    [3_001_000_000, 'three billion one million', 'drei Milliarden eine Million'],
    [-5, 'minus five', 'minus fünf'],
  ])('%d is "%s" / "%s"', (n, en, de) => {
    expect(sayNumber(n, 'en')).toBe(en);
    expect(sayNumber(n, 'de')).toBe(de);
  });

  it('refuses what is not a sayable integer', () => {
    expect(() => sayNumber(1.5, 'en')).toThrow(RangeError);
    expect(() => sayNumber(Number.NaN, 'de')).toThrow(RangeError);
    expect(() => sayNumber(1e16, 'en')).toThrow(/integer up to/);
  });
});

describe('sayOrdinal', () => {
  it.each([
    [1, 'first', 'erster', 'ersten'],
    [2, 'second', 'zweiter', 'zweiten'],
    [3, 'third', 'dritter', 'dritten'],
    [4, 'fourth', 'vierter', 'vierten'],
    [5, 'fifth', 'fünfter', 'fünften'],
    [7, 'seventh', 'siebter', 'siebten'],
    [8, 'eighth', 'achter', 'achten'],
    [9, 'ninth', 'neunter', 'neunten'],
    [11, 'eleventh', 'elfter', 'elften'],
    [12, 'twelfth', 'zwölfter', 'zwölften'],
    [13, 'thirteenth', 'dreizehnter', 'dreizehnten'],
    [16, 'sixteenth', 'sechzehnter', 'sechzehnten'],
    [17, 'seventeenth', 'siebzehnter', 'siebzehnten'],
    [20, 'twentieth', 'zwanzigster', 'zwanzigsten'],
    [21, 'twenty-first', 'einundzwanzigster', 'einundzwanzigsten'],
    [22, 'twenty-second', 'zweiundzwanzigster', 'zweiundzwanzigsten'],
    [23, 'twenty-third', 'dreiundzwanzigster', 'dreiundzwanzigsten'],
    [30, 'thirtieth', 'dreißigster', 'dreißigsten'],
    [31, 'thirty-first', 'einunddreißigster', 'einunddreißigsten'],
    [100, 'one hundredth', 'hundertster', 'hundertsten'],
    [101, 'one hundred first', 'hunderterster', 'hundertersten'],
  ])('%d is "%s" / "%s" / dative "%s"', (n, en, de, deDative) => {
    expect(sayOrdinal(n, 'en')).toBe(en);
    expect(sayOrdinal(n, 'de')).toBe(de);
    expect(sayOrdinal(n, 'de', 'dative')).toBe(deDative);
  });

  it('has no zeroth', () => {
    expect(() => sayOrdinal(0, 'en')).toThrow(RangeError);
  });
});

describe('sayYear', () => {
  it.each([
    [1900, 'nineteen hundred', 'neunzehnhundert'],
    [1905, 'nineteen oh five', 'neunzehnhundertfünf'],
    [1999, 'nineteen ninety-nine', 'neunzehnhundertneunundneunzig'],
    [2000, 'two thousand', 'zweitausend'],
    [2005, 'two thousand five', 'zweitausendfünf'],
    [2010, 'twenty ten', 'zweitausendzehn'],
    [2024, 'twenty twenty-four', 'zweitausendvierundzwanzig'],
  ])('%d is "%s" / "%s"', (y, en, de) => {
    expect(sayYear(y, 'en')).toBe(en);
    expect(sayYear(y, 'de')).toBe(de);
  });
});
