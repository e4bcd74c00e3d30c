// The web application: Fastify with the security plug-ins of its own team (sealed sessions,
// CSRF tokens, rate limits, security headers, multipart uploads), the login and guards, the
// static files and the page modules. `startWeb` listens (HTTP, or HTTPS with web.tlsCert).
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { link, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart, { type MultipartFile } from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySecureSession from '@fastify/secure-session';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { RuntimeLogger } from '../runtime/index.js';
import { endWebCall } from './actions.js';
import { makeGuards, registerLogin, sessionAlive, sessionOf, WebRedirect, WebRefusal } from './auth.js';
import type { PageLanguage, PageModule, WebDeps } from './context.js';
import { html, page } from './html.js';
import { registerAdmin } from './pages/admin.js';
import { registerBox } from './pages/box.js';
import { registerGreetings } from './pages/greetings.js';
import { registerMessages } from './pages/messages.js';

export interface WebAppOptions {
  /** the page modules (default: her voice box, greetings, messages, the admin's page) */
  pages?: readonly PageModule[];
  /** the key sealing the session cookies (32 bytes); default: web.sessionKeyFile, made on first start */
  sessionKey?: Buffer;
  /** cookies only over HTTPS (TLS by voicebox, or web.behindProxy); default: as the config says */
  secure?: boolean;
  /** serve HTTPS with this certificate and key (PEM) */
  https?: { cert: Buffer; key: Buffer };
}

export const DEFAULT_PAGES: readonly PageModule[] = [
  registerBox,
  registerGreetings,
  registerMessages,
  registerAdmin,
];

/** a form's fields are short: a larger urlencoded body is refused before it is parsed */
const FORM_BODY_LIMIT = 64 * 1024;
const SESSION_KEY_BYTES = 32;
const COOKIE = 'voicebox_session';

/** the folder of the stylesheet and the recorder (beside the sources, also when run from dist/) */
const staticDir = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'src', 'web', 'static');
})();

const STATIC_TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/** A setting of the web page that cannot be used: names the key and says what to do. */
export class WebConfigError extends Error {
  override name = 'WebConfigError';
}

/**
 * The key sealing the session cookies: read from `file`, or made there once (32 random bytes,
 * owner-only). Made under a temporary name and linked into place, so two nodes starting at once
 * never read half a key, and the first one's key wins.
 */
export async function sessionKeyFrom(file: string): Promise<Buffer> {
  for (;;) {
    try {
      const info = await stat(file);
      if (info.mode & 0o077)
        throw new WebConfigError(
          `web.sessionKeyFile ${file} may be read by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`,
        );
      const key = await readFile(file);
      if (key.length !== SESSION_KEY_BYTES)
        throw new WebConfigError(
          `web.sessionKeyFile ${file} holds ${key.length} bytes, not ${SESSION_KEY_BYTES}: remove it (a new one is made; everyone logs in again) or restore the right file`,
        );
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        if (e instanceof WebConfigError) throw e;
        throw new WebConfigError(`web.sessionKeyFile ${file} cannot be read: ${(e as Error).message}`);
      }
    }
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const fh = await open(temp, 'wx', 0o600);
      try {
        await fh.writeFile(randomBytes(SESSION_KEY_BYTES));
        await fh.sync();
      } finally {
        await fh.close();
      }
      await link(temp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new WebConfigError(`web.sessionKeyFile ${file} cannot be made: ${(e as Error).message}`);
      // another node made it first: read theirs
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}

/** the page's language from Accept-Language (de or en), else the menus' default when it is one of them */
export function pageLanguageOf(header: string | undefined, fallback: PageLanguage): PageLanguage {
  if (!header) return fallback;
  const wanted = header
    .split(',')
    .slice(0, 20)
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), i };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const w of wanted) if (w.lang === 'de' || w.lang === 'en') return w.lang;
  return fallback;
}

const ERROR_TEXT = {
  de: {
    forbidden: ['Kein Zugriff', 'Diese Seite ist für Sie nicht freigegeben.'],
    csrf: [
      'Formular abgelaufen',
      'Das Formular war nicht mehr gültig (oder kam nicht von dieser Seite). Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.',
    ],
    not_found: ['Nicht gefunden', 'Diese Seite gibt es nicht.'],
    unavailable: [
      'Gerade nicht erreichbar',
      'Das Verzeichnis ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
    ],
    rate: ['Zu viele Versuche', 'Zu viele Anmeldeversuche. Bitte warten Sie eine Minute.'],
    too_large: ['Zu groß', 'Die gesendeten Daten sind zu groß.'],
    bad_request: ['Ungültige Anfrage', 'Die Anfrage konnte nicht gelesen werden.'],
    internal: ['Fehler', 'Etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.'],
    back: 'Zur Startseite',
  },
  en: {
    forbidden: ['No access', 'This page is not open to you.'],
    csrf: [
      'Form expired',
      'The form was no longer valid (or did not come from this site). Please reload the page and try again.',
    ],
    not_found: ['Not found', 'There is no such page.'],
    unavailable: [
      'Not reachable just now',
      'The directory cannot be reached just now. Please try again in a moment.',
    ],
    rate: ['Too many attempts', 'Too many login attempts. Please wait a minute.'],
    too_large: ['Too large', 'What was sent is too large.'],
    bad_request: ['Bad request', 'The request could not be read.'],
    internal: ['Error', 'Something went wrong. Please try again later.'],
    back: 'To the start page',
  },
} as const;

