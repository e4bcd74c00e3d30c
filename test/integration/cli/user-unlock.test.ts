// `voicebox user unlock` against the lab: a user locked by three wrong PINs by phone is unlocked by
// the admin and logs in again; `user show` tells locked from unlocked; the audit log has the line;
// `--new-pin --resend-welcome` sends, with the next call to her mailbox, a welcome mail whose PIN
// logs in (and must be changed). Other lab tests use the seeded users at the same time, so this
// one has a user of its own in an OU it adds before and removes after; her mail goes to the lab's
// mail-only mailbox paul (no directory user; push.test.ts only looks for its own message there),
// and the mails this test caused are removed from it again.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoSuchObjectError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { voicebox } from '../../support/in-process.js';
import { smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { startVoicebox, type Voicebox } from '../../actions/support.js';
import { asLdapAdmin, imapClient, labDirectory, withImap } from '../lab/support.js';

const lab = inject('lab');
const ldapUrl = lab.ldap.servers[0].url;
const tag = `user-unlock-${randomUUID().slice(0, 8)}`;
/** this file's own OU: a new name each run, so a run left over from a crash is in nobody's way */
const ou = `ou=${tag},${lab.ldap.baseDn}`;
const dn = `uid=ulla,${ou}`;
/** a mailbox number the seed and the other tests' OUs do not use */
const NUMBER = '+49 30 1234577';
const STRANGER = '+4989444777';
const MAILBOX = { user: 'paul', password: 'paulpw', mail: 'paul@example.com' };

let dir = '';
let config = '';
let box: Voicebox;

/** the mails voicebox sent about this file's user (their Message-IDs name her DN, so the tag) */
async function herMails(): Promise<{ uid: number; messageId: string; text: string }[]> {
  const idTag = tag.replace(/[^A-Za-z0-9]/g, '_');
  return withImap(imapClient(lab, MAILBOX.user, MAILBOX.password), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const found: { uid: number; messageId: string; text: string }[] = [];
      if (!c.mailbox || c.mailbox.exists === 0) return found;
      for await (const m of c.fetch('1:*', { uid: true, envelope: true, source: true })) {
        const messageId = m.envelope?.messageId ?? '';
        if (messageId.includes(idTag))
          found.push({ uid: m.uid, messageId, text: m.source?.toString('utf8') ?? '' });
      }
      return found;
    } finally {
      lock.release();
    }
  });
}

/** polls for a condition with a generous deadline (a busy CI machine), never a fixed wait */
async function eventually<T>(what: string, get: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    await c.add(ou, { objectClass: 'organizationalUnit', ou: tag });
    await c.add(dn, {
      objectClass: ['inetOrgPerson', 'voiceboxUser'],
      uid: 'ulla',
      cn: 'Ulla Unger',
      sn: 'Unger',
      mail: MAILBOX.mail,
      telephoneNumber: '+49 30 1234177',
      voiceboxMailboxNumber: NUMBER,
      voiceboxUserData: [
        'enabled=Y',
        'language=en',
        `pinHash=${await hashPin('2468')}`,
        'wrongPinCount=0',
        // her first welcome mail went out long ago: only the admin's resend sends one
        'welcomeSentAt=2026-01-01T00:00:00.000Z',
      ],
    });
  });
  dir = mkdtempSync(join(tmpdir(), 'voicebox-user-unlock-'));
  config = join(dir, 'voicebox.yaml');
  writeFileSync(
    config,
    `directory:
  type: ldap
  ldap:
    servers: [${ldapUrl}]
    bindDn: ${lab.ldap.bindDn}
    bindPassword: ${lab.ldap.bindPassword}
    baseDn: ${ou}
admin:
  auditLog: audit.log
`,
  );
  box = await startVoicebox({
    directory: labDirectory(lab, { baseDn: ou }),
    transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
  });
});

afterAll(async () => {
  await box?.close();
  // the mails this test caused (the lock notice, the welcome) leave paul's mailbox as it was
  const mails = await herMails().catch(() => []);
  if (mails.length > 0)
    await withImap(imapClient(lab, MAILBOX.user, MAILBOX.password), async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageDelete(mails.map((m) => m.uid).join(','), { uid: true });
      } finally {
        lock.release();
      }
    });
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    for (const entry of [dn, ou]) {
      try {
        await c.del(entry);
      } catch (e) {
        if (!(e instanceof NoSuchObjectError)) throw e;
      }
    }
  });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const callsIn = () => box.dial('577').from(STRANGER).hears('standard_greeting').press('*');

describe('voicebox user unlock against the lab', () => {
  it('a user locked by three wrong PINs by phone is unlocked and logs in with her PIN', async () => {
    const locked = await callsIn()
      .hears('enter_pin')
      .types('1111#')
      .hears('wrong_pin')
      .hears('enter_pin')
      .types('1112#')
      .hears('wrong_pin')
      .hears('enter_pin')
      .types('1113#')
      .hears('login_locked');
    expect(locked.said).toContain('login_locked');
    // locked: even the right PIN is not asked for
    const refused = await callsIn().hears('login_locked');
    expect(refused.said).not.toContain('enter_pin');

    const before = await voicebox('user', 'show', '577', '--config', config);
    expect(before.code, before.err).toBe(0);
    expect(before.out).toMatch(/lock: +locked since \S+ \(3 wrong PINs of 3\)/);

    const unlock = await voicebox('user', 'unlock', '577', '--config', config);
    expect(unlock.code, unlock.err).toBe(0);
    expect(unlock.out).toBe('  Ulla Unger (+49 30 1234577): unlocked, 3 wrong PINs forgotten\n');

    const after = await voicebox('user', 'show', 'ulla', '--config', config);
    expect(after.out).toMatch(/lock: +not locked \(0 wrong PINs of 3\)/);
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit).toEqual([
      expect.objectContaining({
        command: 'user unlock',
        user: NUMBER,
        change: { lockedAt: null, wrongPinCount: 0 },
      }),
    ]);

    const back = await callsIn().hears('enter_pin').types('2468#').hears('main_menu').press('#');
    expect(back.said).not.toContain('login_locked');
  });

  it('--new-pin --resend-welcome: the next call to her mailbox mails a new PIN, which logs in and must be changed', async () => {
    const r = await voicebox('user', 'unlock', '577', '--new-pin', '--resend-welcome', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('the welcome mail goes out with a new PIN with the next call to her mailbox');
    // a caller reaches her mailbox: the welcome mail goes out with it
    await box.dial('577').from(STRANGER).hears('standard_greeting').hangsUp();
    const welcome = await eventually('the welcome mail in her mailbox', async () =>
      (await herMails()).find((m) => m.messageId.includes('voicebox.welcome.')),
    );
    const pin = /Your PIN is: ([0-9]+)/.exec(welcome.text)?.[1];
    expect(pin, 'a PIN in the welcome mail').toMatch(/^[0-9]{4,}$/);
    expect(pin).not.toBe('2468');
    // her old PIN is gone, the new one logs in, and she is asked for one of her own first
    const old = await callsIn().hears('enter_pin').types('2468#').hears('wrong_pin').hangsUp();
    expect(old.said).toContain('wrong_pin');
    const next = await callsIn().hears('enter_pin').types(`${pin}#`).hears('pin_change_required').hangsUp();
    expect(next.said).toContain('pin_change_required');
    // nothing printed or audited holds it
    expect(r.out + r.err).not.toContain(pin!);
    expect(readFileSync(join(dir, 'audit.log'), 'utf8')).not.toContain(pin!);
  });
});
