// Alice's voice box on the web page (/box): each form changes her users file as the phone or an
// admin command would; what the admin hides is absent and its POST refused; a transfer target the
// dial policy refuses writes nothing; the profile in force follows the clock; a PIN changed here
// keeps her logged in and works for the phone; directory values written as markup stay text.
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsReadOnly, type UserSettings } from '../../src/directory/index.js';
import type { MailPasswords } from '../../src/web/context.js';
import { recordingLogger } from '../support/log.js';
import { ALICE, aliceSettingsIn, PIN } from '../support/owners.js';
import { webClient, webTest, type WebClient, type WebTest } from './support.js';

let t: WebTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Tuesday 1 December 2026 in Berlin: 10:00 is office hours, 21:32 is not */
const TUESDAY_10 = new Date('2026-12-01T10:00:00+01:00');
const TUESDAY_2132 = new Date('2026-12-01T21:32:00+01:00');

async function loggedIn(
  o: Parameters<typeof webTest>[0] = {},
  language = 'de',
): Promise<{ t: WebTest; c: WebClient }> {
  t = await webTest({ clock: () => TUESDAY_10, ...o });
  const c = webClient(t.app, { acceptLanguage: language });
  await c.login();
  return { t, c };
}

const settings = (): Promise<UserSettings> => aliceSettingsIn(t!.usersFile);

/** the notice the page shows after a POST's redirect */
async function after(
  c: WebClient,
  res: { status: number; headers: Record<string, unknown> },
): Promise<string> {
  expect(res.status).toBe(303);
  const page = await c.get(String(res.headers['location']));
  expect(page.status).toBe(200);
  return /data-testid="notice">([^<]*)</.exec(page.body)?.[1] ?? '';
}

const testids = (body: string): string[] => [...body.matchAll(/data-testid="([^"]+)"/g)].map((m) => m[1]!);

describe('profile', () => {
  it('her choice is written as by phone; a profile the menus do not have is refused and nothing written', async () => {
    const { c } = await loggedIn();
    expect(await after(c, await c.post('/box/profile', { profile: 'home' }))).toBe(
      'Ihr Profil ist geändert.',
    );
    expect((await settings()).activeProfile).toBe('home');
    const refused = await c.post('/box/profile', { profile: 'boss' });
    expect(refused.headers['location']).toBe('/box?error=unknown-profile');
    expect(await after(c, refused)).toContain('Dieses Profil gibt es nicht');
    expect((await settings()).activeProfile).toBe('home');
  });

  it('her change is logged as made on the web, not by phone', async () => {
    const { log, lines } = recordingLogger();
    const { c } = await loggedIn({ log });
    await after(c, await c.post('/box/profile', { profile: 'home' }));
    const changed = lines.filter((l) => String(l.msg).startsWith('setting changed'));
    expect(changed.map((l) => l.msg)).toEqual(['setting changed on the web']);
    expect(changed[0]).toMatchObject({ setting: 'profile' });
  });

  /** her vacation as the directory has it */
  const vacationNow = async () => {
    const s = await settings();
    return [s.vacation, s.vacationFrom, s.vacationUntil];
  };

  it('the card saved unchanged during her vacation: nothing is written, the vacation goes on', async () => {
    const { log, lines } = recordingLogger();
    const { c } = await loggedIn({ log });
    const alice = (await t!.deps.directory.findByNumber([ALICE]))!;
    await t!.deps.directory.updateSettings(alice, (s) => ({ ...s, vacation: true }));
    const chosen = (await settings()).activeProfile ?? t!.deps.bundle().profiles.default;
    expect(await after(c, await c.post('/box/profile', { profile: chosen }))).toBe(
      'Ihr Profil ist geändert.',
    );
    expect(await vacationNow()).toEqual([true, undefined, undefined]);
    expect(lines.filter((l) => String(l.msg).startsWith('setting changed'))).toEqual([]);
  });

  it('another profile chosen on 1 December: the vacation planned for Christmas stays', async () => {
    const { c } = await loggedIn();
    await after(
      c,
      await c.post('/box/vacation', { vacation: 'on', from: '2026-12-21', until: '2026-12-25' }),
    );
    await after(c, await c.post('/box/profile', { profile: 'home' }));
    expect((await settings()).activeProfile).toBe('home');
    expect(await vacationNow()).toEqual([true, '2026-12-21', '2026-12-25']);
  });

  it('the vacation hint says which vacation a profile choice ends, here and by phone', async () => {
    const { c } = await loggedIn();
    const page = (await c.get('/box')).body;
    expect(page).toContain(
      'Wählen Sie hier oder am Telefon ein anderes Profil, endet ein Urlaub, der gerade gilt',
    );
    expect(page).toContain('ein Urlaub, der noch nicht begonnen hat, bleibt eingetragen.');
    const en = webClient(t!.app, { acceptLanguage: 'en' });
    await en.login();
    expect((await en.get('/box')).body).toContain(
      'Choosing another profile, here or by phone, ends a vacation in force now; a vacation that has not begun yet stays planned.',
    );
  });

  const inForce = async (c: WebClient) =>
    /data-testid="in-force">(.*?)<\/p>/s.exec((await c.get('/box')).body)?.[1]?.replace(/<\/?strong>/g, '');

  it('what callers from outside get now, and why: at 10:00 on a Tuesday her own choice', async () => {
    const { c } = await loggedIn();
    expect(await inForce(c)).toBe(
      'Anrufer von außen erreichen zurzeit Ihr Profil Im Büro – so, wie Sie es gewählt haben.',
    );
  });

  it('at 21:32 the company is closed: home, outside office hours (in English for an English browser)', async () => {
    const { c } = await loggedIn({ clock: () => TUESDAY_2132 }, 'en');
    expect(await inForce(c)).toBe(
      'Callers from outside reach your profile At home now – outside office hours.',
    );
  });
});

