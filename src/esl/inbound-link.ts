import { EventEmitter } from 'node:events';
import type { CommandHeaders } from './codec/commands.js';
import type { EslEvent } from './codec/message.js';
import { EslCommandError, EslConnectionError, EslTimeoutError } from './errors.js';
import { InboundClient } from './inbound-client.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

export interface InboundLinkOptions {
  readonly host: string;
  readonly port: number;
  readonly password: string;
  readonly logger?: Logger;
  /** First wait after a failure; doubles with each failure in a row. Default 1 s. */
  readonly reconnectMinMs?: number;
  /** The longest wait between attempts. Default 30 s. */
  readonly reconnectMaxMs?: number;
  /** How often the connection is asked `api status`. Default 20 s. */
  readonly livenessIntervalMs?: number;
  /** No answer within this → the connection is dropped and made again. Default 10 s. */
  readonly livenessTimeoutMs?: number;
  /** TCP connect + login. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Reply to `api` / `sendevent`. Default 10 s. */
  readonly commandTimeoutMs?: number;
  /** Event types to receive (`event` on every connection); BACKGROUND_JOB is always added. */
  readonly events?: readonly string[];
  /** Where these settings live, for the log lines an admin acts on. Default `freeswitch.inbound`. */
  readonly settingsKey?: string;
  /** 0 ≤ x < 1; the jitter's source (tests pin it). Default Math.random. */
  readonly random?: () => number;
}

/** Why an attempt failed: `refused` is a wrong password, the rest are FreeSWITCH or the network. */
export type LinkFailureCause = 'refused' | 'unreachable' | 'timeout' | 'error';

/** An attempt failed; the next one starts `delayMs` later (by the link's own timer). */
export interface LinkRetry {
  /** Attempts since the connection was last up, this one included. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly cause: LinkFailureCause;
  readonly reason: Error;
}

export interface InboundLinkEvents {
  up: [];
  down: [reason: Error];
  retry: [retry: LinkRetry];
  event: [event: EslEvent];
}

/** The link to FreeSWITCH's event socket is not up: nothing was sent. */
export class InboundLinkDown extends Error {
  override readonly name = 'InboundLinkDown';
}

type State = 'idle' | 'connecting' | 'up' | 'waiting' | 'closed';

/**
 * The one inbound connection `voicebox serve` keeps to mod_event_socket: logs in, comes back
 * after every loss with capped exponential back-off and jitter (a wrong password too — it may be
 * fixed on FreeSWITCH's side), asks `api status` now and then and replaces a connection that no
 * longer answers. `sendEvent` and `api` never wait for a connection: while it is down they fail
 * at once with InboundLinkDown, so a caller (the lamp of a phone) is never held up by it.
 */
export class InboundLink extends EventEmitter<InboundLinkEvents> {
  private readonly logger: Logger;
  private readonly label: string;
  private readonly key: string;
  private state: State = 'idle';
  private client: InboundClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Failures in a row since a connection last proved itself: the back-off's exponent. */
  private failures = 0;
  private attempts = 0;
  /** The failure last logged: the same one again goes to debug, not to the admin's log. */
  private lastLogged: string | undefined;
  private downSince = Date.now();

  constructor(private readonly options: InboundLinkOptions) {
    super();
    this.logger = options.logger ?? silentLogger;
    this.label = `${options.host}:${options.port}`;
    this.key = options.settingsKey ?? 'freeswitch.inbound';
  }

  get isUp(): boolean {
    return this.state === 'up' && this.client?.isConnected === true;
  }

  /** Connects in the background and keeps the connection from then on. */
  start(): void {
    if (this.state !== 'idle') return;
    void this.attempt();
  }

