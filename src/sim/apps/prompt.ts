import type { AppContext, Application } from './context.js';
import { terminatorSet } from './play.js';

/** `speak`: `engine|voice|text`, or the text alone with `tts_engine`/`tts_voice` set; 60 ms a character. */
export const speak: Application = {
  media: true,
  async run(ctx, arg) {
    const parts = arg.split('|');
    const text = parts.length >= 3 ? parts.slice(2).join('|') : parts.length === 1 ? arg : '';
    const engine = parts.length >= 3 ? parts[0] : ctx.vars.get('tts_engine');
    const voice = parts.length >= 3 ? parts[1] : ctx.vars.get('tts_voice');
    if (!engine || !voice || !text) {
      ctx.note('error', `speak without engine/voice/text: ${arg}`);
      ctx.hangup('DESTINATION_OUT_OF_ORDER', 'speak failed');
      return undefined;
    }
    return playPrompt(ctx, 'speak', text, `speak:${text}`, undefined, Math.max(500, text.length * 60));
  },
};

export const say: Application = {
  media: true,
  run: (ctx, arg) => playPrompt(ctx, 'say', arg, 'say:' + arg, undefined),
};

export const phrase: Application = {
  media: true,
  run: (ctx, arg) => playPrompt(ctx, 'phrase', arg, 'phrase:' + arg, 'PHRASE PLAYED'),
};

/** speak / say / phrase: a prompt of estimated length, terminators as playback. */
async function playPrompt(
  ctx: AppContext,
  kind: 'speak' | 'say' | 'phrase',
  text: string,
  mediaName: string,
  response: string | undefined,
  lengthMs?: number,
): Promise<string | undefined> {
  const entry = ctx.note(kind === 'speak' ? 'speak' : 'app', kind === 'speak' ? text : `${kind} ${text}`);
  const terminators = terminatorSet(ctx);
  ctx.vars.delete('playback_terminator_used');
  ctx.mediaEvent('playing', mediaName);
  let digit: string | undefined;
  const end = await ctx.wait(lengthMs ?? ctx.media.defaultMediaMs, (d) => {
    if (!terminators.includes(d)) return false;
    digit = d;
    return true;
  });
  if (end === 'done') ctx.mediaEvent('played', mediaName);
  if (digit !== undefined) {
    ctx.vars.set('playback_terminator_used', digit);
    entry.text += ` (stopped by ${digit})`;
  }
  return response;
}
