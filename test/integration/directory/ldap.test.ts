// LdapDirectory against the lab's real slapd: lookup by every number format, the seed users'
// settings, hostile numbers, atomic counters across "processes", read-only, fail-over.
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { Attribute, Change } from 'ldapts';
import {
  DEFAULT_LDAP_ATTRIBUTES,
  DirectoryUnavailable,
  LdapDirectory,
  REVISION,
  SettingsReadOnly,
} from '../../../src/directory/index.js';
import type { DirectoryUser, LdapDirectoryConfig } from '../../../src/directory/index.js';
import { asLdapAdmin } from '../lab/support.js';

const lab = inject('lab');
const [ldap1, ldap2] = lab.ldap.servers;
const base = lab.ldap.baseDn;
const dn = (uid: string, ou: string) => `uid=${uid},ou=${ou},${base}`;

const seed: Record<string, string[]> = {
  [dn('carol', 'engineering')]: ['enabled=Y', 'wrongPinCount=0', 'language=en'],
  [dn('erin', 'engineering')]: [],
};

function config(over: Partial<LdapDirectoryConfig> = {}): LdapDirectoryConfig {
  return {
    servers: [ldap1.url, ldap2.url],
    bindDn: lab.ldap.bindDn,
    bindPassword: lab.ldap.bindPassword,
    baseDn: base,
    ous: lab.ldap.ous,
    filter: '(&(objectClass=voiceboxUser)(voiceboxMailboxNumber=${NUMBER}))',
    attributes: DEFAULT_LDAP_ATTRIBUTES,
    timeoutMs: 3_000,
    connectTimeoutMs: 1_000,
    ...over,
  };
}

