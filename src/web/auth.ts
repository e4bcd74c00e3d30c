// Who may see the pages: the login form (her phone PIN through the `check pin` action, or her
// directory password), the session it leaves, and the guards every page route runs first.
//
// The PIN and the directory password count towards the same lock as the phone: a wrong one
// here is a wrong one there. An unknown user and a wrong secret get the same answer and take
// about as long, so the form does not tell who has a mailbox.
import { randomBytes, scrypt } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loginAccess } from '../actions/index.js';
import { DirectoryError, type DirectoryUser, type UserSettings } from '../directory/index.js';
import { formats, type Location } from '../phone/index.js';
import type { Value } from '../runtime/index.js';
import { webActions } from './actions.js';
import type { Guards, PageLanguage, WebDeps, WebOwner, WebSessionData } from './context.js';
import { csrfField, html, page, type Html } from './html.js';

/** A guard's answer instead of the page: the app's error handler turns it into the response. */
export class WebRedirect extends Error {
  override name = 'WebRedirect';
  constructor(readonly location: string) {
    super(`redirect to ${location}`);
  }
}

/** A page she may not see (403) or that cannot be shown now (503): a page in her language. */
export class WebRefusal extends Error {
  override name = 'WebRefusal';
  constructor(
    readonly statusCode: 403 | 404 | 503,
    readonly reason: 'forbidden' | 'not_found' | 'unavailable',
  ) {
    super(reason);
  }
}

const LOGIN_TEXT = {
  de: {
    title: 'Anmelden',
    user: 'Voice-Box-Nummer oder Benutzername',
    secretPin: 'PIN',
    secretDirectory: 'Kennwort',
    secretBoth: 'PIN oder Kennwort',
    submit: 'Anmelden',
    hint: 'Mit derselben PIN wie am Telefon.',
    hintDirectory: 'Mit dem Kennwort Ihres Benutzerkontos.',
    hintBoth:
      'Mit der PIN vom Telefon oder dem Kennwort Ihres Benutzerkontos. Eine Eingabe nur aus Ziffern gilt als PIN.',
  },
  en: {
    title: 'Log in',
    user: 'Voice box number or user name',
    secretPin: 'PIN',
    secretDirectory: 'Password',
    secretBoth: 'PIN or password',
    submit: 'Log in',
    hint: 'With the same PIN as on the phone.',
    hintDirectory: 'With the password of your user account.',
    hintBoth:
      'With the PIN from the phone or the password of your user account. Digits only count as the PIN.',
  },
} as const;

/** why the login page is shown again: keys of ?error=, never text from the query */
export const LOGIN_NOTICES = {
  de: {
    failed: 'Anmeldung fehlgeschlagen: Nummer oder Benutzername, PIN oder Kennwort stimmen nicht.',
    locked:
      'Ihre Voice-Box ist nach zu vielen falschen Eingaben gesperrt. Bitte wenden Sie sich an Ihre Administration.',
    off: 'Die Anmeldung am Telefon und im Web ist für Sie abgeschaltet.',
    refused: 'Ihre PIN ist abgelaufen. Bitte wenden Sie sich an Ihre Administration.',
    unavailable: 'Das Verzeichnis ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
    idle: 'Sie wurden nach längerer Pause abgemeldet. Bitte melden Sie sich erneut an.',
    ended: 'Ihre Sitzung wurde beendet (die PIN wurde geändert). Bitte melden Sie sich erneut an.',
    logout: 'Sie sind abgemeldet.',
  },
  en: {
    failed: 'Login failed: the number or user name, the PIN or the password is not right.',
    locked: 'Your voice box is locked after too many wrong attempts. Please contact your administrator.',
    off: 'Phone and web login are switched off for you.',
    refused: 'Your PIN has expired. Please contact your administrator.',
    unavailable: 'The directory cannot be reached just now. Please try again in a moment.',
    idle: 'You were logged out after a long pause. Please log in again.',
    ended: 'Your session was ended (the PIN was changed). Please log in again.',
    logout: 'You are logged out.',
  },
} as const;

type LoginNotice = keyof (typeof LOGIN_NOTICES)['en'];

const isLoginNotice = (key: unknown): key is LoginNotice =>
  typeof key === 'string' && Object.prototype.hasOwnProperty.call(LOGIN_NOTICES.en, key);

/** where an owner whose PIN must be changed first lands (the voice-box page shows its PIN form with this notice) */
export const NEW_PIN_NOTICE = '/box?error=new-pin';

