// What the spool tests share: a scratch folder with a recording, the voice message composed
// from it, and the clean-up of both (call `cleanUpSpools` in afterEach).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailSpool } from '../../src/mail/index.js';
import { voiceMessageForAlice } from '../support/mail.js';

const roots: string[] = [];
const spools: MailSpool[] = [];

/** Stopped and removed by {@link cleanUpSpools}. */
export function trackSpool<T extends MailSpool>(spool: T): T {
  spools.push(spool);
  return spool;
}

export async function cleanUpSpools(): Promise<void> {
  await Promise.all(spools.splice(0).map((s) => s.stop()));
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
}

/** A spool folder (not yet made) and a recording beside it. */
export function scratch(recording: Buffer = Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt recorded audio')): {
  dir: string;
  wav: string;
} {
  const root = mkdtempSync(join(tmpdir(), 'voicebox-spool-'));
  roots.push(root);
  const wav = join(root, 'recording.wav');
  writeFileSync(wav, recording);
  return { dir: join(root, 'spool'), wav };
}

/** Bob's message for Alice (test/support/mail.ts), its Message-ID from `recordingId`. */
export const voiceMessage = (wav: string, recordingId: string, language = 'de') =>
  voiceMessageForAlice({ wav, recordingId, language });
