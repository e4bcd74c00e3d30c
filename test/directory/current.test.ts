// "Her entry as stored now" (Directory.current) for the file directory and the wrappers serve
// puts around any directory: another process's change is seen, the local settings are laid over.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LastKnownDirectory,
  LocalSettingsFallback,
  UserGone,
  YamlDirectory,
} from '../../src/directory/index.js';

const example = fileURLToPath(new URL('../../examples/users.yaml', import.meta.url));
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'voicebox-current-'));
  file = join(dir, 'users.yaml');
  await copyFile(example, file);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('her entry as stored now', () => {
  it('in the users file: what another process wrote since this one read it', async () => {
    const mine = new YamlDirectory({ file });
    const alice = (await mine.findByNumber(['+49301234501']))!;
    const other = new YamlDirectory({ file });
    await other.updateSettings(alice, (s) => ({ ...s, notifyResetAt: '2026-12-02T09:00:00.000Z' }));
    expect((await mine.current(alice)).settings.notifyResetAt).toBe('2026-12-02T09:00:00.000Z');
  });

  it('in the users file: UserGone when she was removed', async () => {
    const d = new YamlDirectory({ file });
    const alice = (await d.findByNumber(['+49301234501']))!;
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^ {2}alice:/m, '  alice-moved:'));
    await expect(d.current(alice)).rejects.toBeInstanceOf(UserGone);
  });

  it('through the local settings and the last known entries: the live entry, local settings laid over', async () => {
    const yaml = new YamlDirectory({ file });
    const d = new LastKnownDirectory(new LocalSettingsFallback(yaml, join(dir, 'local.json')), {
      file: join(dir, 'last-known.json'),
      maxEntries: 10,
    });
    const alice = (await d.findByNumber(['+49301234501']))!;
    await new YamlDirectory({ file }).updateSettings(alice, (s) => ({
      ...s,
      notifyResetAt: '2026-12-02T10:00:00.000Z',
    }));
    expect((await d.current(alice)).settings.notifyResetAt).toBe('2026-12-02T10:00:00.000Z');
    await d.close();
  });
});
