// The login: her phone PIN (the `check pin` action: the phone's counter and lock) or her directory
// password (counted the same), the answers that do not tell who exists, the rate limit, the
// session's end (idle, PIN changed), and logs without a secret.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { YamlDirectory } from '../../src/directory/index.js';
import { hashPin, pinHashLoad, resetPinHashPeak } from '../../src/pin/index.js';
import type { DirectoryUser } from '../../src/directory/index.js';
import type { PageModule, PasswordCheck } from '../../src/web/context.js';
import { recordingLogger, silentLogger } from '../support/log.js';
import { ALICE, aliceSettingsIn, maildirInbox, PIN } from '../support/owners.js';
import { webTest, type WebResponse, type WebTest } from './support.js';

let t: WebTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** her voice box, reduced to who is logged in */
const box: PageModule = (app, _deps, guard) => {
  app.get('/box', { preHandler: guard.owner }, async (request) => `box of ${request.owner!.user.mailbox}`);
};

/** her voice box with a form on it (its CSRF token), as the real page has */
const boxWithForm: PageModule = (app, _deps, guard) => {
  app.get('/box', { preHandler: guard.owner }, async (request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `box of ${request.owner!.user.mailbox} <input name="_csrf" value="${reply.generateCsrf()}">`;
  });
};

const cookieOf = (res: WebResponse): string => {
  const set = res.headers['set-cookie'];
  return (
    (Array.isArray(set) ? set : [String(set ?? '')]).find((c) => c.startsWith('voicebox_session=')) ?? ''
  );
};

/** a login attempt from a fresh browser: the form, then the POST */
async function attempt(web: WebTest, user: string, secret: string): Promise<WebResponse> {
  const c = web.client();
  await c.get('/login');
  return c.post('/login', { user, secret });
}

const aliceNow = () => aliceSettingsIn(t!.usersFile);

async function alice(): Promise<DirectoryUser> {
  return (await new YamlDirectory({ file: t!.usersFile }).findByNumber([ALICE]))!;
}

/** changes Alice's stored settings, as the phone or an admin would */
async function changeAlice(change: Parameters<YamlDirectory['updateSettings']>[1]): Promise<void> {
  const d = new YamlDirectory({ file: t!.usersFile });
  await d.updateSettings((await d.findByNumber([ALICE]))!, change);
}

describe('logging in with the PIN', () => {
  it('takes her to her voice box with a cookie scripts cannot read and other sites do not send', async () => {
    t = await webTest({ pages: [box] });
    const res = await attempt(t, '501', PIN);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/box');
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(cookie).not.toMatch(/; Secure/i);
    // the cookie holds nothing readable: no PIN, no number
    expect(cookie).not.toContain(PIN);
    expect(cookie).not.toContain('1234501');
  });

  it('sends the cookie only over HTTPS when the page is served so', async () => {
    t = await webTest({ pages: [box], secure: true });
    expect(cookieOf(await attempt(t, '501', PIN))).toMatch(/; Secure/i);
  });

  it('finds her mailbox by any way of writing it', async () => {
    t = await webTest({ pages: [box] });
    for (const number of ['+49 30 1234501', '030 1234501', '+49301234501'])
      expect((await attempt(t, number, PIN)).headers['location']).toBe('/box');
  });

  it('by her login name, in any case', async () => {
    t = await webTest({ pages: [box] });
    const bobPin = '97531';
    const d = new YamlDirectory({ file: t.usersFile });
    const pinHash = await hashPin(bobPin);
    await d.updateSettings((await d.findByLogin('bberger'))!, (s) => ({ ...s, pinHash }));
    const c = t.client();
    await c.login('BBerger', bobPin);
    expect((await c.get('/box')).body).toBe('box of +49 30 1234502');
  });

  it('a PIN she must change first: logged in, and sent to her voice box to choose a new one', async () => {
    t = await webTest({ pages: [box], login: { changeInheritedPins: true } });
    const res = await attempt(t, '501', PIN);
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/box?error=new-pin');
  });
});

