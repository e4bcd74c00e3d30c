// Her mailbox where it really is, in the lab's Dovecot (R8, the ixi-UMS Voice-Mail Server manual
// §4.2.4, §4.3.1, §4.3.4, §5.3.3): her own IMAP folder, another IMAP user's mailbox, the site's
// folder when she has none of her own, a folder of hers that does not exist; the server named
// in her directory entry through the site's host rule, and the site's server when the rule does
// not match; her own IMAP password, stored only when her server accepts it, and a call in
// individual access that then reads her mailbox.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Attribute, Change } from 'ldapts';
import { DEFAULT_LDAP_ATTRIBUTES, YamlDirectory } from '../../../src/directory/index.js';
import { maildirTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import type { RuntimeLogger } from '../../../src/runtime/index.js';
import { startVoicebox } from '../../actions/support.js';
import { asLdapAdmin, imapClient, labDirectory, labMailboxStore, values, withImap } from '../lab/support.js';

const lab = inject('lab');
const stamp = `${Date.now() % 10_000_000}-${randomBytes(2).toString('hex')}`;
/** the site's folder (mailbox.folder) in this file: one mail of carol's */
const SITE = `INBOX/Site-${stamp}`;
/** carol's own folder (imapFolder): two mails */
const VOICE = `INBOX/Voice-${stamp}`;
const PIN = '1357';
const KEY = randomBytes(32).toString('hex');
const scratch = mkdtempSync(join(tmpdir(), 'voicebox-placement-'));
const CAROL = 'uid=carol,ou=engineering,dc=example,dc=com';
let carolSeed: string[] = [];

function mail(subject: string): string {
  return [
    'From: Bob Berger <bob@example.com>',
    'To: carol@example.com',
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${stamp}-${randomBytes(4).toString('hex')}@example.com>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please call me back about the offer.',
    '',
  ].join('\r\n');
}

/** a log that keeps the warnings */
function recordingLog(): RuntimeLogger & { warnings: Array<Record<string, unknown> & { msg?: string }> } {
  const warnings: Array<Record<string, unknown> & { msg?: string }> = [];
  const log = {
    warnings,
    info() {},
    debug() {},
    error() {},
    warn: (obj: object, msg?: string) => warnings.push({ ...obj, ...(msg ? { msg } : {}) }),
    child: () => log,
  };
  return log;
}

/** users.yaml of this file: each entry a way to carol's mail, all with the PIN, welcome mail sent */
async function users(
  file: string,
  entries: Record<string, { mailbox: string; login: string; settings?: string[] }>,
) {
  const pinHash = await hashPin(PIN);
  const doc = Object.fromEntries(
    Object.entries(entries).map(([id, u]) => [
      id,
      {
        name: id,
        email: `${u.login}@example.com`,
        mailbox: u.mailbox,
        login: u.login,
        settings: ['enabled=Y', 'language=en', ...(u.settings ?? [])],
      },
    ]),
  );
  writeFileSync(file, JSON.stringify({ users: doc }));
  const directory = new YamlDirectory({ file });
  for (const u of Object.values(entries)) {
    const user = await directory.findByNumber([u.mailbox]);
    await directory.updateSettings(user!, (s) => ({
      ...s,
      pinHash,
      welcomeSentAt: '2026-01-01T00:00:00.000Z',
    }));
  }
  return directory;
}

/** the owner of `mailbox` calls in from an untrusted number, enters the PIN and asks for her messages */
const asksForMessages = (box: Awaited<ReturnType<typeof startVoicebox>>, mailbox: string) =>
  box
    .dial(mailbox)
    .from('+4989444666')
    .hears('standard_greeting')
    .press('*')
    .hears('enter_pin')
    .types(`${PIN}#`)
    .hears('main_menu')
    .press('1');

beforeAll(async () => {
  await withImap(imapClient(lab, 'carol', 'carolpw'), async (imap) => {
    // the lab's Dovecot separates folders with `/`
    for (const folder of [SITE, VOICE]) await imap.mailboxCreate(folder);
    await imap.append(SITE, mail(`site ${stamp}`));
    for (const n of [1, 2]) await imap.append(VOICE, mail(`voice ${n} ${stamp}`));
  });
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    const { searchEntries } = await c.search(CAROL, { scope: 'base', attributes: ['voiceboxUserData'] });
    carolSeed = values(searchEntries[0], 'voiceboxUserData');
  });
});

