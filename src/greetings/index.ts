// Greetings, recorded names and the company greeting, as WAV files in the media root
// (shared with FreeSWITCH): greetings/<mailbox>/<profile>.<language>.wav,
// greetings/<mailbox>/name.wav, greetings/company.<language>.wav (or company.wav).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, readdir } from 'node:fs/promises';
import { join } from 'node:path';
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

export class GreetingStore {
  constructor(private readonly media: MediaRoot) {}

  private audio(local: string): StoredAudio | undefined {
    return existsSync(local)
      ? { kind: 'audio', localPath: local, freeswitchPath: toFreeSwitchPath(this.media, local) }
      : undefined;
  }

  private dir(mailbox: string): string {
    return join(this.media.local, 'greetings', mailboxKey(mailbox));
  }

  greeting(mailbox: string, profile: string, language: string): StoredAudio | undefined {
    return this.audio(join(this.dir(mailbox), `${safe(profile)}.${safe(language)}.wav`));
  }

  name(mailbox: string): StoredAudio | undefined {
    return this.audio(join(this.dir(mailbox), 'name.wav'));
  }

  company(language: string): StoredAudio | undefined {
    const base = join(this.media.local, 'greetings');
    return this.audio(join(base, `company.${safe(language)}.wav`)) ?? this.audio(join(base, 'company.wav'));
  }

  /** copies a recording into place; a reader never sees half a file */
  private async store(from: string, to: string): Promise<void> {
    await mkdir(join(to, '..'), { recursive: true });
    const tmp = `${to}.${process.pid}.${Date.now()}.tmp`;
    await copyFile(from, tmp);
    await rename(tmp, to);
  }

  saveGreeting(mailbox: string, profile: string, language: string, recording: string): Promise<void> {
    return this.store(recording, join(this.dir(mailbox), `${safe(profile)}.${safe(language)}.wav`));
  }

  saveName(mailbox: string, recording: string): Promise<void> {
    return this.store(recording, join(this.dir(mailbox), 'name.wav'));
  }

  /** deletes a profile's greeting in every language */
  async deleteGreeting(mailbox: string, profile: string): Promise<void> {
    const dir = this.dir(mailbox);
    if (!existsSync(dir)) return;
    for (const f of await readdir(dir))
      if (f.startsWith(`${safe(profile)}.`)) await rm(join(dir, f), { force: true });
  }

  async deleteAll(mailbox: string): Promise<void> {
    await rm(this.dir(mailbox), { recursive: true, force: true });
  }
}
