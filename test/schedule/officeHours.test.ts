import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { OfficeHours } from '../../src/graph/index.js';
import { checkOfficeHours, isOpen, nextChange, officeState } from '../../src/schedule/index.js';

const officeHours: OfficeHours = {
  timeZone: 'Europe/Berlin',
  days: [1, 2, 3, 4, 5].map((day) => ({
    day,
    hours: [{ from: '08:00', to: '17:00' }],
    breaks: [{ from: '12:00', to: '13:00' }],
  })),
  closed: ['12-24', '2026-06-05'],
};

function berlin(isoLocal: string): Date {
  return DateTime.fromISO(isoLocal, { zone: 'Europe/Berlin' }).toJSDate();
}

/** The next change as Berlin wall time, the way an admin reads it. */
function next(hours: OfficeHours, at: Date): string | undefined {
  const change = nextChange(hours, at);
  if (change === undefined) return undefined;
  const local = DateTime.fromJSDate(change.at, { zone: hours.timeZone });
  return `${local.toFormat("yyyy-MM-dd'T'HH:mm:ssZZ")} ${change.state}`;
}

describe('isOpen and officeState', () => {
  it.each([
    ['2026-03-02T07:59', 'off-hours', false],
    ['2026-03-02T08:00', 'open', true],
    ['2026-03-02T12:00', 'break', false],
    ['2026-03-02T13:00', 'open', true],
    ['2026-03-02T17:00', 'off-hours', false],
    ['2026-03-07T10:00', 'closed-day', false],
    ['2026-12-24T10:00', 'holiday', false],
  ])('%s: %s', (local, state, open) => {
    expect(officeState(officeHours, berlin(local))).toBe(state);
    expect(isOpen(officeHours, berlin(local))).toBe(open);
  });

  it('24:00 ends a day and ranges of several entries for one day add up', () => {
    const late: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [
        { day: 6, hours: [{ from: '20:00', to: '24:00' }], breaks: [] },
        { day: 6, hours: [{ from: '08:00', to: '10:00' }], breaks: [] },
      ],
      closed: [],
    };
    expect(isOpen(late, berlin('2026-03-07T23:59:59'))).toBe(true);
    expect(isOpen(late, berlin('2026-03-07T09:00'))).toBe(true);
    expect(isOpen(late, berlin('2026-03-07T12:00'))).toBe(false);
    expect(officeState(late, berlin('2026-03-08T00:00'))).toBe('closed-day');
  });

  it('a day with several work ranges is off-hours between them', () => {
    const split: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [
        {
          day: 1,
          hours: [
            { from: '08:00', to: '12:00' },
            { from: '13:00', to: '18:00' },
          ],
          breaks: [],
        },
      ],
      closed: [],
    };
    expect(officeState(split, berlin('2026-03-02T12:30'))).toBe('off-hours');
    expect(officeState(split, berlin('2026-03-02T17:30'))).toBe('open');
  });

  it('29 February as a yearly holiday only falls in leap years', () => {
    const leap: OfficeHours = { ...officeHours, closed: ['02-29'] };
    expect(officeState(leap, berlin('2028-02-29T10:00'))).toBe('holiday');
    expect(officeState(leap, berlin('2027-03-01T10:00'))).toBe('open');
  });
});