describe('web.admins', () => {
  const adminPage: PageModule = (app, _deps, guard) => {
    box(app, _deps, guard);
    app.get('/admin', { preHandler: guard.admin }, async () => 'admin page');
  };

  it('lists her by her extension or any other way of writing her number', async () => {
    for (const admins of [['501'], ['030 1234501'], ['+49 (30) 1234-501']]) {
      t = await webTest({ pages: [adminPage], web: { admins } });
      const c = t.client();
      await c.login();
      const res = await c.get('/admin');
      expect(res.status, admins[0]).toBe(200);
      expect(res.body).toBe('admin page');
      await t.close();
      t = undefined;
    }
  });

  it('does not mistake another number or login for hers', async () => {
    t = await webTest({ pages: [adminPage], web: { admins: ['502', '0301234502', 'BBERGER', '1234'] } });
    const c = t.client();
    await c.login();
    expect((await c.get('/admin')).status).toBe(403);
  });
});

describe('a wrong PIN', () => {
  it('gets the same answer as a user who does not exist, and counts in the directory as on the phone', async () => {
    t = await webTest({ pages: [box] });
    const wrong = await attempt(t, '501', '1111');
    const nobody = await attempt(t, '599', '1111');
    const byName = await attempt(t, 'nobody-here', '1111');
    expect(wrong.status).toBe(303);
    expect([nobody.status, byName.status]).toEqual([303, 303]);
    expect(nobody.headers['location']).toBe(wrong.headers['location']);
    expect(byName.headers['location']).toBe(wrong.headers['location']);
    expect((await aliceNow()).wrongPinCount).toBe(1);
    const page = await t.client().get(String(wrong.headers['location']));
    expect(page.body).toContain('data-testid="notice"');
  });

  it('three times locks her mailbox — for the phone too — and the right PIN is refused afterwards', async () => {
    t = await webTest({ pages: [box] });
    for (let i = 0; i < 3; i++) await attempt(t, '501', '1111');
    const s = await aliceNow();
    expect(s.wrongPinCount).toBe(3);
    expect(s.lockedAt).toBeDefined();
    const right = await attempt(t, '501', PIN);
    expect(right.headers['location']).toBe('/login?error=locked');
    // the phone's `check pin` says the same
    const rec = await t.deps.actions().get('lookup user')!(['501'], phoneCall());
    const checked = await t.deps.actions().get('check pin')!(
      [(rec as { value: never }).value, PIN],
      phoneCall(),
    );
    expect(checked).toEqual({ outcome: 'locked' });
  });

  it('a mailbox locked by phone cannot log in on the web, and the attempt is not counted', async () => {
    t = await webTest({ pages: [box] });
    await changeAlice((s) => ({ ...s, wrongPinCount: 3, lockedAt: '2026-11-30T10:00:00.000Z' }));
    const res = await attempt(t, '501', PIN);
    expect(res.headers['location']).toBe('/login?error=locked');
    expect((await aliceNow()).wrongPinCount).toBe(3);
  });

  it('a login switched off for her (phone access none) is refused, with the reason', async () => {
    t = await webTest({ pages: [box] });
    await changeAlice((s) => ({ ...s, access: 'none' }));
    const res = await attempt(t, '501', PIN);
    expect(res.headers['location']).toBe('/login?error=off');
    const de = await t.client().get('/login?error=off');
    expect(de.body).toContain('Die Anmeldung am Telefon und im Web ist für Sie abgeschaltet.');
  });
});

