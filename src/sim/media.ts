import { existsSync, openSync, readSync, closeSync, writeFileSync } from 'node:fs';

export const SAMPLE_RATE = 8000;

/** How the simulator treats media and time, for every call. */
export interface MediaOptions {
  /** FreeSWITCH's path → the path as the simulator (and voicebox) sees it. Default: identity. */
  readonly toLocalPath: (fsPath: string) => string;
  /** Length of media that cannot be measured (unknown format, `say:`...). */
  readonly defaultMediaMs: number;
  /** A playback of a missing file: `not-found` (FreeSWITCH's `FILE NOT FOUND`) or play the default length. */
  readonly missingFiles: 'not-found' | 'default-length';
  /** Real ms of quiet after which the clock moves on although no application is waiting on it. */
  readonly idleAdvanceMs: number;
  /** Media take their real time (a person at the keyboard is the caller); default false. */
  readonly realTime?: boolean;
  /**
   * FreeSWITCH starts each application on its channel's next tick (20 ms: a frame), so every
   * application start costs up to a tick of silence. 0 (the default) starts them at once and
   * keeps tests fast; the bench switches it on to measure the dead air between prompts.
   */
  readonly appTickMs?: number;
}

/**
 * How long FreeSWITCH would take to play `file`, in ms: the WAV header's length for local
 * files, the tone/silence definition for `tone_stream://` and `silence_stream://`, the
 * default for anything else we cannot measure. `undefined` = FreeSWITCH would answer
 * `FILE NOT FOUND`. `toLocal` maps FreeSWITCH's path to the path as the simulator sees it.
 */
export function mediaDurationMs(
  file: string,
  toLocal: (fsPath: string) => string,
  defaultMs: number,
  missingIsError: boolean,
): number | undefined {
  let total = 0;
  for (const part of file.split('!')) {
    const d = oneDuration(part, toLocal, defaultMs, missingIsError);
    if (d === undefined) return undefined;
    total += d;
  }
  return total;
}

function oneDuration(
  raw: string,
  toLocal: (p: string) => string,
  defaultMs: number,
  missingIsError: boolean,
): number | undefined {
  let file = raw.trim().replace(/^\{[^}]*\}/, '');
  if (file.startsWith('silence_stream://')) {
    const ms = parseInt(file.slice('silence_stream://'.length), 10);
    return Number.isFinite(ms) && ms > 0 ? ms : defaultMs;
  }
  if (file.startsWith('tone_stream://'))
    return toneDurationMs(file.slice('tone_stream://'.length)) ?? defaultMs;
  if (/^[a-z_]+:\/\//.test(file) || file.startsWith('say:') || file.startsWith('phrase:')) return defaultMs;
  file = file.replace(/@@\d+$/, '');
  const local = toLocal(file);
  if (!existsSync(local)) return missingIsError ? undefined : defaultMs;
  return wavDurationMs(local) ?? defaultMs;
}

/** Total length of a TGML tone definition: sum of `%(on,off,...)` segments × loops. */
export function toneDurationMs(tgml: string): number | undefined {
  let loops = 1;
  const loopMatch = /;loops=(-?\d+)/.exec(tgml) ?? /(?:^|;)[lL]=(-?\d+)/.exec(tgml);
  if (loopMatch) loops = Number(loopMatch[1]);
  if (loops < 0) return undefined; // endless
  let once = 0;
  for (const m of tgml.matchAll(/%\((\d+),(\d+)/g)) once += Number(m[1]) + Number(m[2]);
  return once > 0 ? once * Math.max(1, loops) : undefined;
}

/** Reads the length of a PCM WAV from its header; undefined if it is not one. */
export function wavDurationMs(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
      return undefined;
    }
    let off = 12;
    let byteRate = 0;
    while (off + 8 <= n) {
      const id = head.toString('ascii', off, off + 4);
      const size = head.readUInt32LE(off + 4);
      if (id === 'fmt ' && off + 16 <= n) byteRate = head.readUInt32LE(off + 8 + 8);
      if (id === 'data') return byteRate > 0 ? Math.round((size * 1000) / byteRate) : undefined;
      off += 8 + size + (size & 1);
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes an 8 kHz 16-bit mono WAV of `ms` length: a quiet tone while talking, zeros for silence. */
export function writeWav(path: string, talkMs: number, silenceMs: number): number {
  const talkSamples = Math.round((Math.max(0, talkMs) * SAMPLE_RATE) / 1000);
  const samples = talkSamples + Math.round((Math.max(0, silenceMs) * SAMPLE_RATE) / 1000);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < talkSamples; i++) {
    data.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * i) / SAMPLE_RATE)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(SAMPLE_RATE, 24);
  header.writeUInt32LE(SAMPLE_RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
  return 44 + data.length;
}
