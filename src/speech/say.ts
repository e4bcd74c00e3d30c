import { DateTime } from 'luxon';
import { wordingFor, type Language } from './wording/index.js';
import type { DateParts, OrdinalCase, PhoneSymbol } from './wording/types.js';

// Pure wording: values in, text for the TTS engine out. No I/O; the only clock read is
// the default of `now`, which callers (and every test) pass explicitly.

/** Largest number said in words; beyond it a caller is saying an ID, not an amount. */
export const MAX_SAYABLE = 999_999_999_999_999;

function checkInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_SAYABLE) {
    throw new RangeError(`${what} must be an integer up to ${MAX_SAYABLE} in magnitude, got ${n}`);
  }
}

/** A cardinal number in words: `sayNumber(354, 'en')` → "three hundred fifty-four", `'de'` → "dreihundertvierundfünfzig". */
export function sayNumber(n: number, lang: Language): string {
  checkInteger(n, 'a number to say');
  return wordingFor(lang).cardinal(n);
}

/**
 * An ordinal: `sayOrdinal(3, 'en')` → "third"; German declines it: "dritter" (nominative,
 * the default), "dritten" (dative, as in "am dritten März").
 */
export function sayOrdinal(n: number, lang: Language, grammaticalCase: OrdinalCase = 'nominative'): string {
  checkInteger(n, 'an ordinal');
  if (n < 1) throw new RangeError(`an ordinal must be 1 or more, got ${n}`);
  return wordingFor(lang).ordinal(n, grammaticalCase);
}

/** A year as people say it: 2024 → "twenty twenty-four" / "zweitausendvierundzwanzig". */
export function sayYear(y: number, lang: Language): string {
  checkInteger(y, 'a year');
  if (y < 1) throw new RangeError(`a year must be 1 or more, got ${y}`);
  return wordingFor(lang).year(y);
}

export interface DateWordingOptions {
  /** The moment "today" and "this year" are measured from; defaults to the clock. */
  now?: Date;
}

function inZone(date: Date, timeZone: string, what: string): DateTime {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new RangeError(`${what} is not a valid Date`);
  }
  const dt = DateTime.fromJSDate(date, { zone: timeZone });
  if (!dt.isValid) {
    throw new RangeError(`unknown time zone "${timeZone}" (use an IANA name such as "Europe/Berlin")`);
  }
  return dt;
}

function dateParts(dt: DateTime, now: DateTime): DateParts {
  return { year: dt.year, month: dt.month, day: dt.day, withYear: dt.year !== now.year };
}

/** Calendar days between two local dates, ignoring the clock (a DST day still counts as one). */
function calendarDaysBetween(from: DateTime, to: DateTime): number {
  const a = Date.UTC(from.year, from.month - 1, from.day);
  const b = Date.UTC(to.year, to.month - 1, to.day);
  return Math.round((b - a) / 86_400_000);
}

/**
 * A calendar date in `timeZone`: "the third of March" / "dritter März", with the year
 * when it is not the current one ("the third of March, twenty twenty-three").
 */
export function sayDate(
  date: Date,
  lang: Language,
  timeZone: string,
  options: DateWordingOptions & { grammaticalCase?: OrdinalCase } = {},
): string {
  const dt = inZone(date, timeZone, 'the date');
  const now = inZone(options.now ?? new Date(), timeZone, 'now');
  return wordingFor(lang).date(dateParts(dt, now), options.grammaticalCase ?? 'nominative');
}

/** The wall-clock time in `timeZone`: "two oh five p.m." / "vierzehn Uhr fünf". */
export function sayTime(date: Date, lang: Language, timeZone: string): string {
  const dt = inZone(date, timeZone, 'the time');
  return wordingFor(lang).time(dt.hour, dt.minute);
}

/**
 * When something happened, as a caller wants to hear it: "today at two oh five p.m.",
 * "yesterday at …", "on Monday at …" within the past week, else "on the third of March at …"
 * (German: "heute um vierzehn Uhr fünf", "gestern um …", "am Montag um …", "am dritten März um …").
 * Days are calendar days in `timeZone`, so midnight and DST changes fall where the caller expects.
 */