/** the session's content, or undefined when it holds no login (or not one of ours) */
export function sessionOf(request: FastifyRequest): WebSessionData | undefined {
  const s = request.session;
  const userId: unknown = s.get('userId');
  const mailbox: unknown = s.get('mailbox');
  const stamp: unknown = s.get('stamp');
  const seenAt: unknown = s.get('seenAt');
  if (typeof userId !== 'string' || typeof mailbox !== 'string') return undefined;
  if (typeof stamp !== 'string' || typeof seenAt !== 'number') return undefined;
  return { userId, mailbox, stamp, seenAt };
}

/** the session's fields as this app writes them (the plug-in's own typing knows none) */
function remember<K extends keyof WebSessionData>(
  request: FastifyRequest,
  key: K,
  value: WebSessionData[K],
): void {
  (request.session as unknown as { set(key: string, value: unknown): void }).set(key, value);
}

function endSession(request: FastifyRequest): void {
  request.session.delete();
}

/** her entry by her mailbox number, as the phone finds the called mailbox */
async function byMailbox(deps: WebDeps, number: string): Promise<DirectoryUser | undefined> {
  const f = formats(number, deps.location);
  if (!f) return undefined;
  return deps.directory.findByNumber(f.all);
}

const digits = (s: string) => s.replace(/\D/g, '');

/**
 * Listed in web.admins: a number in any of its written forms (501, 030 1234501, +49 30 1234501 …)
 * as the login finds her mailbox by it; a login without regard to case.
 */
export function isAdmin(user: DirectoryUser, admins: readonly string[], location: Location): boolean {
  const mailbox = formats(user.mailbox, location)?.all ?? [user.mailbox];
  return admins.some((entry) => {
    const a = entry.trim();
    if (a === '') return false;
    if (/^[+0-9 ()./-]+$/.test(a)) {
      const listed = formats(a, location)?.all;
      if (listed) return listed.some((form) => mailbox.includes(form));
      return digits(a) !== '' && digits(a) === digits(user.mailbox);
    }
    return user.login !== undefined && a.toLowerCase() === user.login.toLowerCase();
  });
}

/** the record `lookup user` made, or undefined when the release does not find her mailbox */
async function lookupRecord(
  actions: ReturnType<typeof webActions>,
  mailbox: string,
): Promise<Value | undefined> {
  const result = await actions.run('lookup user', [mailbox]);
  if ('outcome' in result || result.value === undefined) return undefined;
  return result.value;
}

/** The guards the page modules put before their routes (PageModule's `guard`). */
export function makeGuards(deps: WebDeps): Guards {
  const owner = async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const session = sessionOf(request);
    if (!session) throw new WebRedirect('/login');
    const now = deps.clock().getTime();
    if (now - session.seenAt > deps.config.web.sessionMinutes * 60_000) {
      endSession(request);
      throw new WebRedirect('/login?error=idle');
    }
    const actions = webActions(deps, session.mailbox, request);
    let user: DirectoryUser | undefined;
    let record: Value | undefined;
    try {
      user = await byMailbox(deps, session.mailbox);
      if (user?.id === session.userId) record = await lookupRecord(actions, session.mailbox);
    } catch (e) {
      if (!(e instanceof DirectoryError)) throw e;
      deps.log.warn({ web: true, user: session.userId, err: e.message }, 'web page: directory unavailable');
      throw new WebRefusal(503, 'unavailable');
    }
    // gone, renumbered, her PIN changed since (by phone, or in another browser), locked, or her login switched off
    if (!user || user.id !== session.userId || record === undefined || typeof record !== 'object') {
      endSession(request);
      throw new WebRedirect('/login');
    }
    if (user.lastKnown !== undefined) throw new WebRefusal(503, 'unavailable');
    if ((user.settings.pinChangedAt ?? '') !== session.stamp) {
      endSession(request);
      throw new WebRedirect('/login?error=ended');
    }
    if (user.settings.lockedAt) {
      endSession(request);
      throw new WebRedirect('/login?error=locked');
    }
    const access = loginAccess(user, deps.config.login);
    if (access === 'none') {
      endSession(request);
      throw new WebRedirect('/login?error=off');
    }
    remember(request, 'seenAt', now);
    const found: WebOwner = {
      user,
      record: record as WebOwner['record'],
      actions,
      access,
      admin: isAdmin(user, deps.config.web.admins, deps.location),
    };
    request.owner = found;
  };
  return {
    owner,
    async messages(request, reply) {
      await owner(request, reply);
      if (request.owner?.access !== 'messages') throw new WebRefusal(403, 'forbidden');
    },
    async admin(request, reply) {
      await owner(request, reply);
      if (!request.owner?.admin) throw new WebRefusal(403, 'forbidden');
    },
  };
}

type LoginResult =
  | { ok: true; user: DirectoryUser; how: 'pin' | 'directory'; newPin: boolean }
  | { ok: false; reason: LoginNotice; user?: DirectoryUser };

