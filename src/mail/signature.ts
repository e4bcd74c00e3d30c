// The signature on what voicebox sends: an HMAC-SHA256 with the site's key over a voice
// message's identity, its voice headers and a hash of its audio. Anyone can write
// `X-Voicebox-Type: voice` into a mail; only a holder of the key can sign it, so the mailbox
// side believes those headers only where the signature verifies.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const SIGNATURE_HEADER = 'X-Voicebox-Signature';

/** What is signed: the header values as they stand in the mail. */
export interface SignedVoiceFields {
  messageId: string;
  /** X-Voicebox-Type */
  type: string;
  /** X-Voicebox-Caller */
  caller: string;
  /** X-Voicebox-Duration */
  duration: string;
  /** X-Voicebox-Mailbox */
  mailbox: string;
  /** the Date header, or the date itself; signed to the second */
  date: string | Date;
}

const KEY_BYTES = 32;
const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** SHA-256 of the audio bytes as they are played (the decoded attachment), base64url. */
export function audioDigest(bytes: Uint8Array): string {
  return base64url(createHash('sha256').update(bytes).digest());
}

/** audioDigest of a file, read as a stream (a recording may be minutes long). */
export async function fileAudioDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return base64url(hash.digest());
}

function seconds(date: string | Date): string {
  const ms = date instanceof Date ? date.getTime() : Date.parse(date.trim());
  return Number.isFinite(ms) ? String(Math.floor(ms / 1000)) : '';
}

// A JSON array: no field's content can shift into the next one.
function signedText(fields: SignedVoiceFields, audio: string): string {
  return JSON.stringify([
    'voicebox-v1',
    fields.messageId.trim().replace(/^<|>$/g, ''),
    fields.type.trim().toLowerCase(),
    fields.caller.trim(),
    fields.duration.trim(),
    fields.mailbox.trim(),
    seconds(fields.date),
    audio,
  ]);
}

function hmac(key: Uint8Array, fields: SignedVoiceFields, audio: string): Buffer {
  return createHmac('sha256', key).update(signedText(fields, audio)).digest();
}

/** The X-Voicebox-Signature value: `v1; audio=<sha256>; sig=<hmac>`, both base64url. */
export function signVoiceFields(key: Uint8Array, fields: SignedVoiceFields, audio: string): string {
  return `v1; audio=${audio}; sig=${base64url(hmac(key, fields, audio))}`;
}

/**
 * The audio digest the signature vouches for when it was made with `key` over these fields;
 * undefined for a missing, malformed or wrong signature (compared in constant time).
 */
export function verifyVoiceFields(
  key: Uint8Array | undefined,
  fields: SignedVoiceFields,
  header: string | undefined,
): string | undefined {
  if (key === undefined || header === undefined) return undefined;
  const match = /^\s*v1\s*;\s*audio=([A-Za-z0-9_-]{43})\s*;\s*sig=([A-Za-z0-9_-]{43})\s*$/.exec(header);
  if (match === null) return undefined;
  const [, audio, sig] = match as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = hmac(key, fields, audio);
  return given.length === expected.length && timingSafeEqual(given, expected) ? audio : undefined;
}

/** Whether downloaded audio is the audio that was signed (constant time). */
export function sameAudio(signed: string, bytesDigest: string): boolean {
  const a = Buffer.from(signed, 'base64url');
  const b = Buffer.from(bytesDigest, 'base64url');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** `mail.signingKey`: 32 bytes as 64 hex digits or base64. The message never shows the value. */
export function signingKeyBytes(value: string, key = 'mail.signingKey'): Buffer {
  const text = value.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : undefined;
  if (bytes === undefined || bytes.length !== KEY_BYTES) {
    throw new SigningKeyError(`${key}: expected 32 bytes as 64 hex digits or base64`);
  }
  return bytes;
}

/**
 * The site's signing key: the configured one, else the one in `file`, made once (owner-only)
 * when there is none. Two processes starting at once agree: the file is linked into place,
 * never overwritten, and the loser reads the winner's key.
 */
export async function loadSigningKey(o: { configured?: string; file: string }): Promise<Buffer> {
  if (o.configured !== undefined && o.configured !== '') return signingKeyBytes(o.configured);
  const read = async (): Promise<Buffer | undefined> => {
    try {
      return signingKeyBytes((await readFile(o.file, 'utf8')).trim(), o.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const existing = await read();
  if (existing !== undefined) return existing;
  await mkdir(dirname(o.file), { recursive: true, mode: 0o700 });
  const tmp = `${o.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(tmp, 0o600); // whatever the umask
    await link(tmp, o.file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(tmp, { force: true });
  }
  const made = await read();
  if (made === undefined) throw new SigningKeyError(`${o.file}: the signing key could not be written`);
  return made;
}
