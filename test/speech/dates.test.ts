import { describe, expect, it } from 'vitest';
import { sayDate, sayDateTime, sayTime } from '../../src/speech/index.js';

const berlin = 'Europe/Berlin';
const at = (iso: string): Date => new Date(iso);

describe('sayTime', () => {
  it.each([
    ['2024-03-05T14:05:00+01:00', 'two oh five p.m.', 'vierzehn Uhr fünf'],
    ['2024-03-05T14:00:00+01:00', 'two p.m.', 'vierzehn Uhr'],
    ['2024-03-05T14:30:00+01:00', 'two thirty p.m.', 'vierzehn Uhr dreißig'],
    ['2024-03-05T00:00:00+01:00', 'midnight', 'null Uhr'],
    ['2024-03-05T00:01:00+01:00', 'twelve oh one a.m.', 'null Uhr eins'],
    ['2024-03-05T01:00:00+01:00', 'one a.m.', 'ein Uhr'],
    ['2024-03-05T01:21:00+01:00', 'one twenty-one a.m.', 'ein Uhr einundzwanzig'],
    ['2024-03-05T09:10:00+01:00', 'nine ten a.m.', 'neun Uhr zehn'],
    ['2024-03-05T12:00:00+01:00', 'noon', 'zwölf Uhr'],
    ['2024-03-05T12:45:00+01:00', 'twelve forty-five p.m.', 'zwölf Uhr fünfundvierzig'],
    ['2024-03-05T13:00:00+01:00', 'one p.m.', 'dreizehn Uhr'],
    ['2024-03-05T23:59:59+01:00', 'eleven fifty-nine p.m.', 'dreiundzwanzig Uhr neunundfünfzig'],
  ])('%s is "%s" / "%s"', (iso, en, de) => {
    expect(sayTime(at(iso), 'en', berlin)).toBe(en);
    expect(sayTime(at(iso), 'de', berlin)).toBe(de);
  });

  it('says the wall clock of the time zone asked for', () => {
    const instant = at('2024-07-01T12:30:00Z');
    expect(sayTime(instant, 'en', 'America/New_York')).toBe('eight thirty a.m.');
    expect(sayTime(instant, 'de', berlin)).toBe('vierzehn Uhr dreißig');
    expect(sayTime(instant, 'de', 'Asia/Kolkata')).toBe('achtzehn Uhr');
  });

  it('names an unknown time zone', () => {
    expect(() => sayTime(at('2024-07-01T12:30:00Z'), 'en', 'Mars/Olympus')).toThrow(
      /unknown time zone "Mars\/Olympus"/,
    );
  });

  it('refuses an invalid date', () => {
    expect(() => sayTime(new Date('not a date'), 'en', berlin)).toThrow(RangeError);
  });
});

describe('sayDate', () => {
  const now = at('2024-06-15T12:00:00+02:00');
  it.each([
    ['2024-03-03T12:00:00+01:00', 'the third of March', 'dritter März'],
    ['2024-01-01T12:00:00+01:00', 'the first of January', 'erster Januar'],
    ['2024-05-21T12:00:00+02:00', 'the twenty-first of May', 'einundzwanzigster Mai'],
    ['2024-12-31T12:00:00+01:00', 'the thirty-first of December', 'einunddreißigster Dezember'],
    [
      '2023-03-03T12:00:00+01:00',
      'the third of March, twenty twenty-three',
      'dritter März zweitausenddreiundzwanzig',
    ],
  ])('%s is "%s" / "%s"', (iso, en, de) => {
    expect(sayDate(at(iso), 'en', berlin, { now })).toBe(en);
    expect(sayDate(at(iso), 'de', berlin, { now })).toBe(de);
  });

  it('declines the German ordinal for use after "am"', () => {
    expect(sayDate(at('2024-03-03T12:00:00+01:00'), 'de', berlin, { now, grammaticalCase: 'dative' })).toBe(
      'dritten März',
    );
  });

  it('takes the day from the time zone: 23:30 UTC is already tomorrow in Berlin', () => {
    const instant = at('2024-03-03T23:30:00Z');
    expect(sayDate(instant, 'en', 'UTC', { now })).toBe('the third of March');
    expect(sayDate(instant, 'en', berlin, { now })).toBe('the fourth of March');
  });

  it('says the year when New Year lies between, even a minute ago', () => {
    const newYear = at('2024-01-01T00:00:30+01:00');
    expect(sayDate(at('2023-12-31T23:59:00+01:00'), 'en', berlin, { now: newYear })).toBe(
      'the thirty-first of December, twenty twenty-three',
    );
  });
});