describe('vacation', () => {
  it('on with dates: the switch and both days are written; the page says it has not begun', async () => {
    const { c } = await loggedIn();
    const res = await c.post('/box/vacation', { vacation: 'on', from: '2026-12-21', until: '2026-12-25' });
    expect(await after(c, res)).toBe('Ihr Urlaub ist gespeichert.');
    const s = await settings();
    expect([s.vacation, s.vacationFrom, s.vacationUntil]).toEqual([true, '2026-12-21', '2026-12-25']);
    const page = (await c.get('/box')).body;
    expect(page).toMatch(
      /data-testid="vacation-state">\s*Ihr Urlaub ist eingetragen, hat aber noch nicht begonnen\./,
    );
    expect(page).toContain('value="2026-12-21"');
    // and off again: the dates go with the switch
    await after(c, await c.post('/box/vacation', { from: '2026-12-21', until: '2026-12-25' }));
    const off = await settings();
    expect([off.vacation, off.vacationFrom, off.vacationUntil]).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    [{ vacation: 'on', from: '2026-12-25', until: '2026-12-21' }, 'until-before-from'],
    [{ vacation: 'on', from: '24.12.2026' }, 'bad-date'],
    [{ vacation: 'on', until: '2026-02-30' }, 'bad-date'],
    [{ vacation: 'on', until: '<script>' }, 'bad-date'],
    [{ vacation: 'on', until: '2026-11-30' }, 'until-past'],
  ])('%o is refused (%s) and nothing written', async (fields, error) => {
    const { c } = await loggedIn();
    const res = await c.post('/box/vacation', fields);
    expect(res.headers['location']).toBe(`/box?error=${error}`);
    expect(await after(c, res)).not.toBe('');
    const s = await settings();
    expect([s.vacation, s.vacationFrom, s.vacationUntil]).toEqual([undefined, undefined, undefined]);
  });

  it('until today is not in the past: her last day is today', async () => {
    const { c } = await loggedIn();
    expect((await c.post('/box/vacation', { vacation: 'on', until: '2026-12-01' })).headers['location']).toBe(
      '/box?done=vacation',
    );
  });
});

