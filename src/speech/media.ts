import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { posix } from 'node:path';

/**
 * The one media directory under its two names: `local` is where voicebox reads and writes
 * it, `freeswitch` is the same directory as FreeSWITCH sees it (a shared disk or a mount),
 * the path that goes into `playback` commands. Both may be equal.
 */
export interface MediaRoot {
  local: string;
  freeswitch: string;
}

/** A media root that both sides see at the same path. */
export function sameMediaRoot(path: string): MediaRoot {
  return { local: resolve(path), freeswitch: resolve(path) };
}

/**
 * The FreeSWITCH name of a file under `root.local`. Throws if the file lies outside the
 * media root, because FreeSWITCH could not see it.
 */
export function toFreeSwitchPath(root: MediaRoot, localPath: string): string {
  const rel = relative(resolve(root.local), resolve(localPath));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new RangeError(`${localPath} is not inside the media root ${root.local}`);
  }
  return posix.join(root.freeswitch, ...rel.split(sep));
}

/** Where the TTS cache of a language lives: `<mediaRoot>/tts/<lang>/`. */
export function ttsCacheDir(root: MediaRoot, lang: string): string {
  return join(root.local, 'tts', lang);
}
