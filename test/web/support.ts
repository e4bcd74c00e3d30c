// The web application over a voicebox of the test's own: Alice (501, PIN 2468) in a YAML users
// file, Maildir mailboxes, a media folder, the shipped menus, the config's defaults and the
// test's overrides — and a browser-like client over `app.inject` that keeps the session
// cookie and the CSRF token of the last page, as a browser keeps them.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadMenus } from '../../dsl/index.js';
import { createActions } from '../../src/actions/index.js';
import { readConfig, type VoiceboxConfig } from '../../src/config/index.js';
import { YamlDirectory, type DirectoryUser } from '../../src/directory/index.js';
import type { Bundle } from '../../src/graph/index.js';
import { GreetingStore } from '../../src/greetings/index.js';
import { MailSpool, maildirTransport, spoolMailer } from '../../src/mail/index.js';
import { MaildirMailboxStore, type MailboxStore } from '../../src/mailbox/index.js';
import { dialPolicyFrom, formats } from '../../src/phone/index.js';
import type { RuntimeLogger } from '../../src/runtime/index.js';
import { createWebApp } from '../../src/web/server.js';
import type {
  AdminOperations,
  MailPasswords,
  PageModule,
  PasswordCheck,
  WebDeps,
} from '../../src/web/context.js';
import { silentLogger } from '../support/log.js';
import { hashPin } from '../../src/pin/index.js';
import { ALICE, exampleUsers, PIN } from '../support/owners.js';

export interface WebResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  raw: Buffer;
}

export interface WebClient {
  get(url: string): Promise<WebResponse>;
  /** form POST (urlencoded) with the CSRF token of the last page fetched, unless csrf: false; files → multipart */
  post(
    url: string,
    fields?: Record<string, string>,
    o?: {
      csrf?: boolean;
      files?: Array<{ field: string; filename: string; content: Buffer; contentType: string }>;
      headers?: Record<string, string>;
    },
  ): Promise<WebResponse>;
  /** GET /login, POST /login; throws unless it ends on /box */
  login(user?: string, secret?: string): Promise<void>;
  /** the CSRF token of the last page fetched ('' before any) */
  csrf(): string;
  /** the session cookie as the browser holds it (undefined: none) */
  cookie(): string | undefined;
}

export interface WebTest {
  app: FastifyInstance;
  dir: string;
  deps: WebDeps;
  config: VoiceboxConfig;
  /** the users file (Alice with her PIN, unless `users` wrote another) */
  usersFile: string;
  /** the Maildir root: Alice's mail is in `<maildir>/alice` (test/support/mail.ts deliverToAlice) */
  maildir: string;
  /** the site's signing key the mailbox store trusts (sign voice messages with it) */
  signingKey: Uint8Array;
  /** the audit lines the default admin operations wrote */
  audits: Array<{ by: string; action: string; detail: Record<string, string> }>;
  client(): WebClient;
  close(): Promise<void>;
}

let pinHashOnce: Promise<string> | undefined;
/** Alice's PIN hashed once per test file (a hash costs ~0.4 s by design) */
const alicePinHash = (): Promise<string> => (pinHashOnce ??= hashPin(PIN));

let shipped: Bundle | undefined;
/** the shipped menus, compiled once per test file */
export const shippedBundle = (): Bundle => (shipped ??= loadMenus(['menus']).bundle);

/**
 * What `voicebox user show / unlock` do, over this directory: found by mailbox number or
 * login; the report a few fields; unlock clears the lock and the count.
 */
