import { DateTime } from 'luxon';
import type { OfficeHours } from '../graph/index.js';

/** What the office is doing at an instant, in the words an admin would use. */
export type OfficeState = 'open' | 'break' | 'off-hours' | 'closed-day' | 'holiday';

export type ScheduleErrorCode = 'invalid-time-zone' | 'invalid-instant';

/** Office hours that cannot be evaluated: an unknown time zone, or no valid instant to evaluate them at. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  constructor(
    readonly code: ScheduleErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const MINUTES_PER_DAY = 24 * 60;
/** A holiday list and weekly hours repeat within a year; look a little further for the next change. */
const HORIZON_DAYS = 400;
const HH_MM = /^(\d{2}):(\d{2})$/;
const MONTH_DAY = /^(\d{2})-(\d{2})$/;
const YEAR_MONTH_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `08:30` → 510, `24:00` → 1440; undefined for anything else. */
function minuteOfDay(hhmm: string): number | undefined {
  const match = typeof hhmm === 'string' ? HH_MM.exec(hhmm) : null;
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return undefined;
  return hours * 60 + minutes;
}

interface Range {
  from: number;
  to: number;
}

/** Valid ranges only: a per-user override read from a directory must not break a call. */
function rangesOf(ranges: ReadonlyArray<{ from: string; to: string }>): Range[] {
  const result: Range[] = [];
  for (const range of ranges) {
    const from = minuteOfDay(range.from);
    const to = minuteOfDay(range.to);
    if (from !== undefined && to !== undefined && from < to && from < MINUTES_PER_DAY)
      result.push({ from, to });
  }
  return result;
}

function within(ranges: Range[], minute: number): boolean {
  return ranges.some((range) => range.from <= minute && minute < range.to);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function holidayOf(closed: readonly string[], local: DateTime): string | undefined {
  const monthDay = `${pad(local.month)}-${pad(local.day)}`;
  const date = `${pad(local.year, 4)}-${monthDay}`;
  return closed.find((entry) => entry === monthDay || entry === date);
}

function localTime(officeHours: OfficeHours, at: Date): DateTime {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new ScheduleError('invalid-instant', `office hours need a valid date, got ${String(at)}`);
  }
  const local = DateTime.fromJSDate(at, { zone: officeHours.timeZone });
  if (!local.isValid) {
    throw new ScheduleError(
      'invalid-time-zone',
      `unknown time zone "${officeHours.timeZone}" in the office hours`,
    );
  }
  return local;
}

/** The office state at an instant and what decided it: for `voicebox explain`. */
export interface OfficeStateDetail {
  state: OfficeState;
  /** the instant in the office hours' zone: `Tue 2026-12-01 21:32` */
  local: string;
  timeZone: string;
  /** that day's work hours and breaks, `08:00-12:00` (valid ranges only) */
  hours: string[];
  breaks: string[];
  /** the `closed` entry that made it a holiday */
  holiday?: string;
}

const hhmm = (minute: number): string => `${pad(Math.floor(minute / 60))}:${pad(minute % 60)}`;
const shown = (ranges: Range[]): string[] => ranges.map((r) => `${hhmm(r.from)}-${hhmm(r.to)}`);

interface Decided {
  state: OfficeState;
  hours: Range[];
  breaks: Range[];
  holiday?: string;
}

function decide(officeHours: OfficeHours, local: DateTime): Decided {
  const today = officeHours.days.filter((workDay) => workDay.day === local.weekday);
  const hours = rangesOf(today.flatMap((workDay) => workDay.hours));
  const breaks = rangesOf(today.flatMap((workDay) => workDay.breaks));
  const holiday = holidayOf(officeHours.closed, local);
  if (holiday !== undefined) return { state: 'holiday', hours, breaks, holiday };
  if (hours.length === 0) return { state: 'closed-day', hours, breaks };
  // seconds and milliseconds count: 12:59:59.999 is still in a break that ends at 13:00
  const minute = local.hour * 60 + local.minute + (local.second + local.millisecond / 1000) / 60;
  if (within(breaks, minute)) return { state: 'break', hours, breaks };
  return { state: within(hours, minute) ? 'open' : 'off-hours', hours, breaks };
}

function stateAt(officeHours: OfficeHours, local: DateTime): OfficeState {
  return decide(officeHours, local).state;
}

/** `officeState` with what decided it: the local time, that day's hours and breaks, the holiday. */
export function officeStateDetail(officeHours: OfficeHours, at: Date): OfficeStateDetail {
  const local = localTime(officeHours, at);
  const { state, hours, breaks, holiday } = decide(officeHours, local);
  return {
    state,
    local: local.toFormat('ccc yyyy-MM-dd HH:mm', { locale: 'en' }),
    timeZone: officeHours.timeZone,
    hours: shown(hours),
    breaks: shown(breaks),
    ...(holiday !== undefined ? { holiday } : {}),
  };
}

