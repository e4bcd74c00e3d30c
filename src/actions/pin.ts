// The PIN (R3, S6): checked against its salted hash, wrong PINs counted atomically in the
// directory, the lock after N with its mail and the wrong-PIN log, expiry, a new PIN by phone.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DirectoryError, type DirectoryUser, type UserSettings } from '../directory/index.js';
import { toE164 } from '../phone/index.js';
import { hashPin, isTrivialPin, pinHashOutdated, verifyLegacyPin, verifyPin } from '../pin/index.js';
import type { ActionContext, RuntimeLogger, Value } from '../runtime/index.js';
import { loginAccess } from './access.js';
import { defineAction, done, outcome, value } from './define.js';
import type { ActionKit, LoginPolicy } from './ports.js';
import { writeSetting } from './settings.js';

/** a failed web login does a PIN check's work through the same limit as `check pin` (src/web/auth.ts) */
export { pinHashIsCurrent, spendPinHash } from '../pin/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** one line of the log file: hostile input (a caller number) cannot start a new line */
const field = (s: string): string => s.replace(/[^\x21-\x7e]/g, '_').slice(0, 64) || '-';

/** the PIN is past its expiry (false when PINs do not expire or it was never set by us) */
export function pinExpired(s: UserSettings, policy: LoginPolicy, now: Date): boolean {
  const changed = s.pinChangedAt ? Date.parse(s.pinChangedAt) : NaN;
  if (policy.pinExpiryDays <= 0 || Number.isNaN(changed)) return false;
  return changed + policy.pinExpiryDays * DAY_MS <= now.getTime();
}

/** the PIN expires within the reminder period (or has expired) */
export function pinExpiresSoon(s: UserSettings, policy: LoginPolicy, now: Date): boolean {
  const changed = s.pinChangedAt ? Date.parse(s.pinChangedAt) : NaN;
  if (policy.pinExpiryDays <= 0 || Number.isNaN(changed)) return false;
  return changed + (policy.pinExpiryDays - policy.remindDays) * DAY_MS <= now.getTime();
}

/** when the PIN expires (undefined when PINs do not expire or it was never set by us) */
export function pinExpiresAt(s: UserSettings, policy: LoginPolicy): Date | undefined {
  const changed = s.pinChangedAt ? Date.parse(s.pinChangedAt) : NaN;
  if (policy.pinExpiryDays <= 0 || Number.isNaN(changed)) return undefined;
  return new Date(changed + policy.pinExpiryDays * DAY_MS);
}

/**
 * The reminder mail before her PIN expires (R3): once per PIN — `pinReminderSentAt` is claimed
 * in the same atomic update that decides who sends, so two calls on two nodes send one mail; a
 * reminder older than her PIN's `pinChangedAt` was for the PIN before. It goes out on a call
 * to or from her mailbox (the welcome step of the caller side, the login): nobody calls, no
 * mail. A claim the directory does not take (other writers, no server), or a mail that cannot be
 * spooled (the claim given back), is logged and tried on the next call; the call goes on.
 */
