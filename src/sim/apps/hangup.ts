import type { Application } from './context.js';

/** `hangup [cause]`, default NORMAL_CLEARING. */
export const hangup: Application = {
  media: false,
  async run(ctx, arg) {
    ctx.hangup(arg.trim() || 'NORMAL_CLEARING', 'voicebox');
    return undefined;
  },
};

/** `deflect`: the SIP REFER is not simulated; the call leaves as a blind transfer. */
export const deflect: Application = {
  media: false,
  async run(ctx) {
    ctx.hangup('BLIND_TRANSFER', 'voicebox');
    return undefined;
  },
};
