// Notifications against the lab's real slapd: the lamp and sender numbers read from the attributes
// a site names (`mwiAccount`, `notifySender`), and `voicebox notify reset --all` as an admin runs
// it — every user's stored values after it, and a user who cannot be written reported while the
// others are reset. Other lab tests read and change the seeded users at the same time, so this one
// has three users of its own, in an OU it adds to the first slapd before and removes after; every
// config and directory here searches that OU only.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, NoSuchObjectError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { voicebox } from '../../support/in-process.js';
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
/** this file's own OU: a name of its own on every run, so a run left over from a crash is in nobody's way */
const ou = `ou=notify-reset-${randomUUID().slice(0, 8)},${lab.ldap.baseDn}`;

/** this file's users, modelled on lab/ldap/seed.ldif, in numbers the seed does not use */
const seed = {
  nadia: {
    cn: 'Nadia Nowak',
    sn: 'Nowak',
    number: '+49 30 1234561',
    data: ['enabled=Y', 'pin={PLAIN}1234', 'wrongPinCount=0', 'language=de'],
  },
  // her data as ixi-UMS left it: a write stores it in voicebox's keys, what it does not know stays
  oskar: {
    cn: 'Oskar Ortmann',
    sn: 'Ortmann',
    number: '+49 30 1234562',
    data: ['IXI-UMSMobileEnabled=Y', 'IXI-UMSPINFailureCount=1', 'IXI-UMSMobileLevel=M', 'IXIFaxMaxPages=5'],
  },
  paula: {
    cn: 'Paula Pohl',
    sn: 'Pohl',
    number: '+49 30 1234563',
    data: ['enabled=Y', 'wrongPinCount=0', 'language=en'],
  },
};
type Login = keyof typeof seed;
const dnOf = (uid: Login) => `uid=${uid},${ou}`;
const nadia = dnOf('nadia');
const oskar = dnOf('oskar');
const paula = dnOf('paula');

