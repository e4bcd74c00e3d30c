// The last known entries of mailbox owners, so that callers can still leave a message while
// no directory server answers. Only what taking a message needs is kept (no PIN hash, no
// counters, no trusted numbers, no phone numbers); an entry served from here is marked
// `lastKnown` and cannot be written, so login and settings by phone still need the live
// directory.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ProfileSettings } from './types.js';
import { DirectoryUnavailable, type Directory, type DirectoryUser, type UserSettings } from './types.js';

interface LogLike {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface LastKnownOptions {
  /** the snapshot file (created owner-only) */
  readonly file: string;
  /** entries kept; beyond it the ones taken longest ago go (default 10,000) */
  readonly maxEntries?: number;
  /** an unchanged entry is rewritten after this long, so its time says how fresh it is (default 1 day) */
  readonly refreshMs?: number;
  readonly log?: LogLike;
  readonly now?: () => Date;
}

/** One owner as kept: the fields a caller needs to leave her a message. */
interface Entry {
  /** ISO time of the lookup this entry comes from */
  at: string;
  /** the number formats that found her (what a later call will search by) */
  keys: string[];
  id: string;
  name: string;
  email: string;
  mailbox: string;
  settings: Pick<
    UserSettings,
    | 'enabled'
    | 'language'
    | 'greetingType'
    | 'transferAnnouncement'
    | 'activeProfile'
    | 'vacation'
    | 'vacationFrom'
    | 'vacationUntil'
    | 'profiles'
    | 'welcomeSentAt'
    | 'officeHours'
    | 'offHoursProfile'
    | 'breakProfile'
    | 'languageChoice'
  >;
}

const VERSION = 1;
// bounds per entry (a few hundred bytes as a rule), so the file stays below maxEntries × 8 KiB
const MAX_KEYS = 16;
const MAX_TEXT = 256;
const MAX_PROFILES = 16;
const MAX_HOURS = 1024;

const clip = (s: string | undefined): string | undefined =>
  s === undefined ? undefined : s.slice(0, MAX_TEXT);

function entryOf(user: DirectoryUser, keys: string[], at: string): Entry {
  const s = user.settings;
  const profiles: Record<string, ProfileSettings> = {};
  for (const [name, p] of Object.entries(s.profiles).slice(0, MAX_PROFILES)) {
    profiles[name.slice(0, 64)] = {
      ...(p.transferTo !== undefined ? { transferTo: p.transferTo.slice(0, 64) } : {}),
      ...(p.messagesAllowed !== undefined ? { messagesAllowed: p.messagesAllowed } : {}),
    };
  }
  const settings: Entry['settings'] = { enabled: s.enabled, profiles };
  const optional = {
    language: clip(s.language),
    greetingType: s.greetingType,
    transferAnnouncement: s.transferAnnouncement,
    activeProfile: clip(s.activeProfile),
    vacation: s.vacation,
    // the switch counts only between these days: without them an ended vacation would answer again
    vacationFrom: clip(s.vacationFrom),
    vacationUntil: clip(s.vacationUntil),
    welcomeSentAt: clip(s.welcomeSentAt),
    // which profile answers and in which language: her own hours and profiles, her language rule
    officeHours: s.officeHours === undefined ? undefined : s.officeHours.slice(0, MAX_HOURS),
    offHoursProfile: clip(s.offHoursProfile),
    breakProfile: clip(s.breakProfile),
    languageChoice: s.languageChoice,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(settings, { [k]: v });
  return {
    at,
    keys: keys.slice(0, MAX_KEYS).map((k) => k.slice(0, 64)),
    id: clip(user.id)!,
    name: clip(user.name)!,
    email: clip(user.email)!,
    mailbox: clip(user.mailbox)!,
    settings,
  };
}

/** the same owner with the same settings (the time and the formats aside) */
const sameContent = (a: Entry, b: Entry): boolean =>
  JSON.stringify({ ...a, at: '', keys: [] }) === JSON.stringify({ ...b, at: '', keys: [] });

function userOf(e: Entry): DirectoryUser {
  return {
    id: e.id,
    name: e.name,
    email: e.email,
    mailbox: e.mailbox,
    numbers: {},
    settings: { ...e.settings, profiles: { ...e.settings.profiles }, wrongPinCount: 0, trustedNumbers: [] },
    rawUserData: [],
    lastKnown: e.at,
  };
}

function isEntry(v: unknown): v is Entry {
  if (v === null || typeof v !== 'object') return false;
  const e = v as Record<string, unknown>;
  const s = e.settings as Record<string, unknown> | undefined;
  return (
    typeof e.at === 'string' &&
    Array.isArray(e.keys) &&
    e.keys.every((k) => typeof k === 'string') &&
    ['id', 'name', 'email', 'mailbox'].every((k) => typeof e[k] === 'string') &&
    s !== null &&
    typeof s === 'object' &&
    typeof s.enabled === 'boolean' &&
    s.profiles !== null &&
    typeof s.profiles === 'object'
  );
}

/**
 * A directory that remembers the owners it found and answers from that memory when every
 * directory server is down (`DirectoryUnavailable`). A number never found before still fails.
 */
export class LastKnownDirectory implements Directory {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly refreshMs: number;
  private readonly now: () => Date;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly inner: Directory,
    private readonly o: LastKnownOptions,
  ) {
    this.maxEntries = o.maxEntries ?? 10_000;
    this.refreshMs = o.refreshMs ?? 24 * 60 * 60 * 1000;
    this.now = o.now ?? (() => new Date());
    this.load();
  }

  /** a missing file is an empty memory; a damaged one too, said once in the log */
  private load(): void {
    if (!existsSync(this.o.file)) return;
    try {
      const data = JSON.parse(readFileSync(this.o.file, 'utf8')) as { version?: unknown; entries?: unknown };
      if (data.version !== VERSION || !Array.isArray(data.entries)) throw new Error('not a snapshot file');
      for (const e of data.entries.slice(-this.maxEntries)) if (isEntry(e)) this.entries.set(e.id, e);
    } catch (e) {
      this.o.log?.error(
        { file: this.o.file, err: (e as Error).message },
        'last known directory entries not readable: starting without them',
      );
    }
  }

  async findByNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    let user: DirectoryUser | undefined;
    try {
      user = await this.inner.findByNumber(formats);
    } catch (e) {
      if (!(e instanceof DirectoryUnavailable)) throw e;
      const known = this.find(formats);
      if (!known) throw e;
      this.o.log?.warn(
        { user: known.id, mailbox: known.mailbox, since: known.at, err: e.message },
        `directory unavailable: using the last known entry for ${known.mailbox} from ${known.at}`,
      );
      return userOf(known);
    }
    if (user) this.remember(user, formats);
    return user;
  }

