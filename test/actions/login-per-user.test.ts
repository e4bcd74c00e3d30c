// Her own login rules over the site's (R2), the PIN-expiry reminder mail and the PIN change
// required at the next login (R3), the welcome mail without a PIN when her phone login is off
// and sent again at the admin's request (C10): over the shipped menus with the simulator and
// the YAML directory, each shown for her own value and for the site's when she has none.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { loginDecision, type LoginPolicy } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import type { DirectoryUser, UserSettings } from '../../src/directory/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import type { RuntimeLogger } from '../../src/runtime/index.js';
import { recordingLogger } from '../support/log.js';
import { ALICE, aliceSettingsIn, aliceWithPin, maildirInbox, PIN } from '../support/owners.js';
import { actionCaller, quickMessage, startVoicebox, testActions, type Voicebox } from './support.js';

const STRANGER = '+4989777888';
const OFFICE = '+49 30 1234101';
const MOBILE = '+49 170 1000001';
const BOB = '+49 30 1234502';
const DAY = 86_400_000;

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
    bob?: (s: UserSettings) => UserSettings;
    now?: () => Date;
    log?: RuntimeLogger;
  } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-login-user-'));
  const maildir = join(dir, 'maildir');
  const { directory, usersFile } = await aliceWithPin(dir, o.alice);
  if (o.bob) {
    const bob = await directory.findByNumber([BOB]);
    await directory.updateSettings(bob!, o.bob);
  }
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: maildir }),
    ...(o.login ? { login: o.login } : {}),
    ...(o.welcome ? { welcome: o.welcome } : {}),
    ...(o.now ? { now: o.now } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  const settings = () => aliceSettingsIn(usersFile);
  /** the mails in her inbox of one X-Voicebox-Type (welcome, pin-reminder, voice) */
  const mails = async (user: string, type: string) => {
    await box!.spool.flush();
    return maildirInbox(maildir, user)
      .map((m) => m.text)
      .filter((t) => new RegExp(`^X-Voicebox-Type: ${type}\\r?$`, 'mi').test(t));
  };
  return { box, directory, usersFile, settings, mails };
}

/** the mail's body as a reader sees it (quoted-printable undone, soft breaks joined) */
const body = (raw: string): string =>
  Buffer.from(
    raw
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');

/** the owner: * in the greeting, her PIN */
const ownerLogsIn = (b: Voicebox, from: string, pin = PIN) =>
  b.dial('501').from(from).hears('standard_greeting').press('*').hears('enter_pin').types(`${pin}#`);

describe('R2: her own trust of her office and mobile number, over the site’s', () => {
  it('trustOffice=Y for her: her office phone logs in without a PIN although the site trusts none', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, trustOffice: true }) });
    const r = await box
      .dial('501')
      .from(OFFICE)
      .hears('standard_greeting')
      .press('*')
      .hears('main_menu')
      .press('#');
    expect(r.said).not.toContain('enter_pin');
    // only her office: her mobile still needs the PIN (the site's trustMobile: off)
    const mobile = await ownerLogsIn(box, MOBILE).hears('main_menu').press('#');
    expect(mobile.said).toContain('enter_pin');
  });

  it('without her own value the site’s applies: the office phone needs the PIN on the defaults', async () => {
    const { box } = await setup();
    const r = await ownerLogsIn(box, OFFICE).hears('main_menu').press('#');
    expect(r.said).toContain('enter_pin');
  });

  it('trustMobile=N for her: her mobile needs the PIN although the site trusts mobiles', async () => {
    const { box } = await setup({
      login: { trustMobile: true },
      alice: (s) => ({ ...s, trustMobile: false }),
    });
    const r = await ownerLogsIn(box, MOBILE).hears('main_menu').press('#');
    expect(r.said).toContain('enter_pin');
  });

  it('restricted to listed numbers: a pinNumber of hers logs in with the PIN; any other is refused', async () => {
    const { box } = await setup({
      alice: (s) => ({ ...s, loginRestriction: 'listed', pinNumbers: ['+49 89 555000'] }),
    });
    const listed = await ownerLogsIn(box, '+4989555000').hears('main_menu').press('#');
    expect(listed.said).toContain('enter_pin');
    const other = await box
      .dial('501')
      .from(STRANGER)
      .hears('standard_greeting')
      .press('*')
      .hears('login_not_allowed');
    expect(other.said).not.toContain('enter_pin');
  });

  it('without pinNumbers, the same number is refused when she is restricted to listed numbers', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, loginRestriction: 'listed' }) });
    const r = await box
      .dial('501')
      .from('+4989555000')
      .hears('standard_greeting')
      .press('*')
      .hears('login_not_allowed');
    expect(r.said).not.toContain('enter_pin');
  });

  it('a pinNumber that is no phone number is logged with the user and key; her login goes on', async () => {
    const { log, lines } = recordingLogger();
    const { box } = await setup({
      log,
      alice: (s) => ({ ...s, loginRestriction: 'listed', pinNumbers: ['call me', '+49 89 555000'] }),
    });
    const r = await ownerLogsIn(box, '+4989555000').hears('main_menu').press('#');
    expect(r.said).toContain('main_menu');
    expect(lines).toContainEqual(expect.objectContaining({ key: 'pinNumber', value: 'call me' }));
  });
});