describe('the login form itself', () => {
  it('refuses a POST without the CSRF token (a form posted from another site), and counts nothing', async () => {
    t = await webTest({ pages: [box] });
    const c = t.client();
    await c.get('/login');
    const res = await c.post('/login', { user: '501', secret: '1111' }, { csrf: false });
    expect(res.status).toBe(403);
    expect((await aliceNow()).wrongPinCount).toBe(0);
    // and from a browser that never saw the form
    const stranger = t.client();
    expect((await stranger.post('/login', { user: '501', secret: PIN }, { csrf: false })).status).toBe(403);
  });

  it('answers 429 after web.loginsPerMinute attempts from one address', async () => {
    t = await webTest({ pages: [box], web: { loginsPerMinute: 3 } });
    const c = t.client();
    await c.get('/login');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await c.post('/login', { user: '599', secret: '1' })).status);
    expect(statuses).toEqual([303, 303, 303, 429]);
    // the right PIN is no way round it
    expect((await c.post('/login', { user: '501', secret: PIN })).status).toBe(429);
  });

  it('ignores what is not a field it knows, and survives hostile values', async () => {
    t = await webTest({ pages: [box] });
    for (const fields of [
      { user: '*)(uid=*', secret: PIN },
      { user: '../../etc/passwd', secret: PIN },
      { user: 'x'.repeat(5000), secret: PIN },
      { user: '501', secret: 'y'.repeat(5000) },
      { user: '', secret: '' },
    ]) {
      const res = await attempt(t, fields.user, fields.secret);
      expect(res.status).toBe(303);
      expect(res.headers['location']).toBe('/login?error=failed');
    }
  });
});

describe('the session ends', () => {
  it('after web.sessionMinutes without a click', async () => {
    let now = Date.parse('2026-12-01T09:00:00Z');
    t = await webTest({ pages: [box], clock: () => new Date(now), web: { sessionMinutes: 10 } });
    const c = t.client();
    await c.login();
    now += 9 * 60_000;
    expect((await c.get('/box')).status).toBe(200);
    now += 9 * 60_000; // 9 minutes after the last click: still there
    expect((await c.get('/box')).status).toBe(200);
    now += 11 * 60_000;
    const res = await c.get('/box');
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/login?error=idle');
    now += 1_000;
    expect((await c.get('/box')).headers['location']).toBe('/login');
  });

  it('when her PIN was changed since (by phone, or in another browser)', async () => {
    t = await webTest({ pages: [box] });
    const c = t.client();
    await c.login();
    expect((await c.get('/box')).status).toBe(200);
    await changeAlice((s) => ({ ...s, pinChangedAt: '2026-12-01T10:00:00.000Z' }));
    const res = await c.get('/box');
    expect(res.headers['location']).toBe('/login?error=ended');
    expect((await c.get('/box')).headers['location']).toBe('/login');
  });

  it('when she is locked meanwhile', async () => {
    t = await webTest({ pages: [box] });
    const c = t.client();
    await c.login();
    await changeAlice((s) => ({ ...s, lockedAt: '2026-12-01T10:00:00.000Z' }));
    expect((await c.get('/box')).headers['location']).toBe('/login?error=locked');
  });
});