export async function remindPinExpiry(kit: ActionKit, rec: Value, ctx: ActionContext): Promise<void> {
  const policy = kit.policy.login;
  const user = kit.users.entry(rec);
  const s = user.settings;
  const expiresAt = pinExpiresAt(s, policy);
  const now = kit.now();
  if (!expiresAt || expiresAt.getTime() <= now.getTime() || !pinExpiresSoon(s, policy, now)) return;
  if (user.lastKnown !== undefined || !user.email || loginAccess(user, policy) === 'none') return;
  if (!s.pinHash && !s.legacyPin) return;
  const remindedFor = (x: UserSettings) =>
    x.pinReminderSentAt !== undefined &&
    x.pinChangedAt !== undefined &&
    Date.parse(x.pinReminderSentAt) >= Date.parse(x.pinChangedAt);
  if (remindedFor(s)) return;
  const at = now.toISOString();
  let won = false;
  let updated: DirectoryUser;
  try {
    updated = await kit.directory.updateSettings(user, (x) => {
      won = x.pinChangedAt === s.pinChangedAt && !remindedFor(x);
      return won ? { ...x, pinReminderSentAt: at } : x;
    });
  } catch (e) {
    // a reminder is never worth a lost message or login: the call goes on, the next one tries again
    if (!(e instanceof DirectoryError)) throw e;
    ctx.log.warn({ user: user.id, err: e.message }, 'PIN reminder not sent: next call');
    return;
  }
  kit.users.replace(rec, updated);
  if (!won) return;
  try {
    await kit.mailer.pinReminder({
      userId: user.id,
      to: { email: user.email, name: user.name, language: user.settings.language },
      mailbox: user.mailbox,
      pinChangedAt: new Date(Date.parse(s.pinChangedAt ?? at)),
      expiresAt,
      afterExpiry: policy.afterExpiry,
      portalUrl: kit.policy.welcome.portalUrl,
    });
    ctx.log.info({ user: user.id, expiresAt: expiresAt.toISOString() }, 'PIN reminder mail spooled');
  } catch (e) {
    ctx.log.error({ user: user.id, err: (e as Error).message }, 'PIN reminder mail not spooled: next call');
    try {
      const back = await kit.directory.updateSettings(updated, (x) => {
        if (x.pinReminderSentAt !== at) return x;
        const next = { ...x };
        delete next.pinReminderSentAt;
        return next;
      });
      kit.users.replace(rec, back);
    } catch (e2) {
      if (!(e2 instanceof DirectoryError)) throw e2;
      ctx.log.warn({ user: user.id, err: e2.message }, 'PIN reminder claim not given back');
    }
  }
}

/** the user as the directory has her now (a no-op update re-reads; nothing is written) */
export async function freshUser(kit: ActionKit, rec: Value): Promise<DirectoryUser> {
  const user = await kit.directory.updateSettings(kit.users.entry(rec), (s) => s);
  kit.users.replace(rec, user);
  return user;
}

async function wrongPinLog(file: string, line: string, log: RuntimeLogger): Promise<void> {
  if (!file) return;
  try {
    // who called which mailbox when, and got the PIN wrong: for the admin only
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const fh = await open(file, 'a', 0o600);
    try {
      if ((await fh.stat()).mode & 0o077) await fh.chmod(0o600);
      await fh.appendFile(`${line}\n`, 'utf8');
    } finally {
      await fh.close();
    }
  } catch (e) {
    log.error({ file, err: (e as Error).message }, 'wrong-PIN log not written');
  }
}

/** does `pin` open this user's phone login: 'hash' | 'legacy' | 'default' | false */
async function matches(
  pin: string,
  s: UserSettings,
  defaultPin: string | undefined,
): Promise<'hash' | 'legacy' | 'default' | false> {
  if (s.pinHash) return (await verifyPin(pin, s.pinHash)) ? 'hash' : false;
  if (s.legacyPin) return verifyLegacyPin(pin, s.legacyPin) ? 'legacy' : false;
  if (defaultPin)
    return verifyLegacyPin(pin, Buffer.from(defaultPin, 'utf8').toString('base64')) ? 'default' : false;
  return false;
}

