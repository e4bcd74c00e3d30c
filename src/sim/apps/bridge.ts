import { randomUUID } from 'node:crypto';
import type { Application } from './context.js';
import { failureCause } from './transfer.js';

/**
 * `bridge <target>`: rings, then the target's scripted outcome — answered (talks, then
 * CHANNEL_UNBRIDGE), busy, no answer or failed, with the variables FreeSWITCH sets.
 */
export const bridge: Application = {
  media: false,
  async run(ctx, target) {
    const entry = ctx.note('bridge', target);
    const d = ctx.destinationFor(target);
    const bUuid = randomUUID();
    const ring = d.ringMs ?? (d.outcome === 'no-answer' ? 30_000 : d.outcome === 'answered' ? 2_000 : 0);
    if (ring > 0 && (await ctx.wait(ring)) === 'hangup') {
      entry.text = `${target} (caller hung up while ringing)`;
      return undefined;
    }
    ctx.vars.set('last_bridge_to', bUuid);
    if (d.outcome === 'answered') {
      ctx.markAnswered();
      ctx.vars.set('bridge_uuid', bUuid);
      ctx.vars.set('originate_disposition', 'SUCCESS');
      ctx.vars.set('DIALSTATUS', 'SUCCESS');
      const bridged: Array<[string, string]> = [
        ['Bridge-A-Unique-ID', ctx.uuid],
        ['Bridge-B-Unique-ID', bUuid],
      ];
      ctx.fire('CHANNEL_BRIDGE', bridged);
      const end = await ctx.wait(d.talkMs ?? 5_000);
      ctx.vars.set(
        'bridge_hangup_cause',
        end === 'hangup' ? (ctx.hangupCause() ?? 'NORMAL_CLEARING') : 'NORMAL_CLEARING',
      );
      ctx.fire('CHANNEL_UNBRIDGE', bridged);
      entry.text = `${target} answered${end === 'hangup' ? ' (caller hung up)' : ''}`;
      if (end === 'done' && ctx.vars.get('hangup_after_bridge') === 'true') {
        ctx.hangup('NORMAL_CLEARING', 'destination');
      }
      return undefined;
    }
    const cause = failureCause(d);
    const dialStatus = d.outcome === 'busy' ? 'BUSY' : d.outcome === 'no-answer' ? 'NOANSWER' : cause;
    ctx.vars.set('originate_disposition', cause);
    ctx.vars.set('DIALSTATUS', dialStatus);
    ctx.vars.set('originate_causes', `ARRAY::${bUuid};${cause}`);
    entry.text = `${target} ${d.outcome} (${cause})`;
    return undefined;
  },
};
