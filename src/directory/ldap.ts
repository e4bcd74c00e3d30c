// The LDAP adapter (ldapts): fail-over over several servers, one bound client per server kept
// for reuse, a short-lived cache for lookups, atomic updates of the user-data attribute.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import {
  Attribute,
  BusyError,
  Change,
  Client,
  InsufficientAccessError,
  NoSuchAttributeError,
  NoSuchObjectError,
  ResultCodeError,
  TypeOrValueExistsError,
  UnavailableError,
} from 'ldapts';
import type { Entry } from 'ldapts';
import { decode, encode } from './codec.js';
import { compileFilterTemplate } from './filter.js';
import type { FilterTemplate } from './filter.js';
import type { Directory, DirectoryUser, UserSettings } from './types.js';
import {
  AmbiguousOfficeNumber,
  DirectoryConfigError,
  DirectoryError,
  DirectoryUnavailable,
  SettingsConflict,
  SettingsReadOnly,
  UserGone,
} from './types.js';

/** Which LDAP attribute holds what. Names are case-insensitive, as in LDAP. */
export interface LdapAttributes {
  mail: string;
  name: string;
  /** the mailbox ("UMS") number, canonical */
  mailbox: string;
  telephone: string;
  mobile: string;
  fax?: string;
  login?: string;
  /** multi-valued KEY=VALUE user data: 'voiceboxUserData', AD's 'extensionAttribute1', ixi's 'info' */
  userData: string;
  /** the mailbox name / alias (§4.2.4, `$(MAILBOX)`), e.g. AD's 'mailNickname'; default: the login */
  mailboxAlias?: string;
  /** the attribute naming her IMAP server, turned into a host by the site's rule (R8, §4.3.1) */
  imapHost?: string;
  /** the number whose desk phone shows her message-waiting lamp (N3); unset: her office number */
  mwiAccount?: string;
  /** the number her SMS name as their sender (N3), e.g. 'facsimileTelephoneNumber' as ixi-UMS's ISDN originating address */
  notifySender?: string;
}

export interface LdapDirectoryConfig {
  /** ldap:// or ldaps:// URLs in fail-over order */
  servers: string[];
  bindDn: string;
  bindPassword: string;
  /** searched when `ous` is empty or absent */
  baseDn?: string;
  /** search each of these (full DNs) instead of baseDn */
  ous?: string[];
  /** filter template; see README.md "Search filter template" */
  filter: string;
  attributes: LdapAttributes;
  /** per operation; default 5000 */
  timeoutMs?: number;
  /** per TCP/TLS connect; default 2000 — a dead server costs at most this much */
  connectTimeoutMs?: number;
  /** lookups are cached this long; default 10000, 0 = no cache */
  cacheTtlMs?: number;
  /** a server that failed is tried first again after this long; default 30000 */
  retryFailedAfterMs?: number;
  /** updateSettings gives up with SettingsConflict after this many attempts; default 10 */
  maxUpdateAttempts?: number;
  /** which entries `users()` lists; default every entry with the mailbox attribute, `(voiceboxMailboxNumber=*)` */
  usersFilter?: string;
  tls?: {
    rejectUnauthorized?: boolean;
    /** PEM text, or the path of a PEM file */
    ca?: string;
    /** name to check the certificate against, when it differs from the URL's host */
    servername?: string;
  };
}

/** the user-data value that changes with every write (see updateSettings) */
export const REVISION = 'voiceboxRev=';

export const DEFAULT_LDAP_FILTER = '(&(objectClass=voiceboxUser)(voiceboxMailboxNumber=${NUMBER}))';
export const DEFAULT_LDAP_ATTRIBUTES: LdapAttributes = {
  mail: 'mail',
  name: 'cn',
  mailbox: 'voiceboxMailboxNumber',
  telephone: 'telephoneNumber',
  mobile: 'mobile',
  fax: 'facsimileTelephoneNumber',
  login: 'uid',
  userData: 'voiceboxUserData',
};