describe('office hours', () => {
  it('without web.officeHours the form is absent and its POST refused', async () => {
    const { c } = await loggedIn();
    expect(testids((await c.get('/box')).body)).not.toContain('office-hours-form');
    const res = await c.post('/box/office-hours', { officeHours: 'none' });
    expect(res.status).toBe(403);
    expect((await settings()).officeHours).toBeUndefined();
  });

  it('with it: her hours and profiles are written; hours that do not parse are shown with the reason, nothing written', async () => {
    const { c } = await loggedIn({ web: { officeHours: true } });
    expect(testids((await c.get('/box')).body)).toContain('office-hours-form');
    const ok = await c.post('/box/office-hours', {
      officeHours: 'Europe/Berlin; mon-fri 07:00-15:00',
      offHoursProfile: 'mobile',
      breakProfile: '',
    });
    expect(await after(c, ok)).toBe('Ihre Bürozeiten sind gespeichert.');
    let s = await settings();
    expect([s.officeHours, s.offHoursProfile, s.breakProfile]).toEqual([
      'Europe/Berlin; mon-fri 07:00-15:00',
      'mobile',
      '',
    ]);

    const bad = await c.post('/box/office-hours', {
      officeHours: 'mon-fri 8-17',
      offHoursProfile: '@company',
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('Diese Bürozeiten kann die Voice-Box nicht lesen');
    expect(bad.body).toContain('a range is HH:MM-HH:MM, not &quot;8-17&quot;');
    expect(bad.body).toContain('value="mon-fri 8-17"');
    s = await settings();
    expect([s.officeHours, s.offHoursProfile]).toEqual(['Europe/Berlin; mon-fri 07:00-15:00', 'mobile']);

    // back to the company's: the keys go
    await after(
      c,
      await c.post('/box/office-hours', {
        officeHours: '',
        offHoursProfile: '@company',
        breakProfile: '@company',
      }),
    );
    s = await settings();
    expect([s.officeHours, s.offHoursProfile, s.breakProfile]).toEqual([undefined, undefined, undefined]);
    expect(
      (await c.post('/box/office-hours', { officeHours: '', offHoursProfile: 'boss' })).headers['location'],
    ).toBe('/box?error=unknown-profile');
  });
});

describe('per profile', () => {
  it('a transfer target is written as the phone writes it, cleared when emptied; messages switched off', async () => {
    const { c } = await loggedIn();
    await after(
      c,
      await c.post('/box/profile-settings', {
        profile: 'home',
        transferTo: '030 555123',
        messagesAllowed: 'on',
      }),
    );
    expect((await settings()).profiles['home']).toEqual({ transferTo: '+49 30 555123' });
    await after(c, await c.post('/box/profile-settings', { profile: 'home', transferTo: '' }));
    expect((await settings()).profiles['home']).toEqual({ messagesAllowed: false });
  });

  it('a target the dial policy refuses (abroad) shows the notice and writes nothing, not even the message switch', async () => {
    const { c } = await loggedIn();
    const before = await settings();
    const res = await c.post('/box/profile-settings', { profile: 'work', transferTo: '+44 20 7123 4567' });
    expect(res.headers['location']).toBe('/box?error=transfer-refused');
    expect(await after(c, res)).toContain('Eine Weiterleitung an diese Nummer ist nicht erlaubt');
    expect((await settings()).profiles).toEqual(before.profiles);
  });

  it('without allow_transfer_setup the transfer field is absent and a POST carrying it is refused', async () => {
    const { c } = await loggedIn({ menu: { allow_transfer_setup: false } });
    const ids = testids((await c.get('/box')).body);
    expect(ids).toContain('profile-settings-work');
    expect(ids.filter((id) => id.startsWith('transferTo-'))).toEqual([]);
    expect(
      (await c.post('/box/profile-settings', { profile: 'work', transferTo: '030 555123' })).status,
    ).toBe(403);
    expect((await settings()).profiles['work']).toBeUndefined();
    // the message switch still works
    await after(c, await c.post('/box/profile-settings', { profile: 'work' }));
    expect((await settings()).profiles['work']).toEqual({ messagesAllowed: false });
  });
});

describe('greeting type', () => {
  it('is set by the phone action; a type that is none is refused', async () => {
    const { c } = await loggedIn();
    await after(c, await c.post('/box/greeting-type', { greetingType: 'personalized' }));
    expect((await settings()).greetingType).toBe('personalized');
    expect((await c.post('/box/greeting-type', { greetingType: 'loud' })).headers['location']).toBe(
      '/box?error=bad-greeting-type',
    );
  });

  it('without allow_greeting_type the form is absent and its POST refused', async () => {
    const { c } = await loggedIn({ menu: { allow_greeting_type: false } });
    expect(testids((await c.get('/box')).body)).not.toContain('greeting-type-form');
    expect((await c.post('/box/greeting-type', { greetingType: 'personalized' })).status).toBe(403);
    expect((await settings()).greetingType).toBeUndefined();
  });
});

describe('notifications', () => {
  it("shows the site's defaults while she has none; writes hers, leaving what she did not change to the site", async () => {
    const { c } = await loggedIn();
    const page = (await c.get('/box')).body;
    expect(page).toMatch(/name="voice"[^>]*placeholder="1"/);
    // site: lamp on, SMS off; she turns SMS on and leaves the lamp as it is
    await after(
      c,
      await c.post('/box/notifications', { lamp: 'on', sms: 'on', voice: '3', fax: '', smsCount: '0' }),
    );
    const s = await settings();
    expect(s.notifyLamp).toBeUndefined();
    expect(s.notifyBySms).toBe(true);
    expect(s.notifyThresholds).toEqual({ voice: 3, sms: 0 });
    const res = await c.post('/box/notifications', { lamp: 'on', voice: '100' });
    expect(res.headers['location']).toBe('/box?error=bad-threshold');
    expect((await settings()).notifyThresholds).toEqual({ voice: 3, sms: 0 });
  });
});

describe('mail password', () => {
  it('absent without individual IMAP access, and its POST refused', async () => {
    const { c } = await loggedIn();
    expect(testids((await c.get('/box')).body)).not.toContain('mail-password-form');
    expect((await c.post('/box/mail-password', { password: 'x' })).status).toBe(403);
  });

  it('refused by the mail server: the notice says so, and the password is never in a page', async () => {
    const tried: string[] = [];
    const mailPasswords: MailPasswords = {
      async set(_user, password) {
        tried.push(password);
        return password === 'right-one' ? 'stored' : 'refused';
      },
    };
    const { c } = await loggedIn({ mailPasswords });
    const res = await c.post('/box/mail-password', { password: 'wrong-one' });
    const page = await c.get(String(res.headers['location']));
    expect(page.body).toContain('Der Mailserver hat das Kennwort abgelehnt');
    expect(page.body).not.toContain('wrong-one');
    expect(await after(c, await c.post('/box/mail-password', { password: 'right-one' }))).toBe(
      'Das Kennwort für Ihr Postfach ist gespeichert.',
    );
    expect(tried).toEqual(['wrong-one', 'right-one']);
  });
});

describe('PIN', () => {
  it('two different PINs, a trivial or a short one are refused; nothing written', async () => {
    const { c } = await loggedIn();
    const before = (await settings()).pinHash;
    for (const [fields, error] of [
      [{ current: PIN, pin: '8642', pin2: '8643' }, 'pin-mismatch'],
      [{ current: PIN, pin: '1234', pin2: '1234' }, 'pin-trivial'],
      [{ current: PIN, pin: '86', pin2: '86' }, 'pin-too-short'],
    ] as const) {
      expect((await c.post('/box/pin', fields)).headers['location']).toBe(`/box?error=${error}`);
    }
    expect((await settings()).pinHash).toBe(before);
  });

  it('without her current PIN, or with a wrong one, the PIN is not changed; the wrong one counts', async () => {
    const { c } = await loggedIn();
    expect(testids((await c.get('/box')).body)).toContain('current');
    const before = await settings();
    const missing = await c.post('/box/pin', { pin: '8642', pin2: '8642' });
    expect(missing.headers['location']).toBe('/box?error=current-wrong');
    expect(await after(c, missing)).toBe('Ihre bisherige PIN stimmt nicht. Ihre PIN ist nicht geändert.');
    expect((await settings()).wrongPinCount).toBe(0);
    const wrong = await c.post('/box/pin', { current: '1357', pin: '8642', pin2: '8642' });
    expect(wrong.headers['location']).toBe('/box?error=current-wrong');
    const s = await settings();
    expect([s.pinHash, s.pinChangedAt]).toEqual([before.pinHash, before.pinChangedAt]);
    expect(s.wrongPinCount).toBe(1);
  });

  it('a wrong current PIN that locks her voice box ends the session', async () => {
    const { c } = await loggedIn({ login: { maxWrongPins: 1 } });
    const res = await c.post('/box/pin', { current: '1357', pin: '8642', pin2: '8642' });
    expect(res.headers['location']).toBe('/login?error=locked');
    expect((await settings()).lockedAt).toBeDefined();
    const box = await c.get('/box');
    expect([box.status, box.headers['location']]).toEqual([303, '/login']);
  });

  it('a PIN she must change is changed without the current one (the login has just asked for it)', async () => {
    t = await webTest({ clock: () => TUESDAY_10, login: { changeInheritedPins: true } });
    const c = webClient(t.app, { acceptLanguage: 'de' });
    await c.get('/login');
    expect((await c.post('/login', { user: '501', secret: PIN })).headers['location']).toBe(
      '/box?error=new-pin',
    );
    expect(testids((await c.get('/box?error=new-pin')).body)).not.toContain('current');
    expect(await after(c, await c.post('/box/pin', { pin: '8642', pin2: '8642' }))).toContain(
      'Ihre PIN ist geändert',
    );
    expect((await settings()).pinChangedAt).toBe(TUESDAY_10.toISOString());
  });

  it('a PIN she must change: the login brings her to her voice box, which asks for a new one', async () => {
    t = await webTest({ clock: () => TUESDAY_10, login: { changeInheritedPins: true } });
    for (const [language, text] of [
      ['de', 'Bitte wählen Sie jetzt eine neue PIN.'],
      ['en', 'Please choose a new PIN now.'],
    ] as const) {
      const c = webClient(t.app, { acceptLanguage: language });
      await c.get('/login');
      const res = await c.post('/login', { user: '501', secret: PIN });
      expect(res.headers['location']).toBe('/box?error=new-pin');
      const box = await c.get('/box?error=new-pin');
      expect(/data-testid="notice">([^<]*)</.exec(box.body)?.[1]).toBe(text);
      expect(testids(box.body)).toContain('pin-form');
    }
  });

  // five scrypt hashes (her PIN, the new one, three logins): slow on a loaded machine
  it(
    'changed: she stays logged in, the new PIN logs in (check pin) and the old one does not',
    { timeout: 60_000 },
    async () => {
      const { c } = await loggedIn();
      expect(await after(c, await c.post('/box/pin', { current: PIN, pin: '8642', pin2: '8642' }))).toContain(
        'Ihre PIN ist geändert',
      );
      expect((await settings()).pinChangedAt).toBe(TUESDAY_10.toISOString());
      // still in: the next page is hers, not the login
      const again = await c.get('/box');
      expect(again.status).toBe(200);
      expect(testids(again.body)).toContain('pin-form');
      await webClient(t!.app).login('501', '8642');
      await expect(webClient(t!.app).login('501', '2468')).rejects.toThrow();
    },
  );
});

describe('hostile values', () => {
  it('values from the directory written as markup are shown as text', async () => {
    const { c } = await loggedIn({ web: { officeHours: true } });
    const alice = (await t!.deps.directory.findByNumber([ALICE]))!;
    await t!.deps.directory.updateSettings(alice, (s) => ({
      ...s,
      officeHours: '"><script>alert(1)</script>',
      profiles: { ...s.profiles, home: { transferTo: '<script>alert(2)</script>' } },
    }));
    const body = (await c.get('/box')).body;
    expect(body).not.toContain('<script>alert');
    expect(body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(body).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  });

  it('a notice key not in the table shows nothing; without the CSRF token nothing is written', async () => {
    const { c } = await loggedIn();
    expect((await c.get('/box?error=%3Cscript%3E')).body).not.toContain('data-testid="notice"');
    expect((await c.post('/box/profile', { profile: 'home' }, { csrf: false })).status).toBe(403);
    expect((await settings()).activeProfile).toBe('work');
  });
});

describe('a directory that may not be written', () => {
  it('her change by action or by the page says settings cannot be saved now; the page still shows', async () => {
    const { t, c } = await loggedIn();
    const directory = t.deps.directory;
    directory.updateSettings = async (user) => {
      throw new SettingsReadOnly(user.id, 'insufficientAccessRights');
    };
    for (const [url, fields] of [
      ['/box/profile', { profile: 'home' }],
      ['/box/vacation', { vacation: 'on' }],
    ] as const) {
      const res = await c.post(url, fields);
      expect(res.headers['location']).toBe('/box?error=read-only');
      expect(await after(c, res)).toBe('Einstellungen können zurzeit nicht gespeichert werden.');
    }
  });
});