export function sayDateTime(
  date: Date,
  lang: Language,
  timeZone: string,
  options: DateWordingOptions = {},
): string {
  const dt = inZone(date, timeZone, 'the date');
  const now = inZone(options.now ?? new Date(), timeZone, 'now');
  const wording = wordingFor(lang);
  const daysAgo = calendarDaysBetween(dt, now);
  const day =
    daysAgo === 0
      ? wording.relativeDay({ kind: 'today' })
      : daysAgo === 1
        ? wording.relativeDay({ kind: 'yesterday' })
        : daysAgo === -1
          ? wording.relativeDay({ kind: 'tomorrow' })
          : daysAgo > 1 && daysAgo < 7
            ? wording.relativeDay({ kind: 'weekday', weekday: dt.weekday })
            : wording.relativeDay({ kind: 'date', date: dateParts(dt, now) });
  return wording.dateTime(day, wording.time(dt.hour, dt.minute));
}

/**
 * A length of time, rounded to whole seconds: 65 → "one minute and five seconds" /
 * "eine Minute und fünf Sekunden"; 3605 → "one hour and five seconds"; 0 → "zero seconds".
 */
export function sayDuration(seconds: number, lang: Language): string {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`a duration must be a finite number of seconds >= 0, got ${seconds}`);
  }
  const wording = wordingFor(lang);
  const total = Math.round(seconds);
  const amounts = [
    ['hour', Math.floor(total / 3600)],
    ['minute', Math.floor((total % 3600) / 60)],
    ['second', total % 60],
  ] as const;
  const parts = amounts
    .filter(([, amount]) => amount > 0)
    .map(([unit, amount]) => {
      const forms = wording.durationUnits[unit];
      return amount === 1 ? forms.one : `${wording.cardinal(amount)} ${forms.other}`;
    });
  if (parts.length === 0) return `${wording.cardinal(0)} ${wording.durationUnits.second.other}`;
  return wording.list(parts);
}

/**
 * Singular and plural of a counted phrase. `{count}` is replaced by the number in words;
 * a form without `{count}` is said as written, which is how German picks its article:
 * `{ one: 'eine neue Sprachnachricht', other: '{count} neue Sprachnachrichten' }`.
 * `zero`, when given, is used for 0 ("no new messages" / "keine neuen Nachrichten").
 */
export interface CountForms {
  one: string;
  other: string;
  zero?: string;
}

/** The names of the forms a counted phrase may have, in the order they are listed. */
export const COUNT_FORMS = ['zero', 'one', 'other'] as const;
export type CountForm = (typeof COUNT_FORMS)[number];

/** Which of `forms` is said for `n`: `zero` when given and n is 0, else by the language's plural rules. */
export function countFormFor(n: number, forms: CountForms, lang: Language): CountForm {
  checkInteger(n, 'a count');
  if (n < 0) throw new RangeError(`a count must be 0 or more, got ${n}`);
  if (n === 0 && forms.zero !== undefined) return 'zero';
  return new Intl.PluralRules(lang).select(n) === 'one' ? 'one' : 'other';
}

/** "one new voice message" / "three new voice messages" / "eine neue Sprachnachricht" / "drei neue Sprachnachrichten". */
export function sayCount(n: number, forms: CountForms, lang: Language): string {
  if (!forms.other.includes('{count}')) {
    throw new TypeError(`the plural form "${forms.other}" must contain {count}`);
  }
  const form = forms[countFormFor(n, forms, lang)] ?? forms.other;
  return form.replaceAll('{count}', sayNumber(n, lang));
}

/** Items joined as a list: "a, b and c" / "a, b und c"; one item alone, none the empty text. */
export function sayList(items: readonly string[], lang: Language): string {
  return wordingFor(lang).list(items);
}

/** One category of a message summary: how many there are, whether they are new, and how to say them. */
export interface SummaryItem {
  count: number;
  isNew: boolean;
  /** the counted phrase for `count`: "eine neue Sprachnachricht", "three saved voice messages" */
  say(count: number): string;
}

/**
 * What the owner has, as said after "Sie haben" / "You have": the categories with messages, in
 * the order given (new ones first), as a list — "zwei neue Sprachnachrichten, eine neue E-Mail
 * und drei gehörte Sprachnachrichten". Empty categories are not read. With nothing new,
 * `nothingNew` ("keine neuen Nachrichten") comes first, or stands alone when there is nothing at all.
 */
