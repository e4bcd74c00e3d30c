// A user's own office hours, as one line of text in the directory (`officeHours=` in the user
// data): the menus' `office hours` block written on a line, parts separated by `;`. Read where the
// call needs them, so a bad value costs that user her own hours, never the call.
import type { OfficeHours, ProfileRules, WorkDay } from '../graph/index.js';
import type { ActiveProfileInput } from './activeProfile.js';
import { checkOfficeHours } from './officeHours.js';

export type UserOfficeHoursResult = { ok: true; hours: OfficeHours | null } | { ok: false; error: string };

/** the time zone of office hours written without one and read without the company's */
export const FALLBACK_TIME_ZONE = 'UTC';

const NONE = 'none';

const DAYS: Record<string, number> = {
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
  sun: 7,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};
const DAY_LABELS = ['', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const TIME = /^(\d{1,2}):(\d{2})$/;
const DATE = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/;

class PartError extends Error {}

/** minutes since midnight; `24:00` only as an end */
function minutes(text: string, isEnd: boolean): number {
  const m = TIME.exec(text);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || min > 59 || h > 24 || (h === 24 && (min !== 0 || !isEnd)))
    throw new PartError(`"${text}" is not a time of day (00:00 to ${isEnd ? '24:00' : '23:59'})`);
  return h * 60 + min;
}

const hhmm = (n: number): string =>
  `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`;

function range(text: string): [number, number] {
  const [from, to, extra] = text.split('-');
  if (from === undefined || to === undefined || extra !== undefined || !from.includes(':'))
    throw new PartError(`a range is HH:MM-HH:MM, not "${text}"`);
  const a = minutes(from, false);
  const b = minutes(to, true);
  if (b <= a) throw new PartError(`"${text}" ends before it starts`);
  return [a, b];
}

function dayList(text: string): number[] {
  const [first, last, extra] = text.toLowerCase().split('-');
  const from = DAYS[first ?? ''];
  const to = last === undefined ? from : DAYS[last];
  if (extra !== undefined || from === undefined || to === undefined)
    throw new PartError(`"${text}" is not a day of the week (mon, tue, wed, thu, fri, sat, sun)`);
  if (to < from) throw new PartError(`the days "${text}" run backwards: write the earlier day first`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function validDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const year = m[1] ? Number(m[1]) : 2000; // a leap year: 02-29 recurs
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function isTimeZone(text: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

const words = (part: string): string[] => part.split(/[\s,]+/).filter((w) => w !== '');

/** `mon-fri 08:00-17:00 break 12:00-13:00`, `mon, wed-thu 08:00-12:00, 13:00-18:00` */
function dayRule(
  part: string,
  perDay: Map<number, { hours: [number, number][]; breaks: [number, number][] }>,
) {
  const tokens = words(part);
  const days: number[] = [];
  const hours: [number, number][] = [];
  const breaks: [number, number][] = [];
  let i = 0;
  while (i < tokens.length && !/\d/.test(tokens[i]!)) days.push(...dayList(tokens[i++]!));
  if (days.length === 0) throw new PartError('name the days first, e.g. mon-fri 08:00-17:00');
  while (i < tokens.length && tokens[i]!.toLowerCase() !== 'break') hours.push(range(tokens[i++]!));
  if (hours.length === 0) throw new PartError('the days have no hours, e.g. mon-fri 08:00-17:00');
  if (i < tokens.length) {
    i++;
    while (i < tokens.length) breaks.push(range(tokens[i++]!));
    if (breaks.length === 0) throw new PartError('"break" needs a range, e.g. break 12:00-13:00');
  }
  for (const [a, b] of breaks)
    if (!hours.some(([ha, hb]) => a >= ha && b <= hb))
      throw new PartError(`the break ${hhmm(a)}-${hhmm(b)} is outside the hours`);
  for (const day of days) {
    const slot = perDay.get(day) ?? { hours: [], breaks: [] };
    for (const [a, b] of hours) {
      const clash = slot.hours.find(([ca, cb]) => a < cb && ca < b);
      if (clash)
        throw new PartError(
          `${hhmm(a)}-${hhmm(b)} overlaps ${hhmm(clash[0])}-${hhmm(clash[1])} on ${DAY_LABELS[day]}`,
        );
      slot.hours.push([a, b]);
    }
    slot.breaks.push(...breaks);
    perDay.set(day, slot);
  }
}

/**
 * A user's own office hours from their text (§4.7.6): `none` (null: never switch by time), or
 * `Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; sat 09:00-12:00; closed 12-24, 12-31`.
 * The time zone comes first and may be left out: then the hours are in `companyTimeZone` (the
 * company's office hours' zone; without it {@link FALLBACK_TIME_ZONE}). A day without a part is
 * closed. The error names the part and what is wrong with it, in the admin's words.
 */
export function parseUserOfficeHours(text: string, companyTimeZone?: string): UserOfficeHoursResult {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === NONE) return { ok: true, hours: null };
  if (trimmed === '')
    return { ok: false, error: 'empty: write the hours, e.g. "mon-fri 08:00-17:00", or "none"' };
  const parts = trimmed.split(';').map((p) => p.trim());
  let timeZone = companyTimeZone ?? FALLBACK_TIME_ZONE;
  const perDay = new Map<number, { hours: [number, number][]; breaks: [number, number][] }>();
  const closed: string[] = [];
  for (const [index, part] of parts.entries()) {
    const where = `part ${index + 1} "${part}"`;
    try {
      const first = words(part)[0]?.toLowerCase();
      if (first === undefined) throw new PartError('empty: remove the extra ";"');
      if (first === 'closed') {
        const dates = words(part).slice(1);
        if (dates.length === 0) throw new PartError('"closed" needs dates, e.g. closed 12-24, 2027-04-02');
        for (const date of dates) {
          if (!validDate(date))
            throw new PartError(`"${date}" is not a date: write MM-DD for every year or YYYY-MM-DD once`);
          if (!closed.includes(date)) closed.push(date);
        }
      } else if (DAYS[first.split('-')[0]!] !== undefined) {
        dayRule(part, perDay);
      } else if (index === 0 && !/\s/.test(part)) {
        if (!isTimeZone(part))
          throw new PartError('unknown time zone: use an IANA name such as Europe/Berlin');
        timeZone = part;
      } else {
        throw new PartError(
          index === 0
            ? 'neither a time zone nor days with hours'
            : 'neither days with hours nor closed days (the time zone comes first)',
        );
      }
    } catch (e) {
      if (e instanceof PartError) return { ok: false, error: `${where}: ${e.message}` };
      throw e;
    }
  }
  const days: WorkDay[] = [...perDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([day, slot]) => ({
      day,
      hours: slot.hours.sort((x, y) => x[0] - y[0]).map(([a, b]) => ({ from: hhmm(a), to: hhmm(b) })),
      breaks: slot.breaks.sort((x, y) => x[0] - y[0]).map(([a, b]) => ({ from: hhmm(a), to: hhmm(b) })),
    }));
  const hours: OfficeHours = { timeZone, days, closed: closed.sort() };
  // the company's zone is the menu checker's; an unknown one still must not reach a call
  const problems = checkOfficeHours(hours);
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  return { ok: true, hours };
}

/**
 * The text of office hours, as {@link parseUserOfficeHours} reads it back: one part per run of
 * days with the same hours and breaks, the time zone first. `null` is `none`.
 */
export function formatUserOfficeHours(hours: OfficeHours | null): string {
  if (hours === null) return NONE;
  const parts: string[] = [hours.timeZone];
  const rangesOf = (list: WorkDay['hours']) => list.map((r) => `${r.from}-${r.to}`).join(', ');
  const sameAs = (a: WorkDay, b: WorkDay) =>
    rangesOf(a.hours) === rangesOf(b.hours) && rangesOf(a.breaks) === rangesOf(b.breaks);
  const days = [...hours.days].filter((d) => d.hours.length > 0).sort((a, b) => a.day - b.day);
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1]!.day === days[j]!.day + 1 && sameAs(days[j + 1]!, days[i]!))
      j++;
    const first = DAY_LABELS[days[i]!.day];
    const label = j === i ? first : `${first}-${DAY_LABELS[days[j]!.day]}`;
    const breaks = days[i]!.breaks.length > 0 ? ` break ${rangesOf(days[i]!.breaks)}` : '';
    parts.push(`${label} ${rangesOf(days[i]!.hours)}${breaks}`);
    i = j + 1;
  }
  if (hours.closed.length > 0) parts.push(`closed ${hours.closed.join(', ')}`);
  return parts.join('; ');
}

