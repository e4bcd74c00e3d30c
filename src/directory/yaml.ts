// The file adapter: users in a YAML file (the embedded default, for small sites and tests).
// Writes are atomic (temp file + fsync + rename) and serialised per file within this process.
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { dump, load, YAMLException } from 'js-yaml';
import { decode, encode } from './codec.js';
import { usableFormats } from './filter.js';
import type { Directory, DirectoryUser, UserSettings } from './types.js';
import { AmbiguousOfficeNumber, DirectoryConfigError, UserGone } from './types.js';

export type YamlNumberField = 'mailbox' | 'office' | 'mobile' | 'fax';

export interface YamlDirectoryConfig {
  /** the users file */
  file: string;
  /** which of a user's numbers findByNumber compares; default ['mailbox'] */
  searchIn?: YamlNumberField[];
}

type Doc = { users: Record<string, Record<string, unknown>> } & Record<string, unknown>;

interface Loaded {
  doc: Doc;
  users: DirectoryUser[];
  mtimeMs: number;
  size: number;
}

const USER_KEYS = new Set(['name', 'email', 'mailbox', 'numbers', 'login', 'mailboxAlias', 'settings']);
const NUMBER_KEYS = new Set(['office', 'mobile', 'fax']);
/** the numbers of her notifications (N3): `lamp` her desk phone's, `sender` her SMS's */
const NOTIFY_NUMBER_KEYS = new Set(['lamp', 'sender']);

/** One chain of writes per file, shared by every YamlDirectory of this process. */
const locks = new Map<string, Promise<unknown>>();

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const digits = (s: string) => s.replace(/\D/g, '');

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'Y' : 'N';
  return undefined;
}

/** `settings` as a KEY=VALUE list or a map (key → value or list of values) → KEY=VALUE strings. */
function settingsValues(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return v.map((item, i) => {
      const s = scalarText(item);
      if (s === undefined || !s.includes('=')) {
        throw new DirectoryConfigError(`${where}[${i}]: expected a KEY=VALUE string`);
      }
      return s;
    });
  }
  if (isRecord(v)) {
    return Object.entries(v).flatMap(([key, val]) =>
      (Array.isArray(val) ? val : [val]).map((item, i) => {
        const s = scalarText(item);
        if (s === undefined) {
          throw new DirectoryConfigError(
            `${where}.${key}${Array.isArray(val) ? `[${i}]` : ''}: expected a text, number or yes/no`,
          );
        }
        return `${key}=${s}`;
      }),
    );
  }
  throw new DirectoryConfigError(`${where}: expected a list of KEY=VALUE strings or a map`);
}

function parseUser(id: string, raw: unknown, file: string): DirectoryUser {
  const at = `${file}: users.${id}`;
  if (!isRecord(raw)) throw new DirectoryConfigError(`${at}: expected a map (name, email, mailbox, ...)`);
  for (const k of Object.keys(raw)) {
    if (!USER_KEYS.has(k)) {
      throw new DirectoryConfigError(`${at}.${k}: unknown key (known: ${[...USER_KEYS].join(', ')})`);
    }
  }
  const text = (k: string, required: boolean): string | undefined => {
    const v = raw[k];
    if (v === undefined || v === null) {
      if (required) throw new DirectoryConfigError(`${at}.${k}: missing`);
      return undefined;
    }
    const s = typeof v === 'boolean' ? undefined : scalarText(v);
    if (s === undefined || s.trim() === '') throw new DirectoryConfigError(`${at}.${k}: expected a text`);
    return s;
  };
  const numbers: DirectoryUser['numbers'] = {};
  const notifyNumbers: NonNullable<DirectoryUser['notifyNumbers']> = {};
  const rawNumbers = raw['numbers'];
  if (rawNumbers !== undefined && rawNumbers !== null) {
    if (!isRecord(rawNumbers))
      throw new DirectoryConfigError(`${at}.numbers: expected a map (office, mobile, fax, lamp, sender)`);
    for (const [k, v] of Object.entries(rawNumbers)) {
      if (!NUMBER_KEYS.has(k) && !NOTIFY_NUMBER_KEYS.has(k))
        throw new DirectoryConfigError(`${at}.numbers.${k}: unknown (office, mobile, fax, lamp, sender)`);
      const s = typeof v === 'boolean' ? undefined : scalarText(v);
      if (s === undefined) throw new DirectoryConfigError(`${at}.numbers.${k}: expected a phone number`);
      if (NOTIFY_NUMBER_KEYS.has(k)) notifyNumbers[k as 'lamp' | 'sender'] = s;
      else numbers[k as keyof DirectoryUser['numbers']] = s;
    }
  }
  const rawUserData = settingsValues(raw['settings'], `${at}.settings`);
  const login = text('login', false);
  const mailboxAlias = text('mailboxAlias', false);
  return {
    id,
    name: text('name', true) ?? id,
    email: text('email', true) ?? '',
    mailbox: text('mailbox', true) ?? '',
    numbers,
    login: login ?? id,
    ...(mailboxAlias !== undefined ? { mailboxAlias: mailboxAlias.trim() } : {}),
    ...(Object.keys(notifyNumbers).length > 0 ? { notifyNumbers } : {}),
    settings: decode(rawUserData).settings,
    rawUserData,
  };
}

export class YamlDirectory implements Directory {
  private readonly file: string;
  private readonly searchIn: YamlNumberField[];
  private loaded?: Loaded;

