// What the spool tests share: a scratch folder with a recording, the voice message composed
// from it, and the clean-up of both (call `cleanUpSpools` in afterEach).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeVoiceMessage, voiceMessageId } from '../../src/mail/index.js';
import type { MailSpool } from '../../src/mail/index.js';

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

/** Bob's message for Alice, its Message-ID from `recordingId`. */
export const voiceMessage = (wav: string, recordingId: string, language = 'de') =>
  composeVoiceMessage({
    to: { email: 'alice@example.com', name: 'Alice Anders', language },
    mailbox: '+49301234501',
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date(Date.UTC(2020, 2, 10, 14, 21, 5)),
    durationMs: 3_000,
    wav: { path: wav },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: voiceMessageId(recordingId, 'example.com'),
  });
