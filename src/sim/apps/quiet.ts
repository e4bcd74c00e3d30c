import type { Application } from './context.js';

/**
 * Applications the simulator accepts and runs at once: what they do (early media, ringing,
 * logging, firing a custom event, sending tones) is nothing the controller or the scripted
 * caller could notice.
 */
export const nothing: Application = { media: false, run: async () => undefined };

/** `flush_dtmf`: the keys pressed and not yet read are gone. */
export const flushDtmf: Application = {
  media: false,
  async run(ctx) {
    ctx.flushDigits();
    return undefined;
  },
};
