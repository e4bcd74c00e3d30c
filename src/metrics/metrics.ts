// The instruments voicebox exposes to Prometheus, in a registry of their own: two voicebox
// servers in one process (tests) never share a series.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The backends a request is timed against. */
export type Backend = 'ldap' | 'imap' | 'smtp';

/** How a call ended (the runtime's CallOutcome, repeated here: this module imports no other). */
export const CALL_OUTCOMES = [
  'completed',
  'caller_hangup',
  'transferred',
  'error',
  'refused',
  'drained',
] as const;
export type CallOutcomeLabel = (typeof CALL_OUTCOMES)[number];

/** A call as the call server's observer reports it (the runtime's ObservedCall, structurally). */
export interface CallSeen {
  readonly flow: string;
  readonly release: string;
}

/** What the spool holds now, read when Prometheus scrapes. */
export interface SpoolState {
  /** entries waiting to be sent */
  readonly messages: number;
  /** the age of the oldest of them in seconds; 0 when there is none */
  readonly oldestAgeSeconds: number;
}

/** What /health and voicebox_draining report, read when asked. */
export type ServingState = 'starting' | 'serving' | 'draining';

export interface MetricsOptions {
  /** process and Node.js metrics (event-loop delay, memory, CPU, handles); default true */
  readonly defaultMetrics?: boolean;
  /** most distinct values a label fed from outside (flow, release) takes; more become `other` */
  readonly maxLabelValues?: number;
}

/** Seconds: from a cached directory answer (well under 5 ms) to an SMTP server's DATA on a busy day. */
const BACKEND_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** a flow's or release's name as a label: what the menus and releases use; anything else is `other` */
const LABEL_VALUE = /^[A-Za-z0-9_.:-]{1,64}$/;
const OTHER = 'other';

/**
 * Keeps a label's values bounded: a value is taken as it is while fewer than `max` distinct ones
 * were seen, and only when it looks like a name; every other value is counted as `other`.
 */
class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (!LABEL_VALUE.test(value) || this.seen.size >= this.max) return OTHER;
    this.seen.add(value);
    return value;
  }
}

/**
 * voicebox's metrics: calls, the spool, notifications, the LDAP/IMAP/SMTP requests, the live
 * release and whether it drains. It is the call server's observer (`started`/`ended`), fed by
 * the wrappers the wiring puts around the adapters, and read by MetricsServer.
 */
export class Metrics {
  readonly registry = new Registry();

  private readonly callsInProgress: Gauge<'flow' | 'release'>;
  private readonly callsTotal: Counter<'flow' | 'outcome'>;
  private readonly spooledTotal: Counter;
  private readonly sentTotal: Counter;
  private readonly failedTotal: Counter;
  private readonly deadTotal: Counter;
  private readonly notificationsSent: Counter<'kind'>;
  private readonly notificationsFailed: Counter<'kind'>;
  private readonly backendDuration: Histogram<'backend' | 'operation'>;
  private readonly backendErrors: Counter<'backend' | 'operation'>;
  private readonly flows: BoundedLabel;
  private readonly releases: BoundedLabel;
  private spoolState: () => SpoolState = () => ({ messages: 0, oldestAgeSeconds: 0 });
  private servingState: () => ServingState = () => 'starting';
  private liveRelease: () => string | undefined = () => undefined;