type ErrorKind = Exclude<keyof (typeof ERROR_TEXT)['en'], 'back'>;

function errorPage(request: FastifyRequest, reply: FastifyReply, status: number, kind: ErrorKind): string {
  const language = request.pageLanguage;
  const [title, text] = ERROR_TEXT[language][kind];
  let csrf = '';
  try {
    // the logout button of the frame needs one; a deleted or broken session has none to give
    if (sessionOf(request) && !request.session.deleted) csrf = reply.generateCsrf();
  } catch {
    csrf = '';
  }
  const owner = request.owner;
  reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store');
  return page({
    language,
    title,
    csrf,
    owner:
      owner && csrf
        ? { name: owner.user.name, messages: owner.access === 'messages', admin: owner.admin }
        : undefined,
    notice: { kind: 'error', text },
    body: html`<p data-testid="error-${kind}"><a href="/">${ERROR_TEXT[language].back}</a></p>`,
  }).text;
}

/** the one file of a multipart POST, read up to it so its CSRF field (before it) is known */
const stashedFiles = new WeakMap<FastifyRequest, MultipartFile | undefined>();

/**
 * A multipart POST carries its `_csrf` as a field before the file (or in the `csrf-token`
 * header, as the recorder sends it). The parts are read up to the first file; the file is kept
 * for the page's `request.file()`, which then hands out that same part.
 */
async function multipartToken(request: FastifyRequest): Promise<string | undefined> {
  const parts = request.parts();
  let token: string | undefined;
  let file: MultipartFile | undefined;
  for (let next = await parts.next(); !next.done; next = await parts.next()) {
    const part = next.value;
    if (part.type === 'file') {
      file = part;
      break;
    }
    if (part.fieldname === '_csrf' && typeof part.value === 'string') token = part.value;
  }
  stashedFiles.set(request, file);
  const own = async (): Promise<MultipartFile | undefined> => {
    const kept = stashedFiles.get(request);
    stashedFiles.delete(request);
    return kept;
  };
  (request as { file: typeof own }).file = own;
  return token;
}

