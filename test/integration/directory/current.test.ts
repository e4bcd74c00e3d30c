// "Her entry as stored now" past the search cache: what the notifier reads before it decides on a
// lamp, because another voicebox process may have just reset her counts.
import { Attribute, Change } from 'ldapts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { asLdapAdmin, labDirectory, values } from '../lab/support.js';

const lab = inject('lab');
const url = lab.ldap.servers[0]!.url;
const felix = `uid=felix,ou=engineering,${lab.ldap.baseDn}`;

async function felixData(): Promise<string[]> {
  return asLdapAdmin(lab, url, async (c) => {
    const { searchEntries } = await c.search(felix, { scope: 'base', attributes: ['voiceboxUserData'] });
    return values(searchEntries[0], 'voiceboxUserData');
  });
}

async function addValue(value: string): Promise<void> {
  await asLdapAdmin(lab, url, (c) =>
    c.modify(felix, [
      new Change({
        operation: 'add',
        modification: new Attribute({ type: 'voiceboxUserData', values: [value] }),
      }),
    ]),
  );
}

const RESET = `notifyResetAt=2026-12-02T09:00:00.000Z`;

describe('her entry as stored now', () => {
  afterAll(async () => {
    if ((await felixData()).includes(RESET))
      await asLdapAdmin(lab, url, (c) =>
        c.modify(felix, [
          new Change({
            operation: 'delete',
            modification: new Attribute({ type: 'voiceboxUserData', values: [RESET] }),
          }),
        ]),
      );
  });

  it('is read past the search cache, where a lookup still gives the copy taken before the change', async () => {
    const directory = labDirectory(lab, { cacheTtlMs: 600_000 });
    try {
      const before = await directory.findByNumber(['+49301234508']);
      expect(before?.id).toBe(felix);
      expect(before!.settings.notifyResetAt).toBeUndefined();
      await addValue(RESET); // another process resets her counts
      expect((await directory.findByNumber(['+49301234508']))!.settings.notifyResetAt).toBeUndefined();
      expect((await directory.current(before!)).settings.notifyResetAt).toBe('2026-12-02T09:00:00.000Z');
    } finally {
      await directory.close();
    }
  });
});