export const pinActions = [
  defineAction('check pin', async (kit, [rec, pin], ctx) => {
    const policy = kit.policy.login;
    const user = await freshUser(kit, rec);
    if (user.settings.lockedAt) return outcome('locked');
    const how = /^[0-9]+$/.test(pin)
      ? await matches(pin, user.settings, kit.policy.welcome.defaultPin)
      : false;
    const at = kit.now();

    if (how === false) {
      // counted in the directory, atomically: two calls at once both count
      let count = 0;
      let lockedNow = false;
      let alreadyLocked = false;
      const updated = await kit.directory.updateSettings(user, (s) => {
        alreadyLocked = Boolean(s.lockedAt);
        if (alreadyLocked) {
          count = s.wrongPinCount;
          lockedNow = false;
          return s;
        }
        count = s.wrongPinCount + 1;
        lockedNow = count >= policy.maxWrongPins;
        return { ...s, wrongPinCount: count, ...(lockedNow ? { lockedAt: at.toISOString() } : {}) };
      });
      kit.users.replace(rec, updated);
      if (alreadyLocked) return outcome('locked');
      const caller = toE164(ctx.call.caller, kit.location) ?? ctx.call.caller;
      await wrongPinLog(
        policy.wrongPinLog,
        [
          at.toISOString(),
          `mailbox=${field(user.mailbox)}`,
          `caller=${field(caller)}`,
          `count=${count}`,
          ...(lockedNow ? ['locked'] : []),
        ].join(' '),
        ctx.log,
      );
      ctx.log.warn({ user: user.id, wrongPins: count, locked: lockedNow }, 'wrong PIN');
      if (!lockedNow) return outcome('wrong');
      if (policy.notifyLock && user.email) {
        await kit.mailer.lockNotice({
          userId: user.id,
          to: { email: user.email, name: user.name, language: user.settings.language },
          mailbox: user.mailbox,
          lockedAt: at,
          wrongPins: count,
          caller,
        });
        ctx.log.info({ user: user.id }, 'lock mail spooled');
      }
      return outcome('locked');
    }

    // the right PIN: the legacy one becomes a hash, a hash made at a lower cost is made
    // again at today's, the count starts again
    const rehash = how === 'hash' && pinHashOutdated(user.settings.pinHash ?? '');
    const newHash = how === 'legacy' || rehash ? await hashPin(pin) : undefined;
    const verified = user.settings;
    // a PIN she did not choose with voicebox: from ixi-UMS, set by an admin, the site's default
    const inherited = how === 'legacy' || how === 'default' || !verified.pinChangedAt;
    const mustChange = policy.changeInheritedPins === true && inherited;
    let lockedMeanwhile = false;
    const updated = await kit.directory.updateSettings(user, (s) => {
      lockedMeanwhile = Boolean(s.lockedAt);
      if (lockedMeanwhile) return s;
      let next: UserSettings = s;
      if (s.wrongPinCount !== 0) next = { ...next, wrongPinCount: 0 };
      if (newHash && s.legacyPin === verified.legacyPin && !s.pinHash) {
        next = { ...next, pinHash: newHash };
        delete next.legacyPin;
      }
      if (newHash && rehash && s.pinHash === verified.pinHash) next = { ...next, pinHash: newHash };
      // PIN expiry counts from now for a PIN voicebox never saw set
      if (policy.pinExpiryDays > 0 && !s.pinChangedAt) next = { ...next, pinChangedAt: at.toISOString() };
      // stored, so that hanging up at the new PIN does not get her round it next time
      if (mustChange && !s.pinChangeRequired) next = { ...next, pinChangeRequired: true };
      return next;
    });
    kit.users.replace(rec, updated);
    if (lockedMeanwhile) return outcome('locked');
    if (newHash && rehash) ctx.log.info({ user: user.id }, 'PIN hash renewed at the current cost');
    else if (newHash) ctx.log.info({ user: user.id }, 'legacy PIN replaced by a hash');
    if (pinExpired(updated.settings, policy, at)) {
      ctx.log.info({ user: user.id, afterExpiry: policy.afterExpiry }, 'PIN expired');
      return policy.afterExpiry === 'refuse' ? outcome('refused') : outcome('expired');
    }
    if (updated.settings.pinChangeRequired) {
      // the admin's "change it at the next login": a new PIN first, as for an expired one
      ctx.log.info({ user: user.id, inherited: mustChange }, 'PIN accepted; a new PIN is required');
      return outcome('change_required');
    }
    ctx.log.info({ user: user.id }, 'PIN accepted');
    return done;
  }),

  defineAction('pin expires soon', async (kit, [rec]) =>
    value(pinExpiresSoon(kit.users.entry(rec).settings, kit.policy.login, kit.now())),
  ),

  defineAction('change pin', async (kit, [rec, pin], ctx) => {
    if (!/^[0-9]*$/.test(pin) || pin.length < kit.policy.welcome.minPinLength) return outcome('too_short');
    if (isTrivialPin(pin)) return outcome('trivial');
    const pinHash = await hashPin(pin);
    const at = kit.now().toISOString();
    await writeSetting(kit, rec, ctx, 'pin', (s) => {
      const next: UserSettings = { ...s, pinHash, pinChangedAt: at, wrongPinCount: 0 };
      delete next.legacyPin;
      // her own PIN now: no change is due, and the next reminder is for this PIN
      delete next.pinChangeRequired;
      delete next.pinReminderSentAt;
      return next;
    });
    return done;
  }),
];
