import { describe, expect, it } from 'vitest';
import {
  numberToAnnounce,
  phoneNumberGroups,
  sayCount,
  sayDuration,
  sayPhoneNumber,
  sayText,
  type CountForms,
} from '../../src/speech/index.js';

describe('sayDuration', () => {
  it.each([
    [0, 'zero seconds', 'null Sekunden'],
    [0.4, 'zero seconds', 'null Sekunden'],
    [1, 'one second', 'eine Sekunde'],
    [2, 'two seconds', 'zwei Sekunden'],
    [21, 'twenty-one seconds', 'einundzwanzig Sekunden'],
    [59.6, 'one minute', 'eine Minute'],
    [60, 'one minute', 'eine Minute'],
    [61, 'one minute and one second', 'eine Minute und eine Sekunde'],
    [65, 'one minute and five seconds', 'eine Minute und fünf Sekunden'],
    [125, 'two minutes and five seconds', 'zwei Minuten und fünf Sekunden'],
    [3600, 'one hour', 'eine Stunde'],
    [3605, 'one hour and five seconds', 'eine Stunde und fünf Sekunden'],
    [3660, 'one hour and one minute', 'eine Stunde und eine Minute'],
    [3661, 'one hour, one minute and one second', 'eine Stunde, eine Minute und eine Sekunde'],
    [7322, 'two hours, two minutes and two seconds', 'zwei Stunden, zwei Minuten und zwei Sekunden'],
    [90_000, 'twenty-five hours', 'fünfundzwanzig Stunden'],
  ])('%d s is "%s" / "%s"', (seconds, en, de) => {
    expect(sayDuration(seconds, 'en')).toBe(en);
    expect(sayDuration(seconds, 'de')).toBe(de);
  });

  it('refuses negative and endless durations', () => {
    expect(() => sayDuration(-1, 'en')).toThrow(RangeError);
    expect(() => sayDuration(Number.POSITIVE_INFINITY, 'de')).toThrow(RangeError);
  });
});

describe('sayPhoneNumber', () => {
  it.each([
    [
      '+49 8142 4799',
      'plus four nine, eight one four two, four seven nine nine',
      'plus vier neun, acht eins vier zwei, vier sieben neun neun',
    ],
    [
      '+4981424799555',
      'plus four nine, eight one four two, four seven nine, nine five five five',
      'plus vier neun, acht eins vier zwei, vier sieben neun, neun fünf fünf fünf',
    ],
    [
      '+4930555123',
      'plus four nine, three zero, five five five, one two three',
      'plus vier neun, drei null, fünf fünf fünf, eins zwei drei',
    ],
    [
      '+491701234567',
      'plus four nine, one seven zero, one two three, four five six seven',
      'plus vier neun, eins sieben null, eins zwei drei, vier fünf sechs sieben',
    ],
    [
      '+4915112345678',
      'plus four nine, one five one one, two three four, five six seven eight',
      'plus vier neun, eins fünf eins eins, zwei drei vier, fünf sechs sieben acht',
    ],
    [
      '+49221123456',
      'plus four nine, two two one, one two three, four five six',
      'plus vier neun, zwei zwei eins, eins zwei drei, vier fünf sechs',
    ],
    [
      '+49228654321',
      'plus four nine, two two eight, six five four, three two one',
      'plus vier neun, zwei zwei acht, sechs fünf vier, drei zwei eins',
    ],
    [
      '+442079460000',
      'plus four four, two zero seven, nine four six, zero zero zero zero',
      'plus vier vier, zwei null sieben, neun vier sechs, null null null null',
    ],
    [
      '+1 (212) 555-0100',
      'plus one, two one two, five five five, zero one zero zero',
      'plus eins, zwei eins zwei, fünf fünf fünf, null eins null null',
    ],
    [
      '+12125550100',
      'plus one, two one two, five five five, zero one zero zero',
      'plus eins, zwei eins zwei, fünf fünf fünf, null eins null null',
    ],
    ['0815/4711', 'zero eight one five, four seven one one', 'null acht eins fünf, vier sieben eins eins'],
    ['555', 'five five five', 'fünf fünf fünf'],
    ['5551234', 'five five five, one two three four', 'fünf fünf fünf, eins zwei drei vier'],
    ['47995550', 'four seven nine nine, five five five zero', 'vier sieben neun neun, fünf fünf fünf null'],
    ['*98#', 'star nine eight hash', 'Stern neun acht Raute'],
  ])('%s', (number, en, de) => {
    expect(sayPhoneNumber(number, 'en')).toBe(en);
    expect(sayPhoneNumber(number, 'de')).toBe(de);
  });

  it('groups a number without separators after the E.164 country code, then in threes and fours', () => {
    expect(phoneNumberGroups('+358401234567')).toEqual(['+358', '401', '234', '567']);
    expect(phoneNumberGroups('+74951234567')).toEqual(['+7', '495', '123', '4567']);
    expect(phoneNumberGroups('08142479955')).toEqual(['081', '4247', '9955']);
    expect(phoneNumberGroups('12345')).toEqual(['12', '345']);
  });

  it('keeps the groups a number was written in, but splits one longer than four digits', () => {
    // "+49 30 1234199" was said "eins zwei drei vier eins neun neun" in one breath
    expect(phoneNumberGroups('+49 30 1234199')).toEqual(['+49', '30', '123', '4199']);
    expect(phoneNumberGroups('08142 479955')).toEqual(['08142', '479', '955']);
  });

  it('pauses after a German area code: two digits for Berlin, three for Köln, four for most', () => {
    expect(phoneNumberGroups('+4989777888')).toEqual(['+49', '89', '777', '888']);
    expect(phoneNumberGroups('+49911123456')).toEqual(['+49', '911', '123', '456']);
    expect(phoneNumberGroups('+4962211234')).toEqual(['+49', '6221', '1234']);
  });

  it('keeps the groups the writer made', () => {
    expect(phoneNumberGroups(' +49 (0)8142 47 99-555 ')).toEqual(['+49', '0', '8142', '47', '99', '555']);
  });

  it('refuses what is not a phone number', () => {
    expect(() => sayPhoneNumber('call me', 'en')).toThrow(/not a phone number/);
    expect(() => sayPhoneNumber('+', 'en')).toThrow(RangeError);
    expect(() => sayPhoneNumber('49+1', 'en')).toThrow(RangeError);
  });
});

