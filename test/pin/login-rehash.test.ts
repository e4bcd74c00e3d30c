// A PIN hashed at the old, cheaper cost keeps working, and the owner's next login with it
// stores it at today's cost — no one has to be given a new PIN.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { YamlDirectory } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import { pinHashOutdated, verifyPin } from '../../src/pin/index.js';
import type { ScriptedCaller } from '../../src/sim/index.js';
import { ownerCalls, startVoicebox, type Voicebox } from '../actions/support.js';

/** PIN 2468 as voicebox hashed it before the cost was raised (N=2^14, r=8, p=1) */
const HASH_AT_OLD_COST =
  'scrypt$16384$8$1$lqY5LmLnkaXwO37vSAlxDg==$L/5RPO2zkTPoysHF0w8KWvgo5S53GTq8KOvRmHgaAN0=';
const ALICE = '+49 30 1234501';
const STRANGER = '+4989777888';
const hangUpAtMain = (c: ScriptedCaller) => c.pressWhilePlaying(/main_menu/, '#', 300);

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

describe('a PIN hash made at the old cost', () => {
  it('opens the mailbox, and after that login it is stored at the new cost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-rehash-'));
    const file = join(dir, 'users.yaml');
    copyFileSync('examples/users.yaml', file);
    const directory = new YamlDirectory({ file });
    const alice = (await directory.findByNumber([ALICE]))!;
    await directory.updateSettings(alice, (s) => ({
      ...s,
      pinHash: HASH_AT_OLD_COST,
      welcomeSentAt: '2026-01-01T00:00:00.000Z',
    }));
    box = await startVoicebox({ directory, transport: maildirTransport({ root: join(dir, 'maildir') }) });
    const stored = async () => (await new YamlDirectory({ file }).findByNumber([ALICE]))!.settings.pinHash!;

    const first = await box.call(ownerCalls(STRANGER, ['2468'], hangUpAtMain));
    expect(first.said).toContain('de:main_menu');
    const renewed = await stored();
    expect(renewed).not.toBe(HASH_AT_OLD_COST);
    expect(renewed).toMatch(/^scrypt\$32768\$8\$5\$/);
    expect(pinHashOutdated(renewed)).toBe(false);
    expect(await verifyPin('2468', renewed)).toBe(true);

    // the same PIN still opens it; the new hash is kept, not made again on every login
    const second = await box.call(ownerCalls(STRANGER, ['2468'], hangUpAtMain));
    expect(second.said).toContain('de:main_menu');
    expect(await stored()).toBe(renewed);
  }, 60_000);

  it('is left alone by a wrong PIN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-rehash-'));
    const file = join(dir, 'users.yaml');
    copyFileSync('examples/users.yaml', file);
    const directory = new YamlDirectory({ file });
    const alice = (await directory.findByNumber([ALICE]))!;
    await directory.updateSettings(alice, (s) => ({
      ...s,
      pinHash: HASH_AT_OLD_COST,
      welcomeSentAt: '2026-01-01T00:00:00.000Z',
    }));
    box = await startVoicebox({ directory, transport: maildirTransport({ root: join(dir, 'maildir') }) });
    const r = await box.call(ownerCalls(STRANGER, ['1357']).hangupWhilePlaying(/wrong_pin/));
    expect(r.said).toContain('de:wrong_pin');
    expect((await new YamlDirectory({ file }).findByNumber([ALICE]))!.settings.pinHash).toBe(
      HASH_AT_OLD_COST,
    );
  });
});
