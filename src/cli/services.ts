// Everything a running voicebox talks to, built from its configuration: the directory,
// greetings, the mail spool and its transport, and the actions the menus call.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { createActions, MessageWaitingEvents } from '../actions/index.js';
import { ImapMailboxStore, MaildirMailboxStore, type MailboxStore } from '../mailbox/index.js';
import { ConfigError, readConfig, type VoiceboxConfig } from '../config/index.js';
import {
  DEFAULT_LDAP_ATTRIBUTES,
  DEFAULT_LDAP_FILTER,
  DirectoryConfigError,
  LastKnownDirectory,
  LdapDirectory,
  LocalSettingsFallback,
  YamlDirectory,
  type Directory,
} from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import { GreetingStore } from '../greetings/index.js';
import {
  loadSigningKey,
  MailSpool,
  maildirTransport,
  PartlyDelivered,
  smtpTransport,
  spoolMailer,
  type MailTransport,
} from '../mail/index.js';
import { UserIndex, type LampLink, type LinkEvents, type Notifier } from '../notify/index.js';
import { notificationsFrom, type Notifications } from './notifications.js';
import { dialPolicyFrom, isInternal, type Location } from '../phone/index.js';
import { RecordingRetention, type ActionRegistry, type RuntimeLogger } from '../runtime/index.js';
import type { MediaRoot } from '../speech/index.js';
import { packageRoot } from './runtime.js';
import { deadLetterNotices } from './dead-letters.js';
import {
  countedSpoolSends,
  measuredDirectory,
  measuredMailboxes,
  measuredTransport,
  spoolStateOf,
  type Metrics,
} from './metrics.js';

export interface Services {
  readonly actions: ActionRegistry;
  /** the actions for another release of the menus (`voicebox deploy`), over the same directory, spool and mailboxes */
  actionsFor(bundle: Bundle): ActionRegistry;
  /** "the owner has seen her messages": for the message-waiting lamp */
  readonly messageWaiting: MessageWaitingEvents;
  readonly directory: Directory;
  /** the owners' mailboxes the actions read (the web page's messages too) */
  readonly mailboxes: MailboxStore;
  readonly spool: MailSpool;
  /** callers' recordings: removed once delivered, at the end of the call, or by `sweep()` */
  readonly recordings: RecordingRetention;
  readonly location: Location;
  readonly classifyCaller: (number: string) => 'internal' | 'external';
  /**
   * the lamps (and SMS): told of every change in a mailbox (`changed`), by voicebox's own
   * delivery, the mail server's push and the periodic check; undefined when nothing is notified
   */
  readonly notifier: Notifier | undefined;
  /** the SMS queue, the push endpoint, the periodic check and the reset mailbox around the notifier */
  readonly notifications: Notifications;
  /** who a mail server's user name is (the notifier's `userByLogin`), for the push and the reset mail */
  readonly users: UserIndex;
  close(): Promise<void>;
}

export function directoryFrom(
  config: VoiceboxConfig,
  log?: RuntimeLogger,
  /** put around the configured directory itself, inside the fall-backs (metrics: LDAP's own times and errors) */
  measure: (directory: Directory) => Directory = (directory) => directory,
): Directory {
  // settings changed by phone fall back to a local file when LDAP may not be written (S6)
  const directory = new LocalSettingsFallback(
    measure(configuredDirectory(config)),
    resolve(config.directory.localSettings),
    log,
  );
  // a file directory is never unavailable; LDAP is, and callers should still reach voice mail then
  const d = config.directory;
  if (d.type !== 'ldap' || d.lastKnownEntries === 0) return directory;
  return new LastKnownDirectory(directory, {
    file: resolve(d.lastKnown),
    maxEntries: d.lastKnownEntries,
    ...(log ? { log } : {}),
  });
}

/**
 * The directory as configured, without the fall-backs of a running voicebox. `admin` (a command
 * that lists and writes users, such as `voicebox migrate`): no cache — one listing, then one write
 * per user — and a missing default users file is an error, not a fresh copy of the examples.
 */
