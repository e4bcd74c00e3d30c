// Who may log in by phone, from where, with or without a PIN (R1, R2, R4).
import type { DirectoryUser } from '../directory/index.js';
import { toE164, type Location } from '../phone/index.js';
import { loginAccess } from './access.js';
import { defineAction, outcome, value } from './define.js';
import { freshUser, remindPinExpiry } from './pin.js';
import type { LoginPolicy } from './ports.js';

/** an outcome the flow handles, or how she logs in */
export type LoginDecision =
  { outcome: 'disabled' | 'refused' | 'locked' } | { pinRequired: boolean; access: 'settings' | 'messages' };

/**
 * Whether, and how, this number may log in (R2, R4). A caller number proves nothing (SIP
 * caller ID and CHANNEL_DATA can be forged), so a number skips the PIN only where the admin
 * switched that on: office (`trustOffice`), mobile (`trustMobile`) — each the user's own value
 * when the directory has one, else the site's — and the user's own trusted numbers
 * (`trustListedNumbers`). Others need the PIN: `everywhere` from any number; `nowhere` from
 * none; `listed` only from the user's own numbers (office, mobile, trusted ones, and her
 * `pinNumbers`, which never skip the PIN). With `access: none` phone login is `disabled` from
 * every number.
 */
export function loginDecision(
  user: DirectoryUser,
  from: string,
  policy: LoginPolicy,
  location: Location,
): LoginDecision {
  const s = user.settings;
  const access = loginAccess(user, policy);
  // no telephone will do: not the same as a number that may not log in
  if (access === 'none') return { outcome: 'disabled' };
  if (s.lockedAt) return { outcome: 'locked' };
  const e164 = (n: string | undefined) => (n ? toE164(n, location) : undefined);
  const caller = e164(from);
  const same = (n: string | undefined) => caller !== undefined && e164(n) === caller;
  const ownTrusted = s.trustedNumbers.some(same);
  const office = same(user.numbers.office);
  const mobile = same(user.numbers.mobile);
  const trusted =
    (policy.trustListedNumbers && ownTrusted) ||
    ((s.trustOffice ?? policy.trustOffice) && office) ||
    ((s.trustMobile ?? policy.trustMobile) && mobile);
  if (trusted) return { pinRequired: false, access };
  const restriction = s.loginRestriction ?? policy.restriction;
  if (restriction === 'nowhere') return { outcome: 'refused' };
  if (restriction === 'listed' && !(ownTrusted || office || mobile || (s.pinNumbers ?? []).some(same)))
    return { outcome: 'refused' };
  return { pinRequired: true, access };
}

export const loginActions = [
  defineAction('check login', async (kit, [rec, from], ctx) => {
    const user = await freshUser(kit, rec);
    for (const n of user.settings.pinNumbers ?? [])
      if (toE164(n, kit.location) === undefined)
        // the admin's typo must not open or close anything else: this entry alone matches nobody
        ctx.log.warn({ user: user.id, key: 'pinNumber', value: n }, 'not a phone number: ignored');
    const d = loginDecision(user, from, kit.policy.login, kit.location);
    if ('outcome' in d) {
      ctx.log.info({ user: user.id, outcome: d.outcome }, 'phone login not possible');
      return outcome(d.outcome);
    }
    ctx.log.info({ user: user.id, pinRequired: d.pinRequired, access: d.access }, 'phone login');
    // a call at the access number reaches her mailbox too: the reminder goes out from here as well
    await remindPinExpiry(kit, rec, ctx);
    return value({ pin_required: d.pinRequired, access: d.access });
  }),
];