export async function createWebApp(deps: WebDeps, options: WebAppOptions = {}): Promise<FastifyInstance> {
  const web = deps.config.web;
  const sessionKey = options.sessionKey ?? (await sessionKeyFrom(web.sessionKeyFile));
  const secure = options.secure ?? (Boolean(web.tlsCert) || web.behindProxy);
  const app = Fastify({
    logger: false,
    // exactly the one proxy in front: the address it adds last is the browser's; what the browser
    // wrote into X-Forwarded-For itself (further left) is never believed
    // (a function, not the hop count 1: this Fastify reads a number as "trust nobody")
    trustProxy: web.behindProxy ? (_address: string, hop: number) => hop === 0 : false,
    bodyLimit: FORM_BODY_LIMIT,
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
  }) as unknown as FastifyInstance;

  app.decorateRequest('pageLanguage', 'en');
  app.decorateRequest('owner', undefined);
  const fallbackLanguage = (): PageLanguage => {
    const d = deps.bundle().languages.default;
    return d === 'de' || d === 'en' ? d : 'en';
  };
  app.addHook('onRequest', async (request) => {
    const accept = request.headers['accept-language'];
    request.pageLanguage = pageLanguageOf(
      typeof accept === 'string' ? accept : undefined,
      fallbackLanguage(),
    );
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        mediaSrc: ["'self'", 'blob:'],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
    // HSTS only where the page is HTTPS; on plain loopback HTTP it would mean nothing
    strictTransportSecurity: secure ? { maxAge: 31_536_000 } : false,
  });
  await app.register(fastifySecureSession, {
    key: sessionKey,
    cookieName: COOKIE,
    // the idle time is the app's (seenAt, by deps.clock); this only bounds a cookie's life
    expiry: Math.max(web.sessionMinutes * 60 * 4, 3600),
    cookie: { path: '/', httpOnly: true, sameSite: 'strict', secure },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/secure-session' });
  await app.register(fastifyFormbody, { bodyLimit: FORM_BODY_LIMIT });
  await app.register(fastifyMultipart, {
    limits: { files: 1, fileSize: web.maxUploadBytes, fields: 20, fieldSize: 4096, parts: 21 },
  });
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`more than ${context.max} logins a minute`), {
        statusCode: 429,
        code: 'VB_RATE_LIMITED',
      }),
  });

  // every POST proves it comes from a page of ours: the CSRF token of her session
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method !== 'POST') {
      done();
      return;
    }
    // a logout from a session already over (idle, too old, or none): nothing to protect, she just
    // goes to the login page rather than to "form expired"
    if (request.routeOptions.url === '/logout' && !sessionAlive(request, deps)) {
      done();
      return;
    }
    const header = request.headers['csrf-token'];
    if (request.isMultipart() && typeof header !== 'string') {
      multipartToken(request).then(
        (token) => {
          if (token !== undefined) (request as { body: unknown }).body = { _csrf: token };
          app.csrfProtection(request, reply, done);
        },
        (e: unknown) => done(e as Error),
      );
      return;
    }
    app.csrfProtection(request, reply, done);
  });

  // an answer given before the body was read (an upload refused by its CSRF token, a guard's
  // redirect, a 404): the unread rest would be taken for the next request on a kept-alive
  // connection, so this one closes it and the browser opens a fresh one
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.raw.complete) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request) => {
    await endWebCall(request, deps);
  });

  app.setErrorHandler((error: FastifyError | WebRedirect | WebRefusal, request, reply) => {
    if (error instanceof WebRedirect) return reply.redirect(error.location, 303);
    if (error instanceof WebRefusal)
      return reply.send(errorPage(request, reply, error.statusCode, error.reason));
    const code = (error as FastifyError).code;
    const status = (error as FastifyError).statusCode ?? 500;
    if (code === 'FST_CSRF_MISSING_SECRET' || code === 'FST_CSRF_INVALID_TOKEN') {
      deps.log.warn(
        { web: true, url: request.url.slice(0, 200), ip: request.ip },
        'web POST without a valid CSRF token',
      );
      return reply.send(errorPage(request, reply, 403, 'csrf'));
    }
    if (status === 429) {
      deps.log.warn({ web: true, ip: request.ip }, 'web logins rate-limited');
      return reply.send(errorPage(request, reply, 429, 'rate'));
    }
    if (status === 413) return reply.send(errorPage(request, reply, 413, 'too_large'));
    if (status >= 400 && status < 500) return reply.send(errorPage(request, reply, status, 'bad_request'));
    deps.log.error(
      { web: true, url: request.url.slice(0, 200), err: error.message, stack: error.stack },
      'web request failed',
    );
    return reply.send(errorPage(request, reply, 500, 'internal'));
  });
  app.setNotFoundHandler((request, reply) => reply.send(errorPage(request, reply, 404, 'not_found')));

  // the stylesheet and the recorder: only the files that are there, by name, nothing below
  app.get<{ Params: { name: string } }>('/static/:name', async (request, reply) => {
    const name = request.params.name;
    const ext = /^[a-z0-9][a-z0-9_-]*\.([a-z0-9]+)$/.exec(name)?.[1];
    const type = ext === undefined ? undefined : STATIC_TYPES[ext];
    if (type === undefined || !readdirSync(staticDir).includes(name))
      return reply.send(errorPage(request, reply, 404, 'not_found'));
    reply.type(type).header('cache-control', 'no-cache');
    return readFile(join(staticDir, name));
  });

  const guard = makeGuards(deps);
  registerLogin(app, deps);
  for (const register of options.pages ?? DEFAULT_PAGES) register(app, deps, guard);
  await app.ready();
  return app;
}

/** The web page listening on web.listen: HTTPS with web.tlsCert/tlsKey, HTTP otherwise. */
export async function startWeb(
  deps: WebDeps,
  log: RuntimeLogger,
  options: Omit<WebAppOptions, 'https'> = {},
): Promise<{ address: string; close(): Promise<void> }> {
  const web = deps.config.web;
  const at = web.listen.lastIndexOf(':');
  const host = web.listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(web.listen.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new WebConfigError(`web.listen '${web.listen}' is not HOST:PORT`);
  let https: WebAppOptions['https'];
  if (web.tlsCert || web.tlsKey) {
    const read = async (key: 'tlsCert' | 'tlsKey') => {
      try {
        return await readFile(web[key]);
      } catch (e) {
        throw new WebConfigError(`web.${key} ${web[key]} cannot be read: ${(e as Error).message}`);
      }
    };
    https = { cert: await read('tlsCert'), key: await read('tlsKey') };
  }
  const app = await createWebApp(deps, { ...options, ...(https ? { https } : {}) });
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    throw new WebConfigError(`web.listen ${web.listen} cannot be bound: ${(e as Error).message}`);
  }
  const bound = app.server.address();
  const address =
    typeof bound === 'object' && bound !== null
      ? `${https ? 'https' : 'http'}://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
      : String(bound);
  log.info({ address }, 'web page listening');
  return { address, close: () => app.close() };
}
