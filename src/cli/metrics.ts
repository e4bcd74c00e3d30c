// Metrics as `metrics.listen` sets them up, and the wrappers that measure the directory, the
// mailboxes and the mail server without those modules knowing of Prometheus (README.md,
// "Metrics and health").
import type { VoiceboxConfig } from '../config/index.js';
import type { Directory, DirectoryUser, UserSettings } from '../directory/index.js';
import type { MailTransport, RawMessage } from '../mail/index.js';
import type { Mailbox, MailboxOwner, MailboxStore } from '../mailbox/index.js';
import { Metrics, MetricsServer, type ServingState, type SpoolState } from '../metrics/index.js';
import type { NotifierLog } from '../notify/index.js';
import type { RuntimeLogger } from '../runtime/index.js';

export { Metrics } from '../metrics/index.js';

/** The metrics of a running voicebox, undefined when `metrics.listen` is '' (off). */
export function metricsFrom(config: VoiceboxConfig, log?: RuntimeLogger): Metrics | undefined {
  if (config.metrics.listen === '') return undefined;
  log?.debug({ listen: config.metrics.listen }, 'metrics on');
  return new Metrics();
}

/** `HOST:PORT` (`[::1]:9464` for IPv6) → where to listen. */
export function metricsAddress(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`metrics.listen: expected HOST:PORT such as 127.0.0.1:9464, got '${listen}'`);
  return { host, port };
}

/** What `serve` keeps of the metrics: where they listen, and how to tell them it serves. */
export interface RunningMetrics {
  readonly metrics: Metrics;
  readonly address: { host: string; port: number };
  /** calls are served from now on; `state` is asked on each /health and scrape (draining?) */
  serving(state: () => ServingState, liveRelease?: () => string | undefined): void;
  close(): Promise<void>;
}

/**
 * Starts /metrics and /health on `metrics.listen` (undefined when off). /health answers
 * `starting` (503) until `serving` is called: a balancer sends no calls before voicebox listens.
 */
export async function startMetrics(
  config: VoiceboxConfig,
  log: RuntimeLogger,
  metrics: Metrics | undefined = metricsFrom(config, log),
): Promise<RunningMetrics | undefined> {
  if (!metrics) return undefined;
  const { host, port } = metricsAddress(config.metrics.listen);
  const server = new MetricsServer({
    metrics,
    host,
    port,
    ...(config.metrics.token ? { token: config.metrics.token } : {}),
    log,
  });
  const address = await server.listen();
  const shown = address.host.includes(':')
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
  log.info(
    { metrics: shown, token: config.metrics.token ? 'required' : 'none' },
    `metrics and health on http://${shown}/metrics and /health`,
  );
  return {
    metrics,
    address,
    serving: (state, liveRelease) => metrics.readServingFrom(state, liveRelease),
    close: () => server.close(),
  };
}

/**
 * The directory with every request timed as backend `ldap` (the names of the Directory's
 * methods are the operations). Optional methods stay optional: a directory that cannot list its
 * users still cannot.
 */
export function measuredDirectory(directory: Directory, metrics: Metrics): Directory {
  const time = <T>(operation: string, request: () => Promise<T>): Promise<T> =>
    metrics.timed('ldap', operation, request);
  const d = directory;
  const measured: Directory = {
    findByNumber: (formats) => time('findByNumber', () => d.findByNumber(formats)),
    updateSettings: (user: DirectoryUser, change: (s: UserSettings) => UserSettings) =>
      time('updateSettings', () => d.updateSettings(user, change)),
    close: () => d.close(),
  };
  if (d.findByOfficeNumber) {
    const find = d.findByOfficeNumber.bind(d);
    measured.findByOfficeNumber = (formats) => time('findByOfficeNumber', () => find(formats));
  }
  if (d.findByLogin) {
    const find = d.findByLogin.bind(d);
    measured.findByLogin = (login) => time('findByLogin', () => find(login));
  }
  if (d.current) {
    const current = d.current.bind(d);
    measured.current = (user) => time('current', () => current(user));
  }
  if (d.users) {
    const users = d.users.bind(d);
    // each page the listing waits for is a request
    measured.users = () => ({
      [Symbol.asyncIterator]() {
        const it = users()[Symbol.asyncIterator]();
        return {
          next: () => time('users', () => it.next()),
          return: async (value?: unknown) =>
            it.return ? it.return(value) : { done: true as const, value: undefined },
        };
      },
    });
  }
  return measured;
}

