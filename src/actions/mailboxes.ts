// The owner's mailbox during a call: one connection per call and owner, closed when the call
// ends, and a per-call folder her voice messages are fetched into for FreeSWITCH to play.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirectoryUser } from '../directory/index.js';
import { makeFolder } from '../greetings/index.js';
import {
  DOWNLOAD_FOLDER_MODE,
  MailboxUnavailable,
  type Mailbox,
  type MailboxStore,
} from '../mailbox/index.js';
import { toE164, type Location } from '../phone/index.js';
import type { ActionContext } from '../runtime/index.js';
import type { MediaRoot } from '../speech/index.js';

export class CallMailboxes {
  private readonly open = new Map<string, Promise<Mailbox>>();
  private readonly inboxes = new Set<string>();

  constructor(
    private readonly store: MailboxStore | undefined,
    private readonly media: MediaRoot,
    private readonly location: Location,
  ) {}

  /**
   * the owner's per-call copies of her messages: callers' voices, for voicebox and FreeSWITCH
   * only, and only while the call lasts (her mailbox keeps the message)
   */
  async inbox(ctx: ActionContext): Promise<string> {
    const dir = join(this.media.local, 'inbox', ctx.call.id);
    if (!this.inboxes.has(dir)) {
      this.inboxes.add(dir);
      ctx.onCallEnd(async () => {
        this.inboxes.delete(dir);
        await rm(dir, { recursive: true, force: true });
      });
    }
    await makeFolder(dir, DOWNLOAD_FOLDER_MODE);
    return dir;
  }

  /** one connection per call and owner, closed when the call ends */
  private mailboxOf(user: DirectoryUser, ctx: ActionContext): Promise<Mailbox> {
    const store = this.store;
    if (!store) throw new Error('no mailbox store: remote inquiry is not set up on this server');
    const key = `${ctx.call.id}/${user.id}`;
    let mailbox = this.open.get(key);
    if (!mailbox) {
      const opened = store.open({
        mailbox: user.login ?? user.email.split('@')[0]!,
        email: user.email,
        // a signed voice message counts only in the mailbox it names
        number: toE164(user.mailbox, this.location, { outsideLine: 'without' }) ?? user.mailbox,
        ...(user.login ? { login: user.login } : {}),
        ...(user.settings.mailPassword ? { mailPassword: user.settings.mailPassword } : {}),
      });
      mailbox = opened;
      this.open.set(key, opened);
      opened.catch(() => this.open.delete(key));
      ctx.onCallEnd(async () => {
        this.open.delete(key);
        await (await opened.catch(() => undefined))?.close();
      });
    }
    return mailbox;
  }

  /** the mailbox's answer, or undefined when it cannot be reached (the flows say so) */
  async use<T>(
    user: DirectoryUser,
    ctx: ActionContext,
    use: (m: Mailbox) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    try {
      return { value: await use(await this.mailboxOf(user, ctx)) };
    } catch (e) {
      if (e instanceof MailboxUnavailable) {
        ctx.log.warn({ user: user.id, err: e.message }, 'mailbox unavailable');
        return undefined;
      }
      throw e;
    }
  }
}
