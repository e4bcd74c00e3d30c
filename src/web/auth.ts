// Who may see the pages: the login form (her phone PIN through the `check pin` action, or her
// directory password), the session it leaves, and the guards every page route runs first.
//
// The PIN and the directory password count towards the same lock as the phone: a wrong one
// here is a wrong one there. An unknown user and a wrong secret get the same answer and the
// same hash work (one PIN hash at today's cost, through the PIN module's limit), so neither the
// answer nor its time tells who has a mailbox.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { loginAccess, pinExpired, pinHashIsCurrent, spendPinHash } from '../actions/index.js';
import { DirectoryError, type DirectoryUser } from '../directory/index.js';
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

/**
 * A login ends this long after it began, however busy she is: a stolen cookie that is kept in
 * use (each request seals it anew) is not good for longer.
 */
export const MAX_SESSION_HOURS = 12;

/**
 * Logins checked at once: each costs a PIN hash and waits for the PIN module's few hash slots,
 * which the phone's PIN checks need too. More are answered 503 at once ("try again").
 */
export const MAX_WEB_LOGINS_AT_ONCE = 8;

/** `webSessions` counts up to this and starts again at 0 (the codec's counts have nine digits) */
const SESSION_GENERATIONS = 1_000_000_000;

/** what an owner who must choose a new PIN first may still reach (besides POST /logout, unguarded) */
const PIN_CHANGE_ROUTES = new Set(['GET /box', 'POST /box/pin']);

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
    expired: `Ihre Anmeldung gilt höchstens ${MAX_SESSION_HOURS} Stunden. Bitte melden Sie sich erneut an.`,
    elsewhere:
      'Sie wurden abgemeldet, weil Sie sich in einem anderen Fenster oder Browser abgemeldet haben. Bitte melden Sie sich erneut an.',
    busy: 'Gerade melden sich sehr viele an. Bitte versuchen Sie es gleich noch einmal.',
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
    expired: `A login lasts at most ${MAX_SESSION_HOURS} hours. Please log in again.`,
    elsewhere:
      'You were logged out because you logged out in another window or browser. Please log in again.',
    busy: 'Very many people are logging in just now. Please try again in a moment.',
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
  const loginAt: unknown = s.get('loginAt');
  const generation: unknown = s.get('generation');
  const mustChangePin: unknown = s.get('mustChangePin');
  if (typeof userId !== 'string' || typeof mailbox !== 'string') return undefined;
  if (typeof stamp !== 'string' || typeof seenAt !== 'number') return undefined;
  // a cookie sealed before these were kept holds no login the guard can bound: log in again
  if (typeof loginAt !== 'number' || typeof generation !== 'number') return undefined;
  return { userId, mailbox, stamp, seenAt, loginAt, generation, mustChangePin: mustChangePin === true };
}

/** why a session has ended by time alone (idle, or too old), or undefined while it lasts */
function timedOut(session: WebSessionData, deps: WebDeps): 'idle' | 'expired' | undefined {
  const now = deps.clock().getTime();
  if (now - session.seenAt > deps.config.web.sessionMinutes * 60_000) return 'idle';
  if (now - session.loginAt > MAX_SESSION_HOURS * 3_600_000 || now < session.loginAt) return 'expired';
  return undefined;
}