/** the voiceboxUserData of this file's users, by DN */
function userData(): Promise<Map<string, string[]>> {
  return asLdapAdmin(lab, ldapUrl, async (c) => {
    const { searchEntries } = await c.search(ou, {
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

let before = new Map<string, string[]>();
let dir = '';

/** a voicebox config naming the lab's first slapd and this file's OU, bound as `bindDn` */
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
    baseDn: ${ou}
`,
  );
  return file;
}

beforeAll(async () => {
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    await c.add(ou, { objectClass: 'organizationalUnit', ou: ou.slice('ou='.length, ou.indexOf(',')) });
    for (const [uid, u] of Object.entries(seed)) {
      await c.add(dnOf(uid as Login), {
        objectClass: ['inetOrgPerson', 'voiceboxUser'],
        uid,
        cn: u.cn,
        sn: u.sn,
        mail: `${uid}@example.com`,
        telephoneNumber: u.number.replace(' 12345', ' 12341'),
        facsimileTelephoneNumber: u.number,
        voiceboxMailboxNumber: u.number,
        userPassword: `${uid}pw`,
        voiceboxUserData: u.data,
      });
    }
  });
  before = await userData();
  dir = mkdtempSync(join(tmpdir(), 'voicebox-notify-reset-'));
});

afterAll(async () => {
  // the entries first, then the OU; whatever beforeAll did not get to add is not there to delete
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    for (const dn of [...Object.keys(seed).map((uid) => dnOf(uid as Login)), ou]) {
      try {
        await c.del(dn);
      } catch (e) {
        if (!(e instanceof NoSuchObjectError)) throw e;
      }
    }
  });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('has its three users, and only them, in its own OU', () => {
  expect([...before.keys()].sort()).toEqual([nadia, oskar, paula]);
  expect(before.get(oskar)).toEqual([...seed.oskar.data].sort());
});

describe('the notification numbers from LDAP attributes', () => {
  function directory(attributes: Partial<LdapAttributes>): LdapDirectory {
    return new LdapDirectory({
      servers: [ldapUrl],
      bindDn: lab.ldap.bindDn,
      bindPassword: lab.ldap.bindPassword,
      baseDn: ou,
      filter: DEFAULT_LDAP_FILTER,
      attributes: { ...DEFAULT_LDAP_ATTRIBUTES, ...attributes },
      cacheTtlMs: 0,
    });
  }

  it('reads the lamp number and the SMS sender from the attributes configured', async () => {
    await setAttribute(nadia, 'pager', ['+49 30 1234169']);
    const d = directory({ mwiAccount: 'pager', notifySender: 'facsimileTelephoneNumber' });
    const found = await d.findByNumber(['+49 30 1234561']);
    expect(found?.notifyNumbers).toEqual({ lamp: '+49 30 1234169', sender: '+49 30 1234561' });
    // an entry without the lamp attribute: only the sender
    const paulaFound = await d.findByNumber(['+49 30 1234563']);
    expect(paulaFound?.notifyNumbers).toEqual({ sender: '+49 30 1234563' });
    await d.close();
  });

  it('has none when the attributes are not configured', async () => {
    const d = directory({});
    expect((await d.findByNumber(['+49 30 1234561']))?.notifyNumbers).toBeUndefined();
    await d.close();
  });

  it('takes no number with a control character or longer than 64 characters', async () => {
    await setAttribute(nadia, 'roomNumber', ['561\u0007']);
    await setAttribute(nadia, 'description', ['1'.repeat(65)]);
    const d = directory({ mwiAccount: 'roomNumber', notifySender: 'description' });
    const found = await d.findByNumber(['+49 30 1234561']);
    expect(found?.name).toBe('Nadia Nowak');
    expect(found?.notifyNumbers).toBeUndefined();
    await d.close();
  });
});

describe('voicebox notify reset --all against the lab', () => {
  it('resets every user: counting from now, no SMS counted; other values kept', async () => {
    await setUserData(nadia, [...before.get(nadia)!, 'smsNotified=voice:4', 'notifyVoice=2']);
    await setUserData(oskar, [
      ...before.get(oskar)!,
      'smsNotified=fax:1',
      'notifyResetAt=2026-01-01T00:00:00.000Z',
    ]);
    const started = Date.now();
    const r = await voicebox(
      'notify',
      'reset',
      '--all',
      '--yes',
      '--config',
      configFile('admin', lab.ldap.bindDn, lab.ldap.bindPassword),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('  Nadia Nowak (+49 30 1234561): reset\n');
    expect(r.out).toMatch(new RegExp(`^Reset: ${before.size} users\\n`, 'm'));
    const after = await userData();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [dn, data] of after) {
      const s = decode(data).settings;
      expect(Date.parse(s.notifyResetAt ?? ''), dn).toBeGreaterThanOrEqual(started - 1);
      expect(s.smsNotified, dn).toBeUndefined();
      // every other setting as it was, and every value it does not know kept (the revision token
      // aside); like any write, it stores ixi-UMS values in voicebox's keys (src/directory/README.md)
      const expected = decode(dn === nadia ? [...before.get(dn)!, 'notifyVoice=2'] : before.get(dn)!);
      const { notifyResetAt: _r, smsNotified: _n, ...others } = s;
      const { notifyResetAt: _er, smsNotified: _en, ...expectedOthers } = expected.settings;
      expect(others, dn).toEqual(expectedOthers);
      const unknown = (v: string[]) => v.filter((x) => !x.startsWith('voiceboxRev='));
      expect(unknown(decode(data).unknown), dn).toEqual(unknown(expected.unknown));
    }
    // oskar's ixi-UMS values are stored in voicebox's keys now
    expect(after.get(oskar)).toEqual(expect.arrayContaining(['wrongPinCount=1', 'IXIFaxMaxPages=5']));
    expect(after.get(oskar)).not.toContain('IXI-UMSPINFailureCount=1');
  });

  it('reports each user it may not write, counts them, and still resets the others', async () => {
    // paula may write her own user data only (the lab's ACL)
    await setUserData(paula, [...before.get(paula)!, 'smsNotified=voice:1']);
    await setUserData(nadia, [...before.get(nadia)!, 'smsNotified=voice:1']);
    await setUserData(oskar, [...before.get(oskar)!, 'smsNotified=fax:2']);
    const r = await voicebox(
      'notify',
      'reset',
      '--all',
      '--yes',
      '--config',
      configFile('paula', paula, 'paulapw'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('  Paula Pohl (+49 30 1234563): reset\n');
    expect(r.out).toMatch(
      /^ {2}Nadia Nowak \(\+49 30 1234561\): failed: settings of uid=nadia,.* cannot be written/m,
    );
    expect(r.out).toMatch(
      /^ {2}Oskar Ortmann \(\+49 30 1234562\): failed: settings of uid=oskar,.* cannot be written/m,
    );
    expect(r.out).toContain(`Reset: 1 user, failed: ${before.size - 1} users\n`);
    const after = await userData();
    expect(decode(after.get(paula)!).settings.smsNotified).toBeUndefined();
    expect(decode(after.get(nadia)!).settings.smsNotified).toEqual({ voice: 1 });
    expect(decode(after.get(oskar)!).settings.smsNotified).toEqual({ fax: 2 });
  });
});