export function saySummary(items: readonly SummaryItem[], nothingNew: string, lang: Language): string {
  const present = items.filter((item) => item.count > 0);
  const words = present.map((item) => item.say(item.count));
  if (!present.some((item) => item.isNew)) words.unshift(nothingNew);
  return sayList(words, lang);
}

const PHONE_SEPARATORS = /[\s\-/.()]+/;

// ITU-T E.164 country codes: which are 1 or 2 digits long (all others have 3).
const ONE_DIGIT_COUNTRY_CODES = new Set(['1', '7']);
const TWO_DIGIT_COUNTRY_CODES = new Set(
  (
    '20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 ' +
    '60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98'
  ).split(' '),
);

function countryCodeLength(digits: string): number {
  if (ONE_DIGIT_COUNTRY_CODES.has(digits.slice(0, 1))) return 1;
  if (TWO_DIGIT_COUNTRY_CODES.has(digits.slice(0, 2))) return 2;
  return 3;
}

// German area codes (Bundesnetzagentur's plan), enough to pause where Germans do: Berlin,
// Hamburg, Frankfurt and Munich have two digits; the big cities three, almost all ending in 1
// (221 Köln, 911 Nürnberg) and these few not; mobile networks three (170–179, 160–169) or four
// (15xx); everything else four or five, which is said the same in a group of four.
const GERMAN_TWO_DIGIT_AREAS = new Set(['30', '40', '69', '89']);
const GERMAN_THREE_DIGIT_AREAS = new Set(
  '202 203 208 209 228 234 335 340 345 355 365 375 385 395'.split(' '),
);

function germanAreaLength(national: string): number {
  if (GERMAN_TWO_DIGIT_AREAS.has(national.slice(0, 2))) return 2;
  if (national.startsWith('15')) return 4;
  if (/^1[67]/.test(national)) return 3;
  if (national[2] === '1' || GERMAN_THREE_DIGIT_AREAS.has(national.slice(0, 3))) return 3;
  return 4;
}

/** The groups of the national part of a number: after the area code where it is known (Germany), then in 3s and 4s. */
function nationalGroups(countryCode: string, national: string): string[] {
  if (countryCode !== '49' || national.length < 7) return chunkDigits(national);
  const area = germanAreaLength(national);
  return [national.slice(0, area), ...chunkDigits(national.slice(area))];
}

/** Splits a run of digits the way people read it out: 3s, never a lone digit at the end (7 → 3+4, 8 → 4+4). */
function chunkDigits(digits: string): string[] {
  const groups: string[] = [];
  let rest = digits;
  while (rest.length > 8) {
    groups.push(rest.slice(0, 3));
    rest = rest.slice(3);
  }
  const tail: Record<number, number[]> = { 5: [2, 3], 6: [3, 3], 7: [3, 4], 8: [4, 4] };
  let at = 0;
  for (const size of tail[rest.length] ?? [rest.length]) {
    groups.push(rest.slice(at, at + size));
    at += size;
  }
  return groups.filter((g) => g.length > 0);
}

/**
 * The groups a phone number is read in. Groups the writer made (spaces, dashes, slashes,
 * dots, parentheses) are kept, a long one split in 3s and 4s; a number without them is split after the country code (by
 * the E.164 table) and then in 3s and 4s. A leading `+` stays on the first group.
 */
