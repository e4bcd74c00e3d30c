import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ClockTimer } from '../clock.js';
import { SAMPLE_RATE, writeWav } from '../media.js';
import { seconds } from '../transcript.js';
import { int, splitArgs } from './args.js';
import type { Application, MediaWait, WaitEnd } from './context.js';
import { terminatorSet } from './play.js';

/**
 * `record_ms` falls short of the time the recording ran: FreeSWITCH drops the first frames
 * while the file opens (captures: 2,940 ms for ~3,000; voicebox-real/leave-message 2,960 ms
 * for 3,020 ms between CHANNEL_EXECUTE and the `#`).
 */
export const RECORD_START_LOSS_MS = 60;

/**
 * `record <path> [limit-s] [silence-threshold] [silence-hits]`: ends at the limit, on a
 * `playback_terminators` key, after `hits` seconds of the caller's silence, or at the hang-up;
 * writes a real WAV of the recorded length. A missing directory hangs the call up.
 */
export const record: Application = {
  media: true,
  async run(ctx, arg) {
    const a = splitArgs(arg);
    const path = a[0] ?? '';
    const limitS = int(a[1], 0);
    const threshold = int(a[2], 0);
    const hits = int(a[3], 3);
    const local = ctx.media.toLocalPath(path);
    if (!path || !existsSync(dirname(local))) {
      ctx.note('error', `record: cannot open ${path}`);
      ctx.hangup('DESTINATION_OUT_OF_ORDER', 'record failed');
      return '_none_';
    }
    ctx.markAnswered();
    const terminators = terminatorSet(ctx);
    ctx.vars.delete('playback_terminator_used');
    ctx.vars.set('silence_hits_exhausted', 'false');
    const entry = ctx.note('record', path);
    ctx.fire('RECORD_START', [['Record-File-Path', path]]);
    const start = ctx.clock.now();
    let digit: string | undefined;
    let silenceStop: ClockTimer | undefined;
    let stoppedBySilence = false;
    const silenceMs = hits * 1000;
    const recording = ctx.listen(limitS > 0 ? limitS * 1000 : undefined, (d) => {
      if (!terminators.includes(d)) return false;
      digit = d;
      return true;
    });
    const armSilence = (): void => {
      silenceStop?.cancel();
      const silentSince = ctx.callerSilentSince();
      if (threshold <= 0 || silentSince === undefined) return;
      const since = Math.max(silentSince, start);
      silenceStop = ctx.clock.setTimer(Math.max(0, since + silenceMs - ctx.clock.now()), () => {
        stoppedBySilence = true;
        recording.finish('done');
      });
    };
    ctx.onSilenceChange(armSilence);
    armSilence();
    const end = await endOf(recording);
    silenceStop?.cancel();
    ctx.onSilenceChange(undefined);
    const ranMs = ctx.clock.now() - start;
    const ms = Math.max(0, ranMs - RECORD_START_LOSS_MS);
    const silentSince = ctx.callerSilentSince();
    const silentPart =
      silentSince !== undefined ? Math.min(ms, ctx.clock.now() - Math.max(silentSince, start)) : 0;
    const size = writeWav(local, ms - silentPart, silentPart);
    const samples = Math.round((ms * SAMPLE_RATE) / 1000);
    ctx.vars.set('silence_hits_exhausted', stoppedBySilence ? 'true' : 'false');
    ctx.vars.set('record_record_file_size', String(size));
    ctx.vars.set('record_file_size', String(size));
    ctx.vars.set('record_seconds', String(Math.floor(ms / 1000)));
    ctx.vars.set('record_ms', String(ms));
    ctx.vars.set('record_samples', String(samples));
    if (digit !== undefined) ctx.vars.set('playback_terminator_used', digit);
    ctx.fire('RECORD_STOP', [['Record-File-Path', path]]);
    const why =
      end === 'hangup'
        ? 'hung up'
        : digit
          ? `stopped by ${digit}`
          : stoppedBySilence
            ? 'silence'
            : 'time limit';
    entry.text = `${path} ${seconds(ranMs)} (${why})`;
    return '_none_';
  },
};

/** As `AppContext.wait`, for a wait that silence detection may end early. */
async function endOf(wait: MediaWait): Promise<WaitEnd> {
  return (await wait.ended).end;
}
