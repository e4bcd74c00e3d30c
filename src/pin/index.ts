// PINs are stored only as salted scrypt hashes (X3) and compared in constant time.
// ixi-UMS stored them base64-encoded; such a legacy PIN is accepted once and then
// replaced by a hash.
import { randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16384, r: 8, p: 1, keylen: 32 };

function scryptAsync(pin: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64) */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, PARAMS.keylen, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash!, 'base64');
  if (expected.length === 0) return false;
  let key: Buffer;
  try {
    key = await scryptAsync(pin, Buffer.from(salt!, 'base64'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 64 * 1024 * 1024,
    });
  } catch {
    return false;
  }
  return timingSafeEqual(key, expected);
}

/** ixi-UMS's base64 PIN, compared in constant time */
export function verifyLegacyPin(pin: string, base64: string): boolean {
  const a = Buffer.from(pin, 'utf8');
  const b = Buffer.from(base64, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A fresh PIN of `length` digits that is not trivial. */
export function generatePin(length: number): string {
  for (;;) {
    let pin = '';
    for (let i = 0; i < length; i++) pin += String(randomInt(10));
    if (!isTrivialPin(pin)) return pin;
  }
}

/** 1111, 1234, 4321, 0000 … — refused as new PINs (S4) */
export function isTrivialPin(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  const digits = [...pin].map(Number);
  const steps = digits.slice(1).map((d, i) => d - digits[i]!);
  return steps.every((s) => s === 1) || steps.every((s) => s === -1);
}
