// A call forwarded to a voice-box number shared by everyone (§4.1.1, §4.1.2): it is for whoever
// forwarded it. The forwarding number is what the network presented (Diversion, RDNIS): anyone can
// forge it, so it only ever chooses whose mailbox takes the message — never who logs in.
import { AmbiguousOfficeNumber, DirectoryUnavailable, type DirectoryUser } from '../directory/index.js';
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
 * Undefined when the call was not forwarded, `called` is no common number, nobody (or more than
 * one user) has it, or the directory cannot be asked: the common number then decides, as it does
 * without forwarding. Without her own mailbox number, her mailbox is her office number — the
 * number her callers dialled, hers alone — so her greetings and messages are hers only.
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
  if (!from) return nobody(ctx, forwardedFrom, called);
  let user: DirectoryUser | undefined;
  let by = 'mailbox';
  try {
    user = await kit.directory.findByNumber(from.all);
    if (!user) {
      by = 'office';
      user = await kit.directory.findByOfficeNumber?.(from.all);
    }
  } catch (e) {
    if (e instanceof AmbiguousOfficeNumber) {
      // a team line: whose message it is cannot be told; the entries stay out of the log
      ctx.log.warn(
        { forwardedFrom, called, count: e.count },
        'forwarded to the common number: ambiguous office number',
      );
      return undefined;
    }
    if (e instanceof DirectoryUnavailable) {
      ctx.log.warn(
        { forwardedFrom, called, err: e.message },
        'forwarded to the common number: directory unavailable, the common number decides',
      );
      return undefined;
    }
    throw e;
  }
  if (!user) return nobody(ctx, forwardedFrom, called);
  if (user.mailbox.trim() === '') user = { ...user, mailbox: from.canonical };
  ctx.log.info(
    { user: user.id, forwardedFrom, by, mailbox: user.mailbox },
    'forwarded to the common number: the mailbox of the forwarding number',
  );
  return user;
}

function nobody(ctx: ActionContext, forwardedFrom: string, called: string): undefined {
  // the common number itself decides, as without forwarding
  ctx.log.info({ forwardedFrom, called }, 'forwarded to the common number: nobody has the forwarding number');
  return undefined;
}
