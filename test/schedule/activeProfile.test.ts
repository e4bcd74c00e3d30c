import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { OfficeHours, ProfileRules } from '../../src/graph/index.js';
import { activeProfile, ScheduleError, type ActiveProfileInput } from '../../src/schedule/index.js';

/** The shipped company rules: Mon–Fri 08:00–17:00, break 12:00–13:00, Europe/Berlin. */
const officeHours: OfficeHours = {
  timeZone: 'Europe/Berlin',
  days: [1, 2, 3, 4, 5].map((day) => ({
    day,
    hours: [{ from: '08:00', to: '17:00' }],
    breaks: [{ from: '12:00', to: '13:00' }],
  })),
  closed: ['12-24', '2026-06-05'],
};

const profiles: ProfileRules = {
  available: ['work', 'mobile', 'home', 'vacation', 'custom1', 'custom2'],
  default: 'work',
  internal: 'internal',
  offHours: 'home',
  breaks: 'mobile',
};

/** A wall-clock time in Berlin, as the instant it is. */
function berlin(isoLocal: string): Date {
  const local = DateTime.fromISO(isoLocal, { zone: 'Europe/Berlin' });
  if (!local.isValid) throw new Error(`bad test time ${isoLocal}`);
  return local.toJSDate();
}

function call(at: Date, overrides: Partial<ActiveProfileInput> = {}): ReturnType<typeof activeProfile> {
  return activeProfile({
    rules: { officeHours, profiles },
    user: { chosen: 'work' },
    at,
    internalCaller: false,
    ...overrides,
  });
}

describe('activeProfile across a week (2026-03-02 is a Monday)', () => {
  it.each([
    ['2026-03-02T00:00', 'home', 'off-hours'],
    ['2026-03-02T07:59', 'home', 'off-hours'],
    ['2026-03-02T07:59:59.999', 'home', 'off-hours'],
    ['2026-03-02T08:00', 'work', 'chosen'],
    ['2026-03-02T11:59:59', 'work', 'chosen'],
    ['2026-03-02T12:00', 'mobile', 'break'],
    ['2026-03-02T12:30', 'mobile', 'break'],
    ['2026-03-02T12:59:59', 'mobile', 'break'],
    ['2026-03-02T13:00', 'work', 'chosen'],
    ['2026-03-02T16:59:59', 'work', 'chosen'],
    ['2026-03-02T17:00', 'home', 'off-hours'],
    ['2026-03-02T23:59', 'home', 'off-hours'],
    ['2026-03-03T10:00', 'work', 'chosen'],
    ['2026-03-04T12:15', 'mobile', 'break'],
    ['2026-03-05T18:00', 'home', 'off-hours'],
    ['2026-03-06T16:00', 'work', 'chosen'],
    ['2026-03-06T17:00', 'home', 'off-hours'],
    ['2026-03-07T10:00', 'home', 'closed-day'],
    ['2026-03-07T12:30', 'home', 'closed-day'],
    ['2026-03-08T10:00', 'home', 'closed-day'],
  ])('%s Berlin: %s (%s)', (local, profile, reason) => {
    expect(call(berlin(local))).toEqual({ profile, reason });
  });

  it('the time zone is Berlin’s whatever the server’s: 08:00 in Berlin is 07:00 UTC in winter', () => {
    expect(call(new Date('2026-03-02T06:59:59Z')).reason).toBe('off-hours');
    expect(call(new Date('2026-03-02T07:00:00Z')).reason).toBe('chosen');
  });
});

