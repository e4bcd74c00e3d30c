// A greeting saved twice at once (a double click on the page, or two browsers): the greeting is
// one of the two recordings whole, both saves answer, and no temporary file is left behind — nor
// by a save that fails.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GreetingStore } from '../../src/greetings/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function site() {
  const local = mkdtempSync(join(tmpdir(), 'voicebox-greetings-twice-'));
  const store = new GreetingStore({ local, freeswitch: '/fs/media' });
  const folder = join(local, 'greetings', '501');
  return { local, store, folder };
}

describe('two saves at once', () => {
  it('in the same millisecond: both answer, the greeting is one of the two whole, no temporary file', async () => {
    const { local, store, folder } = site();
    // large enough that the two copies overlap, different in every byte
    const first = join(local, 'first.wav');
    const second = join(local, 'second.wav');
    writeFileSync(first, Buffer.alloc(4 << 20, 0x41));
    writeFileSync(second, Buffer.alloc(3 << 20, 0x42));
    // the same clock reading for both, as two requests of one double click can have
    vi.spyOn(Date, 'now').mockReturnValue(1_795_000_000_000);
    await Promise.all([
      store.saveGreeting('501', 'work', 'de', first),
      store.saveGreeting('501', 'work', 'de', second),
    ]);
    const saved = readFileSync(join(folder, 'work.de.wav'));
    expect([readFileSync(first), readFileSync(second)].some((whole) => whole.equals(saved))).toBe(true);
    expect(readdirSync(folder)).toEqual(['work.de.wav']);
  });

  it('a save that cannot be put in place fails and leaves no temporary file', async () => {
    const { local, store, folder } = site();
    const recording = join(local, 'rec.wav');
    writeFileSync(recording, 'RIFF....WAVE');
    // a folder where her name's file belongs: the rename is refused
    mkdirSync(join(folder, 'name.wav', 'in-the-way'), { recursive: true });
    await expect(store.saveName('501', recording)).rejects.toThrow();
    expect(readdirSync(folder)).toEqual(['name.wav']);
  });
});
