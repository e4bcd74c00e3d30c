import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { hashPin, pinHashLoad, resetPinHashPeak, verifyPin } from '../../src/pin/index.js';

describe('PIN checks under a burst of logins', () => {
  it('run at most two at once and leave the disk to the calls', async () => {
    const stored = await hashPin('4711');
    resetPinHashPeak();
    let checksDone = 0;
    const checks = Array.from({ length: 8 }, (_, i) =>
      verifyPin(i === 0 ? '4711' : '0000', stored).then((ok) => {
        checksDone++;
        return ok;
      }),
    );
    // a call's disk work issued while all eight are queued
    await stat(import.meta.dirname);
    const doneWhenDiskAnswered = checksDone;
    const results = await Promise.all(checks);

    expect(results).toEqual([true, false, false, false, false, false, false, false]);
    expect(pinHashLoad().peak).toBe(2);
    expect(pinHashLoad()).toMatchObject({ running: 0, waiting: 0 });
    expect(doneWhenDiskAnswered).toBeLessThan(8);
  }, 60_000);
});
