import type { DateParts, LanguageWording, RelativeDay } from './types.js';

// US English as espeak-ng's `en-us` voice says it: no "and" inside numbers
// ("three hundred fifty-four"), 12-hour clock, "the third of March".

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const SCALES = [
  [1e12, 'trillion'],
  [1e9, 'billion'],
  [1e6, 'million'],
  [1e3, 'thousand'],
] as const;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

function below100(n: number): string {
  if (n < 20) return ONES[n] ?? '';
  const tens = TENS[Math.floor(n / 10)] ?? '';
  const ones = n % 10;
  return ones === 0 ? tens : `${tens}-${ONES[ones]}`;
}

function below1000(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const words: string[] = [];
  if (hundreds > 0) words.push(`${ONES[hundreds]} hundred`);
  if (rest > 0) words.push(below100(rest));
  return words.join(' ');
}

function cardinal(n: number): string {
  if (n < 0) return `minus ${cardinal(-n)}`;
  if (n === 0) return 'zero';
  const words: string[] = [];
  let rest = n;
  for (const [scale, name] of SCALES) {
    if (rest >= scale) {
      words.push(`${below1000(Math.floor(rest / scale))} ${name}`);
      rest %= scale;
    }
  }
  if (rest > 0) words.push(below1000(rest));
  return words.join(' ');
}

const IRREGULAR_ORDINALS: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

function ordinal(n: number): string {
  // Only the last word changes: "twenty-one" -> "twenty-first", "one hundred" -> "one hundredth".
  const words = cardinal(n);
  const match = /^(.*?)([a-z]+)$/.exec(words);
  if (!match) return words;
  const [, head = '', last = ''] = match;
  const irregular = IRREGULAR_ORDINALS[last];
  if (irregular) return head + irregular;
  if (last.endsWith('y')) return `${head}${last.slice(0, -1)}ieth`;
  return `${head}${last}th`;
}

function year(y: number): string {
  // 1999 "nineteen ninety-nine", 1900 "nineteen hundred", 2000 "two thousand",
  // 2005 "two thousand five", 2024 "twenty twenty-four".
  if (y < 1000 || y > 9999) return cardinal(y);
  const high = Math.floor(y / 100);
  const low = y % 100;
  if (y % 1000 < 10 && high % 10 === 0) return cardinal(y);
  if (low === 0) return `${below100(high)} hundred`;
  if (low < 10) return `${below100(high)} oh ${ONES[low]}`;
  return `${below100(high)} ${below100(low)}`;
}

function date(parts: DateParts): string {
  const month = MONTHS[parts.month - 1] ?? '';
  const base = `the ${ordinal(parts.day)} of ${month}`;
  return parts.withYear ? `${base}, ${year(parts.year)}` : base;
}

function time(hour: number, minute: number): string {
  if (minute === 0 && hour === 0) return 'midnight';
  if (minute === 0 && hour === 12) return 'noon';
  const suffix = hour < 12 ? 'a.m.' : 'p.m.';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  if (minute === 0) return `${cardinal(h12)} ${suffix}`;
  const minutes = minute < 10 ? `oh ${ONES[minute]}` : below100(minute);
  return `${cardinal(h12)} ${minutes} ${suffix}`;
}

function relativeDay(day: RelativeDay): string {
  switch (day.kind) {
    case 'today':
      return 'today';
    case 'yesterday':
      return 'yesterday';
    case 'tomorrow':
      return 'tomorrow';
    case 'weekday':
      return `on ${WEEKDAYS[day.weekday - 1] ?? ''}`;
    case 'date':
      return `on ${date(day.date)}`;
  }
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export const english: LanguageWording = {
  cardinal,
  ordinal: (n) => ordinal(n),
  year,
  date: (parts) => date(parts),
  time,
  relativeDay,
  dateTime: (day, at) => `${day} at ${at}`,
  durationUnits: {
    hour: { one: 'one hour', other: 'hours' },
    minute: { one: 'one minute', other: 'minutes' },
    second: { one: 'one second', other: 'seconds' },
  },
  list,
  keyName: (key) => (key === '*' ? 'star' : key === '#' ? 'hash' : key),
  phoneSymbols: {
    '0': 'zero',
    '1': 'one',
    '2': 'two',
    '3': 'three',
    '4': 'four',
    '5': 'five',
    '6': 'six',
    '7': 'seven',
    '8': 'eight',
    '9': 'nine',
    '+': 'plus',
    '*': 'star',
    '#': 'hash',
  },
};
