// How long a recording is, read from the WAV itself — for when FreeSWITCH could not say
// (its event socket broke before the completion that carries `record_ms`).
import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** A header is a few dozen bytes; a file that needs more chunks than this to reach its audio is not a recording. */
const MAX_CHUNKS = 64;

/**
 * The audio in a WAV file, in ms; 0 when there is no file, it is no WAV, or it holds no
 * audio (only a header). The data size comes from the header when the file holds that much,
 * else from the bytes that are there: FreeSWITCH writes the final sizes only when it closes
 * the file, which a FreeSWITCH that crashed never did.
 */
export async function wavAudioMs(path: string): Promise<number> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return 0;
  }
  try {
    const { size } = await file.stat();
    const read = async (at: number, length: number): Promise<Buffer> => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await file.read(buf, 0, length, at);
      return buf.subarray(0, bytesRead);
    };
    const riff = await read(0, 12);
    if (
      riff.length < 12 ||
      riff.toString('latin1', 0, 4) !== 'RIFF' ||
      riff.toString('latin1', 8, 12) !== 'WAVE'
    )
      return 0;
    let byteRate = 0;
    let at = 12;
    for (let n = 0; n < MAX_CHUNKS && at + 8 <= size; n++) {
      const head = await read(at, 8);
      if (head.length < 8) return 0;
      const id = head.toString('latin1', 0, 4);
      const declared = head.readUInt32LE(4);
      if (id === 'fmt ') {
        const fmt = await read(at + 8, 16);
        if (fmt.length < 16) return 0;
        const sampleRate = fmt.readUInt32LE(4);
        const blockAlign = fmt.readUInt16LE(12);
        byteRate = fmt.readUInt32LE(8) || sampleRate * blockAlign;
      } else if (id === 'data') {
        if (byteRate <= 0) return 0;
        const there = size - (at + 8);
        const bytes = declared > 0 && declared <= there ? declared : there;
        return Math.max(0, Math.round((bytes * 1000) / byteRate));
      }
      at += 8 + declared + (declared & 1);
    }
    return 0;
  } finally {
    await file.close();
  }
}

async function fingerprint(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * {@link wavAudioMs} once the file has stopped changing for `quietMs` (at most `maxWaitMs`):
 * when voicebox learns that the socket is gone, FreeSWITCH may still be closing the recording,
 * and the spool reads the WAV as it is at that moment.
 */
export async function settledWavAudioMs(
  path: string,
  { quietMs = 250, maxWaitMs = 5_000 }: { quietMs?: number; maxWaitMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let last = await fingerprint(path);
  for (;;) {
    await sleep(quietMs);
    const now = await fingerprint(path);
    if (now === last || Date.now() >= deadline) break;
    last = now;
  }
  return wavAudioMs(path);
}
