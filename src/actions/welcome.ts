// The welcome mail (C10, the ixi-UMS Voice-Mail Server manual §4.1.1): on the first call to a
// mailbox, and again when the admin asks for it (`welcomeResend`). Only one call, on any node,
// sends it: the right to send is claimed in the same atomic directory update that records it.
import { DirectoryError, type DirectoryUser, type UserSettings } from '../directory/index.js';
import { generatePin, hashPin } from '../pin/index.js';
import type { ActionContext, Value } from '../runtime/index.js';
import { loginAccess } from './access.js';
import type { ActionKit } from './ports.js';

/** ixi-UMS's base64 PIN as digits, when it is one; voicebox knows no other PIN in clear */
function legacyPinDigits(legacyPin: string | undefined): string | undefined {
  if (legacyPin === undefined) return undefined;
  const pin = Buffer.from(legacyPin, 'base64').toString('utf8');
  return /^[0-9]{4,12}$/.test(pin) ? pin : undefined;
}

/**
 * The first welcome mail, or the one the admin asked for again:
 * - first call (`welcomeSentAt` unset, `welcome.enabled`): with a new PIN when she has none,
 *   else "the PIN you already have";
 * - `welcomeResend=pin`: her PIN when voicebox still knows it (an ixi-UMS `legacyPin`), else
 *   that it is unchanged and how to have it reset (a hash cannot be told); a new one when she
 *   has none at all;
 * - `welcomeResend=newPin`: a new PIN, stored as a hash (the old one stops working), told.
 * Her phone login off (`access: none`, her own or the site's): no PIN is made or told, and the
 * mail says nothing of logging in by phone. The resend is the admin's request for her alone,
 * so it goes out even when `welcome.enabled` is off for first calls.
 * A claim the directory does not take (other writers, no server) or a mail that cannot be
 * spooled is logged and tried again on the next call (the claim given back); the call goes on,
 * for a welcome is never worth a lost message.
 */
export async function welcomeNewUser(kit: ActionKit, rec: Value, ctx: ActionContext): Promise<void> {
  const user = kit.users.entry(rec);
  const welcome = kit.policy.welcome;
  const s = user.settings;
  const resend = s.welcomeResend;
  // an entry from the last known copy cannot store her new PIN: the mail waits for the directory
  if (user.lastKnown !== undefined) return;
  if (resend === undefined && (!welcome.enabled || s.welcomeSentAt)) return;
  const phoneLogin = loginAccess(user, kit.policy.login) !== 'none';
  const hasPin = Boolean(s.pinHash || s.legacyPin);
  const makePin = phoneLogin && (resend === 'newPin' || !hasPin);
  const newPin = makePin ? generatePin(welcome.minPinLength) : undefined;
  const newHash = newPin ? await hashPin(newPin) : undefined;
  const at = kit.now();
  const iso = at.toISOString();

  // decided inside the update, on the settings as they are now: one call wins, and what it
  // tells is what is stored
  let won = false;
  let told: string | undefined;
  let before: UserSettings | undefined;
  const claim = (x: UserSettings): UserSettings => {
    won = resend === undefined ? !x.welcomeSentAt : x.welcomeResend === resend;
    if (!won) return x;
    before = x;
    const next: UserSettings = { ...x, welcomeSentAt: iso };
    delete next.welcomeResend;
    told = undefined;
    if (newHash && (resend === 'newPin' || !(x.pinHash || x.legacyPin))) {
      next.pinHash = newHash;
      next.pinChangedAt = iso;
      delete next.legacyPin;
      delete next.pinReminderSentAt;
      told = newPin;
    } else if (resend !== undefined && phoneLogin && !x.pinHash) {
      told = legacyPinDigits(x.legacyPin);
    }
    return next;
  };
  let updated: DirectoryUser;
  try {
    updated = await kit.directory.updateSettings(user, claim);
  } catch (e) {
    // a welcome is never worth a lost message: the caller goes on, the next call tries again
    if (!(e instanceof DirectoryError)) throw e;
    ctx.log.warn({ user: user.id, err: e.message }, 'welcome mail not sent: next call');
    return;
  }
  kit.users.replace(rec, updated);
  if (!won) return;
  try {
    await kit.mailer.welcome({
      userId: user.id,
      to: { email: user.email, name: user.name, language: s.language },
      mailbox: user.mailbox,
      pin: told,
      portalUrl: welcome.portalUrl,
      phoneLogin,
      ...(resend !== undefined ? { resentAt: at } : {}),
    });
  } catch (e) {
    ctx.log.error({ user: user.id, err: (e as Error).message }, 'welcome mail not spooled: next call');
    await giveBackClaim(kit, rec, ctx, updated, iso, before);
    return;
  }
  ctx.log.info(
    {
      user: user.id,
      resend: resend ?? false,
      newPin: told !== undefined && newHash !== undefined,
      phoneLogin,
    },
    'welcome mail spooled',
  );
}

/** what the welcome's claim may have changed */
const CLAIMED = [
  'welcomeSentAt',
  'welcomeResend',
  'pinHash',
  'pinChangedAt',
  'legacyPin',
  'pinReminderSentAt',
] as const;

function restore<K extends (typeof CLAIMED)[number]>(to: UserSettings, from: UserSettings, key: K): void {
  if (from[key] === undefined) delete to[key];
  else to[key] = from[key];
}

/**
 * The mail could not be spooled: the claim is undone (her PIN as before — a new one nobody was
 * told would lock her out — and the resend still asked for), unless another write came since.
 */
async function giveBackClaim(
  kit: ActionKit,
  rec: Value,
  ctx: ActionContext,
  claimed: DirectoryUser,
  claimedAt: string,
  before: UserSettings | undefined,
): Promise<void> {
  if (before === undefined) return;
  const old = before;
  try {
    const back = await kit.directory.updateSettings(claimed, (x) => {
      if (x.welcomeSentAt !== claimedAt || x.pinHash !== claimed.settings.pinHash) return x;
      const next: UserSettings = { ...x };
      for (const key of CLAIMED) restore(next, old, key);
      return next;
    });
    kit.users.replace(rec, back);
  } catch (e) {
    if (!(e instanceof DirectoryError)) throw e;
    ctx.log.warn({ user: claimed.id, err: e.message }, 'welcome claim not given back');
  }
}