/** The filter source for an office-number search (see LdapDirectory.findByOfficeNumber). */
export function officeFilterSource(filter: string, a: Pick<LdapAttributes, 'mailbox' | 'telephone'>): string {
  const item = new RegExp(`\\(${a.mailbox}=`, 'gi');
  return item.test(filter) ? filter.replace(item, `(${a.telephone}=`) : `(${a.telephone}=\${NUMBER})`;
}

/** the parts of `(&(a)(b)...)` at its top level, or undefined when the filter is not an AND */
function andParts(filter: string): string[] | undefined {
  const t = filter.trim();
  if (!t.startsWith('(&') || !t.endsWith(')')) return undefined;
  const parts: string[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 2; i < t.length - 1; i++) {
    const ch = t[i];
    if (ch === '(') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === ')') {
      depth--;
      if (depth < 0) return undefined;
      if (depth === 0) parts.push(t.slice(start, i + 1));
    } else if (depth === 0 && !/\s/.test(ch ?? '')) return undefined;
  }
  return depth === 0 ? parts : undefined;
}

/**
 * The filter source for a login-name search (LdapDirectory.findByLogin): an exact equality on
 * the login attribute. The number filter's items are not reused: one written `*${NUMBER}` (the
 * number's tail) would make the login `alice` find `malice`. Its conditions without a number
 * (object class, group) still hold when they are parts of a top-level AND; any other shape
 * leaves the equality alone, within the configured base and OUs.
 */
export function loginFilterSource(filter: string, a: { login: string }): string {
  const equality = `(${a.login}=\${NUMBER})`;
  const kept = (andParts(filter) ?? []).filter((part) => !part.includes('${'));
  return kept.length === 0 ? equality : `(&${kept.join('')}${equality})`;
}

interface ServerLink {
  url: string;
  client?: Client;
  connecting?: Promise<Client>;
  failedAt?: number;
}

interface CacheEntry {
  expires: number;
  user: DirectoryUser | undefined;
}

function message(e: unknown): string {
  if (e instanceof ResultCodeError) return `${e.name} (${e.code}): ${e.message}`;
  if (e instanceof Error) return e.message === '' ? e.name : e.message;
  return String(e);
}

/** Errors that say "this server cannot serve us now" (try the next) — not "your request is wrong". */
function isServerFailure(e: unknown): boolean {
  if (e instanceof BusyError || e instanceof UnavailableError) return true;
  if (e instanceof ResultCodeError) return false;
  return !(e instanceof DirectoryError);
}

/** An attribute's values as strings, whatever the case of its name in the entry. */
function values(entry: Entry, attribute: string | undefined): string[] {
  if (attribute === undefined) return [];
  const wanted = attribute.toLowerCase();
  for (const [k, v] of Object.entries(entry)) {
    if (k.toLowerCase() !== wanted) continue;
    return [v]
      .flat()
      .map((x: string | Buffer) => (Buffer.isBuffer(x) ? x.toString('utf8') : x))
      .filter((x) => typeof x === 'string');
  }
  return [];
}

class ConnectFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(message(cause));
  }
}

const digits = (s: string) => s.replace(/\D/g, '');

