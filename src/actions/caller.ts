// The caller side (C1–C10): who is called, which profile is in force, the caller's language,
// the message into the spool, the welcome mail.
import type { DirectoryUser } from '../directory/index.js';
import { checkDial, formats, languageForCaller, toE164 } from '../phone/index.js';
import { activeProfileTrace, FALLBACK_TIME_ZONE, vacationActive } from '../schedule/index.js';
import { defineAction, done, outcome, value } from './define.js';
import { ownerOfForwardedCall } from './forwarded.js';
import { remindPinExpiry } from './pin.js';
import { welcomeNewUser } from './welcome.js';

/** her directory entry for a debug line: no PIN, PIN hash or mail password, not even the raw user data they are in */
function withoutSecrets(user: DirectoryUser): object {
  const { rawUserData: _raw, settings, ...entry } = user;
  const { pinHash: _hash, legacyPin: _legacy, mailPassword: _password, ...shown } = settings;
  return { ...entry, settings: shown };
}

export const callerSideActions = [
  defineAction('lookup user', async (kit, [number], ctx) => {
    const f = formats(number, kit.location);
    if (!f) return outcome('unknown');
    const user = (await ownerOfForwardedCall(kit, ctx, number)) ?? (await kit.directory.findByNumber(f.all));
    if (!user) {
      ctx.log.info({ called: number.slice(0, 64) }, 'no user has this number');
      return outcome('unknown');
    }
    ctx.log.info(
      { user: user.id, mailbox: user.mailbox, ...(user.login !== undefined ? { login: user.login } : {}) },
      'user found',
    );
    ctx.log.debug({ user: user.id, data: withoutSecrets(user) }, 'user data');
    return value(kit.users.record(user, ctx.log));
  }),

  defineAction('active profile', async (kit, [rec], ctx) => {
    const user = kit.users.entry(rec);
    const chosen = user.settings.activeProfile ?? kit.defaults.profile;
    const rules = { officeHours: kit.bundle.officeHours, profiles: kit.bundle.profiles };
    const own = kit.users.schedule(rec, rules, ctx.log);
    const result = activeProfileTrace({
      rules,
      user: {
        chosen,
        ...(vacationActive(
          user.settings,
          ctx.call.time,
          kit.bundle.officeHours?.timeZone ?? FALLBACK_TIME_ZONE,
        )
          ? { vacation: true }
          : {}),
        ...own,
      },
      at: ctx.call.time,
      internalCaller: ctx.call.callerClass === 'internal',
    });
    ctx.log.info(
      { user: user.id, profile: result.profile, reason: result.reason, office: result.office?.state },
      'active profile',
    );
    // the grounds (whose office hours, the day's windows, the profile looked for): `voicebox explain` reads them
    ctx.log.debug({ user: user.id, trace: result }, 'active profile: why');
    ctx.note?.({ kind: 'profile', profile: result.profile, reason: result.reason });
    return value(result.profile);
  }),

  defineAction('profile settings', async (kit, [rec, profile], ctx) => {
    const user = kit.users.entry(rec);
    const p = user.settings.profiles[profile] ?? {};
    let transferTo = p.transferTo ?? '';
    const dial = transferTo === '' ? undefined : checkDial(transferTo, kit.policy.dial, kit.location);
    if (dial !== undefined && !dial.allowed) {
      // stored before the policy forbade it, or written into the directory by hand
      ctx.log.warn(
        { user: user.id, profile, reason: dial.reason },
        'transfer target refused by the dial policy: no transfer offered',
      );
      transferTo = '';
    }
    return value({
      transfer_to: transferTo,
      can_transfer: transferTo !== '',
      messages_allowed: p.messagesAllowed ?? true,
    });
  }),

  // before the mailbox is known: an unknown or disabled mailbox answers the caller in her language
  defineAction('caller language', async (kit, _args, ctx) =>
    value(languageForCaller(toE164(ctx.call.caller, kit.location), kit.bundle.languages)),
  ),

  defineAction('send voice message', async (kit, [recording, rec], ctx) => {
    if (!recording.localPath || recording.id === undefined)
      throw new Error('send voice message needs a recording');
    const user = kit.users.entry(rec);
    // on disk and fsynced before the caller hears "thank you"; sent in the background
    await kit.mailer.voiceMessage({
      recording: { id: recording.id, path: recording.localPath, ms: recording.ms ?? 0 },
      to: { email: user.email, name: user.name, language: user.settings.language },
      mailbox: toE164(user.mailbox, kit.location, { outsideLine: 'without' }) ?? user.mailbox,
      caller: { number: toE164(ctx.call.caller, kit.location) ?? '', name: ctx.call.callerName },
      recordedAt: kit.now(),
    });
    ctx.log.info({ user: user.id, recording: recording.id, ms: recording.ms }, 'voice message spooled');
    return done;
  }),

  // the welcome mail (first call, or the admin's resend) and the PIN-expiry reminder: both
  // wait for a call to her mailbox, so a mailbox nobody calls gets neither; neither ends the
  // call when the directory or the spool fails them (logged, tried on the next call)
  defineAction('welcome new user', async (kit, [rec], ctx) => {
    await welcomeNewUser(kit, rec, ctx);
    await remindPinExpiry(kit, rec, ctx);
    return done;
  }),
];