describe('sayDateTime', () => {
  it.each([
    // [what, message, now, English, German]
    [
      'earlier today',
      '2024-03-05T14:05:00+01:00',
      '2024-03-05T15:00:00+01:00',
      'today at two oh five p.m.',
      'heute um vierzehn Uhr fünf',
    ],
    [
      'five minutes before midnight, heard ten minutes after it',
      '2024-03-05T23:55:00+01:00',
      '2024-03-06T00:10:00+01:00',
      'yesterday at eleven fifty-five p.m.',
      'gestern um dreiundzwanzig Uhr fünfundfünfzig',
    ],
    [
      'half a minute after midnight',
      '2024-03-06T00:00:30+01:00',
      '2024-03-06T00:10:00+01:00',
      'today at midnight',
      'heute um null Uhr',
    ],
    [
      'the night the clocks went forward, before the change (CET)',
      '2024-03-31T01:30:00+01:00',
      '2024-03-31T10:00:00+02:00',
      'today at one thirty a.m.',
      'heute um ein Uhr dreißig',
    ],
    [
      'the night the clocks went forward, after the change (CEST)',
      '2024-03-31T03:30:00+02:00',
      '2024-03-31T10:00:00+02:00',
      'today at three thirty a.m.',
      'heute um drei Uhr dreißig',
    ],
    [
      'less than 24 hours ago across the spring change, but two calendar days',
      '2024-03-30T23:45:00+01:00',
      '2024-04-01T00:30:00+02:00',
      'on Saturday at eleven forty-five p.m.',
      'am Samstag um dreiundzwanzig Uhr fünfundvierzig',
    ],
    [
      'more than 24 hours ago across the autumn change, but yesterday',
      '2024-10-27T00:15:00+02:00',
      '2024-10-28T00:05:00+01:00',
      'yesterday at twelve fifteen a.m.',
      'gestern um null Uhr fünfzehn',
    ],
    [
      'the second 02:30 of the autumn night (CET)',
      '2024-10-27T02:30:00+01:00',
      '2024-10-27T09:00:00+01:00',
      'today at two thirty a.m.',
      'heute um zwei Uhr dreißig',
    ],
    [
      'two days ago',
      '2024-03-11T09:15:00+01:00',
      '2024-03-13T12:00:00+01:00',
      'on Monday at nine fifteen a.m.',
      'am Montag um neun Uhr fünfzehn',
    ],
    [
      'six days ago',
      '2024-03-07T17:00:00+01:00',
      '2024-03-13T12:00:00+01:00',
      'on Thursday at five p.m.',
      'am Donnerstag um siebzehn Uhr',
    ],
    [
      'a week ago',
      '2024-03-06T08:00:00+01:00',
      '2024-03-13T12:00:00+01:00',
      'on the sixth of March at eight a.m.',
      'am sechsten März um acht Uhr',
    ],
    [
      'last year',
      '2023-12-24T18:30:00+01:00',
      '2024-01-02T10:00:00+01:00',
      'on the twenty-fourth of December, twenty twenty-three at six thirty p.m.',
      'am vierundzwanzigsten Dezember zweitausenddreiundzwanzig um achtzehn Uhr dreißig',
    ],
    [
      'tomorrow (a clock ahead of ours)',
      '2024-03-06T00:05:00+01:00',
      '2024-03-05T23:59:00+01:00',
      'tomorrow at twelve oh five a.m.',
      'morgen um null Uhr fünf',
    ],
  ])('%s', (_what, message, now, en, de) => {
    expect(sayDateTime(at(message), 'en', berlin, { now: at(now) })).toBe(en);
    expect(sayDateTime(at(message), 'de', berlin, { now: at(now) })).toBe(de);
  });

  it('decides "today" in the caller\'s time zone, not in UTC', () => {
    const message = at('2024-03-05T23:30:00Z');
    const now = at('2024-03-06T08:00:00Z');
    expect(sayDateTime(message, 'en', 'UTC', { now })).toBe('yesterday at eleven thirty p.m.');
    expect(sayDateTime(message, 'de', berlin, { now })).toBe('heute um null Uhr dreißig');
  });
});