/** The login: /login (the form), POST /login, POST /logout, and GET / (to her box or the form). */
export function registerLogin(app: FastifyInstance, deps: WebDeps): void {
  const web = deps.config.web;
  // nobody to check the secret for: the same work as a PIN check (src/pin's scrypt cost), the same time
  const spendAsLong = (secret: string): Promise<void> =>
    new Promise((resolve) => {
      scrypt(secret, randomBytes(16), 32, { N: 32768, r: 8, p: 5, maxmem: 128 * 1024 * 1024 }, () =>
        resolve(),
      );
    });

  const loginPage = (request: FastifyRequest, reply: FastifyReply, notice?: LoginNotice): Html => {
    const language: PageLanguage = request.pageLanguage;
    const t = LOGIN_TEXT[language];
    const secretLabel =
      web.login === 'pin' ? t.secretPin : web.login === 'directory' ? t.secretDirectory : t.secretBoth;
    const hint = web.login === 'pin' ? t.hint : web.login === 'directory' ? t.hintDirectory : t.hintBoth;
    const csrf = reply.generateCsrf();
    return page({
      language,
      title: t.title,
      csrf,
      notice: notice
        ? { kind: notice === 'logout' ? 'ok' : 'error', text: LOGIN_NOTICES[language][notice] }
        : undefined,
      body: html`<form method="post" action="/login" class="card login" data-testid="login-form">
        ${csrfField(csrf)}
        <label for="user">${t.user}</label>
        <input
          id="user"
          name="user"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck="false"
          required
          maxlength="128"
          data-testid="login-user"
        />
        <label for="secret">${secretLabel}</label>
        <input
          id="secret"
          name="secret"
          type="password"
          required
          maxlength="256"
          autocomplete="current-password"
          ${web.login === 'pin' ? html`inputmode="numeric"` : ''}
          data-testid="login-secret"
        />
        <p class="muted">${hint}</p>
        <button type="submit" data-testid="login-submit">${t.submit}</button>
      </form>`,
    });
  };

  app.get('/', async (request, reply) => {
    return reply.redirect(sessionOf(request) ? '/box' : '/login', 303);
  });

  app.get('/login', async (request, reply) => {
    const error = (request.query as Record<string, unknown> | undefined)?.['error'];
    const done = (request.query as Record<string, unknown> | undefined)?.['done'];
    const notice = isLoginNotice(error) ? error : done === 'logout' ? 'logout' : undefined;
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return loginPage(request, reply, notice).text;
  });

  const field = (body: unknown, name: string, max: number): string => {
    const v = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
    return typeof v === 'string' && v.length <= max ? v : '';
  };

  /**
   * A wrong directory password, counted as `check pin` counts a wrong PIN, with its line in the
   * wrong-PIN log (the admin reads one file for both).
   */
  const countWrong = async (user: DirectoryUser, ip: string): Promise<'wrong' | 'locked'> => {
    const at = deps.clock().toISOString();
    let locked = false;
    let already = false;
    let count = 0;
    await deps.directory.updateSettings(user, (s: UserSettings) => {
      already = Boolean(s.lockedAt);
      if (already) return s;
      count = s.wrongPinCount + 1;
      locked = count >= deps.config.login.maxWrongPins;
      return { ...s, wrongPinCount: count, ...(locked ? { lockedAt: at } : {}) };
    });
    if (already) return 'locked';
    const field = (v: string): string => v.replace(/[^\x21-\x7e]/g, '_').slice(0, 64) || '-';
    await appendWrongPinLine(
      deps.config.login.wrongPinLog,
      [at, `mailbox=${field(user.mailbox)}`, `caller=web:${field(ip)}`, `count=${count}`, 'password']
        .concat(locked ? ['locked'] : [])
        .join(' '),
    ).catch((e: unknown) =>
      deps.log.error({ web: true, err: (e as Error).message }, 'wrong-PIN log not written'),
    );
    return locked ? 'locked' : 'wrong';
  };

  const tryLogin = async (request: FastifyRequest, given: string, secret: string): Promise<LoginResult> => {
    if (given === '' || secret === '') return { ok: false, reason: 'failed' };
    let user: DirectoryUser | undefined;
    const looksLikeNumber = /^[+0-9 ()./-]+$/.test(given) && /\d/.test(given);
    if (looksLikeNumber) user = await byMailbox(deps, given);
    else user = await deps.directory.findByLogin?.(given);
    if (!user || !user.mailbox) {
      await spendAsLong(secret);
      return { ok: false, reason: 'failed' };
    }
    // a copy kept for a directory outage answers calls, never a login
    if (user.lastKnown !== undefined) return { ok: false, reason: 'unavailable', user };
    if (loginAccess(user, deps.config.login) === 'none') return { ok: false, reason: 'off', user };
    if (user.settings.lockedAt) return { ok: false, reason: 'locked', user };

    // `both`: digits only are a PIN (a directory password of digits only is then not usable here)
    const how: 'pin' | 'directory' =
      web.login === 'pin'
        ? 'pin'
        : web.login === 'directory'
          ? 'directory'
          : /^\d+$/.test(secret)
            ? 'pin'
            : 'directory';

    if (how === 'pin') {
      const mine = webActions(deps, user.mailbox, request);
      const record = await lookupRecord(mine, user.mailbox);
      if (record === undefined) {
        await spendAsLong(secret);
        return { ok: false, reason: 'failed' };
      }
      const result = await mine.run('check pin', [record, secret]);
      const outcome = 'outcome' in result ? result.outcome : undefined;
      if (outcome === 'wrong') return { ok: false, reason: 'failed', user };
      if (outcome === 'locked') return { ok: false, reason: 'locked', user };
      if (outcome === 'refused') return { ok: false, reason: 'refused', user };
      if (outcome !== undefined && outcome !== 'expired' && outcome !== 'change_required')
        return { ok: false, reason: 'failed', user };
      return { ok: true, user, how, newPin: outcome !== undefined };
    }

    if (!deps.passwords) {
      deps.log.warn(
        { web: true, user: user.id },
        'web login by directory password, but no password check is configured',
      );
      return { ok: false, reason: 'failed', user };
    }
    let right: boolean;
    try {
      right = await deps.passwords.verify(user, secret);
    } catch (e) {
      // no directory server answered the bind: nothing is counted, she may try again
      deps.log.warn(
        { web: true, user: user.id, err: (e as Error).message },
        'directory password not checked',
      );
      return { ok: false, reason: 'unavailable', user };
    }
    if (!right) {
      const counted = await countWrong(user, request.ip);
      deps.log.warn({ web: true, user: user.id, locked: counted === 'locked' }, 'wrong directory password');
      return { ok: false, reason: counted === 'locked' ? 'locked' : 'failed', user };
    }
    let lockedMeanwhile = false;
    await deps.directory.updateSettings(user, (s) => {
      lockedMeanwhile = Boolean(s.lockedAt);
      return lockedMeanwhile || s.wrongPinCount === 0 ? s : { ...s, wrongPinCount: 0 };
    });
    if (lockedMeanwhile) return { ok: false, reason: 'locked', user };
    return { ok: true, user, how, newPin: false };
  };

  app.post(
    '/login',
    { config: { rateLimit: { max: web.loginsPerMinute, timeWindow: 60_000 } } },
    async (request, reply) => {
      const given = field(request.body, 'user', 128).trim();
      const secret = field(request.body, 'secret', 256);
      let result: LoginResult;
      try {
        result = await tryLogin(request, given, secret);
      } catch (e) {
        if (!(e instanceof DirectoryError)) throw e;
        deps.log.warn({ web: true, ip: request.ip, err: (e as Error).message }, 'web login refused');
        result = { ok: false, reason: 'unavailable' };
      }
      if (!result.ok) {
        deps.log.warn(
          {
            web: true,
            ...(result.user ? { user: result.user.id } : { unknownUser: true }),
            reason: result.reason,
            ip: request.ip,
          },
          'web login refused',
        );
        return reply.redirect(`/login?error=${result.reason}`, 303);
      }
      // her entry after the check (a legacy PIN became a hash, the count was cleared): its stamp
      const now = (await byMailbox(deps, result.user.mailbox)) ?? result.user;
      // a fresh session: nothing (no CSRF secret) carried over from before the login
      request.session.regenerate();
      remember(request, 'userId', now.id);
      remember(request, 'mailbox', now.mailbox);
      remember(request, 'stamp', now.settings.pinChangedAt ?? '');
      remember(request, 'seenAt', deps.clock().getTime());
      deps.log.info(
        { web: true, user: now.id, mailbox: now.mailbox, how: result.how, ip: request.ip },
        'web login',
      );
      return reply.redirect(result.newPin ? NEW_PIN_NOTICE : '/box', 303);
    },
  );

  app.post('/logout', async (request, reply) => {
    const s = sessionOf(request);
    endSession(request);
    if (s) deps.log.info({ web: true, user: s.userId, ip: request.ip }, 'web logout');
    return reply.redirect('/login?done=logout', 303);
  });
}

/** one line in the wrong-PIN log (owner-only), as the phone's `check pin` writes it; '' = none */
async function appendWrongPinLine(file: string, line: string): Promise<void> {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const fh = await open(file, 'a', 0o600);
  try {
    await fh.appendFile(`${line}\n`, 'utf8');
  } finally {
    await fh.close();
  }
}
