// Settings by phone (S1–S6): the active profile, greetings and the recorded name, the
// greeting type, a profile's transfer target and message switch, the PIN. Every setting
// is written through `directory.updateSettings` (atomic read-modify-write). When the
// directory may not be written (SettingsReadOnly) the error goes up: the caller hears the
// apology; a local store for read-only directories (S6) does not exist yet.
import type { Directory, DirectoryUser, UserSettings } from '../directory/index.js';
import type { GreetingStore } from '../greetings/index.js';
import {
  canonical,
  checkDial,
  DEFAULT_DIAL_POLICY,
  toE164,
  type DialPolicy,
  type Location,
} from '../phone/index.js';
import { hashPin, isTrivialPin } from '../pin/index.js';
import type { ActionContext, ActionImpl, ActionResult, RuntimeLogger } from '../runtime/ports.js';
import { isAudio, type Value } from '../runtime/values.js';
import { UserRecords } from './caller.js';

export interface SettingsOptions {
  readonly directory: Directory;
  readonly location: Location;
  readonly greetings: GreetingStore;
  /** config.welcome: the shortest PIN accepted */
  readonly welcome: { readonly minPinLength: number };
  readonly log: RuntimeLogger;
  /** where a transfer may go (default: internal and national) */
  readonly dialPolicy?: DialPolicy;
  readonly now?: () => Date;
}

const text = (v: Value | undefined): string => (typeof v === 'string' ? v : '');

/** the `user` record keeps showing what the call changed (`say active_profile_is(profile: user.profile)`) */
function show(rec: Value, field: string, value: Value): void {
  if (rec !== null && typeof rec === 'object' && !Array.isArray(rec) && !(rec instanceof Date)) {
    if (!Object.isFrozen(rec)) (rec as Record<string, Value>)[field] = value;
  }
}

export function settingsActions(o: SettingsOptions, users = new UserRecords()): Map<string, ActionImpl> {
  const now = o.now ?? (() => new Date());

  const update = async (
    rec: Value,
    ctx: ActionContext,
    what: string,
    change: (s: UserSettings) => UserSettings,
  ): Promise<DirectoryUser> => {
    const user = users.entry(rec);
    // SettingsReadOnly, SettingsConflict, DirectoryUnavailable: not caught — the caller hears the apology
    const updated = await o.directory.updateSettings(user, change);
    users.replace(rec, updated);
    ctx.log.info({ user: user.id, setting: what }, 'setting changed by phone');
    return updated;
  };

  const recording = (v: Value | undefined, action: string): string => {
    if (v === undefined || !isAudio(v) || !v.localPath) throw new Error(`${action} needs a recording`);
    return v.localPath;
  };

  const withProfile = (s: UserSettings, profile: string, p: UserSettings['profiles'][string]) => ({
    ...s,
    profiles: { ...s.profiles, [profile]: { ...(s.profiles[profile] ?? {}), ...p } },
  });

  const actions: Record<string, ActionImpl> = {
    'set profile': async ([rec, profile], ctx) => {
      const p = text(profile);
      await update(rec!, ctx, 'profile', (s) => {
        const next: UserSettings = { ...s, activeProfile: p };
        // choosing a profile by phone ends a vacation switched on elsewhere
        if (p !== 'vacation') delete next.vacation;
        return next;
      });
      show(rec!, 'profile', p);
      return {};
    },

    'save greeting': async ([rec, profile, audio], ctx) => {
      const user = users.entry(rec!);
      await o.greetings.saveGreeting(
        user.mailbox,
        text(profile),
        ctx.language,
        recording(audio, 'save greeting'),
      );
      ctx.log.info({ user: user.id, profile: text(profile), language: ctx.language }, 'greeting saved');
      return {};
    },

    'delete greeting': async ([rec, profile], ctx) => {
      const user = users.entry(rec!);
      await o.greetings.deleteGreeting(user.mailbox, text(profile));
      ctx.log.info({ user: user.id, profile: text(profile) }, 'greeting deleted');
      return {};
    },

    'save name': async ([rec, audio], ctx) => {
      const user = users.entry(rec!);
      await o.greetings.saveName(user.mailbox, recording(audio, 'save name'));
      ctx.log.info({ user: user.id }, 'recorded name saved');
      return {};
    },

    'delete all greetings': async ([rec], ctx) => {
      const user = users.entry(rec!);
      await o.greetings.deleteAll(user.mailbox);
      ctx.log.info({ user: user.id }, 'all greetings deleted');
      return {};
    },

    'set greeting type': async ([rec, type], ctx) => {
      const t = text(type);
      if (t !== 'individual' && t !== 'personalized') throw new Error(`'${t}' is not a greeting type`);
      await update(rec!, ctx, 'greetingType', (s) => ({ ...s, greetingType: t }));
      show(rec!, 'greeting_type', t);
      return {};
    },

    'set transfer': async ([rec, profile, number], ctx): Promise<ActionResult> => {
      const e164 = toE164(text(number), o.location);
      if (!e164) return { outcome: 'invalid' };
      const dial = checkDial(e164, o.dialPolicy ?? DEFAULT_DIAL_POLICY, o.location);
      if (!dial.allowed) {
        ctx.log.warn(
          { user: users.entry(rec!).id, profile: text(profile), reason: dial.reason },
          'transfer target refused by the dial policy',
        );
        return { outcome: 'refused' };
      }
      const target = canonical(e164, o.location) ?? e164;
      await update(rec!, ctx, `profile.${text(profile)}.transferTo`, (s) =>
        withProfile(s, text(profile), { transferTo: target }),
      );
      return {};
    },

    'set messages allowed': async ([rec, profile, allowed], ctx) => {
      await update(rec!, ctx, `profile.${text(profile)}.messages`, (s) =>
        withProfile(s, text(profile), { messagesAllowed: allowed === true }),
      );
      return {};
    },

    'change pin': async ([rec, pinValue], ctx): Promise<ActionResult> => {
      const pin = text(pinValue);
      if (!/^[0-9]*$/.test(pin) || pin.length < o.welcome.minPinLength) return { outcome: 'too_short' };
      if (isTrivialPin(pin)) return { outcome: 'trivial' };
      const pinHash = await hashPin(pin);
      const at = now().toISOString();
      await update(rec!, ctx, 'pin', (s) => {
        const next: UserSettings = { ...s, pinHash, pinChangedAt: at, wrongPinCount: 0 };
        delete next.legacyPin;
        return next;
      });
      return {};
    },
  };
  return new Map(Object.entries(actions));
}
