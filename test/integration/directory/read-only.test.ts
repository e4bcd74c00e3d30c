// S6: when voicebox may not write the directory, settings changed by phone are kept in a
// local file and win over what LDAP says; LDAP itself stays untouched.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
  DEFAULT_LDAP_ATTRIBUTES,
  DEFAULT_LDAP_FILTER,
  LdapDirectory,
  LocalSettingsFallback,
} from '../../../src/directory/index.js';

const lab = inject('lab');

function ldap(bindDn: string, bindPassword: string) {
  return new LdapDirectory({
    servers: [lab.ldap.servers[0].url],
    bindDn,
    bindPassword,
    baseDn: lab.ldap.baseDn,
    filter: DEFAULT_LDAP_FILTER,
    attributes: DEFAULT_LDAP_ATTRIBUTES,
    cacheTtlMs: 0,
  });
}

describe('a directory voicebox may only read', () => {
  it('keeps settings changed by phone in a local file, laid over LDAP', async () => {
    // carol may read alice's user data but not write it (the lab's ACL)
    const file = join(mkdtempSync(join(tmpdir(), 'voicebox-local-')), 'local-settings.json');
    const readOnly = new LocalSettingsFallback(
      ldap('uid=carol,ou=engineering,dc=example,dc=com', 'carolpw'),
      file,
    );
    const alice = await readOnly.findByNumber(['+49 30 1234501']);
    expect(alice?.settings.activeProfile).not.toBe('vacation');
    await readOnly.updateSettings(alice!, (s) => ({ ...s, activeProfile: 'vacation' }));
    expect((await readOnly.findByNumber(['+49 30 1234501']))?.settings.activeProfile).toBe('vacation');
    // a restart reads the file again
    const again = new LocalSettingsFallback(
      ldap('uid=carol,ou=engineering,dc=example,dc=com', 'carolpw'),
      file,
    );
    expect((await again.findByNumber(['+49 30 1234501']))?.settings.activeProfile).toBe('vacation');
    // LDAP itself is unchanged
    const admin = ldap(lab.ldap.bindDn, lab.ldap.bindPassword);
    expect((await admin.findByNumber(['+49 30 1234501']))?.settings.activeProfile).not.toBe('vacation');
    await Promise.all([readOnly.close(), again.close(), admin.close()]);
  });
});
