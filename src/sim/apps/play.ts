import { mediaDurationMs } from '../media.js';
import type { AppContext, WaitEnd } from './context.js';

/** How a prompt ended: `not-found` when FreeSWITCH would not open the file. */
export interface PlayResult {
  readonly end: WaitEnd | 'not-found';
  /** The key that stopped it. */
  readonly digit?: string;
  readonly playedMs: number;
}

/** Plays one file for its measured length; `stopOn` returning true stops it at that key. */
export async function playFile(
  ctx: AppContext,
  file: string,
  stopOn: (digit: string) => boolean,
): Promise<PlayResult> {
  const m = ctx.media;
  const duration = mediaDurationMs(file, m.toLocalPath, m.defaultMediaMs, m.missingFiles === 'not-found');
  if (duration === undefined) return { end: 'not-found', playedMs: 0 };
  ctx.mediaEvent('playing', file);
  let digit: string | undefined;
  const { end, activeMs } = await ctx.listen(duration, (d) => {
    if (!stopOn(d)) return false;
    digit = d;
    return true;
  }).ended;
  if (end === 'done') ctx.mediaEvent('played', file);
  return digit === undefined ? { end, playedMs: activeMs } : { end, digit, playedMs: activeMs };
}

/** `playback_terminators` as a set of keys: default `*`, `none`, `any`. */
export function terminatorSet(ctx: AppContext): string {
  const t = ctx.vars.get('playback_terminators') ?? '*';
  if (t === 'none') return '';
  if (t === 'any') return '0123456789*#';
  return t.toUpperCase();
}
