// The lab's slapd: the directory voicebox searches by number and keeps per-user settings in.
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  AndFilter,
  Attribute,
  Change,
  Client,
  EqualityFilter,
  InsufficientAccessError,
  InvalidCredentialsError,
  NoSuchAttributeError,
} from 'ldapts';
import type { Filter } from 'ldapts';
import { asLdapAdmin, toE164, values } from './support.js';

const lab = inject('lab');
const url = lab.ldap.servers[0].url;
const base = lab.ldap.baseDn;
const dnOf = { alice: `uid=alice,ou=sales,${base}`, carol: `uid=carol,ou=engineering,${base}` };

/** The filter voicebox sends for a called number; ldapts escapes the value (RFC 4515). */
function mailboxFilter(number: string): AndFilter {
  return new AndFilter({
    filters: [
      new EqualityFilter({ attribute: 'objectClass', value: 'voiceboxUser' }),
      new EqualityFilter({ attribute: 'voiceboxMailboxNumber', value: number }),
    ],
  });
}

/** the seed's users that match (in the seed's OUs: other tests add entries of their own beside them) */
async function uidsFor(filter: string | Filter): Promise<string[]> {
  return asLdapAdmin(lab, url, async (c) => {
    const found: string[] = [];
    for (const ou of lab.ldap.ous) {
      const { searchEntries } = await c.search(ou, { filter, attributes: ['uid'] });
      found.push(...searchEntries.flatMap((e) => values(e, 'uid')));
    }
    return found.sort();
  });
}

async function userData(c: Client, dn: string): Promise<string[]> {
  const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['voiceboxUserData'] });
  return values(searchEntries[0], 'voiceboxUserData');
}

async function wrongPinCount(c: Client, dn: string): Promise<number> {
  const found = (await userData(c, dn)).filter((v) => v.startsWith('wrongPinCount='));
  expect(found).toHaveLength(1);
  return Number(found[0]?.slice('wrongPinCount='.length));
}

/** One wrong PIN: replace exactly the value this call read. Fails with noSuchAttribute if it changed. */
function countWrongPin(c: Client, dn: string, seen: number): Promise<void> {
  return c.modify(dn, [
    new Change({
      operation: 'delete',
      modification: new Attribute({ type: 'voiceboxUserData', values: [`wrongPinCount=${seen}`] }),
    }),
    new Change({
      operation: 'add',
      modification: new Attribute({ type: 'voiceboxUserData', values: [`wrongPinCount=${seen + 1}`] }),
    }),
  ]);
}