describe('daylight saving in Berlin', () => {
  it('spring forward (Sunday 2026-03-29): 08:30 on the Monday after is open, an hour earlier in UTC', () => {
    expect(call(berlin('2026-03-29T08:30'))).toEqual({ profile: 'home', reason: 'closed-day' });
    expect(call(berlin('2026-03-30T08:30'))).toEqual({ profile: 'work', reason: 'chosen' });
    expect(call(new Date('2026-03-30T06:30:00Z'))).toEqual({ profile: 'work', reason: 'chosen' });
    expect(call(new Date('2026-03-30T05:59:59Z'))).toEqual({ profile: 'home', reason: 'off-hours' });
    expect(call(new Date('2026-03-30T10:00:00Z'))).toEqual({ profile: 'mobile', reason: 'break' });
    expect(call(new Date('2026-03-30T15:00:00Z'))).toEqual({ profile: 'home', reason: 'off-hours' });
  });

  it('fall back (Sunday 2026-10-25): 08:30 on the Monday after is open, an hour later in UTC', () => {
    expect(call(berlin('2026-10-25T08:30'))).toEqual({ profile: 'home', reason: 'closed-day' });
    expect(call(berlin('2026-10-26T08:30'))).toEqual({ profile: 'work', reason: 'chosen' });
    expect(call(new Date('2026-10-26T07:30:00Z'))).toEqual({ profile: 'work', reason: 'chosen' });
    expect(call(new Date('2026-10-26T06:59:59Z'))).toEqual({ profile: 'home', reason: 'off-hours' });
    expect(call(new Date('2026-10-26T11:00:00Z'))).toEqual({ profile: 'mobile', reason: 'break' });
    expect(call(new Date('2026-10-26T16:00:00Z'))).toEqual({ profile: 'home', reason: 'off-hours' });
  });

  it('the Friday before each switch still runs on the old offset', () => {
    expect(call(new Date('2026-03-27T07:00:00Z')).reason).toBe('chosen'); // 08:00 CET
    expect(call(new Date('2026-10-23T06:00:00Z')).reason).toBe('chosen'); // 08:00 CEST
    expect(call(new Date('2026-10-23T05:59:59Z')).reason).toBe('off-hours');
  });

  it('instants around the switches themselves', () => {
    const sundayShift: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [{ day: 7, hours: [{ from: '02:30', to: '03:30' }], breaks: [] }],
      closed: [],
    };
    const at = (iso: string) => call(new Date(iso), { rules: { officeHours: sundayShift, profiles } }).reason;
    // spring: 01:59:59 CET, then 03:00 CEST — 02:30 never happens, the shift starts at 03:00
    expect(at('2026-03-29T00:59:59Z')).toBe('off-hours');
    expect(at('2026-03-29T01:00:00Z')).toBe('chosen');
    expect(at('2026-03-29T01:29:59Z')).toBe('chosen');
    expect(at('2026-03-29T01:30:00Z')).toBe('off-hours');
    // autumn: 02:30–03:00 CEST, then the clock goes back to 02:00 CET and 02:30–03:30 CET
    expect(at('2026-10-25T00:29:59Z')).toBe('off-hours');
    expect(at('2026-10-25T00:30:00Z')).toBe('chosen');
    expect(at('2026-10-25T00:59:59Z')).toBe('chosen');
    expect(at('2026-10-25T01:00:00Z')).toBe('off-hours');
    expect(at('2026-10-25T01:30:00Z')).toBe('chosen');
    expect(at('2026-10-25T02:29:59Z')).toBe('chosen');
    expect(at('2026-10-25T02:30:00Z')).toBe('off-hours');
  });
});

describe('holidays', () => {
  it('12-24 is closed every year, even on a weekday during work hours', () => {
    expect(call(berlin('2025-12-24T10:00'))).toEqual({ profile: 'home', reason: 'holiday' });
    expect(call(berlin('2026-12-24T10:00'))).toEqual({ profile: 'home', reason: 'holiday' });
    expect(call(berlin('2027-12-24T12:30'))).toEqual({ profile: 'home', reason: 'holiday' });
    expect(call(berlin('2026-12-23T10:00'))).toEqual({ profile: 'work', reason: 'chosen' });
  });

  it('a holiday runs from local midnight to local midnight', () => {
    expect(call(berlin('2026-12-24T00:00')).reason).toBe('holiday');
    expect(call(berlin('2026-12-24T23:59:59')).reason).toBe('holiday');
    // 23:30 UTC on the 23rd is already the 24th in Berlin
    expect(call(new Date('2026-12-23T23:30:00Z')).reason).toBe('holiday');
    expect(call(berlin('2026-12-25T00:00')).reason).toBe('off-hours');
  });

  it('a YYYY-MM-DD holiday is closed once', () => {
    expect(call(berlin('2026-06-05T10:00'))).toEqual({ profile: 'home', reason: 'holiday' });
    expect(call(berlin('2027-06-04T10:00'))).toEqual({ profile: 'work', reason: 'chosen' });
  });

  it('a holiday beats the break', () => {
    expect(call(berlin('2026-12-24T12:30')).reason).toBe('holiday');
  });
});

