// The welcome mail (C10, the ixi-UMS Voice-Mail Server manual §4.1.1): on the first call to a
// mailbox, and again when the admin asks for it (`welcomeResend`). Only one call, on any node,
// sends it: the right to send is claimed in the same atomic directory update that records it.
import type { UserSettings } from '../directory/index.js';
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
  const updated = await kit.directory.updateSettings(user, (x: UserSettings) => {
    won = resend === undefined ? !x.welcomeSentAt : x.welcomeResend === resend;
    if (!won) return x;
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
  });
  kit.users.replace(rec, updated);
  if (!won) return;
  await kit.mailer.welcome({
    userId: user.id,
    to: { email: user.email, name: user.name, language: s.language },
    mailbox: user.mailbox,
    pin: told,
    portalUrl: welcome.portalUrl,
    phoneLogin,
    ...(resend !== undefined ? { resentAt: at } : {}),
  });
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