function directoryAdmin(
  directory: YamlDirectory,
  location: VoiceboxConfig['location'],
  audits: WebTest['audits'],
): AdminOperations {
  return {
    async find(wanted) {
      const f = formats(wanted, location);
      const user =
        (f ? await directory.findByNumber(f.all) : undefined) ?? (await directory.findByLogin(wanted));
      if (!user) throw new Error(`no user ${wanted}`);
      return user;
    },
    report: (user: DirectoryUser) => [
      ['name', user.name],
      ['mailbox', user.mailbox],
      ['e-mail', user.email],
      ['locked', user.settings.lockedAt ?? 'no'],
      ['wrong PINs', String(user.settings.wrongPinCount)],
    ],
    async unlock(user, by) {
      await directory.updateSettings(user, (s) => {
        const next = { ...s, wrongPinCount: 0 };
        delete next.lockedAt;
        return next;
      });
      audits.push({ by, action: 'unlock', detail: { user: user.id } });
    },
    async audit(by, action, detail) {
      audits.push({ by, action, detail });
    },
  };
}

/** A web app over Alice (501, PIN 2468) in a users file of the test's own, Maildir mailboxes, the shipped menus. */
export async function webTest(
  o: {
    web?: Partial<VoiceboxConfig['web']>;
    login?: Partial<VoiceboxConfig['login']>;
    menu?: Record<string, string | number | boolean>;
    clock?: () => Date;
    /** writes a users file into `dir` and returns its path; Alice in it gets her PIN if she has none */
    users?: (dir: string) => string;
    admin?: Partial<AdminOperations>;
    mailPasswords?: MailPasswords;
    passwords?: PasswordCheck;
    /** the app's log (default: silent) */
    log?: RuntimeLogger;
    /** the pages (default: all four) */
    pages?: PageModule[];
    /** the mailbox store (default: Maildir under the test's folder, trusting `signingKey`) */
    mailboxes?: MailboxStore;
    /** cookies only over HTTPS */
    secure?: boolean;
  } = {},
): Promise<WebTest> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-web-'));
  const base = readConfig();
  const config: VoiceboxConfig = {
    ...base,
    web: { ...base.web, sessionKeyFile: join(dir, 'session.key'), ...o.web },
    login: { ...base.login, wrongPinLog: join(dir, 'log', 'wrong-pin.log'), ...o.login },
    menu: { ...base.menu, ...(o.menu ?? {}) } as VoiceboxConfig['menu'],
  };
  const usersFile = o.users ? o.users(dir) : exampleUsers(dir);
  const directory = new YamlDirectory({ file: usersFile });
  const alice = await directory.findByNumber([ALICE]);
  if (alice && !alice.settings.pinHash) {
    const pinHash = await alicePinHash();
    await directory.updateSettings(alice, (s) => ({
      ...s,
      pinHash,
      welcomeSentAt: '2026-01-01T00:00:00.000Z',
    }));
  }

  const bundle = shippedBundle();
  const maildir = join(dir, 'maildir');
  const mediaDir = join(dir, 'media');
  mkdirSync(mediaDir, { recursive: true });
  const media = { local: mediaDir, freeswitch: mediaDir };
  const signingKey = new Uint8Array(randomBytes(32));
  const spool = new MailSpool({
    dir: join(dir, 'spool'),
    send: maildirTransport({ root: maildir }).send,
    retry: { firstMs: 50, maxMs: 200 },
  });
  await spool.start();
  const mailboxes =
    o.mailboxes ??
    new MaildirMailboxStore({
      root: maildir,
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
      signingKey,
    });
  const greetings = new GreetingStore(media, { languageFallback: config.greetings.languageFallback });
  const clock = o.clock ?? (() => new Date());
  const log = o.log ?? silentLogger;
  const actions = createActions({
    bundle,
    directory,
    mailboxes,
    mailer: spoolMailer({
      spool,
      domain: 'example.com',
      timeZone: bundle.officeHours?.timeZone ?? 'UTC',
      defaultLanguage: bundle.languages.default,
      signingKey,
    }),
    greetings,
    media,
    location: config.location,
    policy: {
      login: config.login,
      welcome: config.welcome,
      dial: dialPolicyFrom(config.dialPolicy, config.location),
      readMail: config.speech.readMail,
    },
    clock,
    log,
  });
  const audits: WebTest['audits'] = [];
  const deps: WebDeps = {
    config,
    bundle: () => bundle,
    actions: () => actions,
    directory,
    greetings,
    mailboxes,
    media,
    location: config.location,
    log,
    clock,
    passwords: o.passwords,
    mailPasswords: o.mailPasswords,
    admin: { ...directoryAdmin(directory, config.location, audits), ...o.admin },
  };
  const app = await createWebApp(deps, {
    ...(o.pages ? { pages: o.pages } : {}),
    ...(o.secure !== undefined ? { secure: o.secure } : {}),
  });

  return {
    app,
    dir,
    deps,
    config,
    usersFile,
    maildir,
    signingKey,
    audits,
    client: () => webClient(app),
    async close() {
      await app.close();
      await spool.stop();
      await directory.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TOKEN = /name="_csrf" value="([^"]+)"/;

