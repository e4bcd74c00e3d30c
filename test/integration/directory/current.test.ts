// "Her entry as stored now" past the search cache: what the notifier reads before it decides on a
// lamp, because another voicebox process may have just reset her counts. An entry of its own, in an
// OU of its own: no other test sees it.
import { randomBytes } from 'node:crypto';
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asLdapAdmin, labDirectory } from '../lab/support.js';

const lab = inject('lab');
const url = lab.ldap.servers[0]!.url;
const ou = `ou=current-${randomBytes(4).toString('hex')},${lab.ldap.baseDn}`;
const nina = `uid=nina,${ou}`;
const RESET = 'notifyResetAt=2026-12-02T09:00:00.000Z';

beforeAll(async () => {
  await asLdapAdmin(lab, url, async (c) => {
    await c.add(ou, { objectClass: 'organizationalUnit', ou: ou.slice(3, ou.indexOf(',')) });
    await c.add(nina, {
      objectClass: ['inetOrgPerson', 'voiceboxUser'],
      uid: 'nina',
      cn: 'Nina Neumann',
      sn: 'Neumann',
      mail: 'nina@example.com',
      voiceboxMailboxNumber: '+49 30 1234561',
      voiceboxUserData: ['enabled=Y'],
    });
  });
});

afterAll(async () => {
  await asLdapAdmin(lab, url, async (c) => {
    await c.del(nina).catch(() => undefined);
    await c.del(ou).catch(() => undefined);
  });
});

describe('her entry as stored now', () => {
  it('is read past the search cache, where a lookup still gives the copy taken before the change', async () => {
    const directory = labDirectory(lab, { servers: [url], baseDn: ou, cacheTtlMs: 600_000 });
    try {
      const before = await directory.findByNumber(['+49301234561']);
      expect(before?.id).toBe(nina);
      expect(before!.settings.notifyResetAt).toBeUndefined();
      // another process resets her counts
      await asLdapAdmin(lab, url, (c) =>
        c.modify(nina, [
          new Change({
            operation: 'add',
            modification: new Attribute({ type: 'voiceboxUserData', values: [RESET] }),
          }),
        ]),
      );
      expect((await directory.findByNumber(['+49301234561']))!.settings.notifyResetAt).toBeUndefined();
      expect((await directory.current(before!)).settings.notifyResetAt).toBe('2026-12-02T09:00:00.000Z');
    } finally {
      await directory.close();
    }
  });
});
