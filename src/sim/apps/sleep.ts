import { seconds } from '../transcript.js';
import { int } from './args.js';
import type { Application } from './context.js';

/** `sleep <ms>`: silence; it reads no keys (they stay queued). */
export const sleep: Application = {
  media: false,
  async run(ctx, arg) {
    const ms = Math.max(0, int(arg, 0));
    ctx.note('sleep', seconds(ms));
    await ctx.wait(ms);
    return undefined;
  },
};

/** `park`: until the hang-up or a `uuid_break`. */
export const park: Application = {
  media: false,
  async run(ctx) {
    await ctx.wait(undefined);
    return undefined;
  },
};
