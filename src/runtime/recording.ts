// Callers' recordings on the media disk: how long one is, read from the WAV itself (for when
// FreeSWITCH's event socket broke before the completion that carries `record_ms`), and how long
// it may stay there (RecordingRetention).
import { lstat, open, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallRecording } from './ports.js';

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

/**
 * How long after its last write a file in the media folder may still belong to a running call —
 * on this node or on another that shares the folder. A recording is used within its call
 * (sent, saved or played back at once), and a call's downloads folder is written each time a
 * message is played: nothing in use is this old.
 */
export const IN_USE_MS = 6 * 60 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

/**
 * How long a recording with audio that no spool holds stays when sites keep no copies
 * (`keepDays` 0): a message that was never sent, the only copy of what the caller said — time
 * for an admin to read the error line and recover it, a long weekend included.
 */
export const UNSENT_KEEP_MS = 7 * DAY_MS;

/** What the spool takes as an id (`<call uuid>-<n>` for a recording): never a path. */
const RECORDING_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A recording's file in the recordings folder is named by its id. */
export function recordingFileName(id: string): string {
  return `${id}.wav`;
}

/**
 * The id of the recording in a file of the recordings folder, undefined for a file that is not
 * one. Only for files found on disk ({@link RecordingRetention.sweep}); a recording made in a
 * call carries its id.
 */
export function recordingIdOf(fileName: string): string | undefined {
  if (!fileName.endsWith('.wav')) return undefined;
  const id = fileName.slice(0, -'.wav'.length);
  return RECORDING_ID.test(id) ? id : undefined;
}

export interface RecordingRetentionOptions {
  /** the media root as voicebox sees it: recordings/ and inbox/ live in it */
  readonly mediaLocal: string;
  /** media.keepRecordingsDays: 0 deletes a recording once its message is delivered */
  readonly keepDays: number;
  /** is the message made from this recording still waiting in the mail spool? */
  readonly pending: (id: string) => boolean;
  readonly log: {
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
  };
  readonly now?: () => number;
}

export interface SweepReport {
  readonly recordings: number;
  readonly inboxes: number;
}

/**
 * A caller's voice lives only in the owner's mailbox: the recordings FreeSWITCH writes and the
 * copies of messages fetched for playback are removed as soon as they have served — a message's
 * recording once the spool delivered it (the spool holds its own copy until then), any other at
 * the end of its call unless a failure kept it from being sent, and what a crash or a failed
 * send left behind by {@link sweep}. A site that must keep copies sets `keepDays`: recordings
 * then stay that long and only the sweep removes them.
 */
export class RecordingRetention {
  private readonly recordings: string;
  private readonly inbox: string;
  private readonly now: () => number;

  constructor(private readonly o: RecordingRetentionOptions) {
    this.recordings = join(o.mediaLocal, 'recordings');
    this.inbox = join(o.mediaLocal, 'inbox');
    this.now = o.now ?? Date.now;
  }

  /** The spool delivered the message sent under `id` (its sent marker is written). */
  async delivered(id: string): Promise<void> {
    if (this.o.keepDays > 0 || !RECORDING_ID.test(id)) return;
    await this.remove(join(this.recordings, recordingFileName(id)), 'delivered');
  }

  /**
   * The call is over. A recording whose message still waits in the spool (asked by its id) stays
   * until it is delivered. One whose id is in `unsent` — an action failed on it (the spool refused
   * the message), or the call failed before using it — holds what a caller said to no one, and
   * is the only copy: it stays for the admin, logged, until {@link sweep} finds it older than
   * {@link UNSENT_KEEP_MS} (or `keepDays`). Any other goes now: sent, saved as a greeting,
   * silent, or a draft the caller dropped.
   */
  async callEnded(
    recordings: readonly CallRecording[],
    unsent: ReadonlySet<string> = new Set(),
  ): Promise<void> {
    for (const { id, localPath: path } of recordings) {
      if (this.o.pending(id)) continue;
      if (unsent.has(id) && (await wavAudioMs(path)) > 0) {
        this.o.log.error({ file: path }, `message not sent; the recording is kept at ${path}`);
        continue;
      }
      if (this.o.keepDays > 0) continue;
      await this.remove(path, 'call ended');
    }
  }

  /**
   * What no call and no spool entry needs any more: recordings older than the retention (at
   * least {@link IN_USE_MS}; with `keepDays` 0 one that holds audio at least
   * {@link UNSENT_KEEP_MS}, as only a message that was never sent leaves one) whose message is
   * not waiting in this node's spool, and the downloads folders of calls not written to for
   * {@link IN_USE_MS}. Other nodes' running calls
   * are safe by that age; their spools hold their own copies of the messages.
   */
  async sweep(): Promise<SweepReport> {
    const now = this.now();
    const oldest = now - Math.max(IN_USE_MS, this.o.keepDays * DAY_MS);
    const oldestUnsent = this.o.keepDays > 0 ? oldest : now - UNSENT_KEEP_MS;
    let recordings = 0;
    for (const name of await names(this.recordings)) {
      const id = recordingIdOf(name);
      if (id !== undefined && this.o.pending(id)) continue;
      const path = join(this.recordings, name);
      const at = await modifiedAt(path);
      if (at === undefined || at > oldest) continue;
      if (at > oldestUnsent && (await wavAudioMs(path)) > 0) continue;
      if (await this.remove(path, 'sweep')) recordings++;
    }
    let inboxes = 0;
    for (const name of await names(this.inbox)) {
      const dir = join(this.inbox, name);
      const at = await newestIn(dir);
      if (at === undefined || at > now - IN_USE_MS) continue;
      try {
        await rm(dir, { recursive: true, force: true });
        inboxes++;
      } catch (e) {
        this.o.log.warn(
          { dir, err: (e as Error).message },
          'media sweep: a downloads folder could not be removed',
        );
      }
    }
    if (recordings + inboxes > 0)
      this.o.log.info({ recordings, inboxes }, 'media sweep: old recordings and downloads removed');
    return { recordings, inboxes };
  }

  private async remove(path: string, why: string): Promise<boolean> {
    try {
      await unlink(path);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        this.o.log.warn({ file: path, why, err: (e as Error).message }, 'a recording could not be removed');
      return false;
    }
  }
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    const s = await lstat(path);
    return s.isFile() || s.isSymbolicLink() ? s.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/** The latest write to a call's downloads folder or a file in it. */
async function newestIn(dir: string): Promise<number | undefined> {
  let s;
  try {
    s = await lstat(dir);
  } catch {
    return undefined;
  }
  if (!s.isDirectory()) return undefined;
  let newest = s.mtimeMs;
  for (const name of await names(dir)) {
    const at = await lstat(join(dir, name)).then(
      (f) => f.mtimeMs,
      () => 0,
    );
    newest = Math.max(newest, at);
  }
  return newest;
}
