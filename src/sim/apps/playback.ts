import { SAMPLE_RATE } from '../media.js';
import { seconds } from '../transcript.js';
import type { AppContext, Application } from './context.js';
import { playFile, terminatorSet } from './play.js';

/** `playback`: the file's measured length, stopped by a `playback_terminators` key. */
export const playback: Application = {
  media: true,
  async run(ctx, file) {
    const entry = ctx.note('playback', file);
    const terminators = terminatorSet(ctx);
    ctx.vars.delete('playback_terminator_used');
    const r = await playFile(ctx, file, (d) => terminators.includes(d));
    if (r.end === 'not-found') {
      entry.text = `${file} (FILE NOT FOUND)`;
      return 'FILE NOT FOUND';
    }
    setPlaybackVars(ctx, r.playedMs);
    if (r.digit !== undefined) ctx.vars.set('playback_terminator_used', r.digit);
    const response = r.end === 'hangup' ? 'PLAYBACK ERROR' : 'FILE PLAYED';
    entry.text = `${file} (${seconds(r.playedMs)}${r.digit ? `, stopped by ${r.digit}` : ''}${r.end === 'hangup' ? ', hung up' : ''})`;
    return response;
  },
};

function setPlaybackVars(ctx: AppContext, ms: number): void {
  ctx.vars.set('playback_seconds', String(Math.floor(ms / 1000)));
  ctx.vars.set('playback_ms', String(ms));
  ctx.vars.set('playback_samples', String(Math.round((ms * SAMPLE_RATE) / 1000)));
  ctx.vars.set('playback_last_offset_pos', String(Math.round((ms * SAMPLE_RATE) / 1000)));
}
