// `voicebox migrate` on a users file (the YAML directory), and what an admin sees when the
// configuration or the directory is wrong. The LDAP side runs against the lab in
// test/integration/cli/migrate.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';

const users = `users:
  grace:
    name: Grace Green
    email: grace@example.com
    mailbox: '+49 30 1234511'
    settings:
      - IXI-UMSMobileEnabled=Y
      - IXI-UMSMobilePIN=NTU1MTIz
      - IXI-UMSMobileAnnouncementFlags=ENEN...
      - IXIFaxMaxPages=5
  henry:
    name: Henry Hahn
    email: henry@example.com
    mailbox: '+49 30 1234512'
    settings: [IXI-UMSMobileAnnouncementFlags=XX.., IXI-UMSPINFailureCount=3]
  ida:
    name: Ida Imhof
    email: ida@example.com
    mailbox: '+49 30 1234513'
    settings: [enabled=Y, language=de]
`;

let dir = '';
let config = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-migrate-'));
  config = join(dir, 'voicebox.yaml');
  writeFileSync(config, 'directory:\n  type: yaml\n  file: users.yaml\n');
  writeFileSync(join(dir, 'users.yaml'), users);
});

describe('voicebox migrate on a users file', () => {
  it('the dry run shows each user and the totals, no PIN, and leaves the file as it was', async () => {
    const r = await voicebox('migrate', '--config', config, '--dry-run');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Grace Green — mailbox +49 30 1234511 — grace');
    expect(r.out).toMatch(/IXI-UMSMobileAnnouncementFlags=ENEN\.\.\. +→ language=en, menuLanguage=en \*/);
    expect(r.out).toMatch(/IXI-UMSMobilePIN=\*\*\* +→ legacyPin=\*\*\*/);
    expect(r.out).toMatch(/IXIFaxMaxPages=5 +\S/);
    expect(r.out).toMatch(/IXI-UMSMobileAnnouncementFlags=XX\.\. +unknown language flag/);
    expect(r.out).toMatch(/^Ida Imhof — mailbox \+49 30 1234513 — ida\n {2}no ixi-UMS data$/m);
    expect(r.out).toContain('Users: 3, with ixi-UMS data: 2\n');
    expect(r.out).toContain('Users that would change: 2 ');
    expect(r.out).not.toContain('NTU1MTIz');
    expect(r.out).not.toContain('551123');
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(users);
  });

  it('--write writes the users with ixi-UMS data, keeps what it does not map; again: unchanged', async () => {
    const r = await voicebox('migrate', '--config', config, '--write');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Written: 2, unchanged: 0, failed: 0\n');
    expect(r.out).not.toContain('NTU1MTIz');
    const file = readFileSync(join(dir, 'users.yaml'), 'utf8');
    expect(file).toContain('language=en');
    expect(file).toContain('IXIFaxMaxPages=5');
    expect(file).toContain('wrongPinCount=3');
    // the wrong flag stays for the admin to correct
    expect(file).toContain('IXI-UMSMobileAnnouncementFlags=XX..');
    const again = await voicebox('migrate', '--config', config, '--write');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('Written: 0, unchanged: 2, failed: 0\n');
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(file);
  });

  it('--user takes a mailbox number in any format the site dials, or a login', async () => {
    for (const who of ['512', '+49 30 1234512', '030 1234512', 'henry']) {
      const r = await voicebox('migrate', '--config', config, '--user', who);
      expect(r.code, `${who}: ${r.err}`).toBe(0);
      expect(r.out).toContain('Henry Hahn');
      expect(r.out).not.toContain('Grace Green');
      expect(r.out).toContain('Users: 1, with ixi-UMS data: 1\n');
    }
    const nobody = await voicebox('migrate', '--config', config, '--user', '599');
    expect(nobody.code).toBe(1);
    expect(nobody.err).toContain("no user with the mailbox number, login or DN '599'");
  });

  it("prints no control character from the directory (a name cannot clear the admin's screen)", async () => {
    writeFileSync(join(dir, 'users.yaml'), users.replace('name: Henry Hahn', 'name: "Henry\\e[2J Hahn"'));
    const r = await voicebox('migrate', '--config', config, '--user', 'henry');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Henry?[2J Hahn');
    expect(r.out).not.toContain('\u001b');
  });
});

describe("one user's bad value costs only that value", () => {
  it('a line break in her office hours: reported with her, the others migrated, written without it', async () => {
    writeFileSync(
      join(dir, 'users.yaml'),
      users.replace(
        'settings: [IXI-UMSMobileAnnouncementFlags=XX.., IXI-UMSPINFailureCount=3]',
        'settings: { officeHours: "mon-fri 08:00-17:00\\r", IXI-UMSPINFailureCount: "3" }',
      ),
    );
    const dry = await voicebox('migrate', '--config', config);
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toMatch(
      /^Henry Hahn — mailbox .*\n(?:.*\n)*? {4}officeHours=mon-fri 08:00-17:00\? +a line break or control character/m,
    );
    expect(dry.out).toContain('Grace Green');
    expect(dry.out).toContain('Users: 3, with ixi-UMS data: 2\n');
    const r = await voicebox('migrate', '--config', config, '--write');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Written: 2, unchanged: 0, failed: 0\n');
    const file = readFileSync(join(dir, 'users.yaml'), 'utf8');
    expect(file).toContain('wrongPinCount=3');
    expect(file).toContain('language=en'); // Grace
  });

  it("a language the menus have no prompts for is a problem: her calls use the site's", async () => {
    writeFileSync(
      join(dir, 'users.yaml'),
      users.replace('IXI-UMSMobileAnnouncementFlags=XX..', 'IXI-UMSMobileAnnouncementFlags=FRFR'),
    );
    const r = await voicebox('migrate', '--config', config, '--user', 'henry');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/IXI-UMSMobileAnnouncementFlags=FRFR +→ language=fr, menuLanguage=fr \*/);
    expect(r.out).toMatch(
      /problems .*\n {4}IXI-UMSMobileAnnouncementFlags=FRFR +no prompts in fr: the site's language applies/,
    );
    expect(r.out).toContain('Values: 2 mapped (1 inferred), 0 kept, 1 problem\n');
  });

  it('shows each mapping that loosens her login, and counts those users', async () => {
    writeFileSync(
      join(dir, 'users.yaml'),
      users.replace(
        '      - IXIFaxMaxPages=5\n',
        '      - IXIFaxMaxPages=5\n      - ixi-umsMobileRestrictionFlags=YYN..\n      - IXI-UMSMobileLevel=M\n',
      ),
    );
    const r = await voicebox('migrate', '--config', config);
    expect(r.code, r.err).toBe(0);
    const grace = r.out.slice(r.out.indexOf('Grace Green'), r.out.indexOf('Henry Hahn'));
    expect(grace).toContain('  opens: PIN-less login from her office number (trustOffice=Y, inferred)\n');
    expect(grace).toContain('  opens: PIN-less login from her mobile number (trustMobile=Y, inferred)\n');
    expect(grace).toContain(
      '  opens: login with her PIN from any number (loginRestriction=everywhere, inferred)\n',
    );
    expect(grace).toContain('  opens: her messages by phone (remote inquiry) (access=messages, inferred)\n');
    expect(r.out.slice(r.out.indexOf('Henry Hahn'))).not.toMatch(/^ {2}opens:/m);
    expect(r.out).toContain('Users whose login it opens: 1 ');
  });
});