/** Her own schedule settings as the directory holds them (`UserSettings`). */
export interface UserScheduleSettings {
  readonly officeHours?: string | undefined;
  readonly offHoursProfile?: string | undefined;
  readonly breakProfile?: string | undefined;
}

/** A per-user value that cannot be used: whoever reads it logs it with the user. */
export interface SettingProblem {
  readonly key: 'officeHours' | 'offHoursProfile' | 'breakProfile';
  readonly value: string;
  readonly error: string;
}

/**
 * What `activeProfile` takes of her own schedule: her office hours parsed, her off-hours and
 * break profiles when the menus declare them. A value that cannot be used is left out, so the
 * company's applies, and comes back as a problem to log.
 */
export function userScheduleRules(
  own: UserScheduleSettings,
  company: { readonly officeHours: OfficeHours | null; readonly profiles: ProfileRules },
): {
  user: Pick<ActiveProfileInput['user'], 'officeHours' | 'offHoursProfile' | 'breakProfile'>;
  problems: SettingProblem[];
} {
  const user: Pick<ActiveProfileInput['user'], 'officeHours' | 'offHoursProfile' | 'breakProfile'> = {};
  const problems: SettingProblem[] = [];
  if (own.officeHours !== undefined) {
    const parsed = parseUserOfficeHours(own.officeHours, company.officeHours?.timeZone);
    if (parsed.ok) user.officeHours = parsed.hours;
    else problems.push({ key: 'officeHours', value: own.officeHours, error: parsed.error });
  }
  for (const key of ['offHoursProfile', 'breakProfile'] as const) {
    const profile = own[key];
    if (profile === undefined) continue;
    if (profile === '' || company.profiles.available.includes(profile)) user[key] = profile;
    else
      problems.push({
        key,
        value: profile,
        error: `no such profile (the menus offer ${company.profiles.available.join(', ')})`,
      });
  }
  return { user, problems };
}