export function configuredDirectory(config: VoiceboxConfig, o: { admin?: boolean } = {}): Directory {
  if (config.directory.type === 'ldap') {
    const l = config.directory.ldap;
    if (!l || l.servers.length === 0)
      throw new DirectoryConfigError('directory.ldap.servers: list at least one ldap:// or ldaps:// server');
    // servers, baseDn, ous and the two timeouts are the adapter's own names and shapes
    const { bindDn, bindPassword, filter, attributes, rejectUnauthorized, ...ldap } = l;
    return new LdapDirectory({
      ...ldap,
      bindDn: bindDn ?? '',
      bindPassword: bindPassword ?? '',
      filter: filter ?? DEFAULT_LDAP_FILTER,
      attributes: { ...DEFAULT_LDAP_ATTRIBUTES, ...attributes, ...imapHostAttribute(config) },
      ...(o.admin ? { cacheTtlMs: 0 } : {}),
      tls: { rejectUnauthorized },
    });
  }
  // the default users.yaml (beside the config file, or in the working folder) starts as a
  // copy of the examples (voicebox writes settings back: the shipped example stays as it is)
  const file = resolve(config.directory.file);
  if (!o.admin && file === resolve(config.base, 'users.yaml') && !existsSync(file))
    copyFileSync(join(packageRoot, 'examples', 'users.yaml'), file);
  return new YamlDirectory({ file });
}

/**
 * The configuration and the directory an admin command (`migrate`, `notify reset`) works on:
 * without the fall-backs of a running voicebox, so it writes to the directory or fails. Undefined
 * when either cannot be had — the reason is written to `err`, naming the command.
 */
export function adminDirectory(
  command: string,
  configFile: string | undefined,
  err: (s: string) => void,
): { config: VoiceboxConfig; directory: Directory } | undefined {
  try {
    const config = readConfig(configFile);
    return { config, directory: configuredDirectory(config, { admin: true }) };
  } catch (e) {
    const detail = e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message;
    err(`${command}: ${detail}\n`);
    return undefined;
  }
}

/** the attribute `mailbox.imap.hostRule` reads the IMAP host from, when the mailboxes are on IMAP */
function imapHostAttribute(config: VoiceboxConfig): { imapHost?: string } {
  const rule = config.mailbox.type === 'imap' ? config.mailbox.imap?.hostRule : undefined;
  return rule ? { imapHost: rule.attribute } : {};
}

/** `mailbox.trustedSenderDomains`: host names only (`gw.example.com`), each checked with its key. */
export function trustedSenderDomainsFrom(domains: readonly string[]): string[] {
  return domains.map((d, i) => {
    const domain = d.trim().toLowerCase();
    if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(domain)) {
      throw new Error(
        `mailbox.trustedSenderDomains[${i}]: '${d.slice(0, 80)}' is not a domain name (write gw.example.com, without voice./fax./sms. or @)`,
      );
    }
    return domain;
  });
}

type ImapHostRuleConfig = NonNullable<NonNullable<VoiceboxConfig['mailbox']['imap']>['hostRule']>;

/**
 * Where the owners' messages are read: her IMAP mailbox, or the local Maildir voicebox delivers to;
 * with `mailbox.imap.hostRule`, which server each owner's mailbox is on (applied per call).
 */
export function mailboxStoreFrom(
  config: VoiceboxConfig,
  signingKey?: Uint8Array,
): MailboxStore & { readonly hostRule?: ImapHostRuleConfig } {
  const m = config.mailbox;
  const folders = {
    folder: m.folder,
    trash: m.trash,
    deleteMode: m.deleteMode,
    maxAudioBytes: m.maxAudioBytes,
    textBytes: m.maxTextBytes,
    trustedSenderDomains: trustedSenderDomainsFrom(m.trustedSenderDomains),
    ...(signingKey ? { signingKey } : {}),
  };
  if (m.type === 'imap') {
    if (!m.imap) throw new Error('mailbox.imap: the IMAP server settings are missing');
    const { hostRule, ...imap } = m.imap;
    const store = new ImapMailboxStore({ ...imap, ...folders });
    // which server each owner's mailbox is on: applied per call, where the user is known
    return hostRule ? Object.assign(store, { hostRule }) : store;
  }
  return new MaildirMailboxStore({ root: resolve(config.mail.maildir), ...folders });
}

