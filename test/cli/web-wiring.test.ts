// The web page's dependencies as `voicebox serve` builds them from its settings: which forms the
// page offers (directory password, mail password) follows the config, and the admin page's
// lookup, report and unlock do what `voicebox user show / unlock` do — on a users file of the
// test's own, with the audit log the admin commands write. The LDAP bind itself is
// test/integration/web/serve-web.test.ts.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig, type VoiceboxConfig } from '../../src/config/index.js';
import { configuredDirectory, mailboxStoreFrom } from '../../src/cli/services.js';
import { adminOperations, ldapBind, ldapConnection, webDepsFrom } from '../../src/cli/web.js';
import type { Directory, DirectoryUser } from '../../src/directory/index.js';
import type { Bundle } from '../../src/graph/index.js';
import type { ActionRegistry, RuntimeLogger } from '../../src/runtime/index.js';

const HASH = 'scrypt$32768$8$5$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g=';
const USERS = `users:
  alice:
    name: Alice Anders
    email: alice@example.com
    mailbox: '+49 30 1234501'
    settings:
      - language=de
      - pinHash=${HASH}
      - wrongPinCount=3
      - lockedAt=2026-12-01T09:30:00.000Z
      - mailPassword=v1:c2VjcmV0LXBhc3N3b3Jk
  bob:
    name: Bob Berger
    email: bob@example.com
    login: bberger
    mailbox: '+49 30 1234502'
    settings: [wrongPinCount=0]
`;

const silent: RuntimeLogger = { info() {}, debug() {}, warn() {}, error() {}, child: () => silent };
const NOW = new Date('2026-12-02T10:00:00.000Z');

const open: Directory[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
});

/** a folder with voicebox.yaml (the given lines after the users file and audit log) and users.yaml */
function site(extra = ''): { dir: string; config: VoiceboxConfig; directory: Directory } {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-web-wiring-'));
  const file = join(dir, 'voicebox.yaml');
  writeFileSync(
    file,
    `directory:\n  type: yaml\n  file: users.yaml\nadmin:\n  auditLog: log/audit.log\n${extra}`,
  );
  writeFileSync(join(dir, 'users.yaml'), USERS);
  const config = readConfig(file);
  const directory = configuredDirectory(config, { admin: true });
  open.push(directory);
  return { dir, config, directory };
}

function deps(config: VoiceboxConfig, directory: Directory, dir: string) {
  return webDepsFrom(
    config,
    { directory, mailboxes: mailboxStoreFrom(config), location: config.location },
    {
      bundle: () => ({}) as Bundle,
      actions: () => ({}) as ActionRegistry,
      media: { local: join(dir, 'media'), freeswitch: join(dir, 'media') },
      log: silent,
      clock: () => NOW,
    },
  );
}

describe('what the page offers follows the settings', () => {
  it('web.login pin: no directory password is checked', () => {
    const { dir, config, directory } = site('web:\n  login: pin\n');
    expect(deps(config, directory, dir).passwords).toBeUndefined();
  });

  it('a YAML directory has no password to bind with, whatever web.login says', () => {
    const { dir, config, directory } = site('web:\n  login: both\n');
    expect(deps(config, directory, dir).passwords).toBeUndefined();
  });

  it('no web.tlsCert/tlsKey set: plain HTTP, not the config folder read as a certificate', () => {
    const { dir, config, directory } = site('web:\n  listen: 127.0.0.1:8088\n');
    const d = deps(config, directory, dir);
    expect([d.config.web.tlsCert, d.config.web.tlsKey]).toEqual(['', '']);
    const tls = site('web:\n  tlsCert: web.pem\n  tlsKey: web.key\n');
    expect(deps(tls.config, tls.directory, tls.dir).config.web.tlsCert).toBe(join(tls.dir, 'web.pem'));
  });

  it('mailboxes in the local Maildir: no mail-password form', () => {
    const { dir, config, directory } = site();
    const d = deps(config, directory, dir);
    expect(d.mailPasswords).toBeUndefined();
    expect(d.mailboxes).toBeDefined();
  });

  it('IMAP with the administrative access only: no mail-password form; individual: the form', () => {
    const imap = (access: string) =>
      `mailbox:\n  type: imap\n  imap:\n    access: ${access}\n    passwordKey: ${'ab'.repeat(32)}\n`;
    const admin = site(imap('administrative'));
    expect(deps(admin.config, admin.directory, admin.dir).mailPasswords).toBeUndefined();
    const own = site(imap('individual'));
    expect(deps(own.config, own.directory, own.dir).mailPasswords).toBeDefined();
  });
});

describe('the directory password', () => {
  it('an empty password is refused without asking any server (an unauthenticated bind would succeed)', async () => {
    // no server listens on this port: asking it would throw instead of answering false
    const check = ldapBind({
      servers: ['ldap://127.0.0.1:1'],
      ous: [],
      timeoutMs: 500,
      cacheTtlMs: 0,
      rejectUnauthorized: true,
    } as unknown as NonNullable<VoiceboxConfig['directory']['ldap']>);
    const user = { id: 'uid=wendy,dc=example,dc=com' } as DirectoryUser;
    expect(await check.verify(user, '')).toBe(false);
    await expect(check.verify(user, 'something')).rejects.toThrow(/no directory server answered/);
  });
});