  /**
   * `sendevent NAME` with the headers in the order given; resolves with FreeSWITCH's Event-UUID.
   * MESSAGE_WAITING is checked first as mod_sofia would (FreeSWITCH itself accepts anything).
   */
  async sendEvent(name: string, headers: CommandHeaders, body?: string): Promise<string> {
    if (name.toUpperCase() === 'MESSAGE_WAITING') checkMessageWaiting(headers);
    const client = this.live();
    return client.sendevent(name, headers, body).catch((err: unknown) => {
      throw this.asDown(err);
    });
  }

  /** `api <command>`: its output; `-ERR` output rejects with EslCommandError. */
  async api(command: string, options: { timeoutMs?: number } = {}): Promise<string> {
    const client = this.live();
    return client
      .api(command, { timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs ?? 10_000 })
      .catch((err: unknown) => {
        throw this.asDown(err);
      });
  }

  /** Says `exit` to FreeSWITCH and stops for good. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimer();
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }

  // ---- internals ------------------------------------------------------------------------

  /** A method, not a comparison: `state` changes while an attempt awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private live(): InboundClient {
    const client = this.client;
    if (this.state !== 'up' || !client?.isConnected) {
      const since = Math.round((Date.now() - this.downSince) / 1000);
      throw new InboundLinkDown(
        this.state === 'closed'
          ? `not connected to FreeSWITCH's event socket at ${this.label}: the link is closed`
          : `not connected to FreeSWITCH's event socket at ${this.label} (down for ${since} s; it reconnects by itself)`,
      );
    }
    return client;
  }

  private asDown(err: unknown): unknown {
    // the connection broke under the command: for the caller that is the link being down
    if (err instanceof EslConnectionError)
      return new InboundLinkDown(`FreeSWITCH's event socket at ${this.label}: ${err.message}`);
    return err;
  }

  private async attempt(): Promise<void> {
    this.state = 'connecting';
    this.attempts++;
    const client = new InboundClient({
      host: this.options.host,
      port: this.options.port,
      password: this.options.password,
      logger: this.logger,
      reconnect: false, // the link decides when, and says so
      connectTimeoutMs: this.options.connectTimeoutMs ?? 5_000,
      commandTimeoutMs: this.options.commandTimeoutMs ?? 10_000,
      ...(this.options.events ? { events: this.options.events } : {}),
    });
    this.client = client;
    client.on('disconnected', (reason) => this.ended(client, reason, 'lost'));
    client.on('event', (event) => this.emit('event', event));
    try {
      await client.connect();
    } catch (err) {
      if (this.client !== client || this.isClosed()) return;
      this.client = undefined;
      await client.close();
      this.failed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (this.isClosed() || this.client !== client) {
      await client.close(); // close() came while the login ran
      return;
    }
    this.state = 'up';
    this.logger.info(
      { inbound: this.label, attempts: this.attempts },
      "connected to FreeSWITCH's event socket",
    );
    this.attempts = 0;
    this.lastLogged = undefined;
    this.emit('up');
    this.probeLater(client);
  }

  private failed(reason: Error): void {
    const cause = classify(reason);
    const delayMs = this.nextDelay();
    const what = this.describe(cause, reason);
    const line = { inbound: this.label, attempt: this.attempts, retryInMs: delayMs };
    if (what !== this.lastLogged) {
      this.lastLogged = what;
      const text = `${what}; trying again in ${seconds(delayMs)} and less often after each failure`;
      if (cause === 'refused') this.logger.error(line, text);
      else this.logger.warn(line, text);
    } else this.logger.debug(line, what);
    this.state = 'waiting';
    this.retryIn(delayMs);
    this.emit('retry', { attempt: this.attempts, delayMs, cause, reason });
  }

  private describe(cause: LinkFailureCause, reason: Error): string {
    switch (cause) {
      case 'refused':
        return (
          `FreeSWITCH's event socket at ${this.label} refused ${this.key}.password ` +
          `(${reason instanceof EslCommandError ? reason.reply.trim() : reason.message}): set it to the ` +
          'password of event_socket.conf.xml'
        );
      case 'timeout':
        return `FreeSWITCH's event socket at ${this.label} did not complete the login (${reason.message})`;
      case 'unreachable':
        return `cannot reach FreeSWITCH's event socket at ${this.label} (${this.key}.host and .port): ${reason.message}`;
      default:
        return `FreeSWITCH's event socket at ${this.label}: ${reason.message}`;
    }
  }

  /** A connection that was up ended: lost by the socket, or dropped by us for not answering. */
  private ended(client: InboundClient, reason: Error, how: 'lost' | 'unresponsive'): void {
    if (this.client !== client || this.state !== 'up') return;
    this.state = 'waiting';
    this.client = undefined;
    this.clearTimer();
    this.downSince = Date.now();
    const delayMs = this.nextDelay();
    const line = { inbound: this.label, err: reason.message, retryInMs: delayMs };
    if (how === 'unresponsive')
      this.logger.warn(line, `${reason.message}; dropping the connection and reconnecting`);
    else this.logger.warn(line, "lost the connection to FreeSWITCH's event socket; reconnecting");
    this.retryIn(delayMs);
    // a hung FreeSWITCH would never answer `exit`: the socket goes at once
    if (how === 'unresponsive') client.abandon(reason);
    void client.close();
    this.emit('down', reason);
  }

