import { describe, expect, it } from 'vitest';
import { generatePin, hashPin, isTrivialPin, verifyLegacyPin, verifyPin } from '../../src/pin/index.js';

describe('PINs', () => {
  it('are stored as salted hashes that verify only the right PIN', async () => {
    const a = await hashPin('4711');
    const b = await hashPin('4711');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toContain('4711');
    expect(a).not.toBe(b); // salted
    expect(await verifyPin('4711', a)).toBe(true);
    expect(await verifyPin('4712', a)).toBe(false);
    expect(await verifyPin('4711', 'garbage')).toBe(false);
    expect(await verifyPin('4711', 'scrypt$1$1$1$$')).toBe(false);
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
