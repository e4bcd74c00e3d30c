// The signature on what voicebox sends: an HMAC-SHA256 with the site's key over a voice
// message's identity, its voice headers and a hash of its audio. Anyone can write
// `X-Voicebox-Type: voice` into a mail; only a holder of the key can sign it, so the mailbox
// side believes those headers only where the signature verifies.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
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
  /** X-Voicebox-Mailbox: the mailbox the message was left in, checked against the one read */
  mailbox: string;
  /** X-Voicebox-Caller-Name (decoded): the name announced as the sender; signed from v2 on */
  callerName?: string;
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

// A JSON array: no field's content can shift into the next one. v1 (before the caller's name
// was signed) is still verified, so messages already in the mailboxes stay voice messages; their
// sender is then announced by number only.
function signedText(fields: SignedVoiceFields, audio: string, version: 'v1' | 'v2'): string {
  const name = (fields.callerName ?? '').replace(/\s+/g, ' ').trim();
  return JSON.stringify([
    `voicebox-${version}`,
    fields.messageId.trim().replace(/^<|>$/g, ''),
    fields.type.trim().toLowerCase(),
    fields.caller.trim(),
    fields.duration.trim(),
    fields.mailbox.trim(),
    seconds(fields.date),
    audio,
    ...(version === 'v2' ? [name] : []),
  ]);
}

function hmac(key: Uint8Array, fields: SignedVoiceFields, audio: string, version: 'v1' | 'v2'): Buffer {
  return createHmac('sha256', key)
    .update(signedText(fields, audio, version))
    .digest();
}

/** The X-Voicebox-Signature value: `v2; audio=<sha256>; sig=<hmac>`, both base64url. */
export function signVoiceFields(key: Uint8Array, fields: SignedVoiceFields, audio: string): string {
  return `v2; audio=${audio}; sig=${base64url(hmac(key, fields, audio, 'v2'))}`;
}

/** Whether a signature covers the caller's name (v2); a v1 signature does not. */
export const signsCallerName = (header: string | undefined): boolean => /^\s*v2\s*;/.test(header ?? '');

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
  const match = /^\s*(v[12])\s*;\s*audio=([A-Za-z0-9_-]{43})\s*;\s*sig=([A-Za-z0-9_-]{43})\s*$/.exec(header);
  if (match === null) return undefined;
  const [, version, audio, sig] = match as unknown as [string, 'v1' | 'v2', string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = hmac(key, fields, audio, version);
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
    let text: string;
    try {
      text = await readFile(o.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return signingKeyBytes(text.trim(), o.file);
    } catch {
      // seen after a power cut before the key reached the disk: an empty or short file
      throw new SigningKeyError(
        `${o.file}: the signing key file is ${text.trim() === '' ? 'empty' : 'damaged'} (want 64 hex digits). ` +
          'Restore it from a backup, or set mail.signingKey to the key the other nodes use; ' +
          'only if neither exists, delete the file to make a new key (voice messages signed with the old one then count as e-mails).',
      );
    }
  };
  const existing = await read();
  if (existing !== undefined) return existing;
  const folder = dirname(o.file);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const tmp = `${o.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // on the disk before it has its name: a power cut never leaves an empty key in place
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(`${randomBytes(KEY_BYTES).toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(tmp, o.file);
    await syncFolder(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(tmp, { force: true });
  }
  const made = await read();
  if (made === undefined) throw new SigningKeyError(`${o.file}: the signing key could not be written`);
  return made;
}

/** The folder's entry for a new file survives a power cut only once the folder is synced. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
