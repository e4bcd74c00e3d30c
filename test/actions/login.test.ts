// Login by phone (R1–R4) over the shipped menus with the simulator, and the wrong-PIN counter
// against the YAML directory: trusted numbers, restrictions, access modes, wrong PINs, the
// lock, its mail and the log, concurrency, legacy PINs, expiry.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { loginDecision, pinExpiresSoon, type LoginPolicy } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import type { DirectoryUser, UserSettings } from '../../src/directory/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { prompt } from '../support/dialogue.js';
import { ALICE, aliceSettingsIn, aliceWithPin, maildirInbox, PIN } from '../support/owners.js';
import { actionCaller, ownerCalls, startVoicebox, testActions, type Voicebox } from './support.js';

const STRANGER = '+4989777888';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function setup(
  o: {
    login?: Partial<LoginPolicy>;
    welcome?: Partial<{ enabled: boolean; minPinLength: number }>;
    alice?: (s: UserSettings) => UserSettings;
    now?: () => Date;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-login-'));
  const maildir = join(dir, 'maildir');
  const { directory, usersFile } = await aliceWithPin(dir, o.alice);
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    ...(o.login ? { login: o.login } : {}),
    ...(o.welcome ? { welcome: o.welcome } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  const settings = () => aliceSettingsIn(usersFile);
  const inbox = (user: string) => maildirInbox(maildir, user).map((m) => m.text);
  return { box, directory, usersFile, settings, inbox };
}

/** # at the main menu (or the settings-only one) ends the call */
const hangUpAtMain = (c: ScriptedCaller) => c.pressWhilePlaying(prompt('main_menu'), '#', 300);

const OFFICE = '+49 30 1234101';
const MOBILE = '+49 170 1000001'; // also in her own list of trusted numbers
/** PIN-less login switched on, as an admin does for numbers the PBX authenticates */
const trustAll = { trustOffice: true, trustMobile: true, trustListedNumbers: true };

describe('on the defaults every number needs the PIN (caller ID can be forged)', () => {
  it("a caller claiming alice's mobile number is asked for the PIN", async () => {
    const { box } = await setup();
    const r = await box.call(ownerCalls(MOBILE, [], hangUpAtMain));
    expect(r.said).toContain('de:enter_pin');
    expect(r.said).not.toContain('de:main_menu');
  });

  it('so is one claiming her office number, her extension, or a number she listed as trusted', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, trustedNumbers: ['+49 89 555000'] }) });
    for (const from of [OFFICE, '101', '+4989555000']) {
      const r = await box.call(ownerCalls(from, [PIN], hangUpAtMain));
      expect(r.said, from).toContain('de:enter_pin');
      expect(r.said, from).toContain('de:main_menu');
    }
  });

  it('with trustMobile switched on explicitly, her mobile logs in without a PIN', async () => {
    const { box } = await setup({ login: { trustMobile: true } });
    const r = await box.call(ownerCalls(MOBILE, [], hangUpAtMain));
    expect(r.said).toContain('de:main_menu');
    expect(r.said).not.toContain('de:enter_pin');
    // and only her mobile: the office still needs the PIN
    const office = await box.call(ownerCalls(OFFICE, [PIN], hangUpAtMain));
    expect(office.said).toContain('de:enter_pin');
  });

  it('trustListedNumbers opens the login for the numbers in her own trusted list only', async () => {
    const { box } = await setup({
      login: { trustListedNumbers: true },
      alice: (s) => ({ ...s, trustedNumbers: ['+49 89 555000'] }),
    });
    const listed = await box.call(ownerCalls('+4989555000', [], hangUpAtMain));
    expect(listed.said).toContain('de:main_menu');
    expect(listed.said).not.toContain('de:enter_pin');
    expect((await box.call(ownerCalls(MOBILE, [PIN], hangUpAtMain))).said).toContain('de:enter_pin');
  });
});

