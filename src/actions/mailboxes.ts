// The owner's mailbox during a call: one connection per call and owner, closed when the call
// ends, and a per-call folder her voice messages are fetched into for FreeSWITCH to play.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirectoryUser } from '../directory/index.js';
import { makeFolder } from '../greetings/index.js';
import {
  DOWNLOAD_FOLDER_MODE,
  imapHostFromAttribute,
  MailboxUnavailable,
  type HostRewriteRule,
  type Mailbox,
  type MailboxOwner,
  type MailboxStore,
} from '../mailbox/index.js';
import { toE164, type Location } from '../phone/index.js';
import type { ActionContext, RuntimeLogger } from '../runtime/index.js';
import type { MediaRoot } from '../speech/index.js';

/** `mailbox.imap.hostRule`: the directory attribute that names her IMAP server, and the rule */
export interface ImapHostRule extends HostRewriteRule {
  /** the LDAP attribute (`directory.ldap.attributes.imapHost`), named in the log */
  attribute: string;
}

/** A mailbox store, and the site's rule for which server each owner's mailbox is on (R8). */
export type SiteMailboxStore = MailboxStore & { readonly hostRule?: ImapHostRule | undefined };

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const hasControl = (s: string): boolean =>
  [...s].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127);

/** a directory value in a log line: at most 200 characters (an attribute can be megabytes) */
const logged = (value: string): string => (value.length > 200 ? `${value.slice(0, 200)}…` : value);

/** a per-user value voicebox cannot use: logged with the user, key and value, the site's value applies */
function unusable(log: RuntimeLogger, user: DirectoryUser, key: string, value: string, why: string): void {
  log.warn(
    { user: user.id, key, value: logged(value), why },
    `her own ${key} is not used: the site's value applies`,
  );
}

/**
 * Where her messages are (R8, the ixi-UMS Voice-Mail Server manual §4.2.4, §4.3.1, §5.3.3).
 * Each of her own values wins over the site's:
 * - the IMAP user whose mailbox is read: her `imapUser`, else her mailbox alias
 *   (`directory.ldap.attributes.mailboxAlias`, YAML `mailboxAlias`), else her login, else her
 *   e-mail's local part; `imapUser` is also the login then (individual access, master user);
 * - the folder: her `imapFolder`, else `mailbox.folder`;
 * - the server: her `imapHost`, else her host attribute through `mailbox.imap.hostRule`, else
 *   `mailbox.imap.host`.
 * A value that cannot be used is logged with the user, the key and the value, and the site's
 * value applies.
 */
export function mailboxOwnerOf(
  user: DirectoryUser,
  o: { location: Location; hostRule?: ImapHostRule | undefined; log: RuntimeLogger },
): MailboxOwner {
  const s = user.settings;
  const own = (key: 'imapUser' | 'imapFolder' | 'imapHost'): string | undefined => {
    const value = s[key];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (trimmed === '' || hasControl(trimmed)) {
      unusable(o.log, user, key, value, 'empty or with control characters');
      return undefined;
    }
    return trimmed;
  };
  const imapUser = own('imapUser');
  const folder = own('imapFolder');
  let imapHost = own('imapHost');
  if (imapHost !== undefined && !HOST_NAME.test(imapHost)) {
    unusable(o.log, user, 'imapHost', imapHost, 'not a host name');
    imapHost = undefined;
  }
  if (imapHost === undefined && o.hostRule && user.imapHostAttribute !== undefined) {
    imapHost = imapHostFromAttribute(user.imapHostAttribute, o.hostRule);
    if (imapHost === undefined) {
      o.log.warn(
        { user: user.id, key: o.hostRule.attribute, value: logged(user.imapHostAttribute) },
        'mailbox.imap.hostRule does not match her host attribute: mailbox.imap.host applies',
      );
    }
  }
  const login = imapUser ?? user.login;
  return {
    mailbox: imapUser ?? user.mailboxAlias ?? user.login ?? user.email.split('@')[0]!,
    email: user.email,
    // a signed voice message counts only in the mailbox it names
    number: toE164(user.mailbox, o.location, { outsideLine: 'without' }) ?? user.mailbox,
    ...(login !== undefined ? { login } : {}),
    ...(s.mailPassword ? { mailPassword: s.mailPassword } : {}),
    ...(folder !== undefined ? { folder } : {}),
    ...(imapHost !== undefined ? { imapHost } : {}),
  };
}

/** her own values in use, for the log when her mailbox cannot be reached: `imapFolder=INBOX/Voice` */
function ownValues(owner: MailboxOwner, user: DirectoryUser): string[] {
  const s = user.settings;
  return [
    ...(owner.folder !== undefined ? [`imapFolder=${owner.folder}`] : []),
    ...(s.imapUser !== undefined && owner.login === s.imapUser.trim() ? [`imapUser=${owner.login}`] : []),
    ...(s.imapHost !== undefined && owner.imapHost === s.imapHost.trim()
      ? [`imapHost=${owner.imapHost}`]
      : []),
  ];
}

export class CallMailboxes {
  private readonly open = new Map<string, Promise<Mailbox>>();
  private readonly inboxes = new Set<string>();

  constructor(
    private readonly store: SiteMailboxStore | undefined,
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
      const owner = mailboxOwnerOf(user, { location: this.location, hostRule: store.hostRule, log: ctx.log });
      // the IMAP user whose mailbox is read (the call's last line repeats it); the login name at debug
      ctx.log.info({ user: user.id, imapUser: owner.mailbox }, 'opening mailbox');
      ctx.log.debug(
        {
          user: user.id,
          login: owner.login ?? "the site's account",
          folder: owner.folder ?? 'mailbox.folder',
          host: owner.imapHost ?? 'mailbox.imap.host',
        },
        'mailbox login',
      );
      const opened = store.open(owner).catch((e: unknown) => {
        // a folder, user or server of her own that does not work: named with her, so the admin
        // finds the setting (the site's other mailboxes are not touched)
        const values = ownValues(owner, user);
        if (e instanceof MailboxUnavailable && values.length > 0) {
          ctx.log.warn(
            { user: user.id, own: values, err: e.message },
            'her own mailbox settings do not work',
          );
        }
        throw e;
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