describe('loginDecision with her own values (pure)', () => {
  const location = readConfig().location;
  const policy: LoginPolicy = {
    allowed: true,
    restriction: 'everywhere',
    trustOffice: false,
    trustMobile: false,
    trustListedNumbers: false,
    access: 'messages',
    maxWrongPins: 3,
    notifyLock: true,
    wrongPinLog: '',
    pinExpiryDays: 0,
    remindDays: 7,
    afterExpiry: 'change',
  };
  const user = (s: Partial<UserSettings> = {}): DirectoryUser => ({
    id: 'u',
    name: 'U',
    email: 'u@example.com',
    mailbox: '+49 30 1234501',
    numbers: { office: OFFICE, mobile: MOBILE },
    settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [], ...s },
    rawUserData: [],
  });
  const noPin = { pinRequired: false, access: 'messages' };
  const pin = { pinRequired: true, access: 'messages' };
  const from = { office: '0301234101', mobile: '+491701000001' } as const;

  it.each([
    // her own value, the site's, the number → what it takes
    [undefined, false, 'office', pin],
    [undefined, true, 'office', noPin],
    [true, false, 'office', noPin],
    [false, true, 'office', pin],
    [true, true, 'office', noPin],
    [false, false, 'office', pin],
    [true, false, 'mobile', pin], // trusting her office says nothing of her mobile
  ] as const)('trustOffice %s, site %s, from her %s', (own, site, number, expected) => {
    const u = user(own === undefined ? {} : { trustOffice: own });
    expect(loginDecision(u, from[number], { ...policy, trustOffice: site }, location)).toEqual(expected);
  });

  it.each([
    [undefined, false, 'mobile', pin],
    [undefined, true, 'mobile', noPin],
    [true, false, 'mobile', noPin],
    [false, true, 'mobile', pin],
    [true, true, 'mobile', noPin],
    [false, false, 'mobile', pin],
    [true, false, 'office', pin],
  ] as const)('trustMobile %s, site %s, from her %s', (own, site, number, expected) => {
    const u = user(own === undefined ? {} : { trustMobile: own });
    expect(loginDecision(u, from[number], { ...policy, trustMobile: site }, location)).toEqual(expected);
  });

  it('pinNumbers open a listed login with the PIN, in any format; they never skip the PIN', () => {
    const listed = user({ loginRestriction: 'listed', pinNumbers: ['089 555000'] });
    expect(loginDecision(listed, '+4989555000', policy, location)).toEqual(pin);
    expect(loginDecision(listed, '+4989555000', { ...policy, trustListedNumbers: true }, location)).toEqual(
      pin,
    );
    expect(loginDecision(listed, '+4989555001', policy, location)).toEqual({ outcome: 'refused' });
    // absent: only her office, mobile and trusted numbers
    expect(loginDecision(user({ loginRestriction: 'listed' }), '+4989555000', policy, location)).toEqual({
      outcome: 'refused',
    });
    expect(loginDecision(user({ loginRestriction: 'listed' }), from.office, policy, location)).toEqual(pin);
    // the site's `listed` takes them the same way
    expect(
      loginDecision(
        user({ pinNumbers: ['+49 89 555000'] }),
        '+4989555000',
        { ...policy, restriction: 'listed' },
        location,
      ),
    ).toEqual(pin);
    // nowhere stays nowhere; access none stays off
    expect(
      loginDecision(
        user({ loginRestriction: 'nowhere', pinNumbers: ['+4989555000'] }),
        '+4989555000',
        policy,
        location,
      ),
    ).toEqual({
      outcome: 'refused',
    });
    expect(loginDecision(user({ access: 'none', trustOffice: true }), from.office, policy, location)).toEqual(
      { outcome: 'disabled' },
    );
  });
});

