// Alice, the mailbox owner most tests call: the example users (examples/users.yaml) in a
// YAML file of the test's own, her PIN set and her welcome mail already sent; what reached
// her Maildir; Alice as her mailbox store knows her.
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YamlDirectory, type Directory, type UserSettings } from '../../src/directory/index.js';
import type { MailboxOwner } from '../../src/mailbox/index.js';
import { hashPin } from '../../src/pin/index.js';

/** Alice's office number; her mailbox is 501. */
export const ALICE = '+49 30 1234501';
export const PIN = '2468';

/** The example users (examples/users.yaml) as `<dir>/users.yaml`, a file of the test's own. */
export function exampleUsers(dir: string): string {
  const usersFile = join(dir, 'users.yaml');
  copyFileSync('examples/users.yaml', usersFile);
  return usersFile;
}

/**
 * `<dir>/users.yaml` from the examples, Alice with {@link PIN} and her welcome mail sent
 * (so no call of hers starts with it); `settings` changes hers further.
 */
export async function aliceWithPin(
  dir: string,
  settings: (s: UserSettings) => UserSettings = (s) => s,
): Promise<{ directory: YamlDirectory; usersFile: string }> {
  const usersFile = exampleUsers(dir);
  const directory = new YamlDirectory({ file: usersFile });
  await giveAlicePin(directory, settings);
  return { directory, usersFile };
}

/** The same for Alice in a directory of the example users that is already serving calls. */
export async function giveAlicePin(
  directory: Directory,
  settings: (s: UserSettings) => UserSettings = (s) => s,
): Promise<void> {
  const alice = await directory.findByNumber([ALICE]);
  if (!alice) throw new Error(`the directory has no user with the number ${ALICE}`);
  const pinHash = await hashPin(PIN);
  await directory.updateSettings(alice, (s) =>
    settings({ ...s, pinHash, welcomeSentAt: '2026-01-01T00:00:00.000Z' }),
  );
}

/** Alice's settings as `usersFile` holds them now, read afresh. */
export async function aliceSettingsIn(usersFile: string): Promise<UserSettings> {
  const alice = await new YamlDirectory({ file: usersFile }).findByNumber([ALICE]);
  if (!alice) throw new Error(`${usersFile} has no user with the number ${ALICE}`);
  return alice.settings;
}

/** The messages delivered to `user` in a Maildir root (`<maildir>/<user>/new`), none yet read. */
export function maildirInbox(maildir: string, user: string): Array<{ file: string; text: string }> {
  const dir = join(maildir, user, 'new');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).map((name) => {
    const file = join(dir, name);
    return { file, text: readFileSync(file, 'latin1') };
  });
}

/** Alice as voicebox writes to her. */
export const aliceRecipient = { email: 'alice@example.com', name: 'Alice Anders' } as const;

/**
 * Alice as her mailbox store knows her (IMAP or Maildir): the mailbox `alice`, and the number
 * voice messages for her are signed for (her mailbox number, E.164).
 */
export const aliceOwner = {
  mailbox: 'alice',
  email: aliceRecipient.email,
  number: '+49301234501',
} as const satisfies MailboxOwner;