  private probeLater(client: InboundClient): void {
    const every = this.options.livenessIntervalMs ?? 20_000;
    const within = this.options.livenessTimeoutMs ?? 10_000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      client.api('status', { timeoutMs: within }).then(
        () => {
          if (this.client !== client || this.state !== 'up') return;
          this.failures = 0; // it answers: a loss from now on starts the back-off afresh
          this.probeLater(client);
        },
        (err: unknown) => {
          if (this.client !== client || this.state !== 'up') return;
          if (err instanceof EslTimeoutError) {
            const reason = new EslConnectionError(
              `FreeSWITCH's event socket at ${this.label} did not answer \`api status\` within ${within} ms`,
            );
            this.ended(client, reason, 'unresponsive');
          } else if (err instanceof EslCommandError) this.probeLater(client); // an answer all the same
          // anything else is the connection ending: `disconnected` handles it
        },
      );
    }, every);
    this.timer.unref();
  }

  private nextDelay(): number {
    const min = this.options.reconnectMinMs ?? 1_000;
    const max = Math.max(min, this.options.reconnectMaxMs ?? 30_000);
    const nominal = Math.min(max, min * 2 ** Math.min(this.failures, 30));
    this.failures++;
    // up to half of it taken off at random: voicebox nodes restarted together do not knock together
    return Math.round(nominal - (nominal / 2) * (this.options.random ?? Math.random)());
  }

  private retryIn(delayMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.state === 'waiting') void this.attempt();
    }, delayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function classify(err: Error): LinkFailureCause {
  if (err instanceof EslCommandError) return err.command === 'auth' ? 'refused' : 'error';
  if (err instanceof EslTimeoutError) return 'timeout';
  if (err instanceof EslConnectionError) return 'unreachable';
  return 'error';
}

function seconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** mod_sofia drops a MESSAGE_WAITING without these ("Missing required Header"); FreeSWITCH says +OK regardless. */
function checkMessageWaiting(headers: CommandHeaders): void {
  const entries: ReadonlyArray<readonly [string, string]> = Array.isArray(headers)
    ? (headers as ReadonlyArray<readonly [string, string]>)
    : Object.entries(headers);
  const get = (name: string): string | undefined =>
    entries.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const waiting = get('MWI-Messages-Waiting');
  if (waiting !== 'yes' && waiting !== 'no')
    throw new TypeError(
      `MESSAGE_WAITING: MWI-Messages-Waiting must be yes or no, got ${JSON.stringify(waiting)}`,
    );
  if (!get('MWI-Message-Account'))
    throw new TypeError('MESSAGE_WAITING: MWI-Message-Account (user@domain) is missing');
}