describe('R3: the reminder mail before her PIN expires', () => {
  const now = () => new Date('2026-12-01T10:00:00+01:00');
  const changed = (daysAgo: number) => (s: UserSettings) => ({
    ...s,
    pinChangedAt: new Date(now().getTime() - daysAgo * DAY).toISOString(),
  });
  const expiring = { pinExpiryDays: 90, remindDays: 7 };

  it('a call to her mailbox within the reminder period sends one mail: the day, how to change it, no PIN', async () => {
    const { box, mails, settings } = await setup({ login: expiring, alice: changed(85), now });
    await box.call(quickMessage(ALICE));
    await box.call(quickMessage(ALICE));
    const reminders = await mails('alice', 'pin-reminder');
    expect(reminders).toHaveLength(1);
    const text = body(reminders[0]!);
    // 85 days ago + 90 days: Sunday, 6 December 2026
    expect(text).toContain('die PIN Ihrer Voicebox +49 30 1234501 läuft am Sonntag, 6. Dezember 2026 ab.');
    expect(text).toContain('Drücken Sie im Hauptmenü die 2 für die Einstellungen und dann die 4');
    expect(text).toContain('bei der nächsten Anmeldung gebeten, eine neue PIN zu wählen');
    expect(text).not.toContain(PIN);
    expect((await settings()).pinReminderSentAt).toBe(now().toISOString());
  });

  it('well before expiry, or when PINs do not expire (the default), no mail', async () => {
    const early = await setup({ login: expiring, alice: changed(10), now });
    await early.box.call(quickMessage(ALICE));
    expect(await early.mails('alice', 'pin-reminder')).toEqual([]);
    await early.box.close();
    const never = await setup({ alice: changed(400), now });
    box = never.box;
    await never.box.call(quickMessage(ALICE));
    expect(await never.mails('alice', 'pin-reminder')).toEqual([]);
  });

  it('in her language: Bob gets it in English', async () => {
    const { box, mails } = await setup({
      login: expiring,
      now,
      bob: (s) => ({ ...changed(88)(s), pinHash: 'scrypt$x', welcomeSentAt: '2026-01-01T00:00:00.000Z' }),
    });
    await box.call(quickMessage(BOB));
    const [mail] = await mails('bob', 'pin-reminder');
    expect(mail).toMatch(/^Subject: Your PIN expires on Thursday, 3 December 2026\r?$/m);
    expect(body(mail!)).toContain('In the main menu, press 2 for the settings, then 4 to change your PIN.');
  });

  it('her phone login off: no reminder', async () => {
    const { box, mails } = await setup({
      login: expiring,
      alice: (s) => ({ ...changed(85)(s), access: 'none' }),
      now,
    });
    await box.call(quickMessage(ALICE));
    expect(await mails('alice', 'pin-reminder')).toEqual([]);
  });

  it('two calls at once (two nodes) send one reminder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-reminder-'));
    const { directory } = await aliceWithPin(dir, changed(85));
    const sent: string[] = [];
    const spool = new MailSpool({
      dir: join(dir, 'spool'),
      send: async (m) => void sent.push(m.raw.toString('utf8')),
    });
    await spool.start();
    const bundle = loadMenus(['menus']).bundle;
    // two registries over the same directory file: two voicebox nodes
    const nodes = [1, 2].map(() =>
      actionCaller(testActions({ media: dir, directory, spool, bundle, login: expiring, now }), STRANGER, {
        language: 'de',
        now,
      }),
    );
    const users = await Promise.all(nodes.map((n) => n.lookup(ALICE)));
    await Promise.all(nodes.map((n, i) => n.run('welcome new user', users[i]!)));
    await spool.flush();
    await spool.stop();
    await directory.close();
    expect(sent.filter((m) => /X-Voicebox-Type: pin-reminder/.test(m))).toHaveLength(1);
  });

  it('the login sends it too (a call at the access number runs no welcome step)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-reminder-login-'));
    const { directory } = await aliceWithPin(dir, changed(85));
    const sent: string[] = [];
    const spool = new MailSpool({
      dir: join(dir, 'spool'),
      send: async (m) => void sent.push(m.raw.toString('utf8')),
    });
    await spool.start();
    const actions = testActions({ media: dir, directory, spool, login: expiring, now });
    const { run, lookup } = actionCaller(actions, STRANGER, { language: 'de', now });
    const alice = await lookup(ALICE);
    expect(await run('check login', alice, STRANGER)).toEqual({
      value: { pin_required: true, access: 'messages' },
    });
    await spool.flush();
    await spool.stop();
    await directory.close();
    expect(sent.filter((m) => /X-Voicebox-Type: pin-reminder/.test(m))).toHaveLength(1);
  });

  it('changing the PIN by phone clears the reminder: the next PIN gets its own', async () => {
    const { box, mails, settings } = await setup({ login: expiring, alice: changed(86), now });
    const r = await ownerLogsIn(box, STRANGER)
      .hears('pin_expires_soon')
      .hears('main_menu')
      .press('2')
      .hears('key_profiles')
      .press('4')
      .hears('enter_new_pin')
      .types('5831#')
      .hears('repeat_new_pin')
      .types('5831#')
      .hears('pin_changed')
      .hangsUp();
    expect(r.said).toContain('pin_changed');
    expect(await mails('alice', 'pin-reminder')).toHaveLength(1);
    const s = await settings();
    expect(s.pinReminderSentAt).toBeUndefined();
    expect(s.pinChangedAt).toBe(now().toISOString());
  });
});