describe('logging in by phone', () => {
  it('from her office phone (trusted): straight to the main menu, no PIN', async () => {
    const { box } = await setup({ login: trustAll });
    const r = await box.call(ownerCalls('+49 30 1234101', [], hangUpAtMain));
    expect(r.said).toContain('de:main_menu');
    expect(r.said).not.toContain('de:enter_pin');
    expect(r.said.at(-1)).toBe('de:goodbye');
  });

  it('from her internal extension and from a number she listed as trusted: no PIN either', async () => {
    const { box } = await setup({ login: trustAll });
    for (const from of ['101', '+491701000001']) {
      const r = await box.call(ownerCalls(from, [], hangUpAtMain));
      expect(r.said, from).toContain('de:main_menu');
      expect(r.said, from).not.toContain('de:enter_pin');
    }
  });

  it('from elsewhere: * during the greeting, the PIN, the main menu; a wrong count starts again', async () => {
    const { box, settings } = await setup({ alice: (s) => ({ ...s, wrongPinCount: 2 }) });
    const r = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(r.said).toContain('de:enter_pin');
    expect(r.said).toContain('de:main_menu');
    expect(r.said).not.toContain('de:wrong_pin');
    expect((await settings()).wrongPinCount).toBe(0);
  });

  it('trusting the office phone can be switched off: then it needs the PIN', async () => {
    const { box } = await setup({ login: { ...trustAll, trustOffice: false } });
    const r = await box.call(ownerCalls('+49 30 1234101', [PIN], hangUpAtMain));
    expect(r.said).toContain('de:enter_pin');
    expect(r.said).toContain('de:main_menu');
  });

  it('restricted to listed numbers: an unlisted number is refused, a listed untrusted one needs the PIN', async () => {
    const { box } = await setup({
      login: { trustOffice: false },
      alice: (s) => ({ ...s, loginRestriction: 'listed' }),
    });
    const refused = await box.call(ownerCalls(STRANGER, [PIN]));
    expect(refused.said.slice(-1)).toEqual(['de:login_not_allowed']);
    expect(refused.said).not.toContain('de:enter_pin');
    const office = await box.call(ownerCalls('+49 30 1234101', [PIN], hangUpAtMain));
    expect(office.said).toContain('de:enter_pin');
    expect(office.said).toContain('de:main_menu');
  });

  it('restriction nowhere (global default): only trusted numbers get in', async () => {
    const { box } = await setup({ login: { ...trustAll, restriction: 'nowhere' } });
    expect((await box.call(ownerCalls(STRANGER, [PIN]))).said.at(-1)).toBe('de:login_not_allowed');
    expect((await box.call(ownerCalls('+49 30 1234101', [], hangUpAtMain))).said).toContain('de:main_menu');
  });

  it('access none (per user, or phone login not allowed globally): phone login is not enabled for her, from any number; settings-only hears its menu', async () => {
    const none = await setup({ alice: (s) => ({ ...s, access: 'none' }) });
    expect((await none.box.call(ownerCalls('+49 30 1234101'))).said.at(-1)).toBe('de:login_disabled');
    expect((await none.box.call(ownerCalls(STRANGER))).said.at(-1)).toBe('de:login_disabled');
    await none.box.close();
    const notAllowed = await setup({ login: { ...trustAll, allowed: false } });
    expect((await notAllowed.box.call(ownerCalls('+49 30 1234101'))).said.at(-1)).toBe('de:login_disabled');
    await notAllowed.box.close();
    const { box } = await setup({ login: trustAll, alice: (s) => ({ ...s, access: 'settings' }) });
    const r = await box.call(
      ownerCalls('+49 30 1234101', [], (c) => c.pressWhilePlaying(prompt('key_settings'), '#', 300)),
    );
    // the main menu offers her settings and hanging up, and never her messages
    expect(r.said).toContain('de:key_settings(die 2) de:key_hang_up(die Raute-Taste)');
    expect(r.said.join(' ')).not.toContain('key_messages');
  });
});