describe('logging in with the directory password', () => {
  /** an LDAP bind as her, faked: one password is right; `down` when no server answers */
  function passwords(right: string): PasswordCheck & { checked: string[]; down: boolean } {
    const fake = {
      checked: [] as string[],
      down: false,
      async verify(user: DirectoryUser, password: string) {
        fake.checked.push(user.id);
        if (fake.down) throw new Error('no directory server answered');
        return password === right;
      },
    };
    return fake;
  }

  it('a wrong password counts like a wrong PIN, and locks at login.maxWrongPins', async () => {
    const check = passwords('correct horse');
    t = await webTest({ pages: [box], web: { login: 'directory' }, passwords: check });
    expect((await attempt(t, 'alice', 'correct horse')).headers['location']).toBe('/box');
    expect((await attempt(t, '501', 'wrong')).headers['location']).toBe('/login?error=failed');
    expect((await aliceNow()).wrongPinCount).toBe(1);
    // the PIN is not a way in when the site asks for the directory password
    expect((await attempt(t, '501', PIN)).headers['location']).toBe('/login?error=failed');
    expect((await attempt(t, '501', 'wrong again')).headers['location']).toBe('/login?error=locked');
    const s = await aliceNow();
    expect(s.wrongPinCount).toBe(3);
    expect(s.lockedAt).toBeDefined();
    expect((await attempt(t, 'alice', 'correct horse')).headers['location']).toBe('/login?error=locked');
    expect(check.checked).toHaveLength(4); // a locked mailbox is refused before the check
    // the admin reads them where the phone's wrong PINs are, without the password
    const logged = readFileSync(t.config.login.wrongPinLog, 'utf8').trim().split('\n');
    expect(logged).toHaveLength(3);
    // the phone's own line, naming the address
    expect(logged[2]).toMatch(/ mailbox=\+49_30_1234501 caller=web:127\.0\.0\.1 count=3 locked$/);
    expect(logged.join('\n')).not.toMatch(/wrong|correct/);
    // and the phone's lock mail (login.notifyLock)
    const locked = await until(() =>
      maildirInbox(t!.maildir, 'alice').find((m) =>
        /^Subject: (Ihre Anmeldung per Telefon wurde gesperrt|Your telephone login has been locked)/m.test(
          m.text,
        ),
      ),
    );
    expect(locked.text).not.toMatch(/wrong again|correct horse/);
  });

  it('the right password clears the count; no server answering counts nothing', async () => {
    const check = passwords('correct horse');
    t = await webTest({ pages: [box], web: { login: 'directory' }, passwords: check });
    await attempt(t, '501', 'wrong');
    expect((await aliceNow()).wrongPinCount).toBe(1);
    await attempt(t, '501', 'correct horse');
    expect((await aliceNow()).wrongPinCount).toBe(0);
    check.down = true;
    expect((await attempt(t, '501', 'wrong')).headers['location']).toBe('/login?error=unavailable');
    expect((await aliceNow()).wrongPinCount).toBe(0);
  });

  it('with `both`, digits are tried as the PIN and anything else as the password', async () => {
    const check = passwords('correct horse');
    t = await webTest({ pages: [box], web: { login: 'both' }, passwords: check });
    expect((await attempt(t, '501', PIN)).headers['location']).toBe('/box');
    expect((await attempt(t, '501', 'correct horse')).headers['location']).toBe('/box');
    expect(check.checked).toHaveLength(1);
  });
});

describe('the log', () => {
  it('says who logged in or was refused, from where and why — never the PIN or password', async () => {
    const { log, lines } = recordingLogger();
    const check = { verify: async (_u: DirectoryUser, p: string) => p === 'S3cret-Pass!' };
    t = await webTest({ pages: [box], log, web: { login: 'both' }, passwords: check });
    await attempt(t, '501', PIN);
    await attempt(t, '501', '8642');
    await attempt(t, '501', 'S3cret-Pass!');
    await attempt(t, '501', 'Wr0ng-Pass!');
    await attempt(t, '599', '97531');
    const logins = lines.filter((l) => l.msg === 'web login');
    const refused = lines.filter((l) => l.msg === 'web login refused');
    expect(logins).toHaveLength(2);
    expect(logins[0]).toMatchObject({ user: (await alice()).id, ip: '127.0.0.1' });
    expect(refused.map((l) => l['reason'])).toEqual(['failed', 'failed', 'failed']);
    expect(refused[2]).toMatchObject({ unknownUser: true, ip: '127.0.0.1' });
    const text = JSON.stringify(lines);
    for (const secret of [PIN, '8642', 'S3cret-Pass!', 'Wr0ng-Pass!', '97531'])
      expect(text).not.toContain(secret);
    expect(text).not.toMatch(/scrypt\$/);
  });
});

/** a phone call's context for running an action directly */
function phoneCall() {
  return {
    call: {
      id: 'phone',
      caller: '+4989777888',
      callerName: '',
      called: '501',
      callerClass: 'external' as const,
      time: new Date(),
    },
    language: 'de',
    log: silentLogger,
    onCallEnd() {},
  };
}