describe('R3: a new PIN required at her next login', () => {
  it('pinChangeRequired=Y: after her PIN, a new PIN before anything else; then it is cleared', async () => {
    const { box, settings } = await setup({ alice: (s) => ({ ...s, pinChangeRequired: true }) });
    const r = await ownerLogsIn(box, STRANGER)
      .hears('enter_new_pin')
      .types('5831#')
      .hears('repeat_new_pin')
      .types('5831#')
      .hears('main_menu')
      .press('#');
    expect(r.said).toContain('pin_changed');
    // told why, and not that it expired: it did not
    expect(r.said).toContain('pin_change_required');
    expect(r.said).not.toContain('pin_expired');
    expect((await settings()).pinChangeRequired).toBeUndefined();
    const next = await ownerLogsIn(box, STRANGER, '5831').hears('main_menu').press('#');
    expect(next.said).not.toContain('enter_new_pin');
  });

  it('hanging up at the new PIN does not get her round it', async () => {
    const { box } = await setup({ alice: (s) => ({ ...s, pinChangeRequired: true }) });
    await ownerLogsIn(box, STRANGER).hears('enter_new_pin').hangsUp();
    const again = await ownerLogsIn(box, STRANGER).hears('enter_new_pin').hangsUp();
    expect(again.said).not.toContain('main_menu');
  });

  it('without it (and on the defaults, an inherited PIN): straight to the main menu', async () => {
    const { box } = await setup({
      alice: (s) => {
        const next: UserSettings = { ...s, legacyPin: Buffer.from(PIN).toString('base64') };
        delete next.pinHash;
        return next;
      },
    });
    const r = await ownerLogsIn(box, STRANGER).hears('main_menu').press('#');
    expect(r.said).not.toContain('enter_new_pin');
  });

  it('login.changeInheritedPins: her ixi-UMS PIN must be changed, and stays due when she hangs up', async () => {
    const { box, settings } = await setup({
      login: { changeInheritedPins: true, pinExpiryDays: 90 },
      alice: (s) => {
        const next: UserSettings = { ...s, legacyPin: Buffer.from(PIN).toString('base64') };
        delete next.pinHash;
        return next;
      },
    });
    await ownerLogsIn(box, STRANGER).hears('enter_new_pin').hangsUp();
    // the PIN is a hash now, with a date: the requirement was stored, not guessed again
    const s = await settings();
    expect(s.legacyPin).toBeUndefined();
    expect(s.pinChangeRequired).toBe(true);
    const r = await ownerLogsIn(box, STRANGER)
      .hears('enter_new_pin')
      .types('5831#')
      .hears('repeat_new_pin')
      .types('5831#')
      .hears('main_menu')
      .press('#');
    expect(r.said).toContain('pin_changed');
    // told why, and not that it expired: it did not
    expect(r.said).toContain('pin_change_required');
    expect(r.said).not.toContain('pin_expired');
    expect((await settings()).pinChangeRequired).toBeUndefined();
  });

  it('login.changeInheritedPins: a hash without pinChangedAt must be changed; one she chose with voicebox not', async () => {
    const inherited = await setup({ login: { changeInheritedPins: true } });
    await ownerLogsIn(inherited.box, STRANGER).hears('enter_new_pin').hangsUp();
    await inherited.box.close();
    const chosen = await setup({
      login: { changeInheritedPins: true },
      alice: (s) => ({ ...s, pinChangedAt: '2026-11-01T00:00:00.000Z' }),
    });
    box = chosen.box;
    const r = await ownerLogsIn(chosen.box, STRANGER).hears('main_menu').press('#');
    expect(r.said).not.toContain('enter_new_pin');
  });
});

