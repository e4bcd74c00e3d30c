import type { Application } from './context.js';

export const answer: Application = {
  media: false,
  async run(ctx) {
    ctx.markAnswered();
    ctx.note('answer', '');
    return undefined;
  },
};
