// Notifications against the lab's real slapd: the lamp and sender numbers read from the attributes
// a site names (`mwiAccount`, `notifySender`), and `voicebox notify reset --all` as an admin runs
// it — every user's stored values after it, and a user who cannot be written reported while the
// others are reset. Every entry is put back afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run } from '../../../src/cli/main.js';
import {
  DEFAULT_LDAP_ATTRIBUTES,
  DEFAULT_LDAP_FILTER,
  LdapDirectory,
  decode,
  type LdapAttributes,
} from '../../../src/directory/index.js';
import { asLdapAdmin, values } from '../lab/support.js';

const lab = inject('lab');
const ldapUrl = lab.ldap.servers[0].url;
const alice = `uid=alice,ou=sales,${lab.ldap.baseDn}`;
const bob = `uid=bob,ou=sales,${lab.ldap.baseDn}`;
const carol = `uid=carol,ou=engineering,${lab.ldap.baseDn}`;

/** every user's voiceboxUserData, by DN */
function userData(): Promise<Map<string, string[]>> {
  return asLdapAdmin(lab, ldapUrl, async (c) => {
    const { searchEntries } = await c.search(lab.ldap.baseDn, {
      filter: '(voiceboxMailboxNumber=*)',
      attributes: ['voiceboxUserData'],
    });
    return new Map(searchEntries.map((e) => [e.dn, values(e, 'voiceboxUserData').sort()]));
  });
}

async function setUserData(dn: string, data: string[]): Promise<void> {
  await asLdapAdmin(lab, ldapUrl, (c) =>
    c.modify(dn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'voiceboxUserData', values: data }),
      }),
    ]),
  );
}

/** replace (or with no values remove) one attribute of an entry, as the lab's admin */
async function setAttribute(dn: string, type: string, vals: string[]): Promise<void> {
  await asLdapAdmin(lab, ldapUrl, (c) =>
    c.modify(dn, [new Change({ operation: 'replace', modification: new Attribute({ type, values: vals }) })]),
  );
}

async function voicebox(...args: string[]) {
  let out = '';
  let err = '';
  const code = await run(['node', 'voicebox', ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
    color: false,
  });
  return { code, out, err };
}

let before = new Map<string, string[]>();
let dir = '';

/** a voicebox config naming the lab's first slapd, bound as `bindDn` */
function configFile(name: string, bindDn: string, bindPassword: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `directory:
  type: ldap
  ldap:
    servers: [${ldapUrl}]
    bindDn: ${bindDn}
    bindPassword: ${bindPassword}
    baseDn: ${lab.ldap.baseDn}
`,
  );
  return file;
}

beforeAll(async () => {
  before = await userData();
  dir = mkdtempSync(join(tmpdir(), 'voicebox-notify-reset-'));
});

afterAll(async () => {
  for (const [dn, data] of before) await setUserData(dn, data);
  for (const type of ['pager', 'roomNumber', 'description']) await setAttribute(alice, type, []);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the notification numbers from LDAP attributes', () => {
  function directory(attributes: Partial<LdapAttributes>): LdapDirectory {
    return new LdapDirectory({
      servers: [ldapUrl],
      bindDn: lab.ldap.bindDn,
      bindPassword: lab.ldap.bindPassword,
      baseDn: lab.ldap.baseDn,
      filter: DEFAULT_LDAP_FILTER,
      attributes: { ...DEFAULT_LDAP_ATTRIBUTES, ...attributes },
      cacheTtlMs: 0,
    });
  }

  it('reads the lamp number and the SMS sender from the attributes configured', async () => {
    await setAttribute(alice, 'pager', ['+49 30 1234109']);
    const d = directory({ mwiAccount: 'pager', notifySender: 'facsimileTelephoneNumber' });
    const found = await d.findByNumber(['+49 30 1234501']);
    expect(found?.notifyNumbers).toEqual({ lamp: '+49 30 1234109', sender: '+49 30 1234501' });
    // an entry without the lamp attribute: only the sender
    const carolFound = await d.findByNumber(['+49 30 1234503']);
    expect(carolFound?.notifyNumbers).toEqual({ sender: '+49 30 1234503' });
    await d.close();
  });

  it('has none when the attributes are not configured', async () => {
    const d = directory({});
    expect((await d.findByNumber(['+49 30 1234501']))?.notifyNumbers).toBeUndefined();
    await d.close();
  });

  it('takes no number with a control character or longer than 64 characters', async () => {
    await setAttribute(alice, 'roomNumber', ['501\u0007']);
    await setAttribute(alice, 'description', ['1'.repeat(65)]);
    const d = directory({ mwiAccount: 'roomNumber', notifySender: 'description' });
    const found = await d.findByNumber(['+49 30 1234501']);
    expect(found?.name).toBe('Alice Anders');
    expect(found?.notifyNumbers).toBeUndefined();
    await d.close();
  });
});

describe('voicebox notify reset --all against the lab', () => {
  it('resets every user: counting from now, no SMS counted; other values kept', async () => {
    await setUserData(alice, [...before.get(alice)!, 'smsNotified=voice:4', 'notifyVoice=2']);
    await setUserData(bob, [
      ...before.get(bob)!,
      'smsNotified=fax:1',
      'notifyResetAt=2026-01-01T00:00:00.000Z',
    ]);
    const started = Date.now();
    const r = await voicebox(
      'notify',
      'reset',
      '--all',
      '--config',
      configFile('admin', lab.ldap.bindDn, lab.ldap.bindPassword),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('  Alice Anders (+49 30 1234501): reset\n');
    expect(r.out).toMatch(new RegExp(`^Reset: ${before.size} users\\n`, 'm'));
    const after = await userData();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [dn, data] of after) {
      const s = decode(data).settings;
      expect(Date.parse(s.notifyResetAt ?? ''), dn).toBeGreaterThanOrEqual(started - 1);
      expect(s.smsNotified, dn).toBeUndefined();
      // every other setting as it was, and every value it does not know kept (the revision token
      // aside); like any write, it stores ixi-UMS values in voicebox's keys (src/directory/README.md)
      const expected = decode(dn === alice ? [...before.get(dn)!, 'notifyVoice=2'] : before.get(dn)!);
      const { notifyResetAt: _r, smsNotified: _n, ...others } = s;
      const { notifyResetAt: _er, smsNotified: _en, ...expectedOthers } = expected.settings;
      expect(others, dn).toEqual(expectedOthers);
      const unknown = (v: string[]) => v.filter((x) => !x.startsWith('voiceboxRev='));
      expect(unknown(decode(data).unknown), dn).toEqual(unknown(expected.unknown));
    }
  });

  it('reports each user it may not write, counts them, and still resets the others', async () => {
    // carol may write her own user data only (the lab's ACL)
    await setUserData(carol, [...before.get(carol)!, 'smsNotified=voice:1']);
    await setUserData(alice, [...before.get(alice)!, 'smsNotified=voice:1']);
    const r = await voicebox('notify', 'reset', '--all', '--config', configFile('carol', carol, 'carolpw'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('  Carol Chen (+49 30 1234503): reset\n');
    expect(r.out).toMatch(
      /^ {2}Alice Anders \(\+49 30 1234501\): failed: settings of uid=alice,.* cannot be written/m,
    );
    expect(r.out).toContain(`Reset: 1 user, failed: ${before.size - 1} users\n`);
    const after = await userData();
    expect(decode(after.get(carol)!).settings.smsNotified).toBeUndefined();
    expect(decode(after.get(alice)!).settings.smsNotified).toEqual({ voice: 1 });
  });
});