const open: LdapDirectory[] = [];
function directory(over: Partial<LdapDirectoryConfig> = {}): LdapDirectory {
  const d = new LdapDirectory(config(over));
  open.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

/** carol and erin back to the seed on both servers, whatever a test did */
async function restoreSeed(): Promise<void> {
  for (const s of [ldap1, ldap2]) {
    await asLdapAdmin(lab, s.url, async (c) => {
      for (const [userDn, data] of Object.entries(seed)) {
        await c.modify(userDn, [
          new Change({
            operation: 'replace',
            modification: new Attribute({ type: 'voiceboxUserData', values: data }),
          }),
        ]);
      }
    });
  }
}
afterAll(restoreSeed);

async function must(d: LdapDirectory, formats: string[]): Promise<DirectoryUser> {
  const u = await d.findByNumber(formats);
  if (u === undefined) throw new Error(`nobody at ${formats.join(', ')}`);
  return u;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const withoutRevision = (values: string[]) => values.filter((v) => !v.startsWith(REVISION)).sort();

describe('finding the mailbox owner (C1)', () => {
  it.each([
    ['canonical', ['+49 30 1234501']],
    ['E.164', ['+49301234501']],
    ['every format the caller computed', ['+49 30 1234501', '+49301234501', '030 1234501', '501']],
    ['extension and national first', ['501', '030 1234501', '+49301234501']],
  ])('finds alice by %s', async (_what, formats) => {
    const alice = await must(directory(), formats);
    expect(alice).toMatchObject({
      id: dn('alice', 'sales'),
      name: 'Alice Anders',
      email: 'alice@example.com',
      mailbox: '+49 30 1234501',
      login: 'alice',
      numbers: { office: '+49 30 1234101', mobile: '+49 170 1000001', fax: '+49 30 1234501' },
    });
    expect(alice.settings).toMatchObject({ enabled: true, language: 'de', legacyPin: 'MTIzNA==' });
    expect(alice.rawUserData.sort()).toEqual([
      'enabled=Y',
      'language=de',
      'pin={PLAIN}1234',
      'wrongPinCount=0',
    ]);
  });

  it('finds nobody by an extension or national number alone (they are not stored)', async () => {
    expect(await directory().findByNumber(['501', '030 1234501'])).toBeUndefined();
  });

  it("decodes bob's ixi-UMS user data: English greeting and menus (IXI-UMSMobileAnnouncementFlags=ENEN)", async () => {
    const bob = await must(directory(), ['+49301234502']);
    expect(bob.settings).toEqual({
      enabled: true,
      legacyPin: 'MTIzNA==',
      wrongPinCount: 0,
      access: 'messages',
      language: 'en',
      menuLanguage: 'en',
      profiles: {},
      trustedNumbers: [],
    });
    expect(bob.rawUserData).toContain('ixi-umsMobileIMAPMailbox=inbox');
  });

  it('sees that dave switched his mailbox off (C2)', async () => {
    expect((await must(directory(), ['+49 30 1234504'])).settings.enabled).toBe(false);
  });

  it('finds wang (stored without spaces) with her name intact', async () => {
    const wang = await must(directory(), ['+49 30 1234505']);
    expect(wang).toMatchObject({ name: '王芳', mailbox: '+49301234505', settings: { language: 'en' } });
  });

  it('gives erin, who never used voicebox, the defaults', async () => {
    const erin = await must(directory(), ['+49301234506']);
    expect(erin.settings).toEqual({ enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [] });
    expect(erin.rawUserData).toEqual([]);
  });

  it('finds nobody for filter metacharacters, and sends them escaped', async () => {
    const d = directory({ filter: '(|(voiceboxMailboxNumber=${NUMBER})(uid=${NUMBER}))' });
    for (const hostile of [['*)(uid=*'], ['\\2a'], ['*'], ['alice)(uid=*'], ['*', '\\2a', '(', ')']]) {
      expect(await d.findByNumber(hostile)).toBeUndefined();
    }
    expect(d.filterFor(['*)(uid=*'])).toBe(
      '(|(voiceboxMailboxNumber=\\2a\\29\\28uid=\\2a)(uid=\\2a\\29\\28uid=\\2a))',
    );
    // the same template does find by a plain value, so "nobody" above is the escaping at work
    expect((await must(d, ['alice'])).login).toBe('alice');
  });

  it('searches only the OUs it is given', async () => {
    const salesOnly = directory({ ous: [`ou=sales,${base}`] });
    expect(await salesOnly.findByNumber(['+49301234503'])).toBeUndefined();
    expect((await must(salesOnly, ['+49301234501'])).login).toBe('alice');
  });
});

describe('updating settings atomically (X4)', () => {
  afterEach(restoreSeed);

  it('counts two wrong PINs at once from two processes as +2', async () => {
    const a = directory({ cacheTtlMs: 0 });
    const b = directory({ cacheTtlMs: 0 });
    const [ca, cb] = await Promise.all([must(a, ['+49301234503']), must(b, ['+49301234503'])]);
    const inc = (s: DirectoryUser['settings']) => ({ ...s, wrongPinCount: s.wrongPinCount + 1 });
    await Promise.all([a.updateSettings(ca, inc), b.updateSettings(cb, inc)]);
    expect((await must(a, ['+49301234503'])).settings.wrongPinCount).toBe(2);
  });

  it('loses no count with eight at once, starting from no user data (erin)', async () => {
    const dirs = Array.from({ length: 4 }, () => directory({ cacheTtlMs: 0, maxUpdateAttempts: 20 }));
    const erin = await must(dirs[0]!, ['+49301234506']);
    const inc = (s: DirectoryUser['settings']) => ({ ...s, wrongPinCount: s.wrongPinCount + 1 });
    await Promise.all(dirs.flatMap((d) => [d.updateSettings(erin, inc), d.updateSettings(erin, inc)]));
    const after = await must(dirs[0]!, ['+49301234506']);
    expect(after.settings.wrongPinCount).toBe(8);
    expect(withoutRevision(after.rawUserData)).toEqual(['wrongPinCount=8']);
    // one revision token, which every write replaces
    expect(after.rawUserData.filter((v) => v.startsWith(REVISION))).toHaveLength(1);
  });

  it('keeps values it does not know and returns the user as written', async () => {
    const d = directory();
    const carol = await must(d, ['+49301234503']);
    await asLdapAdmin(lab, ldap1.url, (c) =>
      c.modify(carol.id, [
        new Change({
          operation: 'add',
          modification: new Attribute({
            type: 'voiceboxUserData',
            values: ['IXI-UMSMobileOH=x', 'color=blue'],
          }),
        }),
      ]),
    );
    const updated = await d.updateSettings(carol, (s) => ({ ...s, activeProfile: 'mobile', vacation: true }));
    expect(withoutRevision(updated.rawUserData)).toEqual([
      'IXI-UMSMobileOH=x',
      'color=blue',
      'enabled=Y',
      'language=en',
      'profile=mobile',
      'vacation=Y',
      'wrongPinCount=0',
    ]);
    const fresh = await must(directory(), ['+49301234503']);
    expect(fresh.rawUserData.sort()).toEqual([...updated.rawUserData].sort());
  });

  it('caches lookups briefly; an update refreshes the cached user', async () => {
    const d = directory({ cacheTtlMs: 60_000 });
    const carol = await must(d, ['+49301234503']);
    // someone else changes carol: the cache does not see it yet
    await asLdapAdmin(lab, ldap1.url, (c) =>
      c.modify(carol.id, [
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'voiceboxUserData', values: ['language=en'] }),
        }),
        new Change({
          operation: 'add',
          modification: new Attribute({ type: 'voiceboxUserData', values: ['language=de'] }),
        }),
      ]),
    );
    expect((await must(d, ['+49301234503'])).settings.language).toBe('en');
    // the update reads the real values, not the cached ones, and refreshes the cache
    await d.updateSettings(carol, (s) => ({ ...s, wrongPinCount: 1 }));
    expect((await must(d, ['+49301234503'])).settings).toMatchObject({ language: 'de', wrongPinCount: 1 });
  });

  it('throws SettingsReadOnly when the bind DN may not write', async () => {
    // bob may write his own user data, not carol's
    const d = directory({ bindDn: dn('bob', 'sales'), bindPassword: 'bobpw' });
    const carol = await must(d, ['+49301234503']);
    await expect(d.updateSettings(carol, (s) => ({ ...s, wrongPinCount: 1 }))).rejects.toBeInstanceOf(
      SettingsReadOnly,
    );
    const bob = await must(d, ['+49301234502']);
    expect((await d.updateSettings(bob, (s) => ({ ...s, language: 'de' }))).settings.language).toBe('de');
    // back to bob's ixi-UMS seed for the other tests
    await asLdapAdmin(lab, ldap1.url, (c) =>
      c.modify(bob.id, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'voiceboxUserData', values: bob.rawUserData }),
        }),
      ]),
    );
  });
});