afterAll(async () => {
  await withImap(imapClient(lab, 'carol', 'carolpw'), async (imap) => {
    for (const folder of [VOICE, SITE]) await imap.mailboxDelete(folder).catch(() => undefined);
  });
  // carol as seeded again (other tests read the seed)
  await asLdapAdmin(lab, lab.ldap.servers[0].url, async (c) => {
    await c.modify(CAROL, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'voiceboxUserData', values: carolSeed }),
      }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'roomNumber', values: [] }) }),
    ]);
  });
});

describe('her folder and her IMAP user (user data), else the site folder', () => {
  const log = recordingLog();
  let box: Awaited<ReturnType<typeof startVoicebox>>;
  beforeAll(async () => {
    const directory = await users(join(scratch, 'users.yaml'), {
      // carol with her own folder
      carol: { mailbox: '+49 30 1234503', login: 'carol', settings: [`imapFolder=${VOICE}`] },
      // carol again, without: the site's folder
      carolsite: { mailbox: '+49 30 1234513', login: 'carol' },
      // frank has no mailbox on the server of his own: he reads carol's (imapUser), her folder
      frank: {
        mailbox: '+49 30 1234523',
        login: 'frank',
        settings: ['imapUser=carol', `imapFolder=${VOICE}`],
      },
      // frank without imapUser: his own mailbox, which the server does not have
      frankalone: { mailbox: '+49 30 1234533', login: 'frank' },
      // a folder that does not exist
      carolnope: { mailbox: '+49 30 1234543', login: 'carol', settings: [`imapFolder=INBOX/Nope-${stamp}`] },
    });
    box = await startVoicebox({
      directory,
      transport: maildirTransport({ root: join(scratch, 'maildir') }),
      mailboxes: labMailboxStore(lab, { folder: SITE }),
      log,
    });
  });
  afterAll(() => box?.close());

  it('with imapFolder she hears the two mails in that folder, not the one in the site folder', async () => {
    const call = await asksForMessages(box, '503').hears('you_have(en:count_new_email(two))').hangsUp();
    expect(call.heard).toContain('you_have(en:count_new_email(two))');
  });

  it('without imapFolder: the site folder (mailbox.folder), one mail', async () => {
    const call = await asksForMessages(box, '513').hears('you_have(en:count_new_email(one))').hangsUp();
    expect(call.heard).toContain('you_have(en:count_new_email(one))');
  });

  it("with imapUser another IMAP user's mailbox is read", async () => {
    const call = await asksForMessages(box, '523').hears('you_have(en:count_new_email(two))').hangsUp();
    expect(call.heard).toContain('you_have(en:count_new_email(two))');
  });

  it('without imapUser, his own mailbox: the server has none, so it cannot be reached', async () => {
    const call = await asksForMessages(box, '533').hears('messages_unavailable').hangsUp();
    expect(call.heard).toContain('messages_unavailable');
  });

  it('a folder of hers that does not exist: "cannot be reached", the log names her, the key and the value; others unaffected', async () => {
    log.warnings.length = 0;
    const call = await asksForMessages(box, '543').hears('messages_unavailable').hangsUp();
    expect(call.heard).toContain('messages_unavailable');
    expect(log.warnings).toContainEqual(
      expect.objectContaining({ user: 'carolnope', own: [`imapFolder=INBOX/Nope-${stamp}`] }),
    );
    const next = await asksForMessages(box, '503').hears('you_have(en:count_new_email(two))').hangsUp();
    expect(next.heard).toContain('you_have(en:count_new_email(two))');
  });
});

