// The login: her phone PIN (the `check pin` action: the phone's counter and lock) or her directory
// password (counted the same), the answers that do not tell who exists, the rate limit, the
// session's end (idle, PIN changed), and logs without a secret.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { YamlDirectory } from '../../src/directory/index.js';
import { hashPin } from '../../src/pin/index.js';
import type { DirectoryUser } from '../../src/directory/index.js';
import type { PageModule, PasswordCheck } from '../../src/web/context.js';
import { recordingLogger, silentLogger } from '../support/log.js';
import { ALICE, aliceSettingsIn, PIN } from '../support/owners.js';
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
    expect(logged[2]).toMatch(/ mailbox=\+49_30_1234501 caller=web:127\.0\.0\.1 count=3 password locked$/);
    expect(logged.join('\n')).not.toMatch(/wrong|correct/);
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