export function phoneNumberGroups(number: string): string[] {
  const trimmed = number.trim();
  if (!/^\+?[\d\s\-/.()*#]+$/.test(trimmed) || !/\d|[*#]/.test(trimmed)) {
    throw new RangeError(`"${number}" is not a phone number (digits, *, # and a leading + only)`);
  }
  const plus = trimmed.startsWith('+');
  const body = plus ? trimmed.slice(1) : trimmed;
  const written = body.split(PHONE_SEPARATORS).filter((g) => g.length > 0);
  let groups: string[];
  if (written.length > 1) {
    // the writer's groups, but none after the first longer than 4 digits: "1234199" → "123", "4199"
    groups = written.flatMap((g, i) => (i > 0 && g.length > 4 ? chunkDigits(g) : [g]));
  } else {
    const digits = written[0] ?? '';
    if (plus) {
      const cc = countryCodeLength(digits);
      groups = [digits.slice(0, cc), ...nationalGroups(digits.slice(0, cc), digits.slice(cc))];
    } else {
      groups = chunkDigits(digits);
    }
  }
  if (plus && groups.length > 0) groups[0] = `+${groups[0] ?? ''}`;
  return groups;
}

/**
 * A phone number digit by digit, in groups separated by commas (which espeak-ng turns into
 * pauses): "+49 8142 4799" → "plus four nine, eight one four two, four seven nine nine" /
 * "plus vier neun, acht eins vier zwei, vier sieben neun neun". 0 is "zero" / "null".
 */
export function sayPhoneNumber(number: string, lang: Language): string {
  const symbols = wordingFor(lang).phoneSymbols;
  return phoneNumberGroups(number)
    .map((group) =>
      [...group]
        .map((ch) => symbols[ch as PhoneSymbol])
        .filter((word): word is string => word !== undefined)
        .join(' '),
    )
    .join(', ');
}

/**
 * The phone number an address stands for, or undefined: an SMS or fax gateway writes the sender
 * as `+491701234567@sms.example.com`, and a caller wants to hear the number, not the domain.
 */
export function phoneNumberInAddress(address: string): string | undefined {
  const match = /^\s*(\+?\d[\d\s\-/.()]{3,})@[^\s@]+\s*$/.exec(address);
  return match?.[1]?.trim();
}

// a run of digits espeak-ng would read as one big cardinal ("vier Milliarden …")
const LONG_DIGIT_RUN = /\+?\d{5,}/g;
// a phone number as people write it in a mail, in groups: "089 1234567", "+49 (0)89 12 34 56",
// "0171/1234567" — starting with + or 0, so a date or an amount ("2027 12 500") is not one
// (no dots: "03.03.2027" is a date); the "(0)" after a country code is not dialled, nor said
const WRITTEN_PHONE_NUMBER = /(?<![\d+.])(?:\+\d{1,3}[ \-/]?(?:\(0\) ?)?|0)\d+(?:[ \-/]\d+)+(?![\d.]\d)/g;

/**
 * A text as a caller should hear it, whatever put the digits into it: an address whose name is a
 * phone number is said as that number, and every run of 5 or more digits in digit groups — a
 * subject "Rechnung 2027123456" becomes "Rechnung zwei null zwei, sieben eins zwei, drei vier
 * fünf sechs". Shorter numbers ("um 10 Uhr", "2024") are left to the text.
 */
export function sayText(text: string, lang: Language): string {
  const number = phoneNumberInAddress(text);
  if (number !== undefined) return sayPhoneNumber(number, lang);
  return text
    .replace(WRITTEN_PHONE_NUMBER, (written) =>
      written.replace(/\D/g, '').length >= 6 ? sayPhoneNumber(written.replace('(0)', ''), lang) : written,
    )
    .replace(LONG_DIGIT_RUN, (run) => sayPhoneNumber(run, lang));
}

/**
 * The location of the voice-mail system (the ixi-UMS Voice-Mail Server manual §4.4 "Site"): its
 * numbers are +country area subscriber extension.
 */
export interface Site {
  /** Country code without "+", e.g. "49" */
  country: string;
  /** Area code without the trunk prefix, e.g. "8142" */
  area: string;
  /** The site's base number, e.g. "4799" */
  subscriber: string;
}

/**
 * How to announce a number of the own site (the ixi-UMS Voice-Mail Server manual §4.4 "Default
 * announcement").
 */
export type NumberAnnouncement = 'extension' | 'canonical';

/**
 * The number to say for `canonical` (E.164, "+4981424799555"): with `extension` and a number
 * of `site`, only its extension ("555"); otherwise the whole canonical number.
 */
export function numberToAnnounce(canonical: string, mode: NumberAnnouncement, site?: Site): string {
  const digits = canonical.replace(/[^\d+]/g, '');
  if (mode === 'canonical' || !site) return digits;
  const prefix = `+${site.country}${site.area}${site.subscriber}`;
  if (digits.startsWith(prefix) && digits.length > prefix.length) return digits.slice(prefix.length);
  return digits;
}
