// Who a mail server's user name is: the notifier hears "alice's mailbox changed" from Dovecot
// (its IMAP login) and a reset mail names a login or an address; the directory is searched by
// phone numbers only, so the notifier keeps an index of the directory's listing.
import type { Directory, DirectoryUser } from '../directory/index.js';

interface LogLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface UserIndexOptions {
  readonly directory: Directory;
  readonly log?: LogLike;
  /** the listing is taken again after this long; default 5 minutes */
  readonly refreshMs?: number;
  /** a name not found is looked for in a new listing, at most this often; default 30 s */
  readonly missRefreshMs?: number;
  /** milliseconds now (tests set it) */
  readonly now?: () => number;
}

/**
 * The directory's users by every name a mail server may call them: the login, the mailbox alias,
 * her own IMAP user (`imapUser`), the e-mail address and its local part, matched without regard
 * to case. A name two users share finds nobody (logged once): the wrong user's lamp is worse than
 * none. The entries are the listing's: read her settings again before deciding on them.
 */
export class UserIndex {
  private listing: readonly DirectoryUser[] = [];
  private byName = new Map<string, DirectoryUser | 'ambiguous'>();
  private takenAt = -Infinity;
  private loading: Promise<void> | undefined;
  private readonly warned = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly o: UserIndexOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Every user of the directory (the listing, refreshed when older than `refreshMs`). */
  async list(): Promise<readonly DirectoryUser[]> {
    if (this.now() - this.takenAt >= (this.o.refreshMs ?? 300_000)) await this.refresh();
    return this.listing;
  }

  /** The user a login, alias or address names; undefined when nobody, or more than one user, has it. */
  readonly byLogin = async (login: string): Promise<DirectoryUser | undefined> => {
    const key = login.trim().toLowerCase();
    if (key === '') return undefined;
    await this.list();
    let hit = this.byName.get(key);
    if (hit === undefined && this.now() - this.takenAt >= (this.o.missRefreshMs ?? 30_000)) {
      await this.refresh();
      hit = this.byName.get(key);
    }
    if (hit === 'ambiguous') {
      if (!this.warned.has(key)) {
        this.warned.add(key);
        this.o.log?.warn(
          { name: key.slice(0, 80) },
          'several directory users have this mail name: nobody is notified by it',
        );
      }
      return undefined;
    }
    return hit;
  };

  /** Takes the listing again now (one at a time: callers during a refresh wait for it). */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<void> {
    const users: DirectoryUser[] = [];
    if (this.o.directory.users) for await (const u of this.o.directory.users()) users.push(u);
    const byName = new Map<string, DirectoryUser | 'ambiguous'>();
    for (const u of users) {
      for (const name of namesOf(u)) {
        const had = byName.get(name);
        byName.set(name, had === undefined || (had !== 'ambiguous' && had.id === u.id) ? u : 'ambiguous');
      }
    }
    this.listing = users;
    this.byName = byName;
    this.takenAt = this.now();
  }
}

function namesOf(u: DirectoryUser): Set<string> {
  const names = new Set<string>();
  const add = (v: string | undefined) => {
    const n = v?.trim().toLowerCase();
    if (n) names.add(n);
  };
  add(u.login);
  add(u.mailboxAlias);
  add(u.settings.imapUser);
  add(u.email);
  const at = u.email.lastIndexOf('@');
  if (at > 0) add(u.email.slice(0, at));
  return names;
}
