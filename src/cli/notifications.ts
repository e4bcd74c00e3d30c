// The lamps and the SMS as `config.notify` sets them up: the notifier, the SMS gateway and its
// durable queue, and how voicebox learns that a mailbox changed (Dovecot's push, the periodic
// check, voicebox's own delivery) and that a user asked for a reset (the reset mailbox).
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mailboxOwnerOf } from '../actions/index.js';
import type { VoiceboxConfig } from '../config/index.js';
import type { Directory, DirectoryUser } from '../directory/index.js';
import type { MailSpool } from '../mail/index.js';
import type { MailboxOwner, MailboxStore } from '../mailbox/index.js';
import {
  ImapResetMailbox,
  httpSmsGateway,
  LampSender,
  mailSmsGateway,
  MailboxPoll,
  NOTIFY_KINDS,
  Notifier,
  openNotifierLog,
  pollEnabled,
  PushEndpoint,
  pushEnabled,
  resetRequester,
  smsDispatch,
  SmsQueue,
  type LampLink,
  type LinkEvents,
  type MailboxChange,
  type NotifierLog,
  type PollTarget,
  type ResetMail,
  type SmsGateway,
  type SmsJob,
  type UserIndex,
} from '../notify/index.js';
import type { RuntimeLogger } from '../runtime/index.js';
import type { Metrics } from '../metrics/index.js';
import { countedNotifierLog } from './metrics.js';

/** after a delivery, her mailbox is looked at again after these waits until the message is there */
const DELIVERY_FOLLOW_MS = [250, 500, 1_000, 2_000, 4_000, 8_000];

type ImapHostRuleConfig = NonNullable<NonNullable<VoiceboxConfig['mailbox']['imap']>['hostRule']>;

export interface NotificationParts {
  readonly directory: Directory;
  readonly mailboxes: MailboxStore & { readonly hostRule?: ImapHostRuleConfig };
  readonly users: UserIndex;
  /** the mail spool: the e-mail-to-SMS gateway hands its mails to it */
  readonly spool: MailSpool;
  readonly lampLink: LampLink | undefined;
  /** the events over the same link (MESSAGE_QUERY: a phone registered and asks for its lamp) */
  readonly linkEvents?: LinkEvents | undefined;
  /** the menus' default language: an SMS to a user without one of her own */
  readonly defaultLanguage: string;
  readonly log: RuntimeLogger;
  readonly clock?: (() => Date) | undefined;
  /** lamps and SMS counted for /metrics (metrics.listen) */
  readonly metrics?: Metrics | undefined;
}

/** What `serve` runs for the notifications; `notifier` undefined when neither a lamp nor an SMS can go out. */
export interface Notifications {
  readonly notifier: Notifier | undefined;
  readonly notifierLog: NotifierLog;
  /** the push endpoint's port once listening (0 when off) */
  readonly pushPort: () => number;
  /** starts the SMS queue, the push endpoint, the periodic check and the lamps' reconcile */
  start(): Promise<void>;
  /**
   * voicebox handed a voice message for `login` to the mail server: her lamp is checked now, and —
   * as the server may store it a moment later (Postfix → LMTP) — again as soon as her mailbox's
   * fingerprint changes, looked at for up to ~15 s. Without Dovecot's push this is what lights the
   * lamp before the periodic check would.
   */
  delivered(login: string): void;
  /** the reset mailbox emptied now (tests; the push and the periodic check call it) */
  drainResetMailbox(): Promise<void>;
  close(): Promise<void>;
}