/** the session holds a login that has not timed out (the guard checks the rest against the directory) */
export function sessionAlive(request: FastifyRequest, deps: WebDeps): boolean {
  const session = sessionOf(request);
  return session !== undefined && timedOut(session, deps) === undefined;
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
    const ended = timedOut(session, deps);
    if (ended) {
      endSession(request);
      throw new WebRedirect(`/login?error=${ended}`);
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
    // she logged out (here, or in another browser): every session of hers before it ends
    if ((user.settings.webSessions ?? 0) !== session.generation) {
      endSession(request);
      throw new WebRedirect('/login?error=elsewhere');
    }
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
    if (session.mustChangePin) {
      const policy = deps.config.login;
      const still =
        user.settings.pinChangeRequired === true ||
        (policy.afterExpiry === 'change' && pinExpired(user.settings, policy, deps.clock()));
      if (!still) remember(request, 'mustChangePin', false);
      else if (!PIN_CHANGE_ROUTES.has(`${request.method} ${request.routeOptions.url ?? ''}`)) {
        remember(request, 'seenAt', now);
        throw new WebRedirect(NEW_PIN_NOTICE);
      }
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
  /** `hashed`: a PIN hash at today's cost was checked on the way (else the same work is done for nothing) */
  | { ok: false; reason: LoginNotice; user?: DirectoryUser; hashed?: boolean };

/** a wrong directory password goes to `check pin` as this: never a PIN (not digits), so always wrong */
const NOT_A_PIN = 'password';

/** The login: /login (the form), POST /login, POST /logout, and GET / (to her box or the form). */
export function registerLogin(app: FastifyInstance, deps: WebDeps): void {
  const web = deps.config.web;
  let loginsAtOnce = 0;

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
   * A wrong directory password, counted by the phone's own `check pin` with a secret that is
   * never a PIN: the same counter, lock, lock mail and wrong-PIN log line (naming `web:<address>`).
   * Nothing of the password is passed on.
   */
  const countWrong = async (
    mine: ReturnType<typeof webActions>,
    user: DirectoryUser,
  ): Promise<'wrong' | 'locked' | 'failed'> => {
    const record = await lookupRecord(mine, user.mailbox);
    if (record === undefined) return 'failed';
    const result = await mine.run('check pin', [record, NOT_A_PIN]);
    return 'outcome' in result && result.outcome === 'locked' ? 'locked' : 'wrong';
  };

  const tryLogin = async (request: FastifyRequest, given: string, secret: string): Promise<LoginResult> => {
    if (given === '' || secret === '') return { ok: false, reason: 'failed' };
    let user: DirectoryUser | undefined;
    const looksLikeNumber = /^[+0-9 ()./-]+$/.test(given) && /\d/.test(given);
    if (looksLikeNumber) user = await byMailbox(deps, given);
    else user = await deps.directory.findByLogin?.(given);
    if (!user || !user.mailbox) return { ok: false, reason: 'failed' };
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

    const mine = webActions(deps, user.mailbox, request);
    if (how === 'pin') {
      const record = await lookupRecord(mine, user.mailbox);
      if (record === undefined) return { ok: false, reason: 'failed' };
      // a legacy or default PIN (or none) is compared without a hash: the failure then costs one
      const hashed = /^[0-9]+$/.test(secret) && pinHashIsCurrent(user.settings.pinHash);
      const result = await mine.run('check pin', [record, secret]);
      const outcome = 'outcome' in result ? result.outcome : undefined;
      if (outcome === 'wrong') return { ok: false, reason: 'failed', user, hashed };
      if (outcome === 'locked') return { ok: false, reason: 'locked', user, hashed };
      if (outcome === 'refused') return { ok: false, reason: 'refused', user, hashed };
      if (outcome !== undefined && outcome !== 'expired' && outcome !== 'change_required')
        return { ok: false, reason: 'failed', user, hashed };
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
      const counted = await countWrong(mine, user);
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
      if (loginsAtOnce >= MAX_WEB_LOGINS_AT_ONCE) {
        deps.log.warn({ web: true, ip: request.ip, loginsAtOnce }, 'web login refused: too many at once');
        reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store');
        reply.header('retry-after', '5');
        return loginPage(request, reply, 'busy').text;
      }
      loginsAtOnce++;
      let result: LoginResult;
      try {
        try {
          result = await tryLogin(request, given, secret);
        } catch (e) {
          if (!(e instanceof DirectoryError)) throw e;
          deps.log.warn({ web: true, ip: request.ip, err: (e as Error).message }, 'web login refused');
          result = { ok: false, reason: 'unavailable' };
        }
        // every failure costs one PIN hash, whatever the reason: its time tells nothing
        if (!result.ok && !result.hashed) await spendPinHash(secret);
      } finally {
        loginsAtOnce--;
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
      remember(request, 'loginAt', deps.clock().getTime());
      remember(request, 'generation', now.settings.webSessions ?? 0);
      remember(request, 'mustChangePin', result.newPin);
      deps.log.info(
        { web: true, user: now.id, mailbox: now.mailbox, how: result.how, ip: request.ip },
        'web login',
      );
      return reply.redirect(result.newPin ? NEW_PIN_NOTICE : '/box', 303);
    },
  );

  /**
   * Ends every session of hers ("log out everywhere"): a copy of the cookie, in another browser
   * or in someone else's hands, is refused from now on.
   */
  app.post('/logout', async (request, reply) => {
    const s = sessionOf(request);
    const alive = sessionAlive(request, deps);
    endSession(request);
    // nothing (left) to end: no CSRF token was asked for either (the app lets it through)
    if (!s || !alive) return reply.redirect('/login', 303);
    try {
      const user = await byMailbox(deps, s.mailbox);
      if (user && user.id === s.userId && user.lastKnown === undefined)
        await deps.directory.updateSettings(user, (x) =>
          (x.webSessions ?? 0) === s.generation
            ? { ...x, webSessions: (s.generation + 1) % SESSION_GENERATIONS }
            : x,
        );
    } catch (e) {
      if (!(e instanceof DirectoryError)) throw e;
      deps.log.warn(
        { web: true, user: s.userId, err: e.message },
        'web logout: other sessions not ended (directory not written)',
      );
    }
    deps.log.info({ web: true, user: s.userId, ip: request.ip }, 'web logout');
    return reply.redirect('/login?done=logout', 303);
  });
}
