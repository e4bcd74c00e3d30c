// Settings kept locally when the directory may not be written (S6): the file holds users'
// settings, her PIN hash too, so it is owner-only.
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LocalSettingsFallback,
  SettingsReadOnly,
  type Directory,
  type DirectoryUser,
} from '../../src/directory/index.js';

const alice: DirectoryUser = {
  id: 'uid=alice,ou=people,dc=example,dc=com',
  name: 'Alice Anders',
  email: 'alice@example.com',
  mailbox: '+49 30 1234501',
  numbers: {},
  login: 'alice',
  settings: { enabled: true, wrongPinCount: 0, trustedNumbers: [], profiles: {} },
  rawUserData: [],
};

/** LDAP that voicebox may read but not write */
const readOnly: Directory = {
  findByNumber: async () => structuredClone(alice),
  updateSettings: async () => {
    throw new SettingsReadOnly(alice.id, 'insufficientAccessRights');
  },
  close: async () => undefined,
};

const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

describe('local settings', () => {
  it('are written owner-only, in a folder of its own that only the owner may enter', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'voicebox-local-')), 'state', 'local-settings.json');
    const d = new LocalSettingsFallback(readOnly, file);
    await d.updateSettings(alice, (s) => ({ ...s, pinHash: 'scrypt$32768$8$5$c2FsdA==$aGFzaA==' }));
    expect(JSON.parse(await readFile(file, 'utf8'))[alice.id]).toContain(
      'pinHash=scrypt$32768$8$5$c2FsdA==$aGFzaA==',
    );
    expect(await mode(file)).toBe('600');
    expect(await mode(join(file, '..'))).toBe('700');
  });

  it('left readable to all by an older version are tightened when rewritten', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'voicebox-local-')), 'local-settings.json');
    await writeFile(file, JSON.stringify({ [alice.id]: ['language=de'] }));
    await chmod(file, 0o644);
    const d = new LocalSettingsFallback(readOnly, file);
    await d.updateSettings(alice, (s) => ({ ...s, language: 'en' }));
    expect(await mode(file)).toBe('600');
  });

  it('are laid over every user the directory lists (the notifier reads her reset time there)', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'voicebox-local-')), 'local-settings.json');
    const listing: Directory = {
      ...readOnly,
      async *users() {
        yield structuredClone(alice);
      },
    };
    const d = new LocalSettingsFallback(listing, file);
    await d.updateSettings(alice, (s) => ({ ...s, notifyResetAt: '2026-12-02T08:00:00.000Z' }));
    const listed: DirectoryUser[] = [];
    for await (const u of d.users()) listed.push(u);
    expect(listed.map((u) => u.settings.notifyResetAt)).toEqual(['2026-12-02T08:00:00.000Z']);
  });
});