describe('the directory password crosses the network as the directory connects', () => {
  type Ldap = NonNullable<VoiceboxConfig['directory']['ldap']>;
  const ldap = (servers: string[], rejectUnauthorized: boolean) =>
    ({ servers, ous: [], timeoutMs: 500, cacheTtlMs: 0, rejectUnauthorized }) as unknown as Ldap;

  it("ldaps://: TLS with the directory's certificate check; ldap://: no TLS options", () => {
    const l = ldap(['ldaps://dc1.example.com', 'ldap://dc2.example.com'], false);
    expect(ldapConnection(l, 'ldaps://dc1.example.com')).toMatchObject({
      url: 'ldaps://dc1.example.com',
      tlsOptions: { rejectUnauthorized: false },
    });
    expect(ldapConnection(l, 'ldap://dc2.example.com').tlsOptions).toBeUndefined();
  });

  /** the warnings webDepsFrom logs for an LDAP directory with these servers and web.login */
  function warnings(servers: string[], login: string): string[] {
    const { dir, directory } = site();
    const file = join(dir, 'ldap.yaml');
    writeFileSync(
      file,
      `directory:\n  type: ldap\n  ldap:\n    servers: [${servers.join(', ')}]\n    baseDn: dc=example,dc=com\n` +
        `web:\n  login: ${login}\n`,
    );
    const config = readConfig(file);
    const said: string[] = [];
    const log: RuntimeLogger = {
      ...silent,
      warn: (_o: unknown, msg?: string) => void said.push(String(msg)),
    };
    webDepsFrom(
      config,
      { directory, mailboxes: mailboxStoreFrom(config), location: config.location },
      {
        bundle: () => ({}) as Bundle,
        actions: () => ({}) as ActionRegistry,
        media: { local: join(dir, 'media'), freeswitch: join(dir, 'media') },
        log,
        clock: () => NOW,
      },
    );
    return said;
  }

  it('directory passwords over ldap:// are named at start as crossing the network in clear', () => {
    const said = warnings(['ldap://dc1.example.com', 'ldaps://dc2.example.com'], 'both');
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('ldap://dc1.example.com');
    expect(said[0]).toContain('in clear');
    expect(said[0]).not.toContain('dc2');
  });

  it('no warning over ldaps:// alone, nor when the web login asks for PINs only', () => {
    expect(warnings(['ldaps://dc1.example.com'], 'directory')).toEqual([]);
    expect(warnings(['ldap://dc1.example.com'], 'pin')).toEqual([]);
  });
});

describe("the admin page's operations", () => {
  it('finds by mailbox number in any format and by login; an unknown one says so', async () => {
    const { config, directory } = site();
    const admin = adminOperations(config, directory, () => NOW);
    expect((await admin.find('+49 (30) 1234-501')).name).toBe('Alice Anders');
    expect((await admin.find('BBerger')).name).toBe('Bob Berger');
    await expect(admin.find('+49 30 9999999')).rejects.toThrow(/no user with the mailbox number/);
    await expect(admin.find('nobody')).rejects.toThrow(/no user with the login/);
  });

  it('reports what `user show` prints, and never a PIN, hash or password', async () => {
    const { config, directory } = site();
    const admin = adminOperations(config, directory, () => NOW);
    const report = admin.report(await admin.find('501'));
    const text = report.map(([k, v]) => `${k}: ${v}`).join('\n');
    expect(report[0]).toEqual(['name', 'Alice Anders']);
    expect(text).toContain('lock: locked since 2026-12-01T09:30:00.000Z (3 wrong PINs of 3)');
    expect(text).toContain('IMAP password: her own, stored encrypted');
    expect(text).not.toContain(HASH);
    expect(text).not.toContain('c2VjcmV0LXBhc3N3b3Jk');
  });

  it('unlock clears the lock and the count, and writes one owner-only audit line naming the admin', async () => {
    const { dir, config, directory } = site();
    const admin = adminOperations(config, directory, () => NOW);
    await admin.unlock(await admin.find('501'), 'bberger');
    const users = readFileSync(join(dir, 'users.yaml'), 'utf8');
    expect(users).not.toContain('lockedAt');
    expect(users).toContain('wrongPinCount=0');
    const log = join(dir, 'log', 'audit.log');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      time: NOW.toISOString(),
      by: 'bberger',
      command: 'user unlock (web page)',
      user: '+49 30 1234501',
      change: { wrongPinCount: 0, lockedAt: null },
    });
    expect(lines[0]).not.toContain(HASH);
    expect(lines[0]).not.toContain('c2VjcmV0LXBhc3N3b3Jk');
  });

  it('the company greeting changed on the page is audited with who and what', async () => {
    const { dir, config, directory } = site();
    await adminOperations(config, directory, () => NOW).audit('501', 'company greeting', { language: 'de' });
    const entry = JSON.parse(readFileSync(join(dir, 'log', 'audit.log'), 'utf8')) as Record<string, unknown>;
    expect(entry).toMatchObject({
      by: '501',
      command: 'company greeting (web page)',
      change: { language: 'de' },
    });
  });
});
