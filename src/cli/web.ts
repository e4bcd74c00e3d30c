// The web page built from the running voicebox's own services: the same directory, greetings,
// mailboxes and live release as the calls, and what only the admin commands do (lookup, unlock,
// the mail password, the audit log) handed in from them, so the page and the commands agree.
import { Client, InvalidCredentialsError, type ClientOptions } from 'ldapts';
import type { VoiceboxConfig } from '../config/index.js';
import { DirectoryUnavailable, type Directory, type DirectoryUser } from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import { GreetingStore } from '../greetings/index.js';
import type { ActionRegistry, RuntimeLogger } from '../runtime/index.js';
import type { MediaRoot } from '../speech/index.js';
import type { AdminOperations, MailPasswords, PasswordCheck, WebDeps } from '../web/index.js';
import { appendAudit, changedKeys } from './audit.js';
import type { Services } from './services.js';
import { AdminError, auditName, findUser, reportLines, unlocked, userReport } from './user-admin.js';
import { storeMailPassword } from './user-mail-password.js';

type LdapConfig = NonNullable<VoiceboxConfig['directory']['ldap']>;

export interface WebWiring {
  /** the menus of the release new calls get now (a deploy switches the page too) */
  readonly bundle: () => Bundle;
  /** that release's actions */
  readonly actions: () => ActionRegistry;
  readonly media: MediaRoot;
  readonly log: RuntimeLogger;
  readonly clock?: () => Date;
}

export function webDepsFrom(
  config: VoiceboxConfig,
  services: Pick<Services, 'directory' | 'mailboxes' | 'location'>,
  o: WebWiring,
): WebDeps {
  const clock = o.clock ?? (() => new Date());
  const { directory } = services;
  const passwords = passwordCheckFrom(config);
  const clear = passwords ? config.directory.ldap?.servers.filter((url) => !isLdaps(url)) : [];
  if (clear && clear.length > 0)
    o.log.warn(
      { servers: clear },
      `web login by directory password over ${clear.join(', ')} (ldap://, no TLS): the passwords owners type ` +
        'cross the network in clear; use ldaps:// servers',
    );
  const mailPasswords = mailPasswordsFrom(config, directory, o.log);
  return {
    config,
    bundle: o.bundle,
    actions: o.actions,
    directory,
    // as the calls find greetings: the same fall-back between languages
    greetings: new GreetingStore(o.media, { languageFallback: config.greetings.languageFallback }),
    mailboxes: services.mailboxes,
    media: o.media,
    location: services.location,
    log: o.log,
    clock,
    ...(passwords ? { passwords } : {}),
    ...(mailPasswords ? { mailPasswords } : {}),
    admin: adminOperations(config, directory, clock),
  };
}

/** the directory password: offered only where web.login asks for it and the directory is LDAP */
function passwordCheckFrom(config: VoiceboxConfig): PasswordCheck | undefined {
  const ldap = config.directory.ldap;
  if (config.web.login === 'pin' || config.directory.type !== 'ldap' || !ldap) return undefined;
  return ldapBind(ldap);
}

const isLdaps = (url: string) => url.toLowerCase().startsWith('ldaps:');

/**
 * The connection as the directory's own makes it (configuredDirectory → LdapDirectory): TLS for
 * ldaps:// with the same certificate check, nothing else on ldap:// (the directory uses no
 * STARTTLS either). A password bind must not trust a server the directory would refuse.
 */
export function ldapConnection(ldap: LdapConfig, url: string): ClientOptions {
  return {
    url,
    timeout: ldap.timeoutMs,
    connectTimeout: ldap.timeoutMs,
    ...(isLdaps(url) ? { tlsOptions: { rejectUnauthorized: ldap.rejectUnauthorized } } : {}),
  };
}

/**
 * Her password checked by a bind as her own entry, on the configured servers in their order; a
 * connection of its own each time (never the directory's connection, which is bound as voicebox).
 */
export function ldapBind(ldap: LdapConfig): PasswordCheck {
  return {
    async verify(user: DirectoryUser, password: string): Promise<boolean> {
      // A simple bind with a name and an empty password is an "unauthenticated bind" (RFC 4513
      // §5.1.2): many servers answer it with success without looking at any password. Refused
      // here, before any server sees it. An entry from the last known copy logs nobody in.
      if (password === '' || user.lastKnown !== undefined) return false;
      const tried: { server: string; error: string }[] = [];
      let last: unknown;
      for (const url of ldap.servers) {
        const client = new Client(ldapConnection(ldap, url));
        try {
          await client.bind(user.id, password);
          return true;
        } catch (e) {
          if (e instanceof InvalidCredentialsError) return false;
          // never the password: the server's answer or the connection's error alone
          tried.push({ server: url, error: e instanceof Error ? e.message : String(e) });
          last = e;
        } finally {
          await client.unbind().catch(() => undefined);
        }
      }
      throw new DirectoryUnavailable(tried, last);
    },
  };
}

/** the mail-password form: only where her own IMAP login is used (individual or both) and can be stored */
function mailPasswordsFrom(
  config: VoiceboxConfig,
  directory: Directory,
  log: RuntimeLogger,
): MailPasswords | undefined {
  const imap = config.mailbox.type === 'imap' ? config.mailbox.imap : undefined;
  // without the key a password cannot be stored encrypted (`voicebox user mail-password` refuses too)
  if (!imap || imap.access === 'administrative' || !imap.passwordKey) return undefined;
  return {
    async set(user, password) {
      const answer = await storeMailPassword(config, directory, user, password, log);
      return answer.stored ? 'stored' : 'refused';
    },
  };
}

/** `voicebox user show / unlock` and the audit log, for the admin's page */
export function adminOperations(
  config: VoiceboxConfig,
  directory: Directory,
  clock: () => Date = () => new Date(),
): AdminOperations {
  return {
    async find(wanted) {
      try {
        return await findUser(directory, config, wanted);
      } catch (e) {
        if (e instanceof AdminError) throw new Error(e.message, { cause: e });
        throw e;
      }
    },
    report(user) {
      const r = userReport(user, config, clock());
      return [['name', r.name], ...reportLines(r, config)];
    },
    async unlock(user, by) {
      let change: Record<string, unknown> = {};
      await directory.updateSettings(user, (s) => {
        const after = unlocked(s, undefined);
        change = changedKeys({ ...s }, { ...after });
        return after;
      });
      if (Object.keys(change).length === 0) return;
      await appendAudit(
        config.admin.auditLog,
        { command: 'user unlock (web page)', by, user: auditName(user), change },
        clock(),
      );
    },
    async audit(by, action, detail) {
      // `by`: the admin logged in on the page; the OS user running voicebox is written beside it
      await appendAudit(
        config.admin.auditLog,
        { command: `${action} (web page)`, by, change: detail },
        clock(),
      );
    },
  };
}