describe('C10: the welcome mail and her phone login', () => {
  const noPinParagraph = (text: string) => {
    expect(text).not.toMatch(/PIN/);
    expect(text).not.toContain('Einrichtung per Telefon');
    expect(text).not.toContain('Setting up by phone');
  };

  it('her phone login off (access=none): the welcome mail has no PIN and no phone-login paragraph; no PIN is made', async () => {
    const { box, mails, directory } = await setup({ bob: (s) => ({ ...s, access: 'none' }) });
    await box.call(quickMessage(BOB));
    const [mail] = await mails('bob', 'welcome');
    const text = body(mail!);
    expect(text).toContain('The number of your voice mailbox is: +49 30 1234502');
    noPinParagraph(text);
    expect((await directory.findByNumber([BOB]))!.settings.pinHash).toBeUndefined();
  });

  it('the site’s phone login off (login.allowed: false): the same for everyone without her own access', async () => {
    const { box, mails } = await setup({ login: { allowed: false } });
    await box.call(quickMessage(BOB));
    noPinParagraph(body((await mails('bob', 'welcome'))[0]!));
  });

  it('phone login on (the default): the new PIN and how to log in by phone', async () => {
    const { box, mails } = await setup();
    await box.call(quickMessage(BOB));
    const text = body((await mails('bob', 'welcome'))[0]!);
    expect(text).toContain('Setting up by phone');
    expect(text).toMatch(/Your PIN is: \d{4}/);
  });
});