/** One owner's mailbox with every request timed as backend `imap`. */
function measuredMailbox(mailbox: Mailbox, metrics: Metrics): Mailbox {
  const time = <T>(operation: string, request: () => Promise<T>): Promise<T> =>
    metrics.timed('imap', operation, request);
  const m = mailbox;
  return {
    summary: () => time('summary', () => m.summary()),
    list: (order, filter) => time('list', () => m.list(order, filter)),
    voiceAudio: (uid, toDir) => time('voiceAudio', () => m.voiceAudio(uid, toDir)),
    text: (uid, maxChars) => time('text', () => m.text(uid, maxChars)),
    notifyCounts: (since) => time('notifyCounts', () => m.notifyCounts(since)),
    markSeen: (uid) => time('markSeen', () => m.markSeen(uid)),
    delete: (uid) => time('delete', () => m.delete(uid)),
    close: () => time('close', () => m.close()),
  };
}

/**
 * The mailboxes with every request timed as backend `imap`: opening one (the login), and each
 * request on it. The IMAP host rule the wiring reads off the store is kept.
 */
export function measuredMailboxes<H>(
  store: MailboxStore & { readonly hostRule?: H },
  metrics: Metrics,
): MailboxStore & { readonly hostRule?: H } {
  const measured: MailboxStore = {
    open: async (owner: MailboxOwner) =>
      measuredMailbox(await metrics.timed('imap', 'open', () => store.open(owner)), metrics),
    fingerprint: (owner: MailboxOwner) =>
      metrics.timed('imap', 'fingerprint', () => store.fingerprint(owner)),
  };
  return store.hostRule === undefined ? measured : { ...measured, hostRule: store.hostRule };
}

/** The mail server with every message handed to it timed as backend `smtp`, operation `send`. */
export function measuredTransport(transport: MailTransport, metrics: Metrics): MailTransport {
  return {
    send: (message: RawMessage) => metrics.timed('smtp', 'send', () => transport.send(message)),
    close: () => transport.close(),
  };
}

/**
 * The spool's attempts, counted at its only way out: each message handed to this transport is
 * one attempt of the spool, `sent` when the server took it, `failed` when not.
 */
export function countedSpoolSends(transport: MailTransport, metrics: Metrics): MailTransport {
  return {
    send: async (message: RawMessage) => {
      try {
        await transport.send(message);
      } catch (error) {
        metrics.spool.failed();
        throw error;
      }
      metrics.spool.sent();
    },
    close: () => transport.close(),
  };
}

/** What the spool tells of itself for the gauges: its waiting entries, and the oldest's age when it knows. */
export interface SpoolView {
  pending(): readonly string[];
  stats?(): { messages: number; oldestEnqueuedAt?: number | undefined };
}

/**
 * The spool's gauges, read on each scrape. With the spool's own `stats()` the oldest entry's
 * age is its time in the spool; without, the time since this process first saw it waiting.
 */
export function spoolStateOf(spool: SpoolView, now: () => number = Date.now): () => SpoolState {
  const firstSeen = new Map<string, number>();
  return () => {
    const at = now();
    if (spool.stats) {
      const { messages, oldestEnqueuedAt } = spool.stats();
      return {
        messages,
        oldestAgeSeconds: oldestEnqueuedAt === undefined ? 0 : Math.max(0, (at - oldestEnqueuedAt) / 1000),
      };
    }
    const ids = spool.pending();
    const waiting = new Set(ids);
    for (const id of firstSeen.keys()) if (!waiting.has(id)) firstSeen.delete(id);
    let oldest = at;
    for (const id of ids) {
      const seen = firstSeen.get(id) ?? (firstSeen.set(id, at), at);
      oldest = Math.min(oldest, seen);
    }
    return { messages: ids.length, oldestAgeSeconds: (at - oldest) / 1000 };
  };
}

/**
 * The notifier log with each line counted: a lamp line is a lamp sent, an SMS line sent or
 * rejected. The lines are written as before.
 */
export function countedNotifierLog(log: NotifierLog, metrics: Metrics): NotifierLog {
  return {
    write(entry) {
      if (entry.kind === 'lamp') metrics.notification('lamp', 'sent');
      else metrics.notification('sms', entry.outcome === 'sent' ? 'sent' : 'failed');
      log.write(entry);
    },
    flush: () => log.flush(),
  };
}
