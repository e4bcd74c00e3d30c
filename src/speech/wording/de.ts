import type { DateParts, LanguageWording, RelativeDay } from './types.js';

// German numbers below a million are one word ("dreihundertvierundfünfzig"); Million and
// Milliarde are nouns with their own gender and plural ("eine Million", "zwei Millionen eins").
// A 1 is "eins" at the end of a number, "ein" inside it ("einundzwanzig", "hunderteins").

const ONES = [
  'null',
  'ein',
  'zwei',
  'drei',
  'vier',
  'fünf',
  'sechs',
  'sieben',
  'acht',
  'neun',
  'zehn',
  'elf',
  'zwölf',
  'dreizehn',
  'vierzehn',
  'fünfzehn',
  'sechzehn',
  'siebzehn',
  'achtzehn',
  'neunzehn',
] as const;
const TENS = [
  '',
  '',
  'zwanzig',
  'dreißig',
  'vierzig',
  'fünfzig',
  'sechzig',
  'siebzig',
  'achtzig',
  'neunzig',
] as const;
const BIG = [
  [1e12, 'eine Billion', 'Billionen'],
  [1e9, 'eine Milliarde', 'Milliarden'],
  [1e6, 'eine Million', 'Millionen'],
] as const;
const MONTHS = [
  'Januar',
  'Februar',
  'März',
  'April',
  'Mai',
  'Juni',
  'Juli',
  'August',
  'September',
  'Oktober',
  'November',
  'Dezember',
] as const;
const WEEKDAYS = ['Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag', 'Sonntag'] as const;

/** 1..99; `final` = nothing follows, so a lone 1 is "eins". */
function below100(n: number, final: boolean): string {
  if (n === 1) return final ? 'eins' : 'ein';
  if (n < 20) return ONES[n] ?? '';
  const tens = TENS[Math.floor(n / 10)] ?? '';
  const ones = n % 10;
  return ones === 0 ? tens : `${ONES[ones]}und${tens}`;
}

/** 1..999; `leading` = first word of the whole number, where 100 is "hundert" rather than "einhundert". */
function below1000(n: number, final: boolean, leading: boolean): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  let word = '';
  if (hundreds === 1) word = leading ? 'hundert' : 'einhundert';
  else if (hundreds > 1) word = `${ONES[hundreds]}hundert`;
  if (rest > 0) word += below100(rest, final);
  return word;
}

/** 1..999999 as one word. */
function belowMillion(n: number, leading: boolean): string {
  const thousands = Math.floor(n / 1000);
  const rest = n % 1000;
  let word = '';
  if (thousands === 1) word = leading ? 'tausend' : 'eintausend';
  else if (thousands > 1) word = `${below1000(thousands, false, leading)}tausend`;
  if (rest > 0) word += below1000(rest, true, leading && thousands === 0);
  return word;
}

function cardinal(n: number): string {
  if (n < 0) return `minus ${cardinal(-n)}`;
  if (n === 0) return 'null';
  const words: string[] = [];
  let rest = n;
  for (const [scale, one, many] of BIG) {
    const count = Math.floor(rest / scale);
    if (count === 1) words.push(one);
    else if (count > 1) words.push(`${belowMillion(count, words.length === 0)} ${many}`);
    rest %= scale;
  }
  if (rest > 0) words.push(belowMillion(rest, words.length === 0));
  return words.join(' ');
}

const IRREGULAR_ORDINAL_STEMS: Record<number, string> = { 1: 'erst', 3: 'dritt', 7: 'siebt', 8: 'acht' };

function ordinal(n: number, grammaticalCase: 'nominative' | 'dative'): string {
  // 1..19 add "t" (with a few irregular stems), from 20 on "st": "zwanzigst", "einunddreißigst".
  const last = n % 100;
  let stem: string;
  if (last >= 1 && last < 20) {
    const head = n - last > 0 ? cardinal(n - last) : '';
    stem = head + (IRREGULAR_ORDINAL_STEMS[last] ?? `${below100(last, false)}t`);
  } else {
    stem = `${cardinal(n)}st`;
  }
  return stem + (grammaticalCase === 'dative' ? 'en' : 'er');
}

function year(y: number): string {
  // 1999 "neunzehnhundertneunundneunzig", 2024 "zweitausendvierundzwanzig"
  if (y >= 1100 && y < 2000) {
    const rest = y % 100;
    return `${below100(Math.floor(y / 100), false)}hundert${rest > 0 ? below100(rest, true) : ''}`;
  }
  return cardinal(y).replace(/^tausend/, 'eintausend');
}

function date(parts: DateParts, grammaticalCase: 'nominative' | 'dative'): string {
  const base = `${ordinal(parts.day, grammaticalCase)} ${MONTHS[parts.month - 1] ?? ''}`;
  return parts.withYear ? `${base} ${year(parts.year)}` : base;
}

function time(hour: number, minute: number): string {
  // "ein Uhr", not "eins Uhr"; the minutes stand alone, so 1 is "eins": "vierzehn Uhr eins".
  const hours = hour === 1 ? 'ein' : cardinal(hour);
  return minute === 0 ? `${hours} Uhr` : `${hours} Uhr ${cardinal(minute)}`;
}

function relativeDay(day: RelativeDay): string {
  switch (day.kind) {
    case 'today':
      return 'heute';
    case 'yesterday':
      return 'gestern';
    case 'tomorrow':
      return 'morgen';
    case 'weekday':
      return `am ${WEEKDAYS[day.weekday - 1] ?? ''}`;
    case 'date':
      return `am ${date(day.date, 'dative')}`;
  }
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} und ${items[items.length - 1]}`;
}

export const german: LanguageWording = {
  cardinal,
  ordinal,
  year,
  date,
  time,
  relativeDay,
  dateTime: (day, at) => `${day} um ${at}`,
  durationUnits: {
    hour: { one: 'eine Stunde', other: 'Stunden' },
    minute: { one: 'eine Minute', other: 'Minuten' },
    second: { one: 'eine Sekunde', other: 'Sekunden' },
  },
  list,
  keyName: (key) => (key === '*' ? 'die Stern-Taste' : key === '#' ? 'die Raute-Taste' : `die ${key}`),
  phoneSymbols: {
    '0': 'null',
    '1': 'eins',
    '2': 'zwei',
    '3': 'drei',
    '4': 'vier',
    '5': 'fünf',
    '6': 'sechs',
    '7': 'sieben',
    '8': 'acht',
    '9': 'neun',
    '+': 'plus',
    '*': 'Stern',
    '#': 'Raute',
  },
};
