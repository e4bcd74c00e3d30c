import { describe, expect, it } from 'vitest';
import {
  generatePin,
  hashPin,
  isTrivialPin,
  pinHashOutdated,
  verifyLegacyPin,
  verifyPin,
} from '../../src/pin/index.js';

/** PIN 2468 as voicebox hashed it before the cost was raised (N=2^14, r=8, p=1) */
const HASH_AT_OLD_COST =
  'scrypt$16384$8$1$lqY5LmLnkaXwO37vSAlxDg==$L/5RPO2zkTPoysHF0w8KWvgo5S53GTq8KOvRmHgaAN0=';

describe('PINs', () => {
  it('are stored as salted hashes that verify only the right PIN', async () => {
    const a = await hashPin('4711');
    const b = await hashPin('4711');
    expect(a).not.toContain('4711');
    expect(a).not.toBe(b); // salted
    expect(await verifyPin('4711', a)).toBe(true);
    expect(await verifyPin('4712', a)).toBe(false);
    expect(await verifyPin('4711', 'garbage')).toBe(false);
    expect(await verifyPin('4711', 'scrypt$1$1$1$$')).toBe(false);
  }, 60_000);

  it('cost enough that trying all 10,000 four-digit PINs takes one core about an hour', async () => {
    // the cost is written into the hash: N=2^15 (32 MiB), r=8, p=5 — ten times the old work
    const hash = await hashPin('4711');
    expect(hash).toMatch(/^scrypt\$32768\$8\$5\$/);
    const [, n, r, p] = hash.split('$').map(Number);
    expect(n! * r! * p!).toBeGreaterThanOrEqual(10 * 16384 * 8);
    expect(pinHashOutdated(hash)).toBe(false);
  });

  it('made at the old cost still verify, and are marked for a new hash', async () => {
    expect(await verifyPin('2468', HASH_AT_OLD_COST)).toBe(true);
    expect(await verifyPin('2469', HASH_AT_OLD_COST)).toBe(false);
    expect(pinHashOutdated(HASH_AT_OLD_COST)).toBe(true);
    expect(pinHashOutdated('garbage')).toBe(false);
  });

  it('refuse a stored hash that would keep a call busy for seconds', async () => {
    const [, , , , salt, hash] = HASH_AT_OLD_COST.split('$');
    expect(await verifyPin('2468', `scrypt$16384$8$1000$${salt}$${hash}`)).toBe(false);
    expect(await verifyPin('2468', `scrypt$1048576$8$1$${salt}$${hash}`)).toBe(false);
  });

  it('accept the legacy ixi-UMS base64 PIN', () => {
    expect(verifyLegacyPin('1234', 'MTIzNA==')).toBe(true);
    expect(verifyLegacyPin('1235', 'MTIzNA==')).toBe(false);
    expect(verifyLegacyPin('12345', 'MTIzNA==')).toBe(false);
  });

  it('are generated at the minimum length and never trivial', () => {
    for (let i = 0; i < 200; i++) {
      const pin = generatePin(4);
      expect(pin).toMatch(/^\d{4}$/);
      expect(isTrivialPin(pin)).toBe(false);
    }
    expect(['1111', '1234', '9876', '000000'].map(isTrivialPin)).toEqual([true, true, true, true]);
    expect(['1357', '4711', '1243'].map(isTrivialPin)).toEqual([false, false, false]);
  });
});