describe('the server from her directory entry (mailbox.imap.hostRule)', () => {
  const rule = { attribute: 'roomNumber', pattern: '^mail1\\.lab$', replacement: '127.0.0.1' };
  const setRoom = (room: string) =>
    asLdapAdmin(lab, lab.ldap.servers[0].url, (c) =>
      c.modify(
        CAROL,
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'roomNumber', values: [room] }),
        }),
      ),
    );
  beforeAll(async () => {
    const setup = labDirectory(lab);
    const carol = await setup.findByNumber(['+49 30 1234503']);
    const pinHash = await hashPin(PIN);
    await setup.updateSettings(carol!, (s) => ({ ...s, pinHash, wrongPinCount: 0 }));
    await setup.close();
  });

  /** voicebox with carol's entry from LDAP, the rule, and `host` as mailbox.imap.host */
  const voicebox = (host: string, log: RuntimeLogger) =>
    startVoicebox({
      directory: labDirectory(lab, { attributes: { ...DEFAULT_LDAP_ATTRIBUTES, imapHost: rule.attribute } }),
      transport: maildirTransport({ root: join(scratch, 'maildir') }),
      // 127.0.0.2: nothing listens there, so only the rule's host reaches her mailbox
      mailboxes: Object.assign(labMailboxStore(lab, { host, folder: SITE }), { hostRule: rule }),
      log,
    });

  it('the attribute mail1.lab becomes 127.0.0.1 by the rule: her mailbox is read there', async () => {
    await setRoom('mail1.lab');
    const box = await voicebox('127.0.0.2', recordingLog());
    try {
      const call = await asksForMessages(box, '503').hears('you_have(en:count_new_email(one))').hangsUp();
      expect(call.heard).toContain('you_have(en:count_new_email(one))');
    } finally {
      await box.close();
    }
  });

  it('an attribute the rule does not match: logged with her, the attribute and its value; mailbox.imap.host', async () => {
    await setRoom('mail9.elsewhere');
    const log = recordingLog();
    const box = await voicebox(lab.host, log);
    try {
      const call = await asksForMessages(box, '503').hears('you_have(en:count_new_email(one))').hangsUp();
      expect(call.heard).toContain('you_have(en:count_new_email(one))');
      expect(log.warnings).toContainEqual(
        expect.objectContaining({ user: CAROL, key: 'roomNumber', value: 'mail9.elsewhere' }),
      );
    } finally {
      await box.close();
    }
  });
});

describe('voicebox user mail-password: her own IMAP password (individual access)', () => {
  const dir = mkdtempSync(join(scratch, 'cli-'));
  const usersFile = join(dir, 'users.yaml');
  const configFile = join(dir, 'voicebox.yaml');
  const config = (passwordKey: string | undefined) =>
    writeFileSync(
      configFile,
      JSON.stringify({
        directory: { type: 'yaml', file: usersFile },
        mailbox: {
          type: 'imap',
          folder: SITE,
          imap: {
            host: lab.host,
            port: lab.imap.port,
            // the lab's throwaway certificate; a site names its CA
            rejectUnauthorized: false,
            access: 'individual',
            ...(passwordKey ? { passwordKey } : {}),
          },
        },
      }),
    );
  const voicebox =
    (...args: string[]) =>
    (input: string) =>
      spawnSync(
        process.execPath,
        ['--import', 'tsx', 'test/cli/run-from-source.ts', 'user', 'mail-password', ...args],
        {
          input,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
  const stored = () => readFileSync(usersFile, 'utf8');

  beforeAll(async () => {
    await (await users(usersFile, { carol: { mailbox: '+49 30 1234503', login: 'carol' } })).close();
  });

  it('no passwordKey configured: refused, nothing stored', () => {
    config(undefined);
    const r = voicebox('+49 30 1234503', '--config', configFile)('carolpw\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('mailbox.imap.passwordKey is not set');
    expect(stored()).not.toContain('mailPassword');
  });

  it('a password her server refuses: exit 1, nothing stored, the message never holds the password', () => {
    config(KEY);
    const r = voicebox('+49 30 1234503', '--config', configFile)('Wrong-Secret-42\n');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('could not be opened with this password, nothing stored');
    expect(r.stderr + r.stdout).not.toContain('Wrong-Secret-42');
    expect(stored()).not.toContain('mailPassword');
  });

  it('the password her server accepts is stored encrypted; a call in individual access reads her mailbox', async () => {
    config(KEY);
    const r = voicebox('503', '--config', configFile)('carolpw\n');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('stored, encrypted');
    expect(stored()).toMatch(/mailPassword=v1:/);
    expect(stored()).not.toContain('carolpw');

    const box = await startVoicebox({
      directory: new YamlDirectory({ file: usersFile }),
      transport: maildirTransport({ root: join(scratch, 'maildir') }),
      mailboxes: labMailboxStore(lab, { access: 'individual', passwordKey: KEY, folder: SITE }),
    });
    try {
      const call = await asksForMessages(box, '503').hears('you_have(en:count_new_email(one))').hangsUp();
      expect(call.heard).toContain('you_have(en:count_new_email(one))');
    } finally {
      await box.close();
    }
  });

  it('--clear removes it', () => {
    const r = voicebox('503', '--clear', '--config', configFile)('');
    expect(r.status).toBe(0);
    expect(stored()).not.toContain('mailPassword');
  });
});