  constructor(config: YamlDirectoryConfig) {
    this.file = resolve(config.file);
    this.searchIn = config.searchIn ?? ['mailbox'];
  }

  async findByNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    const wanted = new Set(
      usableFormats(formats)
        .map(digits)
        .filter((d) => d !== ''),
    );
    if (wanted.size === 0) return undefined;
    const { users } = await this.load(true);
    const numberOf = (u: DirectoryUser, f: YamlNumberField) => (f === 'mailbox' ? u.mailbox : u.numbers[f]);
    const found = users.find((u) =>
      this.searchIn.some((f) => {
        const n = numberOf(u, f);
        return n !== undefined && wanted.has(digits(n));
      }),
    );
    return found === undefined ? undefined : structuredClone(found);
  }

  /**
   * `numbers.office` compared by its digits, whatever `searchIn` says (a common number's lookup);
   * several users with it: AmbiguousOfficeNumber.
   */
  async findByOfficeNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    const wanted = new Set(
      usableFormats(formats)
        .map(digits)
        .filter((d) => d !== ''),
    );
    if (wanted.size === 0) return undefined;
    const { users } = await this.load(true);
    const found = users.filter((u) => u.numbers.office !== undefined && wanted.has(digits(u.numbers.office)));
    if (found.length > 1) throw new AmbiguousOfficeNumber(found.length);
    return found[0] === undefined ? undefined : structuredClone(found[0]);
  }

  /** her `login` (else her key) compared without case, as an LDAP uid is */
  async findByLogin(login: string): Promise<DirectoryUser | undefined> {
    const wanted = login.trim().toLowerCase();
    if (wanted === '') return undefined;
    const { users } = await this.load(true);
    const found = users.find((u) => u.login?.toLowerCase() === wanted);
    return found === undefined ? undefined : structuredClone(found);
  }

  updateSettings(user: DirectoryUser, change: (s: UserSettings) => UserSettings): Promise<DirectoryUser> {
    return this.locked(async () => {
      // the file as it is now (an admin may have edited it), not what we read earlier
      const { doc, users } = await this.load(false);
      const current = users.find((u) => u.id === user.id);
      const entry = doc.users[user.id];
      if (current === undefined || entry === undefined) throw new UserGone(user.id);
      const next = encode(change(structuredClone(current.settings)), current.rawUserData);
      const same =
        next.length === current.rawUserData.length && next.every((v, i) => v === current.rawUserData[i]);
      if (!same) {
        entry['settings'] = next;
        await this.write(doc);
      }
      return { ...structuredClone(current), settings: decode(next).settings, rawUserData: next };
    });
  }

  async close(): Promise<void> {
    await (locks.get(this.file) ?? Promise.resolve()).catch(() => undefined);
    this.loaded = undefined;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const before = locks.get(this.file) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    locks.set(this.file, tail);
    void tail.then(() => {
      if (locks.get(this.file) === tail) locks.delete(this.file);
    });
    return run;
  }

  private async load(useCache: boolean): Promise<Loaded> {
    let st;
    try {
      st = await stat(this.file);
    } catch (e) {
      throw new DirectoryConfigError(`${this.file}: cannot read the users file: ${(e as Error).message}`);
    }
    const c = this.loaded;
    if (useCache && c !== undefined && c.mtimeMs === st.mtimeMs && c.size === st.size) return c;
    const text = await readFile(this.file, 'utf8');
    let parsed: unknown;
    try {
      parsed = load(text, { filename: this.file });
    } catch (e) {
      if (e instanceof YAMLException) throw new DirectoryConfigError(`${this.file}: ${e.message}`);
      throw e;
    }
    if (!isRecord(parsed) || !isRecord(parsed['users'])) {
      throw new DirectoryConfigError(`${this.file}: expected a map with "users:" at the top`);
    }
    const doc = parsed as Doc;
    const users = Object.entries(doc.users).map(([id, raw]) => parseUser(id, raw, this.file));
    this.loaded = { doc, users, mtimeMs: st.mtimeMs, size: st.size };
    return this.loaded;
  }

  /** temp file beside the target, fsync, rename over it, fsync the directory: all or nothing */
  private async write(doc: Doc): Promise<void> {
    const dir = dirname(this.file);
    const tmp = join(dir, `.${basename(this.file)}.${process.pid}.${Date.now()}.tmp`);
    const text =
      '# voicebox users (src/directory/README.md). voicebox rewrites this file when settings change:\n' +
      '# comments are not kept.\n' +
      dump(doc, { lineWidth: -1 });
    // the file holds PIN hashes: owner-only, also when an admin left it readable to all
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } catch (e) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    try {
      await rename(tmp, this.file);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    const d = await open(dir, 'r').catch(() => undefined);
    if (d !== undefined)
      await d
        .sync()
        .catch(() => undefined)
        .finally(() => d.close());
    this.loaded = undefined;
  }

  /** Her entry as the file holds it now (an admin or another process may have changed it). */
  async current(user: DirectoryUser): Promise<DirectoryUser> {
    const { users } = await this.load(false);
    const found = users.find((u) => u.id === user.id);
    if (!found) throw new UserGone(user.id);
    return structuredClone(found);
  }

  /** Every user of the file, in file order (for `voicebox migrate`). */
  async *users(): AsyncIterable<DirectoryUser> {
    const { users } = await this.load(true);
    for (const user of users) yield structuredClone(user);
  }
}
