// The numbers of her notifications from a users file: `numbers.lamp` (whose desk phone shows her
// lamp) and `numbers.sender` (the sender of her SMS). The LDAP attributes (`mwiAccount`,
// `notifySender`) are read from the lab's slapd in test/integration/directory/notify-reset.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryConfigError, YamlDirectory } from '../../src/directory/index.js';

function usersFile(text: string): YamlDirectory {
  const file = join(mkdtempSync(join(tmpdir(), 'voicebox-notify-numbers-')), 'users.yaml');
  writeFileSync(file, text);
  return new YamlDirectory({ file });
}

describe('notification numbers in a users file', () => {
  it('reads numbers.lamp and numbers.sender beside her other numbers', async () => {
    const directory = usersFile(`users:
  alice:
    name: Alice Anders
    email: alice@example.com
    mailbox: '+49 30 1234501'
    numbers: { office: '+49 30 1234101', lamp: '+49 30 1234109', sender: '+49 30 1234999' }
  bob:
    name: Bob Berger
    email: bob@example.com
    mailbox: '+49 30 1234502'
    numbers: { office: '+49 30 1234102' }
`);
    const alice = await directory.findByNumber(['+49 30 1234501']);
    expect(alice?.numbers).toEqual({ office: '+49 30 1234101' });
    expect(alice?.notifyNumbers).toEqual({ lamp: '+49 30 1234109', sender: '+49 30 1234999' });
    const bob = await directory.findByNumber(['+49 30 1234502']);
    expect(bob?.notifyNumbers).toBeUndefined();
    await directory.close();
  });

  it('names an unknown number key, listing the known ones', async () => {
    const directory = usersFile(`users:
  alice:
    name: Alice Anders
    email: alice@example.com
    mailbox: '+49 30 1234501'
    numbers: { mwi: '501' }
`);
    await expect(directory.findByNumber(['+49 30 1234501'])).rejects.toThrow(DirectoryConfigError);
    await expect(directory.findByNumber(['+49 30 1234501'])).rejects.toThrow(
      'users.alice.numbers.mwi: unknown (office, mobile, fax, lamp, sender)',
    );
  });
});
