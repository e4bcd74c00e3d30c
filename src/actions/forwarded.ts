// A call forwarded to a voice-box number shared by everyone (§4.1.1, §4.1.2): it is for whoever
// forwarded it. The forwarding number is what the network presented (Diversion, RDNIS): anyone can
// forge it, so it only ever chooses whose mailbox takes the message — never who logs in.
import type { DirectoryUser } from '../directory/index.js';
import { formats, toE164, type Location } from '../phone/index.js';
import type { ActionContext } from '../runtime/index.js';
import type { ActionKit } from './ports.js';

/** `location.commonNumbers` (config): none unless the admin lists them */
export function commonNumbersOf(location: Location): readonly string[] {
  return location.commonNumbers ?? [];
}

/**
 * The owner of a call to `called` (a common number, compared in E.164) forwarded from the call's
 * redirecting number: first by that number as a mailbox number, then by her office number.
 * Undefined when the call was not forwarded, `called` is no common number, or nobody has it.
 * Without her own mailbox number, her mailbox is the common number (ixi-UMS's "UMS number").
 */
export async function ownerOfForwardedCall(
  kit: ActionKit,
  ctx: ActionContext,
  called: string,
): Promise<DirectoryUser | undefined> {
  const forwardedFrom = ctx.call.redirectedFrom;
  if (forwardedFrom === undefined || called !== ctx.call.called) return undefined;
  const common = formats(called, kit.location);
  if (!common || !commonNumbersOf(kit.location).some((n) => toE164(n, kit.location) === common.e164))
    return undefined;
  const from = formats(forwardedFrom, kit.location);
  let user = from && (await kit.directory.findByNumber(from.all));
  const by = user ? 'mailbox' : 'office';
  user ??= from && (await kit.directory.findByOfficeNumber?.(from.all));
  if (!user) {
    // the common number itself decides, as without forwarding
    ctx.log.info(
      { forwardedFrom, called },
      'forwarded to the common number: nobody has the forwarding number',
    );
    return undefined;
  }
  if (user.mailbox.trim() === '') user = { ...user, mailbox: common.canonical };
  ctx.log.info(
    { user: user.id, forwardedFrom, by, mailbox: user.mailbox },
    'forwarded to the common number: the mailbox of the forwarding number',
  );
  return user;
}