/** A browser over `app.inject`: one cookie jar, the CSRF token of the last page, no redirects followed. */
export function webClient(app: FastifyInstance, o: { acceptLanguage?: string } = {}): WebClient {
  const jar = new Map<string, string>();
  let token = '';
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

  const keep = (res: {
    headers: Record<string, unknown>;
    statusCode: number;
    rawPayload: Buffer;
  }): WebResponse => {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : typeof set === 'string' ? [set] : []) {
      const [pair = '', ...attrs] = String(line).split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (gone || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const body = res.rawPayload.toString('utf8');
    const found = TOKEN.exec(body)?.[1];
    if (found) token = found.replace(/&amp;/g, '&');
    return {
      status: res.statusCode,
      headers: res.headers as WebResponse['headers'],
      body,
      raw: res.rawPayload,
    };
  };

  const baseHeaders = (): Record<string, string> => ({
    ...(jar.size > 0 ? { cookie: cookieHeader() } : {}),
    ...(o.acceptLanguage ? { 'accept-language': o.acceptLanguage } : {}),
  });

  const client: WebClient = {
    async get(url) {
      return keep(await app.inject({ method: 'GET', url, headers: baseHeaders() }));
    },
    async post(url, fields = {}, opts = {}) {
      const all = opts.csrf === false ? { ...fields } : { _csrf: token, ...fields };
      if (opts.files && opts.files.length > 0) {
        const boundary = `----voicebox${randomBytes(8).toString('hex')}`;
        const chunks: Buffer[] = [];
        // the fields (the CSRF token first) before the file, as a browser sends a form's fields in order
        for (const [k, v] of Object.entries(all))
          chunks.push(
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
          );
        for (const f of opts.files) {
          chunks.push(
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.filename}"\r\n` +
                `Content-Type: ${f.contentType}\r\n\r\n`,
            ),
            f.content,
            Buffer.from('\r\n'),
          );
        }
        chunks.push(Buffer.from(`--${boundary}--\r\n`));
        return keep(
          await app.inject({
            method: 'POST',
            url,
            headers: {
              ...baseHeaders(),
              'content-type': `multipart/form-data; boundary=${boundary}`,
              ...opts.headers,
            },
            payload: Buffer.concat(chunks),
          }),
        );
      }
      return keep(
        await app.inject({
          method: 'POST',
          url,
          headers: { ...baseHeaders(), 'content-type': 'application/x-www-form-urlencoded', ...opts.headers },
          payload: new URLSearchParams(all).toString(),
        }),
      );
    },
    async login(user = '501', secret = PIN) {
      await client.get('/login');
      const res = await client.post('/login', { user, secret });
      const location = String(res.headers['location'] ?? '');
      if (res.status !== 303 || !location.startsWith('/box'))
        throw new Error(`login as ${user} ended at ${res.status} ${location || res.body.slice(0, 200)}`);
      // the session is new after a login: the next page carries its CSRF token
      await client.get(location);
    },
    csrf: () => token,
    cookie: () => {
      const v = jar.get('voicebox_session');
      return v === undefined ? undefined : `voicebox_session=${v}`;
    },
  };
  return client;
}
