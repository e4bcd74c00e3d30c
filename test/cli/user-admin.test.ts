// `voicebox user show | unlock | pin set | defaults` on a users file of the test's own (the YAML
// directory), as an admin runs them: what they print (never a PIN, hash or password), what the
// file holds after them, the audit log, and the refusals. The LDAP side, with a user locked by
// phone, is test/integration/cli/user-unlock.test.ts.
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';
import { userCommand } from '../../src/cli/user-mail-password.js';
import { readReadme } from './readme-examples.js';
import { YamlDirectory, type DirectoryUser } from '../../src/directory/index.js';
import { verifyPin } from '../../src/pin/index.js';

const HASH = 'scrypt$32768$8$5$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';
const users = `users:
  alice:
    name: Alice Anders
    email: alice@example.com
    mailbox: '+49 30 1234501'
    settings:
      - language=de
      - pinHash=${HASH}
      - pinChangedAt=2026-11-02T08:00:00.000Z
      - wrongPinCount=3
      - lockedAt=2026-12-01T09:30:00.000Z
      - mailPassword=v1:c2VjcmV0LXBhc3N3b3Jk
      - notifyVoice=3
  bob:
    name: Bob Berger
    email: bob@example.com
    login: bberger
    mailbox: '+49 30 1234502'
    settings:
      - legacyPin=NTgzMQ==
      - wrongPinCount=1
      - notifyLamp=N
  ida:
    name: Ida Imhof
    email: ida@example.com
    mailbox: '+49 30 1234513'
    settings: [language=en, enabled=Y]
`;

let dir = '';
let config = '';
let audit = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-user-admin-'));
  config = join(dir, 'voicebox.yaml');
  audit = join(dir, 'log', 'audit.log');
  writeFileSync(
    config,
    'directory:\n  type: yaml\n  file: users.yaml\nlogin:\n  pinExpiryDays: 90\nadmin:\n  auditLog: log/audit.log\n',
  );
  writeFileSync(join(dir, 'users.yaml'), users);
});

/** standard input: piped text, or a terminal at which `typed` is typed */
class Stdin extends EventEmitter {
  constructor(
    private readonly text: string,
    readonly isTTY: boolean,
  ) {
    super();
  }
  setRawMode() {}
  pause() {}
  resume() {
    setImmediate(() => {
      this.emit('data', this.text);
      if (!this.isTTY) this.emit('end');
    });
  }
}

/** `voicebox user …` with this standard input */
async function user(stdin: Stdin, ...args: string[]) {
  let out = '';
  let err = '';
  let code = 0;
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s), color: false };
  const command = userCommand(io, (c) => (code = c), stdin);
  const tame = (c: typeof command) => {
    c.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    c.commands.forEach(tame);
  };
  tame(command);
  try {
    await command.parseAsync(args, { from: 'user' });
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 99;
  }
  return { code, out, err };
}

const piped = (text: string) => new Stdin(text, false);
const typed = (text: string) => new Stdin(text, true);

async function stored(): Promise<Record<string, DirectoryUser>> {
  const directory = new YamlDirectory({ file: join(dir, 'users.yaml') });
  const all: Record<string, DirectoryUser> = {};
  for await (const u of directory.users()) all[u.id] = u;
  await directory.close();
  return all;
}

const auditLines = () =>
  readFileSync(audit, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { command: string; user: string; change: Record<string, unknown> });

/** the secrets of the users file: none may ever be printed */
const SECRETS = [HASH, 'scrypt$', 'NTgzMQ==', '5831', 'v1:c2VjcmV0', 'c2VjcmV0LXBhc3N3b3Jk'];

