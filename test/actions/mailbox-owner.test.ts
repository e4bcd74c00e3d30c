// Where her messages are read (R8): her own IMAP folder, user and server win over the site's;
// her mailbox alias names her mailbox; the site's host rule turns her directory attribute into
// her server; a value of hers that cannot be used is logged with her, the key and the value, and
// the site's value applies.
import { describe, expect, it } from 'vitest';
import { mailboxOwnerOf, type ImapHostRule } from '../../src/actions/mailboxes.js';
import type { DirectoryUser, UserSettings } from '../../src/directory/index.js';
import type { RuntimeLogger } from '../../src/runtime/index.js';

import { readConfig } from '../../src/config/index.js';

/** the shipped config's site: Berlin, 030 1234-xxx */
const location = readConfig().location;

function carol(settings: Partial<UserSettings> = {}, entry: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id: 'uid=carol,ou=engineering,dc=example,dc=com',
    name: 'Carol Chen',
    email: 'carol.chen@example.com',
    mailbox: '+49 30 1234503',
    numbers: {},
    login: 'carol',
    settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [], ...settings },
    rawUserData: [],
    ...entry,
  };
}

function recordingLog(): RuntimeLogger & { lines: Array<{ obj: object; msg: string | undefined }> } {
  const lines: Array<{ obj: object; msg: string | undefined }> = [];
  const log = {
    lines,
    info() {},
    debug() {},
    warn: (obj: object, msg?: string) => lines.push({ obj, msg }),
    error: (obj: object, msg?: string) => lines.push({ obj, msg }),
    child: () => log,
  };
  return log;
}

const rule: ImapHostRule = {
  attribute: 'mailHost',
  pattern: '^cn=([^,]+),o=example$',
  replacement: '\\1.mail.example.com',
};

describe('whose mailbox, which folder, which server', () => {
  it('without values of her own: her login, the site folder and server (none set on the owner)', () => {
    const log = recordingLog();
    const owner = mailboxOwnerOf(carol(), { location, log });
    expect(owner).toEqual({
      mailbox: 'carol',
      login: 'carol',
      email: 'carol.chen@example.com',
      number: '+49301234503',
    });
    expect(log.lines).toEqual([]);
  });

  it('without a login: the local part of her e-mail', () => {
    const owner = mailboxOwnerOf(carol({}, { login: undefined }), { location, log: recordingLog() });
    expect(owner.mailbox).toBe('carol.chen');
    expect(owner.login).toBeUndefined();
  });

  it('her mailbox alias names the mailbox ($(MAILBOX)); the login stays hers ($(LOGIN))', () => {
    const owner = mailboxOwnerOf(carol({}, { mailboxAlias: 'CChen' }), { location, log: recordingLog() });
    expect(owner.mailbox).toBe('CChen');
    expect(owner.login).toBe('carol');
  });

  it('her imapFolder, imapUser and imapHost win', () => {
    const owner = mailboxOwnerOf(
      carol(
        { imapFolder: 'INBOX/Voice', imapUser: 'team-sales', imapHost: 'mail2.example.com' },
        { mailboxAlias: 'CChen', imapHostAttribute: 'cn=MS01,o=example' },
      ),
      { location, hostRule: rule, log: recordingLog() },
    );
    expect(owner).toMatchObject({
      mailbox: 'team-sales',
      login: 'team-sales',
      folder: 'INBOX/Voice',
      imapHost: 'mail2.example.com',
    });
  });

  it('the host rule turns her attribute into her server', () => {
    const owner = mailboxOwnerOf(carol({}, { imapHostAttribute: 'cn=MS01,o=example' }), {
      location,
      hostRule: rule,
      log: recordingLog(),
    });
    expect(owner.imapHost).toBe('MS01.mail.example.com');
  });

  it('an attribute the rule does not match: logged with her, the attribute and its value; the site server', () => {
    const log = recordingLog();
    const owner = mailboxOwnerOf(carol({}, { imapHostAttribute: 'cn=MS01,o=elsewhere' }), {
      location,
      hostRule: rule,
      log,
    });
    expect(owner.imapHost).toBeUndefined();
    expect(log.lines).toEqual([
      {
        obj: { user: carol().id, key: 'mailHost', value: 'cn=MS01,o=elsewhere' },
        msg: expect.stringContaining('mailbox.imap.host applies'),
      },
    ]);
  });

  it('a megabyte attribute is logged cut to 200 characters, not whole', () => {
    const log = recordingLog();
    const huge = 'x'.repeat(1_000_000);
    mailboxOwnerOf(carol({}, { imapHostAttribute: huge }), { location, hostRule: rule, log });
    expect(log.lines).toHaveLength(1);
    expect(JSON.stringify(log.lines[0]).length).toBeLessThan(1000);
  });

  it('an imapHost that is no host name: logged, and the rule or the site server applies', () => {
    const log = recordingLog();
    const owner = mailboxOwnerOf(
      carol({ imapHost: 'mail2 example' }, { imapHostAttribute: 'cn=MS01,o=example' }),
      { location, hostRule: rule, log },
    );
    expect(owner.imapHost).toBe('MS01.mail.example.com');
    expect(log.lines).toEqual([
      {
        obj: expect.objectContaining({ user: carol().id, key: 'imapHost', value: 'mail2 example' }),
        msg: expect.stringContaining("the site's value applies"),
      },
    ]);
  });

  it('an empty imapFolder or imapUser is not used', () => {
    const log = recordingLog();
    const owner = mailboxOwnerOf(carol({ imapFolder: '  ', imapUser: '' }), { location, log });
    expect(owner.folder).toBeUndefined();
    expect(owner.mailbox).toBe('carol');
    expect(log.lines.map((l) => (l.obj as { key: string }).key)).toEqual(['imapUser', 'imapFolder']);
  });
});
