import type { OfficeHours, ProfileRules } from '../graph/index.js';
import { officeState } from './officeHours.js';

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
 * The profile in force for one call (the ixi-UMS Voice-Mail Server manual §4.7.5–4.7.6): an
 * internal caller gets the internal profile when there is one (office hours and vacation do not count);
 * a user on vacation stays on vacation; on a holiday, a day without work hours or
 * outside the work hours the off-hours profile; in a break the break profile;
 * otherwise the profile she chose. Without an off-hours or break profile her choice stays.
 *
 * @throws ScheduleError when the office hours name an unknown time zone
 */
export function activeProfile(input: ActiveProfileInput): ActiveProfile {
  const { rules, user, at, internalCaller } = input;
  if (internalCaller && rules.profiles.internal)
    return { profile: rules.profiles.internal, reason: 'internal' };
  if (user.vacation === true || user.chosen === VACATION) return { profile: VACATION, reason: 'vacation' };
  const chosen: ActiveProfile = { profile: user.chosen || rules.profiles.default, reason: 'chosen' };
  const officeHours = user.officeHours !== undefined ? user.officeHours : rules.officeHours;
  if (officeHours === null) return chosen;
  const state = officeState(officeHours, at);
  if (state === 'open') return chosen;
  if (state === 'break') {
    const breakProfile = ownOrCompany(user.breakProfile, rules.profiles.breaks);
    return breakProfile === undefined ? chosen : { profile: breakProfile, reason: 'break' };
  }
  const offHours = ownOrCompany(user.offHoursProfile, rules.profiles.offHours);
  return offHours === undefined ? chosen : { profile: offHours, reason: state };
}