/** longest notification number taken from an attribute, as for a searched number format */
const MAX_NOTIFY_NUMBER = 64;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** a notification number as stored, trimmed; empty, too long or with a control character: none */
function notifyNumber(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' || v.length > MAX_NOTIFY_NUMBER || CONTROL.test(v) ? undefined : v;
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class LdapDirectory implements Directory {
  private readonly links: ServerLink[];
  private readonly template: FilterTemplate;
  private officeTemplate: FilterTemplate | undefined;
  private loginTemplate: FilterTemplate | undefined;
  private readonly bases: string[];
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<DirectoryUser | undefined>>();
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly cacheTtlMs: number;
  private readonly retryFailedAfterMs: number;
  private readonly maxUpdateAttempts: number;
  private tlsOptions?: Promise<ConnectionOptions>;
  private closed = false;

  constructor(private readonly config: LdapDirectoryConfig) {
    if (config.servers.length === 0) throw new DirectoryConfigError('ldap.servers: name at least one server');
    for (const [i, url] of config.servers.entries()) {
      if (!/^ldaps?:\/\/[^/\s]+\/?$/i.test(url)) {
        throw new DirectoryConfigError(`ldap.servers[${i}]: "${url}" is not an ldap:// or ldaps:// URL`);
      }
    }
    this.bases = config.ous !== undefined && config.ous.length > 0 ? config.ous : [config.baseDn ?? ''];
    if (this.bases[0] === '') throw new DirectoryConfigError('ldap.baseDn or ldap.ous: say where to search');
    for (const [k, v] of Object.entries(config.attributes)) {
      if (typeof v !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(v)) {
        throw new DirectoryConfigError(`ldap.attributes.${k}: "${String(v)}" is not an attribute name`);
      }
    }
    this.template = compileFilterTemplate(config.filter);
    this.links = config.servers.map((url) => ({ url }));
    this.timeoutMs = config.timeoutMs ?? 5_000;
    this.connectTimeoutMs = config.connectTimeoutMs ?? 2_000;
    this.cacheTtlMs = config.cacheTtlMs ?? 10_000;
    this.retryFailedAfterMs = config.retryFailedAfterMs ?? 30_000;
    this.maxUpdateAttempts = config.maxUpdateAttempts ?? 10;
  }

  /** The server that answered last (for logs and tests). */
  get activeServer(): string | undefined {
    return this.order()[0]?.url;
  }

  /** The filter sent for these formats, or undefined when no format is usable (nobody is searched). */
  filterFor(formats: string[]): string | undefined {
    return this.template.build(formats);
  }

  async findByNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    this.assertOpen();
    const filter = this.template.build(formats);
    if (filter === undefined) return undefined;
    const now = Date.now();
    const hit = this.cache.get(filter);
    if (hit !== undefined && hit.expires > now) return structuredClone(hit.user);
    let pending = this.inflight.get(filter);
    if (pending === undefined) {
      pending = this.search(filter, formats).finally(() => this.inflight.delete(filter));
      this.inflight.set(filter, pending);
    }
    const user = await pending;
    if (this.cacheTtlMs > 0) {
      if (this.cache.size > 1_000) this.pruneCache(now);
      this.cache.set(filter, { expires: Date.now() + this.cacheTtlMs, user });
    }
    return structuredClone(user);
  }

  /**
   * By the office-number attribute (`attributes.telephone`): the configured filter with the
   * mailbox attribute's items turned into the telephone attribute's, so its other conditions
   * (object class, group) still hold; `(telephone=${NUMBER})` when the filter does not name the
   * mailbox attribute. Values escaped as for findByNumber; not cached (a forwarded call is rare).
   * `mailbox` is '' when she has no mailbox number of her own. Several entries with the number
   * (a team line): AmbiguousOfficeNumber, so that nobody's mailbox takes the message by chance.
   */
  async findByOfficeNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    this.assertOpen();
    this.officeTemplate ??= compileFilterTemplate(
      officeFilterSource(this.config.filter, this.config.attributes),
      'ldap.filter (office number)',
    );
    const filter = this.officeTemplate.build(formats);
    if (filter === undefined) return undefined;
    const entries = await this.searchAll(filter);
    if (entries.length > 1) throw new AmbiguousOfficeNumber(entries.length);
    const first = entries[0];
    return first === undefined ? undefined : this.toUser(first, '');
  }

  /**
   * By the login attribute (`attributes.login`, default uid), through the configured filter as
   * findByOfficeNumber goes (the value escaped). Not cached: a login is rare. Two entries with
   * that login: nobody (a login must not open whichever comes first).
   */
  async findByLogin(login: string): Promise<DirectoryUser | undefined> {
    this.assertOpen();
    const wanted = login.trim();
    const attribute = this.config.attributes.login;
    if (wanted === '' || /\s/.test(wanted) || !attribute) return undefined;
    this.loginTemplate ??= compileFilterTemplate(
      loginFilterSource(this.config.filter, { login: attribute }),
      'ldap.filter (login)',
    );
    // one value only: the template's ${UMS} variants of a login are the login itself
    const filter = this.loginTemplate.build([wanted]);
    if (filter === undefined) return undefined;
    const entries = await this.searchAll(filter);
    if (entries.length !== 1) return undefined;
    const first = entries[0];
    return first === undefined ? undefined : this.toUser(first, '');
  }

  async updateSettings(
    user: DirectoryUser,
    change: (s: UserSettings) => UserSettings,
  ): Promise<DirectoryUser> {
    this.assertOpen();
    const attr = this.config.attributes.userData;
    for (let attempt = 1; attempt <= this.maxUpdateAttempts; attempt++) {
      const result = await this.withServer(async (c) => {
        // always the values as they are now, not the cached ones: `change` decides on fresh data
        const current = await this.readById(c, user.id, user.mailbox);
        // Every write deletes the revision token it read and adds a new one, so a writer that
        // read stale data fails (noSuchAttribute) even when its own change only adds values.
        // With no token yet, first put one there on its own (two at once: the second gets
        // typeOrValueExists or adds a second token; both are harmless) and read again.
        const tokens = current.rawUserData.filter((v) => v.startsWith(REVISION));
        if (tokens.length === 0) {
          try {
            await c.modify(user.id, [
              new Change({
                operation: 'add',
                modification: new Attribute({ type: attr, values: [`${REVISION}${randomUUID()}`] }),
              }),
            ]);
          } catch (e) {
            if (e instanceof InsufficientAccessError) throw new SettingsReadOnly(user.id, message(e));
            if (e instanceof NoSuchObjectError) throw new UserGone(user.id);
            if (!(e instanceof TypeOrValueExistsError)) throw e;
          }
          return 'conflict';
        }
        const encoded = encode(change(structuredClone(current.settings)), current.rawUserData);
        const unchanged =
          encoded.length === current.rawUserData.length &&
          encoded.every((v) => current.rawUserData.includes(v));
        if (unchanged) return current;
        const next = [...encoded.filter((v) => !v.startsWith(REVISION)), `${REVISION}${randomUUID()}`];
        const removed = current.rawUserData.filter((v) => !next.includes(v));
        const added = next.filter((v) => !current.rawUserData.includes(v));
        if (removed.length === 0 && added.length === 0) return current;
        const changes: Change[] = [];
        // delete exactly what we read: if another writer changed it first, slapd answers
        // noSuchAttribute (16); adding a value another writer just added gives typeOrValueExists (20)
        if (removed.length > 0) {
          changes.push(
            new Change({ operation: 'delete', modification: new Attribute({ type: attr, values: removed }) }),
          );
        }
        if (added.length > 0) {
          changes.push(
            new Change({ operation: 'add', modification: new Attribute({ type: attr, values: added }) }),
          );
        }
        try {
          await c.modify(user.id, changes);
        } catch (e) {
          if (e instanceof NoSuchAttributeError || e instanceof TypeOrValueExistsError) return 'conflict';
          if (e instanceof InsufficientAccessError) throw new SettingsReadOnly(user.id, message(e));
          if (e instanceof NoSuchObjectError) throw new UserGone(user.id);
          throw e;
        }
        return { ...current, settings: decode(next).settings, rawUserData: next };
      });
      if (result !== 'conflict') {
        this.refreshCached(result);
        return structuredClone(result);
      }
      if (attempt === this.maxUpdateAttempts) break;
      // let the other writer finish; jitter so two retrying calls do not collide again
      await sleep(Math.floor(Math.random() * 10 * attempt) + 1);
    }
    throw new SettingsConflict(user.id, this.maxUpdateAttempts);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
    await Promise.all(this.links.map((l) => this.drop(l)));
  }

  private assertOpen(): void {
    if (this.closed) throw new DirectoryConfigError('the LDAP directory was closed');
  }

  private pruneCache(now: number): void {
    for (const [k, v] of this.cache) if (v.expires <= now) this.cache.delete(k);
  }

  private refreshCached(user: DirectoryUser): void {
    for (const entry of this.cache.values()) {
      if (entry.user?.id === user.id) entry.user = structuredClone(user);
    }
  }

  private attributeList(): string[] {
    return [...new Set(Object.values(this.config.attributes).filter((a) => a !== undefined))];
  }

  private async search(filter: string, formats: string[]): Promise<DirectoryUser | undefined> {
    const entries = await this.withServer(async (c) => {
      const perBase = await Promise.all(
        this.bases.map(async (base) => {
          try {
            return (await c.search(base, { scope: 'sub', filter, attributes: this.attributeList() }))
              .searchEntries;
          } catch (e) {
            if (e instanceof NoSuchObjectError) {
              throw new DirectoryConfigError(`ldap.ous/baseDn: ${base} does not exist on the server`);
            }
            throw e;
          }
        }),
      );
      return perBase.flat();
    });
    if (entries.length === 0) return undefined;
    // several matches (a number stored twice, or an office number equal to someone's mailbox):
    // prefer the entry whose mailbox attribute is the number, then the first in OU order
    const wanted = new Set(formats.map(digits).filter((d) => d !== ''));
    const byMailbox = entries.find((e) =>
      values(e, this.config.attributes.mailbox).some((v) => wanted.has(digits(v))),
    );
    return this.toUser(byMailbox ?? (entries[0] as Entry), formats[0] ?? '');
  }

  /** Every entry the filter finds, in OU order. */
  private async searchAll(filter: string): Promise<Entry[]> {
    return this.withServer(async (c) => {
      const perBase = await Promise.all(
        this.bases.map(
          async (base) =>
            (await c.search(base, { scope: 'sub', filter, attributes: this.attributeList() })).searchEntries,
        ),
      );
      return perBase.flat();
    });
  }

  private async readById(c: Client, id: string, mailbox: string): Promise<DirectoryUser> {
    try {
      const { searchEntries } = await c.search(id, { scope: 'base', attributes: this.attributeList() });
      const entry = searchEntries[0];
      if (entry === undefined) throw new UserGone(id);
      return this.toUser(entry, mailbox);
    } catch (e) {
      if (e instanceof NoSuchObjectError) throw new UserGone(id);
      throw e;
    }
  }

  private toUser(entry: Entry, fallbackMailbox: string): DirectoryUser {
    const a = this.config.attributes;
    const first = (attr: string | undefined) => values(entry, attr)[0];
    const rawUserData = values(entry, a.userData);
    const numbers: DirectoryUser['numbers'] = {};
    const office = first(a.telephone);
    const mobile = first(a.mobile);
    const fax = first(a.fax);
    if (office !== undefined) numbers.office = office;
    if (mobile !== undefined) numbers.mobile = mobile;
    if (fax !== undefined) numbers.fax = fax;
    const login = first(a.login);
    const mailboxAlias = first(a.mailboxAlias)?.trim();
    const imapHostAttribute = first(a.imapHost);
    const notifyNumbers: NonNullable<DirectoryUser['notifyNumbers']> = {};
    const lamp = notifyNumber(first(a.mwiAccount));
    const sender = notifyNumber(first(a.notifySender));
    if (lamp !== undefined) notifyNumbers.lamp = lamp;
    if (sender !== undefined) notifyNumbers.sender = sender;
    return {
      id: entry.dn,
      name: first(a.name) ?? login ?? entry.dn,
      email: first(a.mail) ?? '',
      mailbox: first(a.mailbox) ?? fallbackMailbox,
      numbers,
      ...(login !== undefined ? { login } : {}),
      ...(mailboxAlias ? { mailboxAlias } : {}),
      ...(imapHostAttribute !== undefined ? { imapHostAttribute } : {}),
      ...(lamp !== undefined || sender !== undefined ? { notifyNumbers } : {}),
      settings: decode(rawUserData).settings,
      rawUserData,
    };
  }

  /** Servers in the order to try: those that failed recently go last, otherwise the configured order. */
  private order(): ServerLink[] {
    const now = Date.now();
    const recentlyFailed = (l: ServerLink) =>
      l.failedAt !== undefined && now - l.failedAt < this.retryFailedAfterMs;
    return [...this.links.filter((l) => !recentlyFailed(l)), ...this.links.filter(recentlyFailed)];
  }

  /** Runs op on the first server that answers; DirectoryUnavailable when none does. */
  private async withServer<T>(op: (c: Client) => Promise<T>): Promise<T> {
    const tried: { server: string; error: string }[] = [];
    let last: unknown;
    for (const link of this.order()) {
      try {
        let client: Client;
        try {
          client = await this.client(link);
        } catch (e) {
          // cannot connect or bind (also wrong credentials): this server is of no use to us now
          if (e instanceof DirectoryConfigError) throw e;
          throw new ConnectFailed(e);
        }
        const result = await op(client);
        link.failedAt = undefined;
        return result;
      } catch (e) {
        if (!(e instanceof ConnectFailed) && !isServerFailure(e)) throw e;
        const cause = e instanceof ConnectFailed ? e.cause : e;
        tried.push({ server: link.url, error: message(cause) });
        last = cause;
        link.failedAt = Date.now();
        await this.drop(link);
      }
    }
    throw new DirectoryUnavailable(tried, last);
  }

  private client(link: ServerLink): Promise<Client> {
    if (link.client !== undefined && link.client.isConnected && link.client.isBound) {
      return Promise.resolve(link.client);
    }
    link.connecting ??= this.connect(link).finally(() => {
      link.connecting = undefined;
    });
    return link.connecting;
  }

  private async connect(link: ServerLink): Promise<Client> {
    await this.drop(link);
    const secure = link.url.toLowerCase().startsWith('ldaps:');
    const client = new Client({
      url: link.url,
      timeout: this.timeoutMs,
      connectTimeout: this.connectTimeoutMs,
      // a connection the server closed while idle comes back bound, not anonymous
      autoRebind: true,
      ...(secure ? { tlsOptions: await this.tls() } : {}),
    });
    try {
      await client.bind(this.config.bindDn, this.config.bindPassword);
    } catch (e) {
      await client.unbind().catch(() => undefined);
      throw e;
    }
    link.client = client;
    return client;
  }

  private async drop(link: ServerLink): Promise<void> {
    const c = link.client;
    link.client = undefined;
    if (c !== undefined) await c.unbind().catch(() => undefined);
  }

  private tls(): Promise<ConnectionOptions> {
    this.tlsOptions ??= (async () => {
      const t = this.config.tls ?? {};
      const options: ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized ?? true };
      if (t.servername !== undefined) options.servername = t.servername;
      if (t.ca !== undefined) {
        try {
          options.ca = [t.ca.includes('-----BEGIN') ? t.ca : await readFile(t.ca, 'utf8')];
        } catch (e) {
          throw new DirectoryConfigError(`ldap.tls.ca: cannot read ${t.ca}: ${message(e)}`);
        }
      }
      return options;
    })();
    return this.tlsOptions;
  }

  /**
   * Every user under baseDn (or each of `ous`), read in pages of 500 so a server's size limit
   * does not cut the list short; for `voicebox migrate`, never for a call. Each base is read on
   * the first server that answers, as a lookup is.
   */
  /** Her entry read now by its DN from the first server that answers, past the search cache. */
  async current(user: DirectoryUser): Promise<DirectoryUser> {
    this.assertOpen();
    return this.withServer((c) => this.readById(c, user.id, user.mailbox));
  }

  async *users(): AsyncIterable<DirectoryUser> {
    this.assertOpen();
    const filter = this.config.usersFilter ?? `(${this.config.attributes.mailbox}=*)`;
    for (const base of this.bases) {
      const entries = await this.withServer(async (c) => {
        try {
          const { searchEntries } = await c.search(base, {
            scope: 'sub',
            filter,
            attributes: this.attributeList(),
            paged: { pageSize: 500 },
          });
          return searchEntries;
        } catch (e) {
          if (e instanceof NoSuchObjectError) {
            throw new DirectoryConfigError(`ldap.ous/baseDn: ${base} does not exist on the server`);
          }
          throw e;
        }
      });
      for (const entry of entries) yield this.toUser(entry, '');
    }
  }
}