describe('C10: the welcome mail again (welcomeResend)', () => {
  it('pin, with her PIN stored as a hash: sent again, the PIN unchanged and how to have it reset; once', async () => {
    const { box, mails, settings } = await setup({ alice: (s) => ({ ...s, welcomeResend: 'pin' }) });
    await box.call(quickMessage(ALICE));
    await box.call(quickMessage(ALICE));
    const sent = await mails('alice', 'welcome');
    expect(sent).toHaveLength(1);
    const text = body(sent[0]!);
    expect(text).toContain(
      'Ihre PIN ist unverändert. Falls Sie sie vergessen haben, bitten Sie Ihren Administrator, Ihnen eine neue PIN zu schicken.',
    );
    expect(text).not.toContain(PIN);
    const s = await settings();
    expect(s.welcomeResend).toBeUndefined();
    // her PIN still works
    const r = await ownerLogsIn(box, STRANGER).hears('main_menu').press('#');
    expect(r.said).toContain('main_menu');
  });

  it('pin, with her ixi-UMS PIN: it is told', async () => {
    const { box, mails } = await setup({
      alice: (s) => {
        const next: UserSettings = {
          ...s,
          welcomeResend: 'pin',
          legacyPin: Buffer.from('7351').toString('base64'),
        };
        delete next.pinHash;
        return next;
      },
    });
    await box.call(quickMessage(ALICE));
    expect(body((await mails('alice', 'welcome'))[0]!)).toContain('Ihre PIN ist: 7351');
  });

  it('newPin: a new PIN, stored as a hash and told; the old one stops working', async () => {
    const { box, mails, usersFile, settings } = await setup({
      alice: (s) => ({ ...s, welcomeResend: 'newPin' }),
    });
    await box.call(quickMessage(ALICE));
    const text = body((await mails('alice', 'welcome'))[0]!);
    const pin = /Ihre PIN ist: (\d{4})/.exec(text)?.[1];
    expect(pin).toMatch(/^\d{4}$/);
    expect((await settings()).welcomeResend).toBeUndefined();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(usersFile, 'utf8')).not.toContain(`=${pin}`);
    const old = await ownerLogsIn(box, STRANGER).hears('wrong_pin').hangsUp();
    expect(old.said).toContain('wrong_pin');
    const r = await ownerLogsIn(box, STRANGER, pin).hears('main_menu').press('#');
    expect(r.said).toContain('main_menu');
  });

  it('newPin for a user whose phone login is off: sent again without a PIN', async () => {
    const { box, mails, settings } = await setup({
      alice: (s) => ({ ...s, welcomeResend: 'newPin', access: 'none' }),
    });
    const before = (await settings()).pinHash;
    await box.call(quickMessage(ALICE));
    const text = body((await mails('alice', 'welcome'))[0]!);
    expect(text).not.toMatch(/PIN/);
    expect((await settings()).pinHash).toBe(before);
  });

  it('two calls at once (two nodes) send it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-resend-'));
    const { directory } = await aliceWithPin(dir, (s) => ({ ...s, welcomeResend: 'newPin' }));
    const sent: string[] = [];
    const spool = new MailSpool({
      dir: join(dir, 'spool'),
      send: async (m) => void sent.push(m.raw.toString('utf8')),
    });
    await spool.start();
    const bundle = loadMenus(['menus']).bundle;
    const now = () => new Date();
    const nodes = [1, 2].map(() =>
      actionCaller(testActions({ media: dir, directory, spool, bundle, now }), STRANGER, {
        language: 'de',
        now,
      }),
    );
    const users = await Promise.all(nodes.map((n) => n.lookup(ALICE)));
    await Promise.all(nodes.map((n, i) => n.run('welcome new user', users[i]!)));
    await spool.flush();
    await spool.stop();
    await directory.close();
    expect(sent.filter((m) => /X-Voicebox-Type: welcome/.test(m))).toHaveLength(1);
  });
});