describe('the seeded directory', () => {
  // with a mailbox number: a test may add entries without one for a while (common-number.test.ts)
  it('holds eight users in two OUs', async () => {
    expect(await uidsFor('(&(objectClass=inetOrgPerson)(voiceboxMailboxNumber=*))')).toEqual([
      'alice',
      'bob',
      'carol',
      'dave',
      'emma',
      'erin',
      'felix',
      'wang',
    ]);
    const perOu = await asLdapAdmin(lab, url, async (c) =>
      Promise.all(
        lab.ldap.ous.map(
          async (ou) =>
            (await c.search(ou, { filter: '(&(uid=*)(voiceboxMailboxNumber=*))', attributes: ['uid'] }))
              .searchEntries.length,
        ),
      ),
    );
    expect(perOu).toEqual([4, 4]);
  });

  it('rejects a wrong password with invalidCredentials (49)', async () => {
    const c = new Client({ url });
    try {
      await expect(c.bind(dnOf.alice, 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
    } finally {
      await c.unbind();
    }
  });

  it('keeps user data from anonymous readers', async () => {
    const c = new Client({ url });
    try {
      const { searchEntries } = await c.search(dnOf.alice, {
        scope: 'base',
        attributes: ['cn', 'voiceboxUserData'],
      });
      expect(values(searchEntries[0], 'cn')).toEqual(['Alice Anders']);
      expect(values(searchEntries[0], 'voiceboxUserData')).toEqual([]);
    } finally {
      await c.unbind();
    }
  });

  it('has a user with a Chinese name, found by it', async () => {
    const entry = await asLdapAdmin(lab, url, async (c) => {
      const { searchEntries } = await c.search(base, {
        filter: new EqualityFilter({ attribute: 'cn', value: '王芳' }),
        attributes: ['uid', 'cn', 'displayName'],
      });
      return searchEntries;
    });
    expect(entry.map((e) => [values(e, 'uid'), values(e, 'cn'), values(e, 'displayName')])).toEqual([
      [['wang'], ['王芳'], ['Wang Fang']],
    ]);
  });

  it('has a user migrated from ixi-UMS, a disabled one and one without user data', async () => {
    const [bob, dave, erin] = await asLdapAdmin(lab, url, (c) =>
      Promise.all(
        ['bob,ou=sales', 'dave,ou=engineering', 'erin,ou=engineering'].map((u) =>
          userData(c, `uid=${u},${base}`),
        ),
      ),
    );
    expect(bob).toEqual(
      expect.arrayContaining([
        'IXI-UMSMobileEnabled=Y',
        'IXI-UMSPINFailureCount=0',
        'IXI-UMSMobilePIN=MTIzNA==',
      ]),
    );
    const pin =
      bob
        ?.find((v) => v.startsWith('IXI-UMSMobilePIN='))
        ?.split('=')
        .slice(1)
        .join('=') ?? '';
    expect(Buffer.from(pin, 'base64').toString()).toBe('1234');
    expect(dave).toEqual(['enabled=N']);
    expect(erin).toEqual([]);
  });
});

describe('finding the mailbox owner by number', () => {
  // every format a PBX may send: voicebox turns it into E.164 first (national numbers and
  // extensions need the site's location), then asks slapd for exact equality
  it.each([
    ['canonical', '+49 30 1234501'],
    ['E.164', '+49301234501'],
    ['national', '030 1234501'],
    ['extension', '501'],
  ])('finds alice by her mailbox number in %s format (%s)', async (_format, dialled) => {
    expect(await uidsFor(mailboxFilter(toE164(dialled)))).toEqual(['alice']);
  });

  it('matches regardless of spaces, in the query and in the stored value', async () => {
    expect(await uidsFor(mailboxFilter('+49 30 1234501'))).toEqual(['alice']);
    // wang's numbers are stored without spaces
    expect(await uidsFor(mailboxFilter('+49 30 1234505'))).toEqual(['wang']);
  });

  it('does not match national numbers or extensions as they are: they must be expanded first', async () => {
    expect(await uidsFor(mailboxFilter('030 1234501'))).toEqual([]);
    expect(await uidsFor(mailboxFilter('501'))).toEqual([]);
  });

  it('cannot use facsimileTelephoneNumber: it has no equality rule in OpenLDAP', async () => {
    expect(
      await uidsFor(new EqualityFilter({ attribute: 'facsimileTelephoneNumber', value: '+49 30 1234501' })),
    ).toEqual([]);
  });

  it('finds a caller by office phone or mobile (login without PIN from a trusted number)', async () => {
    expect(
      await uidsFor(new EqualityFilter({ attribute: 'telephoneNumber', value: '+49301234101' })),
    ).toEqual(['alice']);
    expect(await uidsFor(new EqualityFilter({ attribute: 'mobile', value: '+49 170 1000005' }))).toEqual([
      'wang',
    ]);
  });

  it('treats filter metacharacters in a number as plain text', async () => {
    expect(await uidsFor(mailboxFilter('*)(uid=*'))).toEqual([]);
  });
});

describe('changing user data', () => {
  afterEach(async () => {
    // back to the seed: wrongPinCount=0, language=en for carol
    await asLdapAdmin(lab, url, async (c) => {
      const data = await userData(c, dnOf.carol);
      const changes = data
        .filter((v) => v.startsWith('wrongPinCount=') || v.startsWith('language='))
        .map(
          (v) =>
            new Change({
              operation: 'delete',
              modification: new Attribute({ type: 'voiceboxUserData', values: [v] }),
            }),
        );
      changes.push(
        new Change({
          operation: 'add',
          modification: new Attribute({
            type: 'voiceboxUserData',
            values: ['wrongPinCount=0', 'language=en'],
          }),
        }),
      );
      await c.modify(dnOf.carol, changes);
    });
  });

  it('replaces one KEY=VALUE and leaves the others alone', async () => {
    const after = await asLdapAdmin(lab, url, async (c) => {
      await c.modify(dnOf.carol, [
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'voiceboxUserData', values: ['language=en'] }),
        }),
        new Change({
          operation: 'add',
          modification: new Attribute({ type: 'voiceboxUserData', values: ['language=de'] }),
        }),
      ]);
      return userData(c, dnOf.carol);
    });
    expect(after.sort()).toEqual(['enabled=Y', 'language=de', 'wrongPinCount=0']);
  });

  it('lets a user change her own settings but not anybody else’s', async () => {
    const c = new Client({ url });
    try {
      await c.bind(dnOf.carol, 'carolpw');
      await c.modify(dnOf.carol, [
        new Change({
          operation: 'delete',
          modification: new Attribute({ type: 'voiceboxUserData', values: ['language=en'] }),
        }),
        new Change({
          operation: 'add',
          modification: new Attribute({ type: 'voiceboxUserData', values: ['language=fr'] }),
        }),
      ]);
      expect(await userData(c, dnOf.carol)).toContain('language=fr');
      await expect(
        c.modify(dnOf.alice, [
          new Change({
            operation: 'add',
            modification: new Attribute({ type: 'voiceboxUserData', values: ['language=fr'] }),
          }),
        ]),
      ).rejects.toBeInstanceOf(InsufficientAccessError);
    } finally {
      await c.unbind();
    }
  });

  it('counts wrong PINs atomically: a writer holding a stale count gets noSuchAttribute (16)', async () => {
    await asLdapAdmin(lab, url, async (c) => {
      // two calls for carol read the counter at the same time
      const seenByFirst = await wrongPinCount(c, dnOf.carol);
      const seenBySecond = await wrongPinCount(c, dnOf.carol);
      expect([seenByFirst, seenBySecond]).toEqual([0, 0]);

      await countWrongPin(c, dnOf.carol, seenByFirst);
      const stale = countWrongPin(c, dnOf.carol, seenBySecond);
      await expect(stale).rejects.toBeInstanceOf(NoSuchAttributeError);
      await expect(stale).rejects.toMatchObject({ code: 16 });

      // the second call re-reads and retries: no wrong PIN is lost
      await countWrongPin(c, dnOf.carol, await wrongPinCount(c, dnOf.carol));
      expect(await wrongPinCount(c, dnOf.carol)).toBe(2);
    });
  });

  it('loses no count when eight calls count wrong PINs at once (read, modify, retry on 16)', async () => {
    const oneCall = () =>
      asLdapAdmin(lab, url, async (c) => {
        for (;;) {
          try {
            await countWrongPin(c, dnOf.carol, await wrongPinCount(c, dnOf.carol));
            return;
          } catch (e) {
            if (!(e instanceof NoSuchAttributeError)) throw e;
          }
        }
      });
    await Promise.all(Array.from({ length: 8 }, oneCall));
    expect(await asLdapAdmin(lab, url, (c) => wrongPinCount(c, dnOf.carol))).toBe(8);
  });
});
