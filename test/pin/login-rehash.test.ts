// A PIN hashed at the old, cheaper cost keeps working, and the owner's next login with it
// stores it at today's cost — no one has to be given a new PIN.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { maildirTransport } from '../../src/mail/index.js';
import { pinHashOutdated, verifyPin } from '../../src/pin/index.js';
import type { ScriptedCaller } from '../../src/sim/index.js';
import { ownerCalls, startVoicebox, type Voicebox } from '../actions/support.js';
import { prompt } from '../support/dialogue.js';
import { aliceSettingsIn, aliceWithPin, PIN } from '../support/owners.js';

/** PIN 2468 as voicebox hashed it before the cost was raised (N=2^14, r=8, p=1) */
const HASH_AT_OLD_COST =
  'scrypt$16384$8$1$lqY5LmLnkaXwO37vSAlxDg==$L/5RPO2zkTPoysHF0w8KWvgo5S53GTq8KOvRmHgaAN0=';
const STRANGER = '+4989777888';
const hangUpAtMain = (c: ScriptedCaller) => c.pressWhilePlaying(prompt('main_menu'), '#', 300);

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** Alice's PIN hashed at the old cost; voicebox answering her mailbox */
async function aliceAtOldCost(): Promise<{ box: Voicebox; stored: () => Promise<string | undefined> }> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-rehash-'));
  const { directory, usersFile } = await aliceWithPin(dir, (s) => ({ ...s, pinHash: HASH_AT_OLD_COST }));
  box = await startVoicebox({ directory, transport: maildirTransport({ root: join(dir, 'maildir') }) });
  return { box, stored: async () => (await aliceSettingsIn(usersFile)).pinHash };
}

describe('a PIN hash made at the old cost', () => {
  it('opens the mailbox, and after that login it is stored at the new cost', async () => {
    const { box, stored } = await aliceAtOldCost();
    const first = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(first.said).toContain('de:main_menu');
    const renewed = (await stored())!;
    expect(renewed).not.toBe(HASH_AT_OLD_COST);
    expect(renewed).toMatch(/^scrypt\$32768\$8\$5\$/);
    expect(pinHashOutdated(renewed)).toBe(false);
    expect(await verifyPin(PIN, renewed)).toBe(true);

    // the same PIN still opens it; the new hash is kept, not made again on every login
    const second = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(second.said).toContain('de:main_menu');
    expect(await stored()).toBe(renewed);
  }, 60_000);

  it('is left alone by a wrong PIN', async () => {
    const { box, stored } = await aliceAtOldCost();
    const r = await box.call(ownerCalls(STRANGER, ['1357']).hangupWhilePlaying(prompt('wrong_pin')));
    expect(r.said).toContain('de:wrong_pin');
    expect(await stored()).toBe(HASH_AT_OLD_COST);
  });
});