describe('numberToAnnounce (the location, the ixi-UMS Voice-Mail Server manual §4.4)', () => {
  const site = { country: '49', area: '8142', subscriber: '4799' };
  it('says only the extension of an own number when announcing extensions', () => {
    expect(numberToAnnounce('+49 8142 4799-555', 'extension', site)).toBe('555');
  });
  it('says the whole number of another site, or when announcing canonically', () => {
    expect(numberToAnnounce('+49 8151 36856-12', 'extension', site)).toBe('+49815136856' + '12');
    expect(numberToAnnounce('+4981424799555', 'canonical', site)).toBe('+4981424799555');
    expect(numberToAnnounce('+4981424799', 'extension', site)).toBe('+4981424799');
  });
});

describe('sayCount', () => {
  const en: CountForms = { one: 'one new voice message', other: '{count} new voice messages' };
  const de: CountForms = { one: 'eine neue Sprachnachricht', other: '{count} neue Sprachnachrichten' };

  it.each([
    [1, 'one new voice message', 'eine neue Sprachnachricht'],
    [2, 'two new voice messages', 'zwei neue Sprachnachrichten'],
    [3, 'three new voice messages', 'drei neue Sprachnachrichten'],
    [21, 'twenty-one new voice messages', 'einundzwanzig neue Sprachnachrichten'],
    [0, 'zero new voice messages', 'null neue Sprachnachrichten'],
  ])('%d: "%s" / "%s"', (n, enText, deText) => {
    expect(sayCount(n, en, 'en')).toBe(enText);
    expect(sayCount(n, de, 'de')).toBe(deText);
  });

  it('uses the zero form when there is one', () => {
    expect(sayCount(0, { ...de, zero: 'keine neuen Sprachnachrichten' }, 'de')).toBe(
      'keine neuen Sprachnachrichten',
    );
    expect(sayCount(0, { ...en, zero: 'no new voice messages' }, 'en')).toBe('no new voice messages');
  });

  it('lets the singular carry the number where the grammar allows it', () => {
    const saved: CountForms = { one: '{count} saved message', other: '{count} saved messages' };
    expect(sayCount(1, saved, 'en')).toBe('one saved message');
  });

  it('insists that the plural says the number', () => {
    expect(() => sayCount(2, { one: 'a message', other: 'messages' }, 'en')).toThrow(
      /must contain \{count\}/,
    );
  });
});

describe('sayText: digits in a text are never one huge number', () => {
  it.each([
    [
      'Rechnung 2027123456',
      'Rechnung zwei null zwei, sieben eins zwei, drei vier fünf sechs',
      'Rechnung two zero two, seven one two, three four five six',
    ],
    [
      'Rückruf an +4930555123 bitte',
      'Rückruf an plus vier neun, drei null, fünf fünf fünf, eins zwei drei bitte',
      'Rückruf an plus four nine, three zero, five five five, one two three bitte',
    ],
    ['Termin um 10 Uhr, Raum 1234', 'Termin um 10 Uhr, Raum 1234', 'Termin um 10 Uhr, Raum 1234'],
    ['Bob Berger <bob@example.com>', 'Bob Berger <bob@example.com>', 'Bob Berger <bob@example.com>'],
    // a number written in groups is one phone number: "089" was "null neunundachtzig"
    [
      'Bitte rufen Sie mich unter 089 1234567 zurück.',
      'Bitte rufen Sie mich unter null acht neun, eins zwei drei, vier fünf sechs sieben zurück.',
      'Bitte rufen Sie mich unter zero eight nine, one two three, four five six seven zurück.',
    ],
    [
      'Tel. +49 (0)89 12 34 56',
      'Tel. plus vier neun, acht neun, eins zwei, drei vier, fünf sechs',
      'Tel. plus four nine, eight nine, one two, three four, five six',
    ],
    // dates and amounts are not phone numbers
    [
      'Am 03.03.2027, Betrag 2027 12 500',
      'Am 03.03.2027, Betrag 2027 12 500',
      'Am 03.03.2027, Betrag 2027 12 500',
    ],
  ])('%s', (text, de, en) => {
    expect(sayText(text, 'de')).toBe(de);
    expect(sayText(text, 'en')).toBe(en);
  });

  it('says an SMS or fax sender address as the number only', () => {
    expect(sayText('+491701234567@sms.example.com', 'en')).toBe(
      'plus four nine, one seven zero, one two three, four five six seven',
    );
    expect(sayText('+491701234567@sms.example.com', 'de')).toBe(
      'plus vier neun, eins sieben null, eins zwei drei, vier fünf sechs sieben',
    );
    expect(sayText('4989777888@fax.example.com', 'de')).toBe(
      'vier neun acht, neun sieben sieben, sieben acht acht acht',
    );
  });

  it('leaves no run of more than 4 digits to espeak-ng', () => {
    for (const text of [
      '12345',
      'Nr. 123456789012',
      '+4981424799555 oder 0815 4711',
      'ID 99999999999999999999',
    ])
      for (const lang of ['de', 'en'] as const) expect(sayText(text, lang)).not.toMatch(/\d{5,}/);
  });
});
