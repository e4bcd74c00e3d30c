// Her vacation with dates: days in the office's time zone, both inclusive; without dates the
// switch alone decides.
import { describe, expect, it } from 'vitest';
import { ScheduleError, isCalendarDate, vacationActive, vacationState } from '../../src/schedule/index.js';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);
const christmas = { vacation: true, vacationFrom: '2026-12-24', vacationUntil: '2026-12-31' };

describe('vacation with dates', () => {
  it('is in force from the first instant of the first day to the last instant of the last, Berlin time', () => {
    expect(vacationState(christmas, at('2026-12-23T23:59:59.999+01:00'), BERLIN)).toBe('ahead');
    expect(vacationState(christmas, at('2026-12-24T00:00:00+01:00'), BERLIN)).toBe('on');
    expect(vacationState(christmas, at('2026-12-31T23:59:59.999+01:00'), BERLIN)).toBe('on');
    expect(vacationState(christmas, at('2027-01-01T00:00:00+01:00'), BERLIN)).toBe('over');
  });

  it('counts the days where the office is: 23:30 UTC on the 23rd is already the 24th in Berlin', () => {
    expect(vacationActive(christmas, at('2026-12-23T23:30:00Z'), BERLIN)).toBe(true);
    expect(vacationActive(christmas, at('2026-12-23T23:30:00Z'), 'UTC')).toBe(false);
  });

  it('lasts whole days across a daylight-saving switch (29 March 2026 has 23 hours in Berlin)', () => {
    const spring = { vacation: true, vacationFrom: '2026-03-29', vacationUntil: '2026-03-29' };
    expect(vacationActive(spring, at('2026-03-29T23:30:00+02:00'), BERLIN)).toBe(true);
    expect(vacationActive(spring, at('2026-03-30T00:00:00+02:00'), BERLIN)).toBe(false);
  });

  it('without dates the switch decides, as before; one date alone bounds one side', () => {
    expect(vacationActive({ vacation: true }, at('2030-01-01T00:00:00Z'), BERLIN)).toBe(true);
    expect(vacationActive({}, at('2030-01-01T00:00:00Z'), BERLIN)).toBe(false);
    expect(
      vacationState({ vacation: true, vacationFrom: '2026-12-24' }, at('2099-01-01T00:00:00Z'), BERLIN),
    ).toBe('on');
    expect(
      vacationState({ vacation: true, vacationUntil: '2026-12-31' }, at('2020-01-01T00:00:00Z'), BERLIN),
    ).toBe('on');
  });

  it('switched off, the dates do nothing', () => {
    expect(vacationState({ ...christmas, vacation: false }, at('2026-12-25T12:00:00+01:00'), BERLIN)).toBe(
      'off',
    );
  });

  it('an end before the start is never in force', () => {
    const reversed = { vacation: true, vacationFrom: '2026-12-31', vacationUntil: '2026-12-24' };
    for (const day of ['2026-12-20', '2026-12-27', '2027-01-05'])
      expect(vacationActive(reversed, at(`${day}T12:00:00+01:00`), BERLIN)).toBe(false);
  });

  it('an unknown time zone is a ScheduleError, as for office hours', () => {
    expect(() => vacationActive(christmas, at('2026-12-25T12:00:00Z'), 'Europe/Atlantis')).toThrow(
      ScheduleError,
    );
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2026-12-24', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-1-1', false],
    ['24.12.2026', false],
    ['2026-12-24T00:00', false],
    ['', false],
  ])('%s → %s', (text, expected) => {
    expect(isCalendarDate(text)).toBe(expected);
  });
});