describe('wrong PINs', () => {
  it('three wrong PINs lock the login, mail the owner, log three lines without digits; then even the right PIN is locked out', async () => {
    const { box, settings, inbox } = await setup();
    const r = await box.call(ownerCalls(STRANGER, ['97531', '97532', '97533']));
    expect(r.said.filter((s) => s === 'de:wrong_pin')).toHaveLength(2);
    expect(r.said.at(-1)).toBe('de:login_locked');
    const s = await settings();
    expect(s.wrongPinCount).toBe(3);
    expect(s.lockedAt).toMatch(/^\d{4}-/);

    await box.spool.flush();
    const lock = inbox('alice').filter((m) => /X-Voicebox-Type: lock/i.test(m));
    expect(lock).toHaveLength(1);
    expect(lock[0]).toMatch(/^To: .*alice@example\.com/m);
    expect(lock[0]).not.toMatch(/9753[123]/);

    const log = readFileSync(box.wrongPinLog, 'utf8').trim().split('\n');
    expect(log).toHaveLength(3);
    expect(log[0]).toMatch(/mailbox=\+4930_?1234501|mailbox=\+49_30_1234501/);
    expect(log[0]).toContain('caller=+4989777888');
    expect(log.map((l) => /count=(\d)/.exec(l)?.[1])).toEqual(['1', '2', '3']);
    expect(log[2]).toMatch(/locked$/);
    for (const line of log) expect(line).not.toMatch(/9753[123]/);

    const fourth = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(fourth.said.at(-1)).toBe('de:login_locked');
    expect(fourth.said).not.toContain('de:enter_pin');
    expect(fourth.said).not.toContain('de:main_menu');
    // a trusted phone is locked out too
    expect((await box.call(ownerCalls('+49 30 1234101'))).said.at(-1)).toBe('de:login_locked');
  });

  it('no lock mail when notifyLock is off; maxWrongPins is the limit', async () => {
    const { box, settings, inbox } = await setup({ login: { notifyLock: false, maxWrongPins: 1 } });
    const r = await box.call(ownerCalls(STRANGER, ['97531']));
    expect(r.said.at(-1)).toBe('de:login_locked');
    expect((await settings()).lockedAt).toBeDefined();
    await box.spool.flush();
    expect(inbox('alice').filter((m) => /X-Voicebox-Type: lock/i.test(m))).toEqual([]);
  });

  it('two calls with a wrong PIN at the same time both count', async () => {
    const { box, settings } = await setup({ login: { maxWrongPins: 10 } });
    const [a, b] = await Promise.all([
      box.call(ownerCalls(STRANGER, ['97531'])),
      box.call(ownerCalls('+4989777999', ['97532'])),
    ]);
    expect(a.said).toContain('de:wrong_pin');
    expect(b.said).toContain('de:wrong_pin');
    expect((await settings()).wrongPinCount).toBe(2);
  });
});

describe('PIN expiry', () => {
  const now = () => new Date('2026-12-01T10:00:00+01:00');
  const changed = (daysAgo: number) => (s: UserSettings) => ({
    ...s,
    pinChangedAt: new Date(now().getTime() - daysAgo * 86_400_000).toISOString(),
  });

  it('reminds within the reminder period', async () => {
    const { box } = await setup({ login: { pinExpiryDays: 90, remindDays: 7 }, alice: changed(85), now });
    const r = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(r.said).toContain('de:pin_expires_soon');
    expect(r.said).toContain('de:main_menu');
  });

  it('says nothing well before expiry', async () => {
    const { box } = await setup({ login: { pinExpiryDays: 90, remindDays: 7 }, alice: changed(10), now });
    const r = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(r.said).not.toContain('de:pin_expires_soon');
    expect(r.said).toContain('de:main_menu');
  });

  it('expired, afterExpiry change: a new PIN first, with no way round it', async () => {
    const { box } = await setup({ login: { pinExpiryDays: 90 }, alice: changed(91), now });
    // star does not lead past the PIN change; silence ends the call
    const dodger = await box.call(
      ownerCalls(STRANGER, [PIN], (c) => c.pressWhilePlaying(prompt('enter_new_pin'), '*', 300)),
    );
    expect(dodger.said).toContain('de:pin_expired');
    expect(dodger.said).not.toContain('de:main_menu');
    expect(dodger.said.at(-1)).toBe('de:goodbye');
    // a new PIN, twice, and she is in
    const r = await box.call(
      ownerCalls(STRANGER, [PIN], (c) =>
        c
          .pressWhilePlaying(prompt('enter_new_pin'), '5831#', 300)
          .pressWhilePlaying(prompt('repeat_new_pin'), '5831#', 300)
          .pressWhilePlaying(prompt('main_menu'), '#', 300),
      ),
    );
    expect(r.said).toContain('de:pin_changed');
    expect(r.said).toContain('de:main_menu');
    // and the new PIN is the one that works now
    const next = await box.call(ownerCalls(STRANGER, ['5831'], hangUpAtMain));
    expect(next.said).toContain('de:main_menu');
    expect(next.said).not.toContain('de:pin_expired');
  });

  it('expired, afterExpiry refuse: the login is refused', async () => {
    const { box } = await setup({
      login: { pinExpiryDays: 90, afterExpiry: 'refuse' },
      alice: changed(91),
      now,
    });
    const r = await box.call(ownerCalls(STRANGER, [PIN]));
    expect(r.said.at(-1)).toBe('de:pin_expired_no_login');
    expect(r.said).not.toContain('de:main_menu');
  });
});