describe('nextChange', () => {
  it.each([
    ['2026-03-02T07:00', '2026-03-02T08:00:00+01:00 open'],
    ['2026-03-02T08:00', '2026-03-02T12:00:00+01:00 break'],
    ['2026-03-02T12:30', '2026-03-02T13:00:00+01:00 open'],
    ['2026-03-02T13:00', '2026-03-02T17:00:00+01:00 off-hours'],
    ['2026-03-06T17:30', '2026-03-07T00:00:00+01:00 closed-day'],
    ['2026-03-07T10:00', '2026-03-09T00:00:00+01:00 off-hours'],
    ['2026-03-08T23:59', '2026-03-09T00:00:00+01:00 off-hours'],
  ])('from %s: %s', (local, expected) => {
    expect(next(officeHours, berlin(local))).toBe(expected);
  });

  it('a change exactly at `at` is not the next one', () => {
    expect(next(officeHours, berlin('2026-03-02T12:00'))).toBe('2026-03-02T13:00:00+01:00 open');
  });

  it('across the spring switch the work day starts at 08:00 summer time', () => {
    expect(next(officeHours, berlin('2026-03-28T10:00'))).toBe('2026-03-30T00:00:00+02:00 off-hours');
    expect(next(officeHours, berlin('2026-03-30T00:00'))).toBe('2026-03-30T08:00:00+02:00 open');
  });

  it('into a holiday and out of it', () => {
    expect(next(officeHours, berlin('2026-12-23T17:30'))).toBe('2026-12-24T00:00:00+01:00 holiday');
    expect(next(officeHours, berlin('2026-12-24T09:00'))).toBe('2026-12-25T00:00:00+01:00 off-hours');
    expect(next(officeHours, berlin('2026-06-04T18:00'))).toBe('2026-06-05T00:00:00+02:00 holiday');
  });

  it('a shift whose start the spring switch skips starts at the switch', () => {
    const sundayShift: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [{ day: 7, hours: [{ from: '02:30', to: '03:30' }], breaks: [] }],
      closed: [],
    };
    const first = nextChange(sundayShift, new Date('2026-03-29T00:00:00Z'));
    expect(first).toEqual({ at: new Date('2026-03-29T01:00:00Z'), state: 'open' });
    expect(nextChange(sundayShift, first?.at ?? new Date(0))).toEqual({
      at: new Date('2026-03-29T01:30:00Z'),
      state: 'off-hours',
    });
  });

  it('a shift in the hour the autumn switch repeats happens twice', () => {
    const sundayShift: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [{ day: 7, hours: [{ from: '02:15', to: '02:45' }], breaks: [] }],
      closed: [],
    };
    const changes: Array<{ at: Date; state: string }> = [];
    let at = new Date('2026-10-25T00:00:00Z');
    for (let i = 0; i < 4; i++) {
      const change = nextChange(sundayShift, at);
      if (change === undefined) break;
      changes.push(change);
      at = change.at;
    }
    expect(changes).toEqual([
      { at: new Date('2026-10-25T00:15:00Z'), state: 'open' },
      { at: new Date('2026-10-25T00:45:00Z'), state: 'off-hours' },
      { at: new Date('2026-10-25T01:15:00Z'), state: 'open' },
      { at: new Date('2026-10-25T01:45:00Z'), state: 'off-hours' },
    ]);
  });

  it('open across midnight with 24:00 and 00:00 is one stretch', () => {
    const night: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [
        { day: 6, hours: [{ from: '20:00', to: '24:00' }], breaks: [] },
        { day: 7, hours: [{ from: '00:00', to: '02:00' }], breaks: [] },
      ],
      closed: [],
    };
    expect(next(night, berlin('2026-03-07T21:00'))).toBe('2026-03-08T02:00:00+01:00 off-hours');
  });

  it('nothing ever changes: undefined', () => {
    const never: OfficeHours = { timeZone: 'Europe/Berlin', days: [], closed: [] };
    expect(nextChange(never, berlin('2026-03-02T10:00'))).toBeUndefined();
  });

  it('other time zones: New York opens at 09:00 local', () => {
    const newYork: OfficeHours = {
      timeZone: 'America/New_York',
      days: [{ day: 1, hours: [{ from: '09:00', to: '17:00' }], breaks: [] }],
      closed: [],
    };
    expect(nextChange(newYork, new Date('2026-03-09T12:00:00Z'))).toEqual({
      at: new Date('2026-03-09T13:00:00Z'),
      state: 'open',
    });
  });
});

describe('checkOfficeHours', () => {
  it('the company rules are fine', () => {
    expect(checkOfficeHours(officeHours)).toEqual([]);
  });

  it('names what is wrong', () => {
    const bad: OfficeHours = {
      timeZone: 'Europe/Atlantis',
      days: [
        { day: 8, hours: [{ from: '17:00', to: '08:00' }], breaks: [{ from: '25:00', to: '26:00' }] },
        { day: 1, hours: [{ from: '8:00', to: '12:00' }], breaks: [] },
      ],
      closed: ['12-24', '13-01', '2026-6-5', 'xmas'],
    };
    expect(checkOfficeHours(bad)).toEqual([
      'unknown time zone "Europe/Atlantis"',
      'day 8 is not 1 (Monday) … 7 (Sunday)',
      '"17:00-08:00" is not a range of HH:MM times that ends after it starts',
      '"25:00-26:00" is not a range of HH:MM times that ends after it starts',
      '"8:00-12:00" is not a range of HH:MM times that ends after it starts',
      'closed day "13-01" is neither MM-DD nor YYYY-MM-DD',
      'closed day "2026-6-5" is neither MM-DD nor YYYY-MM-DD',
      'closed day "xmas" is neither MM-DD nor YYYY-MM-DD',
    ]);
  });
});