describe('internal callers', () => {
  it('get the internal profile at any time, on vacation too', () => {
    for (const local of [
      '2026-03-02T10:00',
      '2026-03-02T12:30',
      '2026-03-02T20:00',
      '2026-03-07T10:00',
      '2026-12-24T10:00',
    ]) {
      expect(call(berlin(local), { internalCaller: true })).toEqual({
        profile: 'internal',
        reason: 'internal',
      });
    }
    expect(
      call(berlin('2026-03-02T10:00'), {
        internalCaller: true,
        user: { chosen: 'vacation', vacation: true },
      }),
    ).toEqual({ profile: 'internal', reason: 'internal' });
  });

  it('are treated like everyone else when there is no internal profile', () => {
    const withoutInternal: ProfileRules = { ...profiles, internal: undefined };
    const rules = { officeHours, profiles: withoutInternal };
    expect(call(berlin('2026-03-02T10:00'), { rules, internalCaller: true })).toEqual({
      profile: 'work',
      reason: 'chosen',
    });
    expect(call(berlin('2026-03-02T20:00'), { rules, internalCaller: true })).toEqual({
      profile: 'home',
      reason: 'off-hours',
    });
  });
});

describe('vacation', () => {
  it('the vacation profile beats office hours, breaks and holidays', () => {
    for (const local of [
      '2026-03-02T10:00',
      '2026-03-02T12:30',
      '2026-03-02T20:00',
      '2026-03-07T10:00',
      '2026-12-24T10:00',
    ]) {
      expect(call(berlin(local), { user: { chosen: 'vacation' } })).toEqual({
        profile: 'vacation',
        reason: 'vacation',
      });
    }
  });

  it('the vacation switch beats the chosen profile', () => {
    expect(call(berlin('2026-03-02T10:00'), { user: { chosen: 'mobile', vacation: true } })).toEqual({
      profile: 'vacation',
      reason: 'vacation',
    });
    expect(call(berlin('2026-03-02T10:00'), { user: { chosen: 'mobile', vacation: false } })).toEqual({
      profile: 'mobile',
      reason: 'chosen',
    });
  });
});

describe('the chosen profile stays', () => {
  it('when no office hours are declared', () => {
    const rules = { officeHours: null, profiles };
    expect(call(berlin('2026-03-07T03:00'), { rules, user: { chosen: 'custom1' } })).toEqual({
      profile: 'custom1',
      reason: 'chosen',
    });
  });

  it('when there is no off-hours or break profile', () => {
    const rules = { officeHours, profiles: { ...profiles, offHours: undefined, breaks: undefined } };
    for (const local of ['2026-03-02T12:30', '2026-03-02T20:00', '2026-03-07T10:00', '2026-12-24T10:00']) {
      expect(call(berlin(local), { rules, user: { chosen: 'custom2' } })).toEqual({
        profile: 'custom2',
        reason: 'chosen',
      });
    }
  });

  it('a user without a choice gets the default profile', () => {
    expect(call(berlin('2026-03-02T10:00'), { user: { chosen: '' } })).toEqual({
      profile: 'work',
      reason: 'chosen',
    });
  });
});

