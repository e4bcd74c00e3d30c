import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { OfficeHours, ProfileRules } from '../../src/graph/index.js';
import {
  activeProfile,
  formatUserOfficeHours,
  officeState,
  parseUserOfficeHours,
  userScheduleRules,
} from '../../src/schedule/index.js';

const FULL = 'Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; sat 09:00-12:00; closed 12-24, 12-31';

function hoursOf(text: string, companyTimeZone?: string): OfficeHours | null {
  const r = parseUserOfficeHours(text, companyTimeZone);
  if (!r.ok) throw new Error(r.error);
  return r.hours;
}

function errorOf(text: string): string {
  const r = parseUserOfficeHours(text);
  if (r.ok) throw new Error(`"${text}" was accepted`);
  return r.error;
}

const berlin = (isoLocal: string) => DateTime.fromISO(isoLocal, { zone: 'Europe/Berlin' }).toJSDate();

describe('parseUserOfficeHours', () => {
  it('reads the office hours block written on one line', () => {
    expect(hoursOf(FULL)).toEqual({
      timeZone: 'Europe/Berlin',
      days: [
        ...[1, 2, 3, 4, 5].map((day) => ({
          day,
          hours: [{ from: '08:00', to: '17:00' }],
          breaks: [{ from: '12:00', to: '13:00' }],
        })),
        { day: 6, hours: [{ from: '09:00', to: '12:00' }], breaks: [] },
      ],
      closed: ['12-24', '12-31'],
    });
  });

  it('none: no office hours, never a switch by time', () => {
    expect(parseUserOfficeHours('none')).toEqual({ ok: true, hours: null });
    expect(parseUserOfficeHours(' None ')).toEqual({ ok: true, hours: null });
  });

  it("without a time zone: the company's, else UTC", () => {
    expect(hoursOf('mon-fri 10:00-12:00', 'Europe/Vienna')?.timeZone).toBe('Europe/Vienna');
    expect(hoursOf('mon-fri 10:00-12:00')?.timeZone).toBe('UTC');
    expect(hoursOf('America/New_York; mon 10:00-12:00', 'Europe/Vienna')?.timeZone).toBe('America/New_York');
  });

  it('lists of days and ranges, days spelled out, 24:00 as an end', () => {
    const hours = hoursOf('UTC; Monday, wed-thu 08:00-12:00, 13:00-18:00; sun 20:00-24:00');
    expect(hours?.days.map((d) => d.day)).toEqual([1, 3, 4, 7]);
    expect(hours?.days[1]?.hours).toEqual([
      { from: '08:00', to: '12:00' },
      { from: '13:00', to: '18:00' },
    ]);
    expect(hours?.days[3]?.hours).toEqual([{ from: '20:00', to: '24:00' }]);
  });

  it.each([
    ['Europe/Berlin; mon-fri 8-17', 'part 2 "mon-fri 8-17": a range is HH:MM-HH:MM, not "8-17"'],
    ['Europe/Atlantis; mon 08:00-12:00', 'part 1 "Europe/Atlantis": unknown time zone'],
    ['mon-fri 08:00-17:00; mo 09:00-10:00', 'part 2 "mo 09:00-10:00": neither days with hours'],
    ['fri-mon 08:00-17:00', 'part 1 "fri-mon 08:00-17:00": the days "fri-mon" run backwards'],
    ['mon-fri 17:00-08:00', 'part 1 "mon-fri 17:00-08:00": "17:00-08:00" ends before it starts'],
    ['mon 08:00-25:00', '"25:00" is not a time of day'],
    ['mon 08:00-12:00 break 13:00-14:00', 'the break 13:00-14:00 is outside the hours'],
    [
      'mon-fri 08:00-12:00; wed 11:00-13:00',
      'part 2 "wed 11:00-13:00": 11:00-13:00 overlaps 08:00-12:00 on wed',
    ],
    ['mon 08:00-12:00; closed 13-01', 'part 2 "closed 13-01": "13-01" is not a date'],
    ['mon 08:00-12:00;', 'part 2 "": empty'],
    ['mon-fri', 'part 1 "mon-fri": the days have no hours'],
    ['', 'empty'],
  ])('%j: %s', (text, error) => {
    expect(errorOf(text)).toContain(error);
  });

  it('is read back from its own text', () => {
    const hours = hoursOf(FULL);
    expect(formatUserOfficeHours(hours)).toBe(
      'Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; sat 09:00-12:00; closed 12-24, 12-31',
    );
    expect(hoursOf(formatUserOfficeHours(hours))).toEqual(hours);
    expect(formatUserOfficeHours(null)).toBe('none');
  });

  it('keeps the wall clock across daylight saving: 08:00 Berlin is 07:00 UTC in winter, 06:00 in summer', () => {
    const hours = hoursOf('Europe/Berlin; mon-fri 08:00-17:00')!;
    expect(officeState(hours, new Date('2026-03-27T06:59:00Z'))).toBe('off-hours'); // Fri, winter
    expect(officeState(hours, new Date('2026-03-27T07:00:00Z'))).toBe('open');
    expect(officeState(hours, new Date('2026-03-30T05:59:00Z'))).toBe('off-hours'); // Mon, summer
    expect(officeState(hours, new Date('2026-03-30T06:00:00Z'))).toBe('open');
  });
});