/** waits (at most 20 s) until `found` gives something */
async function until<T>(found: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = found();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('not there within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the hash work of a login', () => {
  it('unknown users wait their turn for the PIN hash slots the phone uses too', async () => {
    t = await webTest({ pages: [box], web: { loginsPerMinute: 100 } });
    const before = pinHashLoad().started;
    resetPinHashPeak();
    const answers = await Promise.all(
      ['598', '597', '596', 'nobody', 'nobody-else', '595'].map((u) => attempt(t!, u, '1357')),
    );
    expect(answers.map((a) => a.headers['location'])).toEqual(Array(6).fill('/login?error=failed'));
    expect(pinHashLoad().started - before).toBe(6);
    expect(pinHashLoad().peak).toBeLessThanOrEqual(2);
  }, 60_000);

  it('more logins at once than the web may have checked are told to try again, not queued', async () => {
    t = await webTest({ pages: [box], web: { loginsPerMinute: 100 } });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => attempt(t!, `59${i}`, '1357')));
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.status === 303).length).toBeGreaterThanOrEqual(8);
    expect(busy[0]!.body).toMatch(/Bitte versuchen Sie es gleich noch einmal|Please try again in a moment/);
    expect(busy[0]!.body).toContain('data-testid="login-form"');
  }, 60_000);

  it('every failed attempt costs one PIN hash, whatever the reason', async () => {
    const check = { verify: async (_u: DirectoryUser, p: string) => p === 'correct horse' };
    t = await webTest({ pages: [box], web: { login: 'both', loginsPerMinute: 100 }, passwords: check });
    // Bob has ixi-UMS's PIN (compared without a hash), Carol the site's... none at all
    const d = new YamlDirectory({ file: t.usersFile });
    await d.updateSettings((await d.findByLogin('bberger'))!, (s) => {
      const next = { ...s, legacyPin: Buffer.from('97531').toString('base64') };
      delete next.pinHash;
      return next;
    });
    const cost = async (user: string, secret: string): Promise<number> => {
      const before = pinHashLoad().started;
      const res = await attempt(t!, user, secret);
      expect(res.headers['location'], `${user} ${secret}`).toMatch(/^\/login\?error=/);
      return pinHashLoad().started - before;
    };
    expect(await cost('599', '1357')).toBe(1); // nobody with that number
    expect(await cost('nobody-here', '1357')).toBe(1); // nobody with that login
    expect(await cost('501', '1357')).toBe(1); // her hash, checked
    expect(await cost('bberger', '1357')).toBe(1); // a legacy PIN
    expect(await cost('501', 'wrong horse')).toBe(1); // a directory password
    expect(await cost('bberger', 'wrong horse')).toBe(1);
    expect(await cost('501', '')).toBe(1); // nothing typed
  }, 60_000);
});