// ---- unit level: the actions on the YAML directory, without calls

const policy: LoginPolicy = {
  allowed: true,
  restriction: 'everywhere',
  trustOffice: true,
  trustMobile: true,
  trustListedNumbers: true,
  access: 'messages',
  maxWrongPins: 3,
  notifyLock: true,
  wrongPinLog: '',
  pinExpiryDays: 0,
  remindDays: 7,
  afterExpiry: 'change',
};

async function unit(p: Partial<LoginPolicy> = {}, alice: (s: UserSettings) => UserSettings = (s) => s) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-login-unit-'));
  const { directory, usersFile } = await aliceWithPin(dir, alice);
  const bundle = loadMenus(['menus']).bundle;
  const sent: string[] = [];
  const spool = new MailSpool({
    dir: join(dir, 'spool'),
    send: async (m) => {
      sent.push(m.raw.toString('utf8'));
    },
  });
  await spool.start();
  const actions = testActions({
    media: dir,
    directory,
    spool,
    bundle,
    login: { ...policy, wrongPinLog: join(dir, 'wrong-pin.log'), ...p },
    welcome: { enabled: false, minPinLength: 4 },
  });
  const { run, lookup: lookupOf } = actionCaller(actions, STRANGER, {
    language: 'de',
    now: () => new Date(),
  });
  const lookup = () => lookupOf(ALICE);
  const settings = () => aliceSettingsIn(usersFile);
  return {
    run,
    lookup,
    settings,
    sent,
    dir,
    async close() {
      await spool.flush();
      await spool.stop();
      await directory.close();
    },
  };
}

describe('check pin against the YAML directory', () => {
  it('concurrent wrong PINs are all counted; exactly one locks and one lock mail goes out', async () => {
    const u = await unit({ maxWrongPins: 3 });
    const rec = await u.lookup();
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => u.run('check pin', rec, `9753${i}`)));
    const outcomes = results.map((r) => ('outcome' in r ? r.outcome : 'ok')).sort();
    expect(outcomes).toEqual(['locked', 'locked', 'locked', 'wrong', 'wrong']);
    const s = await u.settings();
    expect(s.wrongPinCount).toBe(3); // the calls after the lock find it locked and do not count
    expect(s.lockedAt).toBeDefined();
    await u.close();
    expect(u.sent.filter((m) => /X-Voicebox-Type: lock/i.test(m))).toHaveLength(1);
    expect(readFileSync(join(u.dir, 'wrong-pin.log'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('two concurrent wrong PINs count +2', async () => {
    const u = await unit({ maxWrongPins: 10 }, (s) => ({ ...s, wrongPinCount: 4 }));
    const [a, b] = [await u.lookup(), await u.lookup()];
    await Promise.all([u.run('check pin', a, '97531'), u.run('check pin', b, '97532')]);
    expect((await u.settings()).wrongPinCount).toBe(6);
    await u.close();
  });

  it('a legacy base64 PIN is accepted once and replaced by a hash', async () => {
    const u = await unit({}, (s) => {
      const next: UserSettings = { ...s, legacyPin: Buffer.from('8642').toString('base64') };
      delete next.pinHash;
      return next;
    });
    expect(await u.run('check pin', await u.lookup(), '8642')).toEqual({});
    const s = await u.settings();
    expect(s.legacyPin).toBeUndefined();
    expect(s.pinHash).toMatch(/^scrypt\$/);
    expect(await u.run('check pin', await u.lookup(), '8642')).toEqual({});
    expect(await u.run('check pin', await u.lookup(), '8641')).toEqual({ outcome: 'wrong' });
    await u.close();
  });

  it('a PIN that is not digits is just wrong; a locked user is locked whatever she types', async () => {
    const u = await unit({}, (s) => ({ ...s, lockedAt: '2026-01-01T00:00:00.000Z' }));
    expect(await u.run('check pin', await u.lookup(), PIN)).toEqual({ outcome: 'locked' });
    expect((await u.settings()).wrongPinCount).toBe(0);
    await u.close();
    const v = await unit();
    expect(await v.run('check pin', await v.lookup(), '')).toEqual({ outcome: 'wrong' });
    await v.close();
  });

  it('check login gives the login record', async () => {
    const u = await unit();
    expect(await u.run('check login', await u.lookup(), STRANGER)).toEqual({
      value: { pin_required: true, access: 'messages' },
    });
    expect(await u.run('check login', await u.lookup(), '+49 170 1000001')).toEqual({
      value: { pin_required: false, access: 'messages' },
    });
    await u.close();
  });
});

describe('the owner hears her own language', () => {
  it('an English owner calling from a German number: the greeting in German, everything after * in English', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, language: 'en' }) });
    const r = await box.call(ownerCalls(STRANGER, [PIN], hangUpAtMain));
    expect(r.said[0]).toMatch(/^de:standard_greeting/);
    const login = r.said.indexOf('en:enter_pin');
    expect(login).toBeGreaterThan(0);
    // everything after the PIN prompt, the main menu too, is hers: English
    expect(r.said.length).toBeGreaterThan(login + 1);
    expect(r.said.slice(login).filter((s) => !s.startsWith('en:'))).toEqual([]);
  });

  it('at the access number: the mailbox number asked by the caller rule, her PIN in her language', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, language: 'en' }) });
    const toAccess = (from: string) =>
      new ScriptedCaller({ number: from, dialed: '500', variables: { voicebox_flow: 'access' } })
        .pressWhilePlaying(prompt('enter_mailbox_number'), '501#', 300)
        .pressWhilePlaying(prompt('enter_pin'), `${PIN}#`, 300)
        .pressWhilePlaying(prompt('main_menu'), '#', 300);
    const munich = await box.call(toAccess(STRANGER));
    expect(munich.said.slice(0, 2)).toEqual(['de:enter_mailbox_number', 'en:enter_pin']);
    const london = await box.call(toAccess('+442071234567'));
    expect(london.said[0]).toBe('en:enter_mailbox_number');
  });

  it('a caller refused at login still hears the caller rule: German from Munich for an English owner', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, language: 'en', access: 'none' }) });
    expect((await box.call(ownerCalls(STRANGER))).said.at(-1)).toBe('de:login_disabled');
  });
});