describe('userScheduleRules: what activeProfile takes of her own settings', () => {
  const profiles: ProfileRules = {
    available: ['work', 'mobile', 'home', 'vacation'],
    default: 'work',
    offHours: 'home',
    breaks: 'mobile',
  };
  const company = { officeHours: hoursOf('Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00'), profiles };
  const profileAt = (own: Parameters<typeof userScheduleRules>[0], isoLocal: string) =>
    activeProfile({
      rules: company,
      user: { chosen: 'work', ...userScheduleRules(own, company).user },
      at: berlin(isoLocal),
      internalCaller: false,
    });

  it("her own hours instead of the company's: Tuesday 09:00 is off hours for her, 10:30 is not", () => {
    expect(profileAt({}, '2026-12-01T09:00')).toEqual({ profile: 'work', reason: 'chosen' });
    expect(profileAt({ officeHours: 'mon-fri 10:00-12:00' }, '2026-12-01T09:00')).toEqual({
      profile: 'home',
      reason: 'off-hours',
    });
    expect(profileAt({ officeHours: 'mon-fri 10:00-12:00' }, '2026-12-01T10:30').reason).toBe('chosen');
  });

  it('none: at 21:32 her choice stays', () => {
    expect(profileAt({ officeHours: 'none' }, '2026-12-01T21:32')).toEqual({
      profile: 'work',
      reason: 'chosen',
    });
  });

  it("her own off-hours and break profiles; '' is none", () => {
    expect(profileAt({ offHoursProfile: 'mobile' }, '2026-12-01T21:32').profile).toBe('mobile');
    expect(profileAt({ breakProfile: 'home' }, '2026-12-01T12:30').profile).toBe('home');
    expect(profileAt({ offHoursProfile: '' }, '2026-12-01T21:32')).toEqual({
      profile: 'work',
      reason: 'chosen',
    });
  });

  it("bad values are problems naming key and value; the company's apply", () => {
    const { user, problems } = userScheduleRules(
      { officeHours: 'mon-fri 8-17', offHoursProfile: 'beach', breakProfile: 'mobile' },
      company,
    );
    expect(user).toEqual({ breakProfile: 'mobile' });
    expect(problems).toEqual([
      { key: 'officeHours', value: 'mon-fri 8-17', error: expect.stringContaining('HH:MM-HH:MM') },
      { key: 'offHoursProfile', value: 'beach', error: expect.stringContaining('no such profile') },
    ]);
    expect(
      profileAt({ officeHours: 'mon-fri 8-17', offHoursProfile: 'beach' }, '2026-12-01T21:32').profile,
    ).toBe('home');
  });
});