describe('a PIN she must change first', () => {
  /** her voice box with its PIN form, and the pages behind it */
  const pages: PageModule = (app, _deps, guard) => {
    boxWithForm(app, _deps, guard);
    app.post('/box/pin', { preHandler: guard.owner }, async (request, reply) => {
      const owner = request.owner!;
      const pin = String((request.body as Record<string, unknown>)['pin']);
      const result = await owner.actions.run('change pin', [owner.record, pin]);
      if ('outcome' in result) return reply.redirect(`/box?error=${result.outcome}`, 303);
      // the session follows her new PIN, as the voice-box page does
      const now = await new YamlDirectory({ file: t!.usersFile }).findByNumber([ALICE]);
      (request.session as unknown as { set(k: string, v: unknown): void }).set(
        'stamp',
        now!.settings.pinChangedAt ?? '',
      );
      return reply.redirect('/box?done=pin', 303);
    });
    app.get('/messages', { preHandler: guard.messages }, async () => 'messages');
    app.get('/greetings', { preHandler: guard.owner }, async () => 'greetings');
    app.post('/box/profile', { preHandler: guard.owner }, async () => 'profile set');
  };

  async function mustChange(c: ReturnType<WebTest['client']>): Promise<void> {
    for (const url of ['/messages', '/greetings']) {
      const res = await c.get(url);
      expect(res.status, url).toBe(303);
      expect(res.headers['location'], url).toBe('/box?error=new-pin');
    }
    expect((await c.post('/box/profile', { profile: 'home' })).headers['location']).toBe(
      '/box?error=new-pin',
    );
    expect((await c.get('/box')).status).toBe(200);
  }

  it('(inherited) opens only her voice box until she has chosen one', async () => {
    t = await webTest({ pages: [pages], login: { changeInheritedPins: true } });
    const c = t.client();
    await c.login();
    await mustChange(c);
    const changed = await c.post('/box/pin', { pin: '80357' });
    expect(changed.headers['location']).toBe('/box?done=pin');
    await c.get('/box');
    expect((await c.get('/messages')).status).toBe(200);
    expect((await c.get('/greetings')).body).toBe('greetings');
  });

  it('(expired, login.afterExpiry change) the same', async () => {
    let now = Date.parse('2026-12-01T09:00:00Z');
    t = await webTest({
      pages: [pages],
      clock: () => new Date(now),
      login: { pinExpiryDays: 30, afterExpiry: 'change' },
    });
    await changeAlice((s) => ({ ...s, pinChangedAt: '2026-09-01T09:00:00.000Z' }));
    const c = t.client();
    await c.login();
    await mustChange(c);
    now += 60_000;
    await c.post('/box/pin', { pin: '80357' });
    await c.get('/box');
    expect((await c.get('/messages')).status).toBe(200);
  });
});

describe('a login lasts', () => {
  it(`at most ${12} hours, however busy she is`, async () => {
    let now = Date.parse('2026-12-01T08:00:00Z');
    t = await webTest({ pages: [box], clock: () => new Date(now), web: { sessionMinutes: 480 } });
    const c = t.client();
    await c.login();
    now += 6 * 3_600_000;
    expect((await c.get('/box')).status).toBe(200);
    now += 5 * 3_600_000 + 59 * 60_000;
    expect((await c.get('/box')).status).toBe(200);
    now += 2 * 60_000;
    const res = await c.get('/box');
    expect(res.headers['location']).toBe('/login?error=expired');
    expect((await t.client().get('/login?error=expired')).body).toMatch(/12 (Stunden|hours)/);
  });

  it('until she logs out: then a copy of the cookie and her other browsers are logged out too', async () => {
    t = await webTest({ pages: [boxWithForm] });
    const c = t.client();
    await c.login();
    const other = t.client();
    await other.login();
    const copy = c.cookie()!;
    const out = await c.post('/logout');
    expect(out.headers['location']).toBe('/login?done=logout');
    const stolen = await t.app.inject({ method: 'GET', url: '/box', headers: { cookie: copy } });
    expect(stolen.statusCode).toBe(303);
    expect(stolen.headers['location']).toBe('/login?error=elsewhere');
    expect((await other.get('/box')).headers['location']).toBe('/login?error=elsewhere');
    // a new login works
    await c.login();
    expect((await c.get('/box')).status).toBe(200);
  });

  it('a logout from a session already over goes to the login page, not to "form expired"', async () => {
    let now = Date.parse('2026-12-01T08:00:00Z');
    t = await webTest({ pages: [boxWithForm], clock: () => new Date(now), web: { sessionMinutes: 10 } });
    const c = t.client();
    await c.login();
    now += 11 * 60_000;
    const res = await c.post('/logout');
    expect(res.status).toBe(303);
    expect(res.headers['location']).toBe('/login');
    const nobody = await t.client().post('/logout', {}, { csrf: false });
    expect(nobody.status).toBe(303);
    expect(nobody.headers['location']).toBe('/login');
  });
});