export function notificationsFrom(config: VoiceboxConfig, parts: NotificationParts): Notifications {
  const n = config.notify;
  const { log } = parts;
  let lamps = n.lamp.enabled;
  if (lamps && n.lamp.domain === '') {
    log.info(
      {},
      "no message-waiting lamps: notify.lamp.domain (the SIP domain of the phones' accounts) is not set",
    );
    lamps = false;
  } else if (lamps && !parts.lampLink) {
    log.warn({}, 'no message-waiting lamps: they go over freeswitch.inbound, which is not set');
    lamps = false;
  }
  const notifierLog = parts.metrics
    ? countedNotifierLog(openNotifierLog(n.log, log), parts.metrics)
    : openNotifierLog(n.log, log);
  const ownerOf = (user: DirectoryUser): MailboxOwner =>
    mailboxOwnerOf(user, { location: config.location, hostRule: parts.mailboxes.hostRule, log });

  const queue = n.sms.enabled
    ? new SmsQueue({
        dir: resolve(config.base, n.sms.queue),
        gateway: smsGatewayFrom(config, parts.spool),
        retry: n.sms.retry,
        logger: log,
        onSent: (job) => logSms(notifierLog, job, 'sent'),
        onFailed: (job, failure) => {
          if (failure.reason === 'rejected') logSms(notifierLog, job, 'rejected');
        },
      })
    : undefined;

  const lamp = lamps && parts.lampLink ? new LampSender(parts.lampLink, { log, notifierLog }) : undefined;
  const notifier =
    lamp || queue
      ? new Notifier({
          directory: parts.directory,
          mailboxes: parts.mailboxes,
          ownerOf,
          lamp,
          userByLogin: parts.users.byLogin,
          listUsers: () => parts.users.list(),
          site: { thresholds: n.thresholds, lamp: { ...n.lamp, enabled: lamps }, sms: n.sms },
          location: config.location,
          clock: parts.clock,
          log,
          concurrency: n.watch.concurrency,
          ...(queue
            ? {
                onSmsDue: smsDispatch({
                  directory: parts.directory,
                  queue,
                  location: config.location,
                  defaultLanguage: parts.defaultLanguage,
                  log,
                }),
              }
            : {}),
        })
      : undefined;

  // the reset mails (§1.4): a mailbox of the site's IMAP server, read with the master user
  const resetBox = notifier ? resetMailboxFrom(config, log) : undefined;
  let draining: Promise<boolean> | undefined;
  let drainAgain = false;
  const drainOnce = async (): Promise<void> => {
    if (!resetBox || !notifier) return;
    await resetBox.box.drain(async (mail: ResetMail) => {
      const verdict = resetRequester(mail, n.reset.trust);
      if ('refused' in verdict) {
        log.warn(
          { from: mail.from.slice(0, 120), why: verdict.refused },
          'reset mail not believed: nothing reset (notify.reset.trust)',
        );
        return;
      }
      const user = await parts.users.byLogin(verdict.name);
      if (!user) {
        log.warn(
          { name: verdict.name.slice(0, 120) },
          'reset mail from nobody in the directory: nothing reset',
        );
        return;
      }
      await notifier.reset(user);
    });
  };
  /** resolves whether the last run read the reset mailbox */
  const drainReset = (): Promise<boolean> => {
    if (!resetBox) return Promise.resolve(true);
    if (draining) {
      drainAgain = true;
      return draining;
    }
    draining = (async () => {
      let read: boolean;
      do {
        drainAgain = false;
        try {
          await drainOnce();
          read = true;
        } catch (error) {
          read = false;
          log.warn(
            { mailbox: n.reset.mailbox, err: (error as Error).message },
            'the reset mailbox cannot be read; tried again with the next change',
          );
        }
      } while (drainAgain);
      return read;
    })().finally(() => (draining = undefined));
    return draining;
  };
  const drainResetMailbox = async (): Promise<void> => {
    await drainReset();
  };

  /** whether the change was handled: the periodic check reports a mailbox again when not */
  const onChange = (change: MailboxChange): Promise<boolean> => {
    if (resetBox && change.login.toLowerCase() === resetBox.login) return drainReset();
    return notifier ? notifier.changed(change) : Promise.resolve(true);
  };
  const push =
    notifier && pushEnabled(n.watch.push)
      ? new PushEndpoint({
          ...n.watch.push,
          // answered before it is handled; a push that could not be handled waits for the next change or round
          onChange: (change) => void onChange(change),
          log,
        })
      : undefined;
  if (notifier && n.watch.push.port > 0 && !push)
    log.warn(
      {},
      'notify.watch.push.port is set but notify.watch.push.token is not: the push endpoint stays off',
    );
  const poll =
    notifier && pollEnabled(n.watch)
      ? new MailboxPoll({
          list: async () => {
            const targets: PollTarget[] = [];
            for (const user of await parts.users.list()) {
              if (user.mailbox === '') continue;
              const owner = ownerOf(user);
              targets.push({ login: owner.mailbox, owner });
            }
            if (resetBox)
              targets.push({ login: resetBox.login, owner: { mailbox: resetBox.login, email: '' } });
            return targets;
          },
          fingerprint: (owner) => parts.mailboxes.fingerprint(owner),
          onChange,
          intervalMs: n.watch.pollIntervalMs,
          concurrency: n.watch.concurrency,
          log,
        })
      : undefined;

  // voicebox's own delivery: looked after until the message is in her mailbox (or ~15 s passed)
  const following = new AbortController();
  const followed = new Set<Promise<void>>();
  const follow = async (login: string): Promise<void> => {
    if (!notifier) return;
    const user = await parts.users.byLogin(login);
    if (!user || user.mailbox === '') return;
    const owner = ownerOf(user);
    const before = await parts.mailboxes.fingerprint(owner).catch(() => undefined);
    await notifier.changed({ login, source: 'delivery' });
    if (before === undefined) return; // her mailbox cannot be read: the next change or round
    for (const ms of DELIVERY_FOLLOW_MS) {
      await sleep(ms, undefined, { signal: following.signal, ref: false });
      const now = await parts.mailboxes.fingerprint(owner).catch(() => undefined);
      if (now === undefined) return;
      if (now !== before) {
        await notifier.changed({ login, source: 'delivery' });
        return;
      }
    }
  };
  const delivered = (login: string): void => {
    if (!notifier || following.signal.aborted) return;
    const run = follow(login).catch((error: unknown) => {
      if (!following.signal.aborted)
        log.warn(
          { login: login.slice(0, 120), err: (error as Error).message },
          'notifier: a delivery could not be followed',
        );
    });
    followed.add(run);
    void run.finally(() => followed.delete(run));
  };

  return {
    notifier,
    notifierLog,
    pushPort: () => push?.port ?? 0,
    delivered,
    async start() {
      await queue?.start();
      notifier?.start();
      // a phone that registers gets its lamp at once (mod_sofia asks with MESSAGE_QUERY)
      if (notifier && lamp)
        parts.linkEvents?.on('event', (e) => {
          const account = e.name === 'MESSAGE_QUERY' ? e.get('Message-Account') : undefined;
          if (account) void notifier.asked(account);
        });
      if (push) await push.listen();
      poll?.start();
    },
    drainResetMailbox,
    async close() {
      // no mailbox check (an IMAP login) starts once closing began; those under way end first
      await poll?.stop();
      following.abort();
      await Promise.allSettled([...followed]);
      await push?.close();
      await draining;
      await notifier?.close();
      await queue?.stop();
      await notifierLog.flush();
    },
  };
}