describe('per-user overrides', () => {
  it('her own off-hours and break profiles', () => {
    const user = { chosen: 'work', offHoursProfile: 'custom1', breakProfile: 'custom2' };
    expect(call(berlin('2026-03-02T20:00'), { user })).toEqual({ profile: 'custom1', reason: 'off-hours' });
    expect(call(berlin('2026-03-02T12:30'), { user })).toEqual({ profile: 'custom2', reason: 'break' });
    expect(call(berlin('2026-03-07T10:00'), { user })).toEqual({ profile: 'custom1', reason: 'closed-day' });
  });

  it('"" switches the company’s off-hours or break profile off for her', () => {
    const user = { chosen: 'mobile', offHoursProfile: '', breakProfile: '' };
    expect(call(berlin('2026-03-02T20:00'), { user })).toEqual({ profile: 'mobile', reason: 'chosen' });
    expect(call(berlin('2026-03-02T12:30'), { user })).toEqual({ profile: 'mobile', reason: 'chosen' });
  });

  it('a break profile of her own when the company has none', () => {
    const rules = { officeHours, profiles: { ...profiles, breaks: undefined } };
    expect(call(berlin('2026-03-02T12:30'), { rules })).toEqual({ profile: 'work', reason: 'chosen' });
    expect(
      call(berlin('2026-03-02T12:30'), { rules, user: { chosen: 'work', breakProfile: 'home' } }),
    ).toEqual({
      profile: 'home',
      reason: 'break',
    });
  });

  it('her own office hours: a part-timer working Tue and Thu 09:00–13:00 in London', () => {
    const partTime: OfficeHours = {
      timeZone: 'Europe/London',
      days: [2, 4].map((day) => ({ day, hours: [{ from: '09:00', to: '13:00' }], breaks: [] })),
      closed: [],
    };
    const user = { chosen: 'work', officeHours: partTime };
    // Monday 10:00 Berlin: the company is open, she is not
    expect(call(berlin('2026-03-02T10:00'), { user })).toEqual({ profile: 'home', reason: 'closed-day' });
    // Tuesday 09:30 Berlin is 08:30 London: not yet
    expect(call(berlin('2026-03-03T09:30'), { user })).toEqual({ profile: 'home', reason: 'off-hours' });
    // Tuesday 13:30 Berlin is 12:30 London: working, and no break of hers
    expect(call(berlin('2026-03-03T13:30'), { user })).toEqual({ profile: 'work', reason: 'chosen' });
    // company holidays do not apply to her own hours
    expect(call(berlin('2026-12-24T11:00'), { user })).toEqual({ profile: 'work', reason: 'chosen' });
  });

  it('null office hours: no switching by time for her', () => {
    const user = { chosen: 'mobile', officeHours: null };
    expect(call(berlin('2026-03-07T03:00'), { user })).toEqual({ profile: 'mobile', reason: 'chosen' });
  });
});

describe('bad office hours', () => {
  it('an unknown time zone is a ScheduleError naming it', () => {
    const broken: OfficeHours = { ...officeHours, timeZone: 'Mars/Olympus_Mons' };
    const attempt = () => call(berlin('2026-03-02T10:00'), { rules: { officeHours: broken, profiles } });
    expect(attempt).toThrow(ScheduleError);
    expect(attempt).toThrow(/Mars\/Olympus_Mons/);
  });

  it('an invalid instant is a ScheduleError', () => {
    expect(() => call(new Date(Number.NaN))).toThrow(ScheduleError);
  });

  it('malformed ranges in a user’s own office hours are ignored, not fatal', () => {
    const garbage: OfficeHours = {
      timeZone: 'Europe/Berlin',
      days: [
        {
          day: 1,
          hours: [
            { from: '8', to: 'late' },
            { from: '09:00', to: '17:00' },
          ],
          breaks: [{ from: 'x', to: 'y' }],
        },
      ],
      closed: ['not a date'],
    };
    const user = { chosen: 'work', officeHours: garbage };
    expect(call(berlin('2026-03-02T08:30'), { user }).reason).toBe('off-hours');
    expect(call(berlin('2026-03-02T12:30'), { user }).reason).toBe('chosen');
  });
});
