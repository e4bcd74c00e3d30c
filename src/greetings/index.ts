// Greetings, recorded names and the company greeting: the `Greetings` port the actions use,
// and its first adapter, WAV files in the media root (shared with FreeSWITCH): greetings/<mailbox>/<profile>.<language>.wav,
// greetings/<mailbox>/name.wav, greetings/company.<language>.wav (or company.wav).
// They are the owners' voices: FreeSWITCH's group may read them (it plays them), nobody
// else (freeswitch/README.md, step 4).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { toFreeSwitchPath, type MediaRoot } from '../speech/index.js';

export interface StoredAudio {
  readonly kind: 'audio';
  readonly freeswitchPath: string;
  readonly localPath: string;
}

/** a mailbox number as a folder name: its digits */
export function mailboxKey(mailbox: string): string {
  const digits = mailbox.replace(/[^0-9]/g, '');
  if (!digits) throw new Error(`'${mailbox}' is not a mailbox number`);
  return digits;
}

const safe = (part: string) => part.replace(/[^A-Za-z0-9_-]/g, '_');

/** a greeting or name: read by FreeSWITCH through its group */
const GREETING_FILE_MODE = 0o640;
const GREETING_FOLDER_MODE = 0o750;
const SETGID = 0o2000;

/**
 * Gives a folder voicebox just created `mode`, keeping the setgid bit its parent passed on (that
 * is how FreeSWITCH's group reaches new folders). Nothing is changed when mkdir under the umask
 * already gave that mode: a chmod naming the setgid bit is refused under systemd's
 * RestrictSUIDSGID (EPERM), and then the folder gets `mode` without it rather than no access.
 */
async function setFolderMode(dir: string, mode: number): Promise<void> {
  const current = (await stat(dir)).mode;
  if ((current & 0o777) === mode) return;
  try {
    await chmod(dir, mode | (current & SETGID));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM' || !(current & SETGID)) throw e;
    await chmod(dir, mode);
  }
}

/**
 * Creates `dir` and any missing parents with `mode`, whatever the process umask. Folders that
 * were there already keep the mode the admin gave them.
 */
export async function makeFolder(dir: string, mode: number): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode });
  if (first === undefined) return;
  for (let d = dir; ; d = dirname(d)) {
    await setFolderMode(d, mode);
    if (d === first || dirname(d) === d) break;
  }
}

/**
 * Which greeting a caller hears when the owner recorded none in the call's language
 * (config `greetings.languageFallback`): `recorded`, her recording in another language (her
 * own language first, then the company's) before the standard greeting; `standard`, the
 * standard greeting at once.
 */
export type LanguageFallback = 'recorded' | 'standard';

/**
 * Where the owners' greetings and names are kept. Every call is async, so that greetings can
 * live where several voicebox nodes see them; what is returned must be playable by this
 * node's FreeSWITCH. `recording` is a caller's recording in this node's media root.
 */
export interface Greetings {
  /** the site's choice when a greeting is missing in the call's language; default `recorded` */
  readonly languageFallback?: LanguageFallback;
  greeting(mailbox: string, profile: string, language: string): Promise<StoredAudio | undefined>;
  name(mailbox: string): Promise<StoredAudio | undefined>;
  /** the company greeting in a language, else the one for every language */
  company(language: string): Promise<StoredAudio | undefined>;
  saveGreeting(mailbox: string, profile: string, language: string, recording: string): Promise<void>;
  saveName(mailbox: string, recording: string): Promise<void>;
  /** deletes a profile's greeting in one language, or in every language when none is given */
  deleteGreeting(mailbox: string, profile: string, language?: string): Promise<void>;
  /** deletes her recorded name */
  deleteName(mailbox: string): Promise<void>;
  /** deletes her name and every greeting */
  deleteAll(mailbox: string): Promise<void>;
  /** the company greeting in one language (the admin's page) */
  saveCompany(language: string, recording: string): Promise<void>;
  deleteCompany(language: string): Promise<void>;
}

/** Greetings as files in the media root, which FreeSWITCH reads itself. */
export class GreetingStore implements Greetings {
  readonly languageFallback: LanguageFallback;

  constructor(
    private readonly media: MediaRoot,
    options: { languageFallback?: LanguageFallback } = {},
  ) {
    this.languageFallback = options.languageFallback ?? 'recorded';
  }

  private audio(local: string): StoredAudio | undefined {
    return existsSync(local)
      ? { kind: 'audio', localPath: local, freeswitchPath: toFreeSwitchPath(this.media, local) }
      : undefined;
  }

  private dir(mailbox: string): string {
    return join(this.media.local, 'greetings', mailboxKey(mailbox));
  }

  async greeting(mailbox: string, profile: string, language: string): Promise<StoredAudio | undefined> {
    return this.audio(join(this.dir(mailbox), `${safe(profile)}.${safe(language)}.wav`));
  }

  async name(mailbox: string): Promise<StoredAudio | undefined> {
    return this.audio(join(this.dir(mailbox), 'name.wav'));
  }

  async company(language: string): Promise<StoredAudio | undefined> {
    const base = join(this.media.local, 'greetings');
    return this.audio(join(base, `company.${safe(language)}.wav`)) ?? this.audio(join(base, 'company.wav'));
  }

  /** copies a recording into place; a reader never sees half a file */
  private async store(from: string, to: string): Promise<void> {
    await makeFolder(dirname(to), GREETING_FOLDER_MODE);
    // a name of its own per save: two saves at once (a double click) must not write one file
    const tmp = `${to}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      // copyFile gives the copy the recording's mode, which is FreeSWITCH's choice
      await copyFile(from, tmp);
      await chmod(tmp, GREETING_FILE_MODE);
      await rename(tmp, to);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  saveGreeting(mailbox: string, profile: string, language: string, recording: string): Promise<void> {
    return this.store(recording, join(this.dir(mailbox), `${safe(profile)}.${safe(language)}.wav`));
  }

  saveName(mailbox: string, recording: string): Promise<void> {
    return this.store(recording, join(this.dir(mailbox), 'name.wav'));
  }

  async deleteGreeting(mailbox: string, profile: string, language?: string): Promise<void> {
    const dir = this.dir(mailbox);
    if (language !== undefined) {
      await rm(join(dir, `${safe(profile)}.${safe(language)}.wav`), { force: true });
      return;
    }
    if (!existsSync(dir)) return;
    for (const f of await readdir(dir))
      if (f.startsWith(`${safe(profile)}.`)) await rm(join(dir, f), { force: true });
  }

  async deleteName(mailbox: string): Promise<void> {
    await rm(join(this.dir(mailbox), 'name.wav'), { force: true });
  }

  saveCompany(language: string, recording: string): Promise<void> {
    return this.store(recording, join(this.media.local, 'greetings', `company.${safe(language)}.wav`));
  }

  async deleteCompany(language: string): Promise<void> {
    await rm(join(this.media.local, 'greetings', `company.${safe(language)}.wav`), { force: true });
  }

  async deleteAll(mailbox: string): Promise<void> {
    await rm(this.dir(mailbox), { recursive: true, force: true });
  }
}