describe('voicebox user show', () => {
  it('shows her settings, lock and wrong PINs, PIN origin and age — never the PIN, hash or password', async () => {
    const r = await voicebox('user', 'show', '501', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Alice Anders\n');
    expect(r.out).toMatch(/lock: +locked since 2026-12-01T09:30:00.000Z \(3 wrong PINs of 3\)/);
    expect(r.out).toMatch(/PIN: +set \(voicebox hash\)/);
    expect(r.out).toMatch(/PIN changed: +2026-11-02T08:00:00.000Z, \d+ days ago/);
    expect(r.out).toMatch(/PIN expires: +(expired )?2027-01-31T08:00:00.000Z/);
    expect(r.out).toMatch(/language: +de \(her own\)/);
    expect(r.out).toMatch(/notify after: +voice 3, fax 1 \(the site's\)/);
    expect(r.out).toMatch(/IMAP password: +her own, stored encrypted/);
    for (const secret of SECRETS) expect(r.out + r.err).not.toContain(secret);
  });

  it('by login, as JSON: the ixi-UMS PIN named as such, never shown', async () => {
    const r = await voicebox('user', 'show', 'bberger', '--json', '--config', config);
    expect(r.code, r.err).toBe(0);
    const shown = JSON.parse(r.out) as {
      pin: { origin: string };
      lock: { locked: boolean; wrongPins: number };
    };
    expect(shown.pin.origin).toBe('ixi-UMS');
    expect(shown.lock).toMatchObject({ locked: false, wrongPins: 1 });
    for (const secret of SECRETS) expect(r.out).not.toContain(secret);
  });

  it('an unknown user or login: one line, exit 1; a bad config: exit 2', async () => {
    const byNumber = await voicebox('user', 'show', '599', '--config', config);
    expect(byNumber).toMatchObject({ code: 1, out: '' });
    expect(byNumber.err).toBe('voicebox user show: no user with the mailbox number 599 in the directory\n');
    const byLogin = await voicebox('user', 'show', 'nobody', '--config', config);
    expect(byLogin.code).toBe(1);
    expect(byLogin.err.trim().split('\n')).toHaveLength(1);
    const malformed = await voicebox('user', 'show', '+0', '--config', config);
    expect(malformed).toMatchObject({ code: 1, err: 'voicebox user show: +0 is not a phone number\n' });
    writeFileSync(config, 'directory:\n  type: nosuch\n');
    const bad = await voicebox('user', 'show', '501', '--config', config);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('voicebox user show: bad configuration');
  });
});

describe('voicebox user unlock', () => {
  it('clears the lock and the wrong PINs in one write, keeps the rest, and audits it', async () => {
    const r = await voicebox('user', 'unlock', '501', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('  Alice Anders (+49 30 1234501): unlocked, 3 wrong PINs forgotten\n');
    const { alice } = await stored();
    expect(alice!.settings.lockedAt).toBeUndefined();
    expect(alice!.settings.wrongPinCount).toBe(0);
    expect(alice!.settings.pinHash).toBe(HASH);
    expect(alice!.settings.language).toBe('de');
    expect(auditLines()).toEqual([
      {
        time: expect.any(String),
        by: expect.any(String),
        command: 'user unlock',
        user: '+49 30 1234501',
        change: { lockedAt: null, wrongPinCount: 0 },
      },
    ]);
    expect(statSync(audit).mode & 0o777).toBe(0o600);
    const shown = await voicebox('user', 'show', '501', '--config', config);
    expect(shown.out).toMatch(/lock: +not locked \(0 wrong PINs of 3\)/);
  });

  it('--new-pin --resend-welcome: the welcome mail goes out with a new PIN with her next call, to be changed', async () => {
    const r = await voicebox('user', 'unlock', 'alice', '--new-pin', '--resend-welcome', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('the welcome mail goes out with a new PIN with the next call to her mailbox');
    const { alice } = await stored();
    expect(alice!.settings).toMatchObject({
      welcomeResend: 'newPin',
      pinChangeRequired: true,
      wrongPinCount: 0,
    });
    expect(auditLines()[0]!.change).toMatchObject({ welcomeResend: 'newPin', pinChangeRequired: true });
    const resend = await voicebox('user', 'unlock', 'bberger', '--resend-welcome', '--config', config);
    expect(resend.code, resend.err).toBe(0);
    expect((await stored()).bob!.settings.welcomeResend).toBe('pin');
  });

  it('--new-pin alone is refused: a PIN nobody is told would lock her out', async () => {
    const r = await voicebox('user', 'unlock', '501', '--new-pin', '--config', config);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'voicebox user unlock: --new-pin needs --resend-welcome: the new PIN is told in the welcome mail alone\n',
    );
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });

  it('--all without a terminal and without --yes is refused; nothing changes', async () => {
    const r = await user(piped(''), 'unlock', '--all', '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'voicebox user unlock: 2 users are unlocked: give --yes to go on without a terminal; nothing changed\n',
    );
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
    expect(existsSync(audit)).toBe(false);
  });

  it('--all asks at a terminal: "no" changes nothing, "yes" unlocks those locked or counted', async () => {
    const no = await user(typed('no\n'), 'unlock', '--all', '--config', config);
    expect(no.code).toBe(1);
    expect(no.err).toContain('2 users are unlocked. Type yes to go on: ');
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
    const yes = await user(typed('yes\n'), 'unlock', '--all', '--config', config);
    expect(yes.code, yes.err).toBe(0);
    expect(yes.out).toContain('Unlocked: 2\n');
    const all = await stored();
    expect(all.alice!.settings.lockedAt).toBeUndefined();
    expect(all.bob!.settings.wrongPinCount).toBe(0);
    expect(auditLines().map((l) => l.user)).toEqual(['+49 30 1234501', '+49 30 1234502']);
    // ida was neither locked nor counted: not written
    expect(all.ida!.rawUserData).toEqual(['language=en', 'enabled=Y']);
  });

  it('--all --yes goes on without asking', async () => {
    const r = await user(piped(''), 'unlock', '--all', '--yes', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect((await stored()).alice!.settings.lockedAt).toBeUndefined();
  });
});

describe('voicebox user pin set', () => {
  it('stores the PIN read from standard input as the hash the phone writes; the lock goes; never printed', async () => {
    const r = await user(piped('5831\n'), 'pin', 'set', '501', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('Alice Anders (+49 30 1234501): PIN set; phone login unlocked\n');
    const { alice } = await stored();
    expect(await verifyPin('5831', alice!.settings.pinHash!)).toBe(true);
    expect(alice!.settings.lockedAt).toBeUndefined();
    expect(alice!.settings.wrongPinCount).toBe(0);
    expect(Date.now() - Date.parse(alice!.settings.pinChangedAt!)).toBeLessThan(60_000);
    expect(alice!.settings.pinChangeRequired).toBeUndefined();
    const log = readFileSync(audit, 'utf8');
    expect(log).not.toContain(alice!.settings.pinHash!);
    expect(log).not.toContain('5831');
    expect(auditLines()[0]!.change).toMatchObject({ pinHash: '***', lockedAt: null, wrongPinCount: 0 });
    expect(r.out + r.err).not.toContain('5831');
  });

  it('typed at a terminal (no echo), with --require-change: she changes it at her next login', async () => {
    const r = await user(typed('2580\r'), 'pin', 'set', 'bberger', '--require-change', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('new PIN for Bob Berger (+49 30 1234502): ');
    expect(r.out).toContain('she must change it at her next login');
    const { bob } = await stored();
    expect(bob!.settings.legacyPin).toBeUndefined();
    expect(await verifyPin('2580', bob!.settings.pinHash!)).toBe(true);
    expect(bob!.settings.pinChangeRequired).toBe(true);
  });

  it('refuses a PIN the phone would refuse, with one line; nothing stored', async () => {
    for (const [pin, why] of [
      ['1234', 'a PIN like 1111, 1234 or 4321 is too easy to guess: nothing stored'],
      ['12', 'a PIN is 4 or more digits and nothing else: nothing stored'],
      ['12a45', 'a PIN is 4 or more digits and nothing else: nothing stored'],
    ]) {
      const r = await user(piped(pin!), 'pin', 'set', '501', '--config', config);
      expect(r.code, pin).toBe(1);
      expect(r.err).toBe(`voicebox user pin set: ${why}\n`);
    }
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });

  it('an unknown user: one line, exit 1, no PIN asked for', async () => {
    const r = await user(typed('5831\r'), 'pin', 'set', '599', '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toBe('voicebox user pin set: no user with the mailbox number 599 in the directory\n');
  });
});

describe('voicebox user defaults', () => {
  const defaults = (text: string) => {
    const file = join(dir, 'defaults.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('without --yes and without a terminal: lists who gets which key, writes nothing', async () => {
    const file = defaults('language: de\nnotifyLamp: Y\n');
    const r = await user(piped(''), 'defaults', '--from', file, '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      '  Alice Anders (+49 30 1234501): notifyLamp\n' +
        '  Bob Berger (+49 30 1234502): language\n' +
        '  Ida Imhof (+49 30 1234513): notifyLamp\n' +
        '3 of 3 users get default user data; nothing written: give --yes to write\n',
    );
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });

  it('--yes writes each key a user has not set herself; her own values stay', async () => {
    const file = defaults('language: de\nnotifyLamp: Y\nenabled: N\n');
    const r = await user(piped(''), 'defaults', '--from', file, '--yes', '--config', config);
    expect(r.code, r.err).toBe(0);
    const all = await stored();
    expect(all.alice!.settings).toMatchObject({ language: 'de', notifyLamp: true, enabled: false });
    expect(all.bob!.settings).toMatchObject({ language: 'de', notifyLamp: false, enabled: false });
    // ida stored enabled=Y herself: it stays
    expect(all.ida!.settings).toMatchObject({ language: 'en', notifyLamp: true, enabled: true });
    expect(all.alice!.settings.pinHash).toBe(HASH);
    expect(auditLines().map((l) => [l.user, l.command])).toEqual([
      ['+49 30 1234501', 'user defaults'],
      ['+49 30 1234502', 'user defaults'],
      ['+49 30 1234513', 'user defaults'],
    ]);
  });

  it('--force overwrites her own values too', async () => {
    const file = defaults('language: de\n');
    const r = await user(piped(''), 'defaults', '--from', file, '--force', '--yes', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect((await stored()).ida!.settings.language).toBe('de');
  });

  it('an unknown key, a key that is hers alone or a bad value: one line naming it, nothing written', async () => {
    for (const [text, why] of [
      ['language: de\ncolour: blue\n', 'colour is not a key of the user data'],
      ['pinHash: x\n', 'pinHash is not default user data (it is hers alone)'],
      ['notifyLamp: maybe\n', 'notifyLamp: "maybe" is not a valid value'],
    ]) {
      const r = await user(piped(''), 'defaults', '--from', defaults(text!), '--yes', '--config', config);
      expect(r.code, text).toBe(1);
      expect(r.err).toContain(why);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });
});

describe('voicebox notify reset', () => {
  it('writes its audit line too', async () => {
    const r = await voicebox('notify', 'reset', '501', '--config', config);
    expect(r.code, r.err).toBe(0);
    const [line] = auditLines();
    expect(line).toMatchObject({ command: 'notify reset', user: '+49 30 1234501' });
    expect(line!.change).toHaveProperty('notifyResetAt');
  });
});

describe("README.md's `voicebox user …` examples", () => {
  const examples = readReadme().commands.filter((c) =>
    /\bnpx voicebox user (show|unlock|pin|defaults)\b/.test(c),
  );

  it('are there, and each runs as written on a config of its own', async () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    writeFileSync(join(dir, 'defaults.yaml'), 'language: de\n');
    for (const example of examples) {
      const stdin = /^printf %s "\$PIN" \| /.test(example) ? piped('5831') : piped('');
      const args = example
        .replace(/^.*npx voicebox user /, '')
        .split(' ')
        .map((a) =>
          a === '/etc/voicebox/voicebox.yaml' ? config : a === 'defaults.yaml' ? join(dir, a) : a,
        );
      const r = await user(stdin, ...args);
      expect(r.code, `${example}\n${r.err}`).toBe(0);
      for (const secret of [...SECRETS, '5831']) expect(r.out + r.err, example).not.toContain(secret);
    }
    const { alice } = await stored();
    expect(await verifyPin('5831', alice!.settings.pinHash!)).toBe(true);
    expect(alice!.settings.language).toBe('de');
  });
});