/** The gateway `notify.sms.gateway` names. */
function smsGatewayFrom(config: VoiceboxConfig, spool: MailSpool): SmsGateway {
  const sms = config.notify.sms;
  if (sms.gateway === 'mail')
    return mailSmsGateway({ spool, addressTemplate: sms.mailAddress, domain: config.mail.domain });
  const { headers, ...http } = sms.http;
  return httpSmsGateway({ ...http, ...(headers ? { headers } : {}) });
}

/** One notifier-log line per kind the SMS told of. */
function logSms(log: NotifierLog, job: SmsJob, outcome: 'sent' | 'rejected'): void {
  const user = { id: job.user, mailbox: job.mailbox ?? '' };
  for (const kind of NOTIFY_KINDS) {
    const count = job.counts?.[kind] ?? 0;
    if (count > 0)
      log.write({ kind: 'sms', user, to: job.to, messageKind: kind, count, reason: 'arrived', outcome });
  }
}

/**
 * The reset mailbox (`notify.reset.mailbox`) as the master user of `mailbox.imap` opens it;
 * undefined when none is configured. Other access modes cannot open it: said at start.
 */
function resetMailboxFrom(
  config: VoiceboxConfig,
  log: RuntimeLogger,
): { login: string; box: ImapResetMailbox } | undefined {
  const mailbox = config.notify.reset.mailbox.trim();
  if (mailbox === '') return undefined;
  const imap = config.mailbox.type === 'imap' ? config.mailbox.imap : undefined;
  if (!imap || imap.adminMode !== 'master' || !imap.masterUser || imap.masterPassword === undefined) {
    log.warn(
      { mailbox },
      'notify.reset.mailbox needs mailbox.type imap with the master user (mailbox.imap.adminMode master, masterUser, masterPassword): no reset mails are read',
    );
    return undefined;
  }
  return {
    login: mailbox.toLowerCase(),
    box: new ImapResetMailbox({
      host: imap.host,
      port: imap.port,
      secure: imap.tls,
      tls: { rejectUnauthorized: imap.rejectUnauthorized },
      user: `${mailbox}${imap.masterSeparator}${imap.masterUser}`,
      password: imap.masterPassword,
      timeoutMs: imap.timeoutMs,
    }),
  };
}