describe('fail-over', () => {
  it('asks the second server when the first is down', async () => {
    const dead = `ldap://127.0.0.1:${await closedPort()}`;
    const d = directory({ servers: [dead, ldap2.url] });
    expect((await must(d, ['+49301234501'])).login).toBe('alice');
    expect(d.activeServer).toBe(ldap2.url);
  });

  it('throws DirectoryUnavailable quickly when all are down, naming each', async () => {
    const dead = [`ldap://127.0.0.1:${await closedPort()}`, `ldap://127.0.0.1:${await closedPort()}`];
    const d = directory({ servers: dead });
    const started = Date.now();
    const error = await d.findByNumber(['+49301234501']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(DirectoryUnavailable);
    expect((error as DirectoryUnavailable).tried.map((t) => t.server)).toEqual(dead);
    expect((error as Error).message).toContain(dead[0]);
  });

  it('treats wrong credentials on every server as unavailable, with the reason', async () => {
    const d = directory({ bindPassword: 'wrong' });
    await expect(d.findByNumber(['+49301234501'])).rejects.toThrow(/InvalidCredentials.*49/);
  });

  it('goes back to the first server once it answers again', async () => {
    // a TCP relay to ldap1 that can be switched off and on at the same port
    const sockets = new Set<Socket>();
    const relay = (): Server =>
      createServer((s) => {
        const up = connect(ldap1.port, '127.0.0.1');
        sockets.add(s).add(up);
        s.pipe(up).pipe(s);
        const end = () => {
          s.destroy();
          up.destroy();
        };
        s.on('error', end).on('close', end);
        up.on('error', end).on('close', end);
      });
    let server = relay();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const first = `ldap://127.0.0.1:${port}`;
    const d = directory({ servers: [first, ldap2.url], cacheTtlMs: 0, retryFailedAfterMs: 300 });
    try {
      await must(d, ['+49301234501']);
      expect(d.activeServer).toBe(first);

      await new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      });
      await must(d, ['+49301234501']);
      expect(d.activeServer).toBe(ldap2.url);

      server = relay();
      await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
      await must(d, ['+49301234501']);
      expect(d.activeServer).toBe(ldap2.url); // not yet: it failed a moment ago
      await new Promise((r) => setTimeout(r, 350));
      await must(d, ['+49301234501']);
      expect(d.activeServer).toBe(first);
    } finally {
      await d.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
