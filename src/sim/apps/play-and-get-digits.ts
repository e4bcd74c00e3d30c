import { int, safeRegex, splitArgs } from './args.js';
import { collectDigits } from './collect.js';
import type { Collected } from './collect.js';
import type { Application } from './context.js';
import { transferTo } from './transfer.js';
import { playFile } from './play.js';

/**
 * `play_and_get_digits <min> <max> <tries> <timeout> <terminators> <prompt> <invalid> <var>
 * [regex] [digit-timeout] [transfer-on-failure…]`: tries with the invalid prompt between them.
 */
export const playAndGetDigits: Application = {
  media: true,
  async run(ctx, arg) {
    const a = splitArgs(arg);
    const min = Math.max(0, int(a[0], 0));
    const max = Math.max(min, int(a[1], min));
    const tries = Math.max(1, int(a[2], 1));
    const timeout = Math.max(1000, int(a[3], 1000));
    const terminators = a[4] || '#';
    const prompt = a[5] ?? 'silence';
    const invalid = a[6] ?? '';
    const varName = a[7] ?? 'pagd_digits';
    const regexSource = a[8];
    const digitTimeout = int(a[9], timeout);
    const transferOnFailure = a.slice(10);
    const regex = regexSource ? safeRegex(regexSource) : undefined;
    ctx.vars.delete('read_result');
    ctx.vars.delete(varName);
    if (regexSource) ctx.vars.delete(`${varName}_invalid`);
    const entry = ctx.note('digits', `${prompt} → ${varName}`);
    let accepted: string | undefined;
    let last: Collected = { digits: '', result: 'failure' };
    for (let t = 0; t < tries && ctx.isUp(); t++) {
      const r = await collectDigits(ctx, min, max, prompt, timeout, terminators, digitTimeout);
      last = r;
      if (r.terminator !== undefined) ctx.vars.set('read_terminator_used', r.terminator);
      const emptyOk = min === 0 && r.digits === '' && r.terminator !== undefined;
      const ok = (r.result === 'success' || emptyOk) && (!regex || regex.test(r.digits));
      if (ok) {
        accepted = r.digits;
        break;
      }
      if (regex && r.digits) ctx.vars.set(`${varName}_invalid`, r.digits);
      if (!ctx.isUp()) break;
      if (invalid && invalid !== 'silence') await playFile(ctx, invalid, () => true);
    }
    ctx.vars.set(
      'read_result',
      accepted !== undefined ? 'success' : last.result === 'timeout' ? 'timeout' : 'failure',
    );
    if (accepted) ctx.vars.set(varName, accepted);
    entry.text = `${prompt} → ${accepted !== undefined ? `"${accepted}"` : 'no valid input'}`;
    if (accepted === undefined && transferOnFailure.length > 0 && ctx.isUp()) {
      await transferTo(ctx, transferOnFailure.join(' '));
    }
    return '_none_';
  },
};
