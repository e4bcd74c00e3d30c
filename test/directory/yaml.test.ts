// The file directory: users from YAML, found by digits, settings written atomically.
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { DirectoryConfigError, UserGone, YamlDirectory } from '../../src/directory/index.js';
import type { DirectoryUser } from '../../src/directory/index.js';

const example = fileURLToPath(new URL('../../examples/users.yaml', import.meta.url));
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'voicebox-yaml-'));
  file = join(dir, 'users.yaml');
  await copyFile(example, file);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function must(d: YamlDirectory, formats: string[]): Promise<DirectoryUser> {
  const u = await d.findByNumber(formats);
  if (u === undefined) throw new Error(`nobody at ${formats.join(', ')}`);
  return u;
}

describe('the example users file', () => {
  it('finds alice by any format that has her digits, with her settings', async () => {
    const d = new YamlDirectory({ file });
    for (const f of ['+49 30 1234501', '+49301234501', '+49-30-1234501']) {
      const alice = await must(d, [f]);
      expect(alice).toMatchObject({
        id: 'alice',
        name: 'Alice Anders',
        email: 'alice@example.com',
        mailbox: '+49 30 1234501',
        login: 'alice',
        numbers: { office: '+49 30 1234101', mobile: '+49 170 1000001' },
      });
      expect(alice.settings).toMatchObject({
        enabled: true,
        language: 'de',
        activeProfile: 'work',
        profiles: { mobile: { transferTo: '+49 170 1000001' } },
        trustedNumbers: ['+49 170 1000001'],
      });
    }
    // extension and national form alone are other digits: the caller passes E.164 too
    expect(await d.findByNumber(['501'])).toBeUndefined();
    expect((await must(d, ['501', '030 1234501', '+49301234501'])).id).toBe('alice');
  });

  it('reads the map form of settings, a login, and a disabled mailbox', async () => {
    const d = new YamlDirectory({ file });
    const bob = await must(d, ['+49301234502']);
    expect(bob.login).toBe('bberger');
    expect(bob.settings).toMatchObject({
      language: 'en',
      greetingType: 'personalized',
      trustedNumbers: ['+49 170 1000002', '+49 30 1234102'],
    });
    expect((await must(d, ['+49301234504'])).settings.enabled).toBe(false);
  });

  it('finds nobody for hostile or empty numbers, and searches office numbers only when told', async () => {
    const d = new YamlDirectory({ file });
    expect(await d.findByNumber(['*)(uid=*', '\\2a', ''])).toBeUndefined();
    expect(await d.findByNumber([])).toBeUndefined();
    expect(await d.findByNumber(['+49 30 1234101'])).toBeUndefined();
    const byOffice = new YamlDirectory({ file, searchIn: ['mailbox', 'office'] });
    expect((await must(byOffice, ['+49 30 1234101'])).id).toBe('alice');
  });
});

describe('updating settings', () => {
  it('writes the file and keeps what it does not know', async () => {
    const d = new YamlDirectory({ file });
    const alice = await must(d, ['+49301234501']);
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace('- enabled=Y', '- enabled=Y\n      - color=blue'),
    );
    const updated = await d.updateSettings(alice, (s) => ({ ...s, wrongPinCount: s.wrongPinCount + 1 }));
    expect(updated.settings.wrongPinCount).toBe(1);
    expect(updated.rawUserData).toContain('color=blue');
    const doc = load(await readFile(file, 'utf8')) as { users: Record<string, { settings: string[] }> };
    expect(doc.users['alice']?.settings).toEqual([
      'color=blue',
      'enabled=Y',
      'language=de',
      'profile.mobile.transferTo=+49 170 1000001',
      'profile=work',
      'trusted=+49 170 1000001',
      'wrongPinCount=1',
    ]);
    // the others are untouched (bob's map form stays a map)
    expect(doc.users['bob']).toMatchObject({ settings: { language: 'en' } });
    expect((await must(new YamlDirectory({ file }), ['+49301234501'])).settings.wrongPinCount).toBe(1);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('loses no write when many updates run at once', async () => {
    const d = new YamlDirectory({ file });
    const other = new YamlDirectory({ file });
    const alice = await must(d, ['+49301234501']);
    const inc = (dir: YamlDirectory) =>
      dir.updateSettings(alice, (s) => ({ ...s, wrongPinCount: s.wrongPinCount + 1 }));
    await Promise.all([
      ...Array.from({ length: 10 }, () => inc(d)),
      ...Array.from({ length: 10 }, () => inc(other)),
    ]);
    expect((await must(new YamlDirectory({ file }), ['+49301234501'])).settings.wrongPinCount).toBe(20);
  });

  it('applies the change to the file as it is now, not to the copy the caller holds', async () => {
    const d = new YamlDirectory({ file });
    const stale = await must(d, ['+49301234501']);
    await d.updateSettings(stale, (s) => ({ ...s, language: 'en' }));
    const after = await d.updateSettings(stale, (s) => ({ ...s, vacation: true }));
    expect(after.settings).toMatchObject({ language: 'en', vacation: true });
  });

  it('holds PIN hashes: after a PIN change only its owner may read it, even if it was readable to all', async () => {
    await chmod(file, 0o644);
    const d = new YamlDirectory({ file });
    const alice = await must(d, ['+49301234501']);
    await d.updateSettings(alice, (s) => ({ ...s, pinHash: 'scrypt$32768$8$5$c2FsdA==$aGFzaA==' }));
    expect(((await stat(file)).mode & 0o777).toString(8)).toBe('600');
  });

  it('says when the user is gone', async () => {
    const d = new YamlDirectory({ file });
    const alice = await must(d, ['+49301234501']);
    await d
      .updateSettings({ ...alice, id: 'nobody' }, (s) => s)
      .then(
        () => expect.fail('should throw'),
        (e: unknown) => expect(e).toBeInstanceOf(UserGone),
      );
    await d.close();
  });
});

describe('a bad users file', () => {
  it.each([
    ['users: [1, 2]\n', /users\.yaml: expected a map with "users:"/],
    ['users:\n  x: {email: x@y, mailbox: "1"}\n', /users\.yaml: users\.x\.name: missing/],
    ['users:\n  x: {name: X, email: x@y, mailbox: "1", phone: "2"}\n', /users\.x\.phone: unknown key/],
    ['users:\n  x: {name: X, email: x@y, mailbox: "1", numbers: {desk: "2"}}\n', /users\.x\.numbers\.desk/],
    [
      'users:\n  x: {name: X, email: x@y, mailbox: "1", settings: [noequals]}\n',
      /users\.x\.settings\[0\]: expected a KEY=VALUE/,
    ],
    ['users:\n  x: {name: X, email: x@y, mailbox: [1]}\n', /users\.x\.mailbox: expected a text/],
    ['users: {x: [\n', /users\.yaml/],
  ])('%j → a clear error naming the file and key', async (text, why) => {
    await writeFile(file, text);
    await expect(new YamlDirectory({ file }).findByNumber(['1'])).rejects.toSatisfy(
      (e: unknown) => e instanceof DirectoryConfigError && why.test(e.message) && e.message.includes(file),
    );
  });

  it('names a missing file', async () => {
    await expect(new YamlDirectory({ file: join(dir, 'none.yaml') }).findByNumber(['1'])).rejects.toThrow(
      /none\.yaml: cannot read/,
    );
  });
});