describe('loginDecision and expiry (pure)', () => {
  const location = readConfig().location;
  const user = (s: Partial<UserSettings> = {}): DirectoryUser => ({
    id: 'u',
    name: 'U',
    email: 'u@example.com',
    mailbox: '+49 30 1234501',
    numbers: { office: '+49 30 1234101', mobile: '+49 170 1000001' },
    settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: ['+49 89 555'], ...s },
    rawUserData: [],
  });
  it('trusted numbers compare in E.164, whatever their format', () => {
    expect(loginDecision(user(), '0301234101', policy, location)).toEqual({
      pinRequired: false,
      access: 'messages',
    });
    expect(loginDecision(user(), '+4989555', policy, location)).toEqual({
      pinRequired: false,
      access: 'messages',
    });
    expect(loginDecision(user(), '', policy, location)).toEqual({ pinRequired: true, access: 'messages' });
    expect(loginDecision(user(), '+4917010000019', policy, location)).toEqual({
      pinRequired: true,
      access: 'messages',
    });
  });
  it('access none is disabled, whatever the number; a restriction refuses', () => {
    for (const from of ['', '+4930999', '+49 30 1234101'])
      expect(loginDecision(user({ access: 'none' }), from, policy, location)).toEqual({
        outcome: 'disabled',
      });
    expect(loginDecision(user(), '+4930999', { ...policy, allowed: false }, location)).toEqual({
      outcome: 'disabled',
    });
  });
  it('the user setting wins over the global one', () => {
    expect(loginDecision(user({ access: 'settings' }), '', { ...policy, allowed: false }, location)).toEqual({
      pinRequired: true,
      access: 'settings',
    });
    expect(
      loginDecision(
        user({ loginRestriction: 'everywhere' }),
        '',
        { ...policy, restriction: 'nowhere' },
        location,
      ),
    ).toEqual({
      pinRequired: true,
      access: 'messages',
    });
    expect(loginDecision(user({ loginRestriction: 'nowhere' }), '+4930999', policy, location)).toEqual({
      outcome: 'refused',
    });
  });
  it('expires soon: pinChangedAt + expiry - remind ≤ now', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const at = (d: string) => ({ ...user().settings, pinChangedAt: d });
    const p = { ...policy, pinExpiryDays: 30, remindDays: 7 };
    expect(pinExpiresSoon(at('2026-02-06T00:00:00Z'), p, now)).toBe(true); // 23 days ago
    expect(pinExpiresSoon(at('2026-02-07T00:00:00Z'), p, now)).toBe(false); // 22 days ago
    expect(pinExpiresSoon(at('2026-01-01T00:00:00Z'), { ...p, pinExpiryDays: 0 }, now)).toBe(false);
  });
});