describe('voicebox migrate when it cannot run', () => {
  it('a bad configuration: exit 2 with the key', async () => {
    writeFileSync(config, 'directory:\n  type: ldapp\n');
    const r = await voicebox('migrate', '--config', config);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^voicebox migrate: bad configuration:/);
    expect(r.err).toContain('directory.type');
    expect(r.out).toBe('');
  });

  it('no LDAP server answers: exit 1, every server named', async () => {
    writeFileSync(
      config,
      'directory:\n  type: ldap\n  ldap:\n    servers: [ldap://127.0.0.1:1, ldap://127.0.0.1:2]\n' +
        '    bindDn: cn=admin,dc=example,dc=com\n    bindPassword: secret\n    baseDn: dc=example,dc=com\n',
    );
    const r = await voicebox('migrate', '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^voicebox migrate: the directory cannot be reached: no directory server answered \(2 tried\)/,
    );
    expect(r.err).toContain('ldap://127.0.0.1:1');
    expect(r.err).toContain('ldap://127.0.0.1:2');
    expect(r.err).not.toContain('secret');
  });

  it('a users file that is not there: exit 1, the file named', async () => {
    writeFileSync(config, 'directory:\n  type: yaml\n  file: nobody.yaml\n');
    const r = await voicebox('migrate', '--config', config);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nobody.yaml');
  });

  it('--dry-run and --write together are refused', async () => {
    const r = await voicebox('migrate', '--config', config, '--dry-run', '--write');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--dry-run and --write exclude each other');
  });
});
