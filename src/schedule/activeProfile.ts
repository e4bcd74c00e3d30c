import type { OfficeHours, ProfileRules } from '../graph/index.js';
import { officeStateDetail, type OfficeStateDetail } from './officeHours.js';

/** Why a profile is in force — for the call log and for `voicebox` asking "which profile, and why?". */
export type ProfileReason =
  'internal' | 'vacation' | 'closed-day' | 'holiday' | 'break' | 'off-hours' | 'chosen';

export interface ActiveProfileInput {
  rules: { officeHours: OfficeHours | null; profiles: ProfileRules };
  user: {
    /** The profile she chose (by phone or portal) */
    chosen: string;
    vacation?: boolean;
    /** Her own office hours; `null`: none, no switching by time; absent: the company's */
    officeHours?: OfficeHours | null;
    /** Her own off-hours profile; `''`: none; absent: the company's */
    offHoursProfile?: string;
    /** Her own break profile; `''`: none; absent: the company's */
    breakProfile?: string;
  };
  at: Date;
  internalCaller: boolean;
}

export interface ActiveProfile {
  profile: string;
  reason: ProfileReason;
}

const VACATION = 'vacation';

function ownOrCompany(own: string | undefined, company: string | undefined): string | undefined {
  if (own !== undefined) return own === '' ? undefined : own;
  return company === '' ? undefined : company;
}

/**
 * Why `activeProfile` chose: whose office hours applied (`own`, `company`, `none`) and what they
 * said at that instant, and which off-hours or break profile was looked for (`''`: none, so her
 * choice stayed). For `voicebox explain`: the same decision, with its grounds.
 */
export interface ProfileTrace extends ActiveProfile {
  /** the profile she chose (or the menus' default when she chose none) */
  chosen: string;
  officeHours: 'own' | 'company' | 'none' | 'not-asked';
  office?: OfficeStateDetail;
  /** the off-hours or break profile the office state called for; `''`: none configured */
  wanted?: { profile: string; whose: 'own' | 'company' };
}

/**
 * The profile in force for one call (the ixi-UMS Voice-Mail Server manual §4.7.5–4.7.6): an
 * internal caller gets the internal profile when there is one (office hours and vacation do not count);
 * a user on vacation stays on vacation; on a holiday, a day without work hours or
 * outside the work hours the off-hours profile; in a break the break profile;
 * otherwise the profile she chose. Without an off-hours or break profile her choice stays.
 *
 * @throws ScheduleError when the office hours name an unknown time zone
 */
export function activeProfile(input: ActiveProfileInput): ActiveProfile {
  const { profile, reason } = activeProfileTrace(input);
  return { profile, reason };
}

/** `activeProfile`, with the grounds of its decision (ProfileTrace). */
export function activeProfileTrace(input: ActiveProfileInput): ProfileTrace {
  const { rules, user, at, internalCaller } = input;
  const chosenProfile = user.chosen || rules.profiles.default;
  const base = { chosen: chosenProfile, officeHours: 'not-asked' as const };
  if (internalCaller && rules.profiles.internal)
    return { ...base, profile: rules.profiles.internal, reason: 'internal' };
  if (user.vacation === true || user.chosen === VACATION)
    return { ...base, profile: VACATION, reason: 'vacation' };
  const chosen: ActiveProfile = { profile: chosenProfile, reason: 'chosen' };
  const whose = user.officeHours !== undefined ? 'own' : 'company';
  const officeHours = user.officeHours !== undefined ? user.officeHours : rules.officeHours;
  if (officeHours === null) return { ...chosen, chosen: chosenProfile, officeHours: 'none' };
  const office = officeStateDetail(officeHours, at);
  const traced = { chosen: chosenProfile, officeHours: whose, office } as const;
  if (office.state === 'open') return { ...chosen, ...traced };
  if (office.state === 'break') {
    const breakProfile = ownOrCompany(user.breakProfile, rules.profiles.breaks);
    const wanted = {
      profile: breakProfile ?? '',
      whose: user.breakProfile !== undefined ? 'own' : 'company',
    } as const;
    return breakProfile === undefined
      ? { ...chosen, ...traced, wanted }
      : { ...traced, wanted, profile: breakProfile, reason: 'break' };
  }
  const offHours = ownOrCompany(user.offHoursProfile, rules.profiles.offHours);
  const wanted = {
    profile: offHours ?? '',
    whose: user.offHoursProfile !== undefined ? 'own' : 'company',
  } as const;
  return offHours === undefined
    ? { ...chosen, ...traced, wanted }
    : { ...traced, wanted, profile: offHours, reason: office.state };
}