/**
 * The key voice messages are signed with: mail.signingKey, else one made once and kept
 * owner-only in `voicebox-signing.key` beside the spool folder (so restarts keep verifying).
 */
export function signingKeyFrom(config: VoiceboxConfig): Promise<Buffer> {
  return loadSigningKey({
    ...(config.mail.signingKey ? { configured: config.mail.signingKey } : {}),
    file: join(dirname(resolve(config.mail.spool)), 'voicebox-signing.key'),
  });
}

/** The SMTP server's certificate is verified against the configured CA (a private CA need not mean plaintext). */
function smtpTls(smtp: NonNullable<VoiceboxConfig['mail']['smtp']>): ConnectionOptions {
  if (!smtp.ca) return { rejectUnauthorized: smtp.rejectUnauthorized };
  let pem: Buffer;
  try {
    pem = readFileSync(resolve(smtp.ca));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`mail.smtp.ca: cannot read ${smtp.ca} (${code})`, { cause: error });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`mail.smtp.ca: ${smtp.ca} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return { ca: [pem], rejectUnauthorized: smtp.rejectUnauthorized };
}

/** Where outgoing mail goes: the configured SMTP server, else the local Maildir. */
export function mailTransportFrom(config: VoiceboxConfig): MailTransport {
  const smtp = config.mail.smtp;
  if (!smtp) return maildirTransport({ root: resolve(config.mail.maildir) });
  // host, port, secure, starttls, allowPlaintextAuth and the three timeouts are the transport's
  // own names and shapes; the login and the certificate check are put together here
  const { user, password, ...server } = smtp;
  return smtpTransport({
    ...server,
    ...(user ? { auth: { user, pass: password ?? '' } } : {}),
    tls: smtpTls(smtp),
  });
}

export interface ServiceOptions {
  /** the time the actions see (office hours, PIN age, "today" in a date); default the system's */
  readonly clock?: () => Date;
  /** FreeSWITCH's inbound event socket (`freeswitch.inbound`): the lamps go over it */
  readonly lampLink?: LampLink | undefined;
  /** the events over it (subscribed to MESSAGE_QUERY): a phone registering asks for its lamp */
  readonly linkEvents?: LinkEvents | undefined;
  /** Prometheus's view (`metrics.listen`): LDAP, IMAP and SMTP timed, the spool's sends counted */
  readonly metrics?: Metrics | undefined;
}

/** a voice message voicebox composed (its X-Voicebox-Type header, in the message's head) */
function isVoiceMessage(raw: Buffer): boolean {
  const head = raw.subarray(0, 16 * 1024).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  return /^X-Voicebox-Type:[ \t]*voice[ \t]*\r?$/im.test(end < 0 ? head : head.slice(0, end));
}

/** the spool's dead letters counted for /metrics (metrics.listen), then handed on */
function countDead<T>(
  notices: (info: T) => Promise<void> | void,
  metrics: Metrics | undefined,
): (info: T) => Promise<void> {
  return async (info) => {
    metrics?.spool.dead();
    await notices(info);
  };
}

export async function buildServices(
  config: VoiceboxConfig,
  bundle: Bundle,
  media: MediaRoot,
  log: RuntimeLogger,
  options: ServiceOptions = {},
): Promise<Services> {
  // metrics and health (metrics.listen): the adapters measured from outside, none of them knows
  const metrics = options.metrics;
  const directory = directoryFrom(config, log, (d) =>
    metrics && config.directory.type === 'ldap' ? measuredDirectory(d, metrics) : d,
  );
  // the spool's only way out: its attempts are this transport's sends
  const transport = metrics
    ? countedSpoolSends(
        config.mail.smtp ? measuredTransport(mailTransportFrom(config), metrics) : mailTransportFrom(config),
        metrics,
      )
    : mailTransportFrom(config);
  mkdirSync(resolve(config.mail.spool), { recursive: true });
  // the spool holds its own copy of a message: the caller's recording may go once it is delivered
  const recordings: RecordingRetention = new RecordingRetention({
    mediaLocal: media.local,
    keepDays: config.recordings.keepDays,
    pending: (id) => spool.holds(id),
    log,
  });
  const signingKey = await signingKeyFrom(config);
  const users = new UserIndex({ directory, log });
  const mailboxes =
    metrics && config.mailbox.type === 'imap'
      ? measuredMailboxes(mailboxStoreFrom(config, signingKey), metrics)
      : mailboxStoreFrom(config, signingKey);
  // set below, once the spool the e-mail-to-SMS gateway uses is there
  const later: { notifications?: Notifications } = {};
  const spool: MailSpool = new MailSpool({
    dir: resolve(config.mail.spool),
    // voicebox's own delivery is a change of the recipients' mailboxes (a voice message left)
    send: async (message) => {
      const delivered = (to: readonly string[]) => {
        if (isVoiceMessage(message.raw)) for (const r of to) later.notifications?.delivered(r);
      };
      try {
        await transport.send(message);
      } catch (error) {
        // the others refused it for good: still a change of the mailboxes that took it
        if (error instanceof PartlyDelivered) delivered(error.accepted);
        throw error;
      }
      delivered(message.envelope.to);
    },
    logger: log,
    onDelivered: (id) => recordings.delivered(id),
    onSpooled: () => metrics?.spool.spooled(),
    // a 5xx ends the retries: the owner (and admin.email) are told once, through this spool
    onDeadLetter: countDead(
      deadLetterNotices({
        directory,
        queue: { enqueue: (message, id) => spool.enqueue(message, id) },
        domain: config.mail.domain,
        defaultLanguage: bundle.languages.default,
        adminEmail: config.admin.email,
        location: config.location,
        log,
      }),
      metrics,
    ),
  });
  await spool.start();
  metrics?.readSpoolFrom(spoolStateOf(spool)); // metrics and health: the spool's gauges, read on each scrape
  const notifications = notificationsFrom(config, {
    directory,
    mailboxes,
    users,
    spool,
    lampLink: options.lampLink,
    linkEvents: options.linkEvents,
    defaultLanguage: bundle.languages.default,
    log,
    clock: options.clock,
    metrics,
  });
  later.notifications = notifications;
  const notifier = notifications.notifier;
  await notifications.start();
  const location: Location = config.location;
  const dialPolicy = dialPolicyFrom(config.dialPolicy, location);
  const messageWaiting = new MessageWaitingEvents();
  // she entered the message menu: her counts start afresh and her lamp goes out
  messageWaiting.on('seen', (e) => void notifier?.seen(e));
  // the actions are per release of the menus (their languages, profiles, office hours); everything
  // they talk to is shared by all releases
  const actionsFor = (release: Bundle): ActionRegistry =>
    createActions({
      bundle: release,
      directory,
      mailboxes,
      mailer: spoolMailer({
        spool,
        domain: config.mail.domain,
        fromTemplate: config.mail.fromTemplate,
        timeZone: release.officeHours?.timeZone ?? 'UTC',
        defaultLanguage: release.languages.default,
        signingKey,
        sender: { address: config.welcome.from, name: config.welcome.fromName },
        welcome: config.welcome,
      }),
      greetings: new GreetingStore(media, { languageFallback: config.greetings.languageFallback }),
      media,
      location,
      policy: {
        login: {
          ...config.login,
          wrongPinLog: config.login.wrongPinLog && resolve(config.login.wrongPinLog),
        },
        welcome: config.welcome,
        dial: dialPolicy,
        readMail: config.speech.readMail,
      },
      messageWaiting,
      clock: options.clock,
      log,
    });
  const actions = actionsFor(bundle);
  return {
    actions,
    actionsFor,
    messageWaiting,
    directory,
    mailboxes,
    spool,
    recordings,
    location,
    classifyCaller: (number) => (isInternal(number, location) ? 'internal' : 'external'),
    notifier,
    notifications,
    users,
    async close() {
      await spool.stop();
      await notifications.close();
      transport.close();
      await directory.close();
    },
  };
}
