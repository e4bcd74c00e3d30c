// Settings by phone (S1, S3, S4, S5): the active profile, the greeting type, a profile's transfer
// target (set, or cleared) and message switch (greetings: greetings.ts; the PIN: pin.ts), what
// the owner is told before she changes them: the profile in force and why, the greetings a
// delete removes; and what the company declares that her choices follow: the languages it
// offers, the profile its internal callers get. Every setting is written through
// `directory.updateSettings` (atomic read-modify-write). When the directory may not be written
// (SettingsReadOnly) the error goes up: the caller hears the apology.
import type { DirectoryUser, UserSettings } from '../directory/index.js';
import { canonical, checkDial, toE164 } from '../phone/index.js';
import type { ActionContext, Value } from '../runtime/index.js';
import {
  activeProfile,
  FALLBACK_TIME_ZONE,
  vacationActive,
  vacationState,
  type ActiveProfile,
} from '../schedule/index.js';
import { defineAction, done, outcome, value } from './define.js';
import type { ActionKit } from './ports.js';

/** writes one setting of the user behind `rec`, and logs which */
export async function writeSetting(
  kit: ActionKit,
  rec: Value,
  ctx: ActionContext,
  what: string,
  change: (s: UserSettings) => UserSettings,
): Promise<DirectoryUser> {
  const user = kit.users.entry(rec);
  // SettingsReadOnly, SettingsConflict, DirectoryUnavailable: not caught — the caller hears the apology
  const updated = await kit.directory.updateSettings(user, change);
  kit.users.replace(rec, updated);
  // the web page runs the same actions with a call whose caller is 'web'
  // the web page runs the same actions with the browser's address as the caller (`web:<ip>`)
  const where = ctx.call.caller === 'web' || ctx.call.caller.startsWith('web:') ? 'on the web' : 'by phone';
  ctx.log.info({ user: user.id, setting: what }, `setting changed ${where}`);
  return updated;
}

const withProfile = (s: UserSettings, profile: string, p: UserSettings['profiles'][string]) => ({
  ...s,
  profiles: { ...s.profiles, [profile]: { ...(s.profiles[profile] ?? {}), ...p } },
});

const withoutTransfer = (s: UserSettings, profile: string): UserSettings => {
  const { transferTo: _removed, ...rest } = s.profiles[profile] ?? {};
  return { ...s, profiles: { ...s.profiles, [profile]: rest } };
};

/**
 * The profile a caller from outside gets now. The owner asks from her own phone, often an
 * internal one: the internal callers' profile would tell her nothing about what her callers hear.
 */
function inForce(kit: ActionKit, rec: Value, ctx: ActionContext): ActiveProfile {
  const user = kit.users.entry(rec);
  const rules = { officeHours: kit.bundle.officeHours, profiles: kit.bundle.profiles };
  return activeProfile({
    rules,
    user: {
      chosen: user.settings.activeProfile ?? kit.defaults.profile,
      ...(vacationActive(user.settings, ctx.call.time, kit.bundle.officeHours?.timeZone ?? FALLBACK_TIME_ZONE)
        ? { vacation: true }
        : {}),
      // her own office hours and profiles, as for her callers
      ...kit.users.schedule(rec, rules, ctx.log),
    },
    at: ctx.call.time,
    internalCaller: false,
  });
}

/** the schedule's reasons as the menus' enum `profile_reason` names them */
const REASONS = {
  chosen: 'chosen',
  vacation: 'vacation',
  break: 'break',
  'off-hours': 'off_hours',
  'closed-day': 'closed_day',
  holiday: 'holiday',
  // never for a caller from outside; her choice is what is left
  internal: 'chosen',
} as const;

export const settingsActions = [
  defineAction('profile in force', async (kit, [rec], ctx) => value(inForce(kit, rec, ctx).profile)),

  defineAction('profile reason', async (kit, [rec], ctx) => value(REASONS[inForce(kit, rec, ctx).reason])),

  defineAction('greeting languages', async (kit, [rec, profile]) => {
    const mailbox = kit.users.entry(rec).mailbox;
    const rules = kit.bundle.languages;
    const declared = new Set([
      rules.default,
      ...rules.offered,
      ...rules.byCallerPrefix.map((p) => p.language),
      rules.otherwise,
    ]);
    const recorded: string[] = [];
    for (const language of declared)
      if (await kit.greetings.greeting(mailbox, profile, language)) recorded.push(language);
    return value(recorded);
  }),

  defineAction('offered languages', async (kit) => value([...kit.bundle.languages.offered])),

  defineAction('language offered', async (kit, [language]) =>
    value(kit.bundle.languages.offered.includes(language)),
  ),

  defineAction('internal profile', async (kit) => {
    const internal = kit.bundle.profiles.internal;
    return internal ? value(internal) : outcome('none');
  }),

  defineAction('set profile', async (kit, [rec, profile], ctx) => {
    const zone = kit.bundle.officeHours?.timeZone ?? FALLBACK_TIME_ZONE;
    await writeSetting(kit, rec, ctx, 'profile', (s) => {
      const next: UserSettings = { ...s, activeProfile: profile };
      // Choosing a profile ends the vacation in force now (or one that is over), its dates with it.
      // A vacation that has not begun stays: switching work→mobile on 10 December must not
      // cancel the one planned for Christmas.
      if (profile !== 'vacation' && vacationState(s, ctx.call.time, zone) !== 'ahead') {
        delete next.vacation;
        delete next.vacationFrom;
        delete next.vacationUntil;
      }
      return next;
    });
    kit.users.show(rec, 'profile', profile);
    return done;
  }),

  defineAction('set greeting type', async (kit, [rec, type], ctx) => {
    if (type !== 'individual' && type !== 'personalized') throw new Error(`'${type}' is not a greeting type`);
    await writeSetting(kit, rec, ctx, 'greetingType', (s) => ({ ...s, greetingType: type }));
    kit.users.show(rec, 'greeting_type', type);
    return done;
  }),

  defineAction('set transfer', async (kit, [rec, profile, number], ctx) => {
    // removing the target is `clear transfer`, asked for on purpose: no number is no number
    if (number.trim() === '') return outcome('invalid');
    const e164 = toE164(number, kit.location);
    if (!e164) return outcome('invalid');
    const dial = checkDial(e164, kit.policy.dial, kit.location);
    if (!dial.allowed) {
      ctx.log.warn(
        { user: kit.users.entry(rec).id, profile, reason: dial.reason },
        'transfer target refused by the dial policy',
      );
      return outcome('refused');
    }
    const target = canonical(e164, kit.location) ?? e164;
    await writeSetting(kit, rec, ctx, `profile.${profile}.transferTo`, (s) =>
      withProfile(s, profile, { transferTo: target }),
    );
    return done;
  }),

  defineAction('clear transfer', async (kit, [rec, profile], ctx) => {
    // callers of this profile are no longer offered a transfer
    await writeSetting(kit, rec, ctx, `profile.${profile}.transferTo`, (s) => withoutTransfer(s, profile));
    return done;
  }),

  defineAction('set messages allowed', async (kit, [rec, profile, allowed], ctx) => {
    await writeSetting(kit, rec, ctx, `profile.${profile}.messages`, (s) =>
      withProfile(s, profile, { messagesAllowed: allowed === true }),
    );
    return done;
  }),
];
