// `voicebox notify reset` on a users file (the YAML directory), as an admin runs it: the stored
// values after it, the lines it prints, and what it says when the command line is wrong. The LDAP
// side (--all, a user who cannot be written) runs against the lab in
// test/integration/directory/notify-reset.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';
import { YamlDirectory, type DirectoryUser } from '../../src/directory/index.js';

const users = `users:
  alice:
    name: Alice Anders
    email: alice@example.com
    mailbox: '+49 30 1234501'
    settings:
      - language=de
      - notifyVoice=3
      - notifyLamp=N
      - notifyResetAt=2026-11-01T08:00:00.000Z
      - smsNotified=voice:3
  bob:
    name: Bob Berger
    email: bob@example.com
    login: bberger
    mailbox: '+49 30 1234502'
    settings:
      - notifyBySms=Y
      - notifyFax=0
      - smsNotified=voice:1,fax:2
      - MNThrhlds=0;1;0
  ida:
    name: Ida Imhof
    email: ida@example.com
    mailbox: '+49 30 1234513'
    settings: [language=en]
`;

let dir = '';
let config = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-notify-reset-'));
  config = join(dir, 'voicebox.yaml');
  writeFileSync(config, 'directory:\n  type: yaml\n  file: users.yaml\n');
  writeFileSync(join(dir, 'users.yaml'), users);
});

/** every user as the file holds her now */
async function stored(): Promise<Record<string, DirectoryUser>> {
  const directory = new YamlDirectory({ file: join(dir, 'users.yaml') });
  const all: Record<string, DirectoryUser> = {};
  for await (const u of directory.users()) all[u.id] = u;
  await directory.close();
  return all;
}

describe('voicebox notify reset on a users file', () => {
  it('resets one user by her number: counting starts now, no SMS counted; her own settings stay', async () => {
    const before = Date.now();
    const r = await voicebox('notify', 'reset', '501', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      '  Alice Anders (+49 30 1234501): reset\n' +
        'Reset: 1 user\n' +
        'Lamps: a running voicebox turns them off at its next check of each mailbox; this command does not reach FreeSWITCH.\n',
    );
    const { alice, bob } = await stored();
    const resetAt = Date.parse(alice!.settings.notifyResetAt ?? '');
    expect(resetAt).toBeGreaterThanOrEqual(before - 1);
    expect(resetAt).toBeLessThanOrEqual(Date.now());
    expect(alice!.settings.smsNotified).toBeUndefined();
    expect(alice!.settings.notifyThresholds).toEqual({ voice: 3 });
    expect(alice!.settings.notifyLamp).toBe(false);
    expect(alice!.settings.language).toBe('de');
    // nobody else
    expect(bob!.settings.smsNotified).toEqual({ voice: 1, fax: 2 });
    expect(bob!.settings.notifyResetAt).toBeUndefined();
  });

  it('finds her by login as well', async () => {
    const r = await voicebox('notify', 'reset', 'bberger', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('  Bob Berger (+49 30 1234502): reset\n');
    expect((await stored()).bob!.settings.smsNotified).toBeUndefined();
  });

  it('--all --settings resets everyone and removes their own notification settings; the rest stays', async () => {
    const r = await voicebox('notify', 'reset', '--all', '--settings', '--yes', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      "  Alice Anders (+49 30 1234501): reset; her own notification settings removed, the site's apply\n",
    );
    expect(r.out).toContain('  Ida Imhof (+49 30 1234513): reset;');
    expect(r.out).toContain('Reset: 3 users\n');
    const all = await stored();
    for (const u of Object.values(all)) {
      expect(u.settings.notifyResetAt, u.id).toBeDefined();
      expect(u.settings.smsNotified, u.id).toBeUndefined();
      expect(u.settings.notifyThresholds, u.id).toBeUndefined();
      expect(u.settings.notifyLamp, u.id).toBeUndefined();
      expect(u.settings.notifyBySms, u.id).toBeUndefined();
    }
    // ixi-UMS's notifier value and her other settings are kept as they were
    expect(all.bob!.rawUserData).toContain('MNThrhlds=0;1;0');
    expect(all.alice!.settings.language).toBe('de');
    expect(all.ida!.settings.language).toBe('en');
  });

  it('--all without --yes and without a terminal asks nobody and changes nothing', async () => {
    const r = await voicebox('notify', 'reset', '--all', '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "voicebox notify reset: This resets every user's notification counters: give --yes to go on without a terminal; nothing changed\n",
    );
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });

  it('says whom it could not find, and changes nothing', async () => {
    const r = await voicebox('notify', 'reset', '599', '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toBe('voicebox notify reset: no user with the mailbox number 599 in the directory\n');
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
    const byLogin = await voicebox('notify', 'reset', 'nobody', '--config', config);
    expect(byLogin.code).toBe(1);
    expect(byLogin.err).toContain('no user with the login, mailbox alias or DN nobody');
  });

  it('wants one user or --all, not both and not neither', async () => {
    for (const args of [[], ['501', '--all']]) {
      const r = await voicebox('notify', 'reset', ...args, '--config', config);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toBe(
        'voicebox notify reset: name one user (her number or login) or give --all, not both\n',
      );
    }
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });

  it('names a bad configuration and a missing users file', async () => {
    writeFileSync(config, 'directory:\n  type: yml\n');
    const bad = await voicebox('notify', 'reset', '--all', '--config', config);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('directory.type: expected one of yaml, ldap, got "yml"');
    writeFileSync(config, 'directory:\n  type: yaml\n  file: missing.yaml\n');
    const missing = await voicebox('notify', 'reset', '--all', '--yes', '--config', config);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^voicebox notify reset: the directory cannot be read: .*missing\.yaml/);
  });

  it('says in its help that the reset does not reach FreeSWITCH', async () => {
    const r = await voicebox('notify', 'reset', '--help');
    expect(r.out).toContain('does not reach FreeSWITCH');
    expect(r.out).toContain('--settings');
  });
});