/**
 * What the office does at `at`, in its own time zone (daylight saving included): a
 * holiday (`closed` MM-DD every year or YYYY-MM-DD once), a weekday without work hours,
 * a break, outside the work hours, or open. Ranges include their start and exclude
 * their end; `24:00` ends a day.
 */
export function officeState(officeHours: OfficeHours, at: Date): OfficeState {
  return stateAt(officeHours, localTime(officeHours, at));
}

/** Whether the office works at `at`: a work day, within its hours, not in a break. */
export function isOpen(officeHours: OfficeHours, at: Date): boolean {
  return officeState(officeHours, at) === 'open';
}

function offsetAt(millis: number, zone: string): number {
  return DateTime.fromMillis(millis, { zone }).offset;
}

/**
 * The instants of one local day at which the office state may change: every boundary
 * wall time under each offset in force that day (twice in the hour that repeats in
 * autumn, never in the hour skipped in spring), and the daylight-saving switch itself,
 * where skipped or repeated boundaries take effect.
 */
function candidatesOn(
  year: number,
  month: number,
  day: number,
  zone: string,
  boundaries: number[],
): number[] {
  const midnightUtc = Date.UTC(year, month - 1, day);
  const nextMidnightUtc = Date.UTC(year, month - 1, day + 1);
  const startOffset = offsetAt(midnightUtc - 14 * 3_600_000, zone);
  const endOffset = offsetAt(nextMidnightUtc + 14 * 3_600_000, zone);
  const instants = new Set<number>();
  for (const offset of new Set([startOffset, endOffset])) {
    for (const minute of boundaries) {
      const millis = midnightUtc + (minute - offset) * 60_000;
      const local = DateTime.fromMillis(millis, { zone });
      if (local.day === day && local.month === month && local.hour * 60 + local.minute === minute) {
        instants.add(millis);
      }
    }
  }
  if (startOffset !== endOffset) {
    let before = midnightUtc - 14 * 3_600_000;
    let after = nextMidnightUtc + 14 * 3_600_000;
    while (after - before > 1) {
      const middle = Math.floor((before + after) / 2);
      if (offsetAt(middle, zone) === startOffset) before = middle;
      else after = middle;
    }
    instants.add(after);
  }
  return [...instants].sort((a, b) => a - b);
}

/**
 * When the office state next differs from the state at `at`, and what it becomes —
 * for an admin asking "until when?". Undefined when nothing changes within a year.
 */
export function nextChange(officeHours: OfficeHours, at: Date): { at: Date; state: OfficeState } | undefined {
  const start = localTime(officeHours, at);
  const now = stateAt(officeHours, start);
  const zone = officeHours.timeZone;
  const boundaries = new Set<number>([0]);
  for (const workDay of officeHours.days) {
    for (const range of rangesOf([...workDay.hours, ...workDay.breaks])) {
      boundaries.add(range.from);
      if (range.to < MINUTES_PER_DAY) boundaries.add(range.to);
    }
  }
  const sortedBoundaries = [...boundaries].sort((a, b) => a - b);
  const firstDay = DateTime.utc(start.year, start.month, start.day);
  for (let offset = 0; offset <= HORIZON_DAYS; offset++) {
    const date = firstDay.plus({ days: offset });
    for (const millis of candidatesOn(date.year, date.month, date.day, zone, sortedBoundaries)) {
      if (millis <= at.getTime()) continue;
      const state = stateAt(officeHours, DateTime.fromMillis(millis, { zone }));
      if (state !== now) return { at: new Date(millis), state };
    }
  }
  return undefined;
}

/**
 * What is wrong with office hours that did not pass the menu checker — a per-user
 * override read from the directory, say. Empty when they are fine.
 */
export function checkOfficeHours(officeHours: OfficeHours): string[] {
  const problems: string[] = [];
  if (!DateTime.now().setZone(officeHours.timeZone).isValid) {
    problems.push(`unknown time zone "${officeHours.timeZone}"`);
  }
  for (const workDay of officeHours.days) {
    if (!Number.isInteger(workDay.day) || workDay.day < 1 || workDay.day > 7) {
      problems.push(`day ${String(workDay.day)} is not 1 (Monday) … 7 (Sunday)`);
    }
    for (const range of [...workDay.hours, ...workDay.breaks]) {
      if (rangesOf([range]).length === 0) {
        problems.push(`"${range.from}-${range.to}" is not a range of HH:MM times that ends after it starts`);
      }
    }
  }
  for (const entry of officeHours.closed) {
    const match = MONTH_DAY.exec(entry) ?? YEAR_MONTH_DAY.exec(entry);
    const [month, day] = match ? match.slice(-2).map(Number) : [0, 0];
    if (
      !match ||
      month === undefined ||
      day === undefined ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      day > 31
    ) {
      problems.push(`closed day "${entry}" is neither MM-DD nor YYYY-MM-DD`);
    }
  }
  return problems;
}
