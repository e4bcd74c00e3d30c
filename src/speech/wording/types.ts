/**
 * What one language must know to put numbers, dates, times and durations into words.
 * Every function is pure: no I/O, no clock, no time zone — the callers in
 * `../wording.ts` do the calendar work and hand over plain fields.
 */
export interface LanguageWording {
  /** A cardinal as said on its own: en "twenty-one", de "einundzwanzig", "eins". */
  cardinal(n: number): string;
  /** An ordinal as used in a date: en "twenty-first", de "einundzwanzigster" (nominative). */
  ordinal(n: number, grammaticalCase: OrdinalCase): string;
  /** A year as people say it: en "nineteen ninety-nine", de "neunzehnhundertneunundneunzig". */
  year(y: number): string;
  /** A calendar date without weekday, e.g. "the third of March" / "dritter März". */
  date(parts: DateParts, grammaticalCase: OrdinalCase): string;
  /** A wall-clock time, e.g. "two oh five p.m." / "vierzehn Uhr fünf". */
  time(hour: number, minute: number): string;
  /** A date phrase relative to today, completed with a time by `dateTime`. */
  relativeDay(day: RelativeDay): string;
  /** Joins a day phrase and a time phrase: "today at …" / "heute um …". */
  dateTime(dayPhrase: string, timePhrase: string): string;
  /** Duration units, singular and plural, already with the article/number for one. */
  durationUnits: Record<DurationUnit, { one: string; other: string }>;
  /** Joins list items: "a, b and c" / "a, b und c". */
  list(items: readonly string[]): string;
  /** A key as a menu names it after "press": de "die 1", "die Stern-Taste"; en "1", "star", "hash". */
  keyName(key: string): string;
  /** Words for the characters of a phone number. */
  phoneSymbols: Record<PhoneSymbol, string>;
}

/** English ignores the case; German dates say "dritter März" alone and "am dritten März" in a sentence. */
export type OrdinalCase = 'nominative' | 'dative';

export interface DateParts {
  year: number;
  /** 1 = January */
  month: number;
  day: number;
  /** Omit the year when it is the current one. */
  withYear: boolean;
}

export type RelativeDay =
  | { kind: 'today' }
  | { kind: 'yesterday' }
  | { kind: 'tomorrow' }
  /** 1 = Monday … 7 = Sunday (ISO) */
  | { kind: 'weekday'; weekday: number }
  | { kind: 'date'; date: DateParts };

export type DurationUnit = 'hour' | 'minute' | 'second';

export type PhoneSymbol = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '+' | '*' | '#';