  /** No last-known copy here: a forwarded call without the directory finds nobody by her office number. */
  async findByOfficeNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    return this.inner.findByOfficeNumber?.(formats);
  }

  /** No last-known copy here either: a login needs the live directory. */
  async findByLogin(login: string): Promise<DirectoryUser | undefined> {
    return this.inner.findByLogin?.(login);
  }

  /** Her entry from the live directory (a last known entry is no answer to "as stored now"). */
  async current(user: DirectoryUser): Promise<DirectoryUser> {
    return this.inner.current ? this.inner.current(user) : user;
  }

  /**
   * The live listing only: the last known entries are a bounded set taken by calls, no listing of
   * the directory (while it is down, the listing fails with DirectoryUnavailable).
   */
  async *users(): AsyncIterable<DirectoryUser> {
    if (this.inner.users) yield* this.inner.users();
  }

  /** Entries served from memory are read-only: a login or a change needs the live directory. */
  async updateSettings(
    user: DirectoryUser,
    change: (s: UserSettings) => UserSettings,
  ): Promise<DirectoryUser> {
    if (user.lastKnown !== undefined)
      throw new DirectoryUnavailable(
        [{ server: 'last known entries', error: 'read-only: the directory was unavailable at lookup' }],
        undefined,
      );
    return this.inner.updateSettings(user, change);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.inner.close();
  }

  /** resolves once every remembered change is on disk */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private find(formats: string[]): Entry | undefined {
    const wanted = new Set(formats);
    let best: Entry | undefined;
    for (const e of this.entries.values())
      if (e.keys.some((k) => wanted.has(k)) && (!best || e.at > best.at)) best = e;
    return best;
  }

  private remember(user: DirectoryUser, formats: string[]): void {
    const at = this.now();
    const old = this.entries.get(user.id);
    const keys = [...new Set([...formats, ...(old?.keys ?? [])])];
    const next = entryOf(user, keys, at.toISOString());
    const fresh = old !== undefined && at.getTime() - Date.parse(old.at) < this.refreshMs;
    if (old && fresh && sameContent(old, next) && next.keys.every((k) => old.keys.includes(k))) return;
    // the entries taken most recently are the last ones in the map: beyond the bound the first go
    this.entries.delete(user.id);
    this.entries.set(user.id, next);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.save();
  }

  /** one write at a time; changes that arrive meanwhile go out together in the next one */
  private save(): void {
    this.dirty = true;
    if (this.writing) return;
    this.writing = (async () => {
      while (this.dirty) {
        this.dirty = false;
        try {
          await this.write();
        } catch (e) {
          this.o.log?.error(
            { file: this.o.file, err: (e as Error).message },
            'last known directory entries not written',
          );
        }
      }
      this.writing = undefined;
    })();
  }

  private async write(): Promise<void> {
    const text = JSON.stringify({ version: VERSION, entries: [...this.entries.values()] });
    await mkdir(dirname(this.o.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.o.file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      // a temp file left over from a crash keeps the mode it was created with
      await handle.chmod(0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.o.file);
  }
}
