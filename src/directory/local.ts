// When the directory may not be written (LDAP read-only for voicebox), settings changed
// by phone are kept in a local file instead (S6) and laid over what the directory says.
// The file is shared by every voicebox process that mounts it; without a shared disk,
// each node has its own.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { decode, encode } from './codec.js';
import { SettingsReadOnly, type Directory, type DirectoryUser, type UserSettings } from './types.js';

interface LogLike {
  warn(obj: object, msg?: string): void;
}

export class LocalSettingsFallback implements Directory {
  private overlay: Record<string, string[]>;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly inner: Directory,
    private readonly file: string,
    private readonly log?: LogLike,
  ) {
    this.overlay = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>)
      : {};
  }

  private apply(user: DirectoryUser): DirectoryUser {
    const local = this.overlay[user.id];
    return local ? { ...user, settings: decode(local).settings, rawUserData: local } : user;
  }

  async findByNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    const user = await this.inner.findByNumber(formats);
    return user && this.apply(user);
  }

  async findByOfficeNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    const user = await this.inner.findByOfficeNumber?.(formats);
    return user && this.apply(user);
  }

  async findByLogin(login: string): Promise<DirectoryUser | undefined> {
    const user = await this.inner.findByLogin?.(login);
    return user && this.apply(user);
  }

  async updateSettings(
    user: DirectoryUser,
    change: (s: UserSettings) => UserSettings,
  ): Promise<DirectoryUser> {
    if (!this.overlay[user.id]) {
      try {
        return await this.inner.updateSettings(user, change);
      } catch (e) {
        if (!(e instanceof SettingsReadOnly)) throw e;
        this.log?.warn(
          { user: user.id, reason: e.reason },
          'the directory is read-only for voicebox: settings kept locally',
        );
      }
    }
    // one writer at a time in this process; the file is replaced atomically
    const done = this.queue.then(async () => {
      const current = this.overlay[user.id] ?? user.rawUserData;
      const next = encode(change(decode(current).settings), current);
      this.overlay = { ...this.overlay, [user.id]: next };
      // users' settings (her PIN hash too, when LDAP may not be written): owner-only
      await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      // a temp file left over from a crash keeps the mode it was created with
      await handle.chmod(0o600);
      await handle.writeFile(JSON.stringify(this.overlay, null, 2));
      await handle.sync();
      await handle.close();
      await rename(tmp, this.file);
    });
    this.queue = done.catch(() => undefined);
    await done;
    return this.apply(user);
  }

  /** her entry as stored now, her local settings laid over (the file is this process's copy) */
  async current(user: DirectoryUser): Promise<DirectoryUser> {
    return this.apply(this.inner.current ? await this.inner.current(user) : user);
  }

  /** every user with her local settings laid over, for the notifier and admin commands */
  async *users(): AsyncIterable<DirectoryUser> {
    if (!this.inner.users) return;
    for await (const user of this.inner.users()) yield this.apply(user);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
