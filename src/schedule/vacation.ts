// Her vacation with dates (§4.7.5): the switch in the directory says she is away, the dates say
// when. Days, not instants: an owner writes "24 to 31 December", meant in the office's wall clock.
import { DateTime } from 'luxon';
import { ScheduleError } from './officeHours.js';

/** Her vacation as the directory keeps it: the switch and, optionally, its dates. */
export interface VacationSettings {
  readonly vacation?: boolean | undefined;
  /** YYYY-MM-DD, the first day (inclusive) */
  readonly vacationFrom?: string | undefined;
  /** YYYY-MM-DD, the last day (inclusive) */
  readonly vacationUntil?: string | undefined;
}

/**
 * Where an instant stands to her vacation: `off` (switched off), `on` (in force), `ahead` (switched
 * on, but its first day has not come), `over` (its last day has passed).
 */
export type VacationState = 'off' | 'on' | 'ahead' | 'over';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `2026-12-24`: a day of the calendar (2026-02-30 is not one) */
export function isCalendarDate(text: string): boolean {
  return ISO_DATE.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid;
}

function zoneChecked(timeZone: string): string {
  if (!DateTime.local().setZone(timeZone).isValid)
    throw new ScheduleError('invalid-time-zone', `unknown time zone "${timeZone}"`);
  return timeZone;
}

/** the first instant of a day in the zone (midnight, or the switch when daylight saving skips it) */
function startOfDay(date: string, timeZone: string): DateTime {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day');
}

/**
 * Where `at` stands to her vacation. The dates are days in `timeZone` (the office hours' zone), both
 * inclusive: from the first instant of `vacationFrom` to the last of `vacationUntil`. Without dates
 * the switch alone decides; a date that is not a calendar day counts as absent (the directory's codec
 * keeps such a value out of the settings already). `vacationUntil` before `vacationFrom`: never on.
 *
 * @throws ScheduleError when the time zone is unknown or `at` is not a valid Date
 */
export function vacationState(settings: VacationSettings, at: Date, timeZone: string): VacationState {
  if (settings.vacation !== true) return 'off';
  if (Number.isNaN(at.getTime()))
    throw new ScheduleError('invalid-instant', 'the instant is not a valid Date');
  const zone = zoneChecked(timeZone);
  const now = DateTime.fromJSDate(at, { zone });
  const from = settings.vacationFrom;
  const until = settings.vacationUntil;
  if (from !== undefined && isCalendarDate(from) && now < startOfDay(from, zone)) return 'ahead';
  if (
    until !== undefined &&
    isCalendarDate(until) &&
    now >= startOfDay(until, zone).plus({ days: 1 }).startOf('day')
  )
    return 'over';
  return 'on';
}

/** Is her vacation profile in force at `at` (see {@link vacationState})? */
export function vacationActive(settings: VacationSettings, at: Date, timeZone: string): boolean {
  return vacationState(settings, at, timeZone) === 'on';
}

/** the day `at` falls on in the zone, YYYY-MM-DD: what "a date in the past" is measured against */
export function dayIn(at: Date, timeZone: string): string {
  return DateTime.fromJSDate(at, { zone: zoneChecked(timeZone) }).toISODate() ?? '';
}