  constructor(options: MetricsOptions = {}) {
    const max = options.maxLabelValues ?? 100;
    this.flows = new BoundedLabel(max);
    this.releases = new BoundedLabel(max);
    const registers = [this.registry];
    this.callsInProgress = new Gauge({
      name: 'voicebox_calls_in_progress',
      help: 'Calls being served now, by flow and by the release of the menus they run',
      labelNames: ['flow', 'release'],
      registers,
    });
    this.callsTotal = new Counter({
      name: 'voicebox_calls_total',
      help: 'Calls ended, by flow and outcome (completed, caller_hangup, transferred, error, refused, drained)',
      labelNames: ['flow', 'outcome'],
      registers,
    });
    this.spooledTotal = new Counter({
      name: 'voicebox_spool_messages_spooled_total',
      help: 'Messages put into the mail spool',
      registers,
    });
    this.sentTotal = new Counter({
      name: 'voicebox_spool_messages_sent_total',
      help: 'Messages the mail server took from the spool',
      registers,
    });
    this.failedTotal = new Counter({
      name: 'voicebox_spool_send_failures_total',
      help: 'Attempts to hand a spooled message to the mail server that failed (each retry counts)',
      registers,
    });
    this.deadTotal = new Counter({
      name: 'voicebox_spool_messages_dead_total',
      help: 'Messages the mail server refused for good (moved to spool/dead)',
      registers,
    });
    const spool = (): SpoolState => this.spoolState();
    new Gauge({
      name: 'voicebox_spool_messages',
      help: 'Messages waiting in the mail spool',
      registers,
      collect() {
        this.set(spool().messages);
      },
    });
    new Gauge({
      name: 'voicebox_spool_oldest_message_age_seconds',
      help: 'Age of the oldest message waiting in the mail spool (0 when none waits)',
      registers,
      collect() {
        this.set(spool().oldestAgeSeconds);
      },
    });
    this.notificationsSent = new Counter({
      name: 'voicebox_notifications_sent_total',
      help: 'Message-waiting lamps and SMS sent, by kind (lamp, sms)',
      labelNames: ['kind'],
      registers,
    });
    this.notificationsFailed = new Counter({
      name: 'voicebox_notifications_failed_total',
      help: 'Message-waiting lamps and SMS that could not be sent, by kind (lamp, sms)',
      labelNames: ['kind'],
      registers,
    });
    this.backendDuration = new Histogram({
      name: 'voicebox_backend_request_duration_seconds',
      help: 'Time of each request to the directory (ldap), the mailboxes (imap) and the mail server (smtp)',
      labelNames: ['backend', 'operation'],
      buckets: BACKEND_BUCKETS,
      registers,
    });
    this.backendErrors = new Counter({
      name: 'voicebox_backend_errors_total',
      help: 'Requests to the directory (ldap), the mailboxes (imap) and the mail server (smtp) that failed',
      labelNames: ['backend', 'operation'],
      registers,
    });
    const live = (): string | undefined => this.liveRelease();
    const releases = this.releases;
    new Gauge({
      name: 'voicebox_release_info',
      help: 'The release of the menus new calls get: 1 for the live release',
      labelNames: ['release'],
      registers,
      collect() {
        this.reset();
        const release = live();
        if (release !== undefined) this.set({ release: releases.of(release) }, 1);
      },
    });
    const serving = (): ServingState => this.servingState();
    new Gauge({
      name: 'voicebox_draining',
      help: '1 while voicebox drains (stopping: no new calls, those in progress go on), else 0',
      registers,
      collect() {
        this.set(serving() === 'draining' ? 1 : 0);
      },
    });
    // nodejs_eventloop_lag_*, process_*: the names every Node.js dashboard knows, so no prefix
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** CallObserver: a call was accepted. */
  started(call: CallSeen): void {
    this.callsInProgress.inc(this.callLabels(call));
  }

  /** CallObserver: a call ended (once per started call; a refused one may come without `started`). */
  ended(call: CallSeen, outcome: string): void {
    const flow = this.flows.of(call.flow);
    if (outcome !== 'refused') this.callsInProgress.dec(this.callLabels(call));
    const known = (CALL_OUTCOMES as readonly string[]).includes(outcome);
    this.callsTotal.inc({ flow, outcome: known ? outcome : OTHER });
  }

  /** the spool's events */
  readonly spool = {
    spooled: (): void => this.spooledTotal.inc(),
    sent: (): void => this.sentTotal.inc(),
    failed: (): void => this.failedTotal.inc(),
    dead: (): void => this.deadTotal.inc(),
  };

  /** a lamp or an SMS went out (`sent`) or could not (`failed`) */
  notification(kind: 'lamp' | 'sms', result: 'sent' | 'failed'): void {
    (result === 'sent' ? this.notificationsSent : this.notificationsFailed).inc({ kind });
  }

  /**
   * Times one request to a backend: its duration whether it succeeds or fails, and a failure
   * counted. `operation` is a name from the code (a method), never a value from a call.
   */
  async timed<T>(backend: Backend, operation: string, request: () => Promise<T>): Promise<T> {
    const end = this.backendDuration.startTimer({ backend, operation });
    try {
      return await request();
    } catch (error) {
      this.backendErrors.inc({ backend, operation });
      throw error;
    } finally {
      end();
    }
  }

  /** what the spool holds, asked on each scrape */
  readSpoolFrom(state: () => SpoolState): void {
    this.spoolState = state;
  }

  /** whether voicebox serves or drains, and which release is live, asked on each scrape and /health */
  readServingFrom(state: () => ServingState, liveRelease?: () => string | undefined): void {
    this.servingState = state;
    if (liveRelease) this.liveRelease = liveRelease;
  }

  /** starting (before calls are served), serving, or draining */
  serving(): ServingState {
    return this.servingState();
  }

  /** the text exposition format, as a scraper reads it */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private callLabels(call: CallSeen): { flow: string; release: string } {
    return { flow: this.flows.of(call.flow), release: this.releases.of(call.release) };
  }
}
