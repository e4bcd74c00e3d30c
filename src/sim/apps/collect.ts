import type { AppContext } from './context.js';
import { playFile } from './play.js';

export interface Collected {
  readonly digits: string;
  readonly result: 'success' | 'timeout' | 'failure';
  /** The terminator that ended input (not part of `digits`). */
  readonly terminator?: string;
}

/**
 * The digit collection shared by `read` and `play_and_get_digits` (switch_ivr_read): any
 * digit stops the prompt and counts; a terminator ends input and is not stored.
 */
export async function collectDigits(
  ctx: AppContext,
  min: number,
  max: number,
  prompt: string,
  timeoutMs: number,
  terminators: string,
  digitTimeoutMs: number,
): Promise<Collected> {
  let digits = '';
  let terminator: string | undefined;
  const take = (d: string): boolean => {
    if (terminators.includes(d)) {
      terminator = d;
      return true;
    }
    digits += d;
    return digits.length >= max;
  };
  let finished = false;
  if (prompt && prompt !== 'silence') {
    const r = await playFile(ctx, prompt, (d) => {
      finished = take(d);
      return true; // any digit stops the prompt
    });
    if (r.end === 'hangup') return { digits, result: 'failure' };
  }
  let timedOut = false;
  while (!finished && ctx.isUp()) {
    const end = await ctx.wait(digits.length === 0 ? timeoutMs : digitTimeoutMs, (d) => {
      finished = take(d);
      return true;
    });
    if (end === 'done') {
      timedOut = true;
      break;
    }
    if (end !== 'digit') break;
  }
  let result: Collected['result'] = timedOut ? 'timeout' : finished ? 'success' : 'failure';
  if (result === 'timeout' && digits.length >= min && digits.length > 0) result = 'success';
  if ((min > 0 && digits.length < min) || digits.length > max) result = timedOut ? 'timeout' : 'failure';
  if (!ctx.isUp()) result = 'failure';
  return terminator === undefined ? { digits, result } : { digits, result, terminator };
}
