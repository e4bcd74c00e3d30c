// Mailbox passwords stored in the user data (individual IMAP login): AES-256-GCM, never plain
// or base64 (FEATURES X3). Format `v1:<iv b64>:<tag b64>:<ciphertext b64>`.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A stored password cannot be read: malformed, or encrypted with another key. */
export class MailboxPasswordError extends Error {
  override readonly name = 'MailboxPasswordError';
}

/** `passwordKey` from the config: 32 bytes as 64 hex digits or as base64. */
export function passwordKeyBytes(key: string | Buffer): Buffer {
  if (Buffer.isBuffer(key)) {
    if (key.length === 32) return key;
  } else {
    const trimmed = key.trim();
    if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32 && /^[A-Za-z0-9+/_-]+=*$/.test(trimmed)) return bytes;
  }
  throw new MailboxPasswordError('passwordKey must be 32 bytes, as 64 hex digits or base64');
}

export function encryptPassword(plain: string, key: string | Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', passwordKeyBytes(key), iv);
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64'),
    cipher.getAuthTag().toString('base64'),
    ciphertext.toString('base64'),
  ].join(':');
}

export function decryptPassword(stored: string, key: string | Buffer): string {
  const [version, iv, tag, ciphertext, ...extra] = stored.trim().split(':');
  if (
    version !== 'v1' ||
    iv === undefined ||
    tag === undefined ||
    ciphertext === undefined ||
    extra.length > 0
  ) {
    throw new MailboxPasswordError('stored mailbox password is not in the v1:<iv>:<tag>:<ciphertext> format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', passwordKeyBytes(key), Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    if (error instanceof MailboxPasswordError) throw error;
    throw new MailboxPasswordError('stored mailbox password cannot be decrypted (another passwordKey?)');
  }
}
