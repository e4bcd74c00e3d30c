import { int, splitArgs } from './args.js';
import { collectDigits } from './collect.js';
import type { Application } from './context.js';

/** `read <min> <max> <prompt> <var> <timeout> <terminators> [digit-timeout]`. */
export const read: Application = {
  media: true,
  async run(ctx, arg) {
    const a = splitArgs(arg);
    const min = Math.max(1, int(a[0], 1));
    const max = Math.max(min, int(a[1], min));
    const prompt = a[2] ?? 'silence';
    const varName = a[3] ?? 'read_digits';
    const timeout = Math.max(1000, int(a[4], 1000));
    const terminators = a[5] || '#';
    const digitTimeout = int(a[6], timeout);
    ctx.vars.delete('read_result');
    ctx.vars.delete(varName);
    const entry = ctx.note('read', `${prompt} → ${varName}`);
    const r = await collectDigits(ctx, min, max, prompt, timeout, terminators, digitTimeout);
    ctx.vars.set('read_result', r.result);
    if (r.digits) ctx.vars.set(varName, r.digits);
    if (r.terminator !== undefined) ctx.vars.set('read_terminator_used', r.terminator);
    entry.text = `${prompt} → ${r.digits ? `"${r.digits}"` : 'nothing'} (${r.result})`;
    return '_none_';
  },
};
