import type { DestinationOutcome } from '../script.js';
import { splitArgs } from './args.js';
import type { AppContext, Application } from './context.js';

/** The hang-up cause of a destination that did not answer. */
export function failureCause(d: Exclude<DestinationOutcome, { outcome: 'answered' }>): string {
  return d.outcome === 'busy'
    ? 'USER_BUSY'
    : d.outcome === 'no-answer'
      ? 'NO_ANSWER'
      : (d.cause ?? 'NO_ROUTE_DESTINATION');
}

/**
 * The call leaves the socket for `arg`'s first word: the socket application returns once the
 * transfer is done, and the destination's scripted outcome ends the call.
 */
export async function transferTo(ctx: AppContext, arg: string): Promise<undefined> {
  const target = splitArgs(arg)[0] ?? '';
  const d = ctx.destinationFor(target);
  const entry = ctx.note('transfer', target);
  ctx.transfer(() => {
    const ring = d.ringMs ?? (d.outcome === 'no-answer' ? 30_000 : 0);
    if (d.outcome === 'answered') {
      entry.text = `${target} answered`;
      ctx.clock.setTimer(ring + (d.talkMs ?? 5_000), () => ctx.hangup('NORMAL_CLEARING', 'destination'));
    } else {
      const cause = failureCause(d);
      entry.text = `${target} ${d.outcome} (${cause})`;
      ctx.clock.setTimer(ring, () => ctx.hangup(cause, 'destination'));
    }
  });
  return undefined;
}

export const transfer: Application = { media: false, run: transferTo };
