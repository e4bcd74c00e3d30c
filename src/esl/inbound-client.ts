import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as netConnect } from 'node:net';
import * as cmd from './codec/commands.js';
import type { CommandHeaders, EventFormat } from './codec/commands.js';
import type { EslEvent } from './codec/message.js';
import { EslConnection } from './connection.js';
import { EslCommandError, EslConnectionError, EslTimeoutError } from './errors.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

export interface ReconnectOptions {
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly factor?: number;
}

export interface InboundClientOptions {
  readonly host?: string;
  /** Default 8021. */
  readonly port?: number;
  /** Default `ClueCon`, FreeSWITCH's default. */
  readonly password?: string;
  readonly logger?: Logger;
  /** Event types to subscribe on every (re)connection; BACKGROUND_JOB is always added. */
  readonly events?: readonly string[];
  readonly format?: EventFormat;
  /** TCP connect + auth. Default 5 s. */
  readonly connectTimeoutMs?: number;
  /** Reply to a command (api, sendevent, ...). Default 10 s. */
  readonly commandTimeoutMs?: number;
  /** BACKGROUND_JOB of a bgapi. Default 60 s. */
  readonly bgapiTimeoutMs?: number;
  /** Reconnect with exponential back-off after the connection is lost; `false` to disable. */
  readonly reconnect?: ReconnectOptions | false;
  readonly maxHeaderBytes?: number;
  readonly maxBodyBytes?: number;
}

export interface InboundClientEvents {
  event: [event: EslEvent];
  connected: [];
  disconnected: [reason: Error];
}

interface Job {
  readonly command: string;
  resolve(output: string): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Client for FreeSWITCH's mod_event_socket (inbound mode): `api`, `bgapi`, events,
 * `sendevent` (MWI). Reconnects by itself after the connection is lost; commands issued
 * meanwhile wait for the new connection within their own timeout.
 */
export class InboundClient extends EventEmitter<InboundClientEvents> {
  private readonly logger: Logger;
  private conn: EslConnection | undefined;
  private connecting: Promise<EslConnection> | undefined;
  private readonly jobs = new Map<string, Job>();
  private readonly readyWaiters = new Set<(conn: EslConnection | Error) => void>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private closed = false;
  private everConnected = false;

  constructor(private readonly options: InboundClientOptions = {}) {
    super();
    this.logger = options.logger ?? silentLogger;
  }

  get isConnected(): boolean {
    return this.conn !== undefined && !this.conn.isClosed;
  }

  /** Connects and authenticates. Rejects on a wrong password (EslCommandError) or when FreeSWITCH is unreachable. */
  async connect(): Promise<void> {
    if (this.closed) throw new EslConnectionError('client is closed');
    await this.open();
  }

  /**
   * Connects in the background and keeps trying with back-off until it succeeds — for a
   * voicebox that starts before FreeSWITCH. Commands issued meanwhile wait within their timeout.
   */
  start(): void {
    if (this.closed || this.isConnected || this.connecting || this.reconnectTimer) return;
    this.everConnected = true; // from now on commands wait for the connection
    this.open().catch((err: Error) => {
      this.logger.warn({ err: err.message }, 'event socket connect failed; retrying');
      this.scheduleReconnect();
    });
  }

  /** `api <command>`: resolves with the output; `-ERR`/`-USAGE` output rejects with EslCommandError. */
  async api(command: string, options: { timeoutMs?: number } = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? this.commandTimeout;
    const conn = await this.ready(timeoutMs);
    const reply = await conn.request(cmd.api(command), `api ${command}`, timeoutMs);
    const out = reply.bodyText ?? '';
    if (isErrorOutput(out)) throw new EslCommandError(`api ${command}`, out);
    return out;
  }

  /** `bgapi <command>` with our own Job-UUID; resolves with the BACKGROUND_JOB output. */
  async bgapi(command: string, options: { timeoutMs?: number } = {}): Promise<string> {
    const timeoutMs = options.timeoutMs ?? this.options.bgapiTimeoutMs ?? 60_000;
    const conn = await this.ready(this.commandTimeout);
    const jobUuid = randomUUID();
    const result = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.jobs.delete(jobUuid);
        reject(new EslTimeoutError(`bgapi ${command}`, timeoutMs));
      }, timeoutMs);
      this.jobs.set(jobUuid, { command, resolve, reject, timer });
    });
    try {
      const reply = await conn.request(cmd.bgapi(command, jobUuid), `bgapi ${command}`, this.commandTimeout);
      const text = reply.replyText ?? '';
      if (!text.startsWith('+OK')) throw new EslCommandError(`bgapi ${command}`, text);
    } catch (err) {
      this.failJob(jobUuid, err as Error);
    }
    return result;
  }

  /** `sendevent NAME` (e.g. MESSAGE_WAITING with MWI-* headers); resolves with the new event's UUID. */
  async sendevent(name: string, headers: CommandHeaders, body?: string): Promise<string> {
    const conn = await this.ready(this.commandTimeout);
    const reply = await conn.request(
      cmd.sendevent(name, headers, body),
      `sendevent ${name}`,
      this.commandTimeout,
    );
    const text = reply.replyText ?? '';
    if (!text.startsWith('+OK')) throw new EslCommandError(`sendevent ${name}`, text);
    return text.slice(3).trim();
  }

  /**
   * Drops the current connection without `exit` — for a FreeSWITCH that stopped answering, whose
   * socket may stay open for good. Pending commands reject with `reason`; `disconnected` follows,
   * and with `reconnect` a new connection is made.
   */
  abandon(reason: Error): void {
    this.conn?.destroy(reason);
  }

  /** Closes the connection for good; pending commands reject with EslConnectionError. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const err = new EslConnectionError('client closed');
    this.failWaiters(err);
    for (const id of [...this.jobs.keys()]) this.failJob(id, err);
    const conn = this.conn;
    this.conn = undefined;
    if (conn && !conn.isClosed) {
      await conn.request(cmd.exit(), 'exit', 1_000).catch(() => undefined);
      conn.destroy();
    }
  }

  // ---- internals ------------------------------------------------------------------------

  private get commandTimeout(): number {
    return this.options.commandTimeoutMs ?? 10_000;
  }

  private open(): Promise<EslConnection> {
    if (this.conn && !this.conn.isClosed) return Promise.resolve(this.conn);
    this.connecting ??= this.dial().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private dial(): Promise<EslConnection> {
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? 8021;
    const timeoutMs = this.options.connectTimeoutMs ?? 5_000;
    const label = `${host}:${port}`;
    return new Promise<EslConnection>((resolve, reject) => {
      const socket = netConnect({ host, port, noDelay: true });
      let settled = false;
      let authRequested = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        conn.destroy(err);
        reject(err);
      };
      const timer = setTimeout(() => fail(new EslTimeoutError(`connect to ${label}`, timeoutMs)), timeoutMs);
      const conn = new EslConnection(
        socket,
        {
          logger: this.logger,
          label,
          maxHeaderBytes: this.options.maxHeaderBytes,
          maxBodyBytes: this.options.maxBodyBytes,
        },
        {
          onAuthRequest: () => {
            if (authRequested) return;
            authRequested = true;
            this.authenticate(conn, timeoutMs).then(() => {
              if (settled) return;
              settled = true;
              clearTimeout(timer);
              resolve(conn);
            }, fail);
          },
          onEvent: (event) => this.onEvent(event),
          onDisconnectNotice: () => undefined, // the close follows
          onClose: (reason) => {
            if (!settled) {
              fail(reason ?? new EslConnectionError(`connection to ${label} closed during login`));
              return;
            }
            this.onLost(conn, reason);
          },
        },
      );
      socket.on('error', (err) => fail(new EslConnectionError(`connect to ${label}: ${err.message}`)));
    }).then((conn) => {
      this.conn = conn;
      this.attempt = 0;
      this.everConnected = true;
      // debug: whoever holds the client (InboundLink) tells the admin, in the settings' words
      this.logger.debug({ conn: label }, 'event socket connected');
      for (const w of this.readyWaiters) w(conn);
      this.readyWaiters.clear();
      this.emit('connected');
      return conn;
    });
  }

  private async authenticate(conn: EslConnection, timeoutMs: number): Promise<void> {
    const reply = await conn.request(cmd.auth(this.options.password ?? 'ClueCon'), 'auth', timeoutMs);
    const text = reply.replyText ?? '';
    if (!text.startsWith('+OK')) throw new EslCommandError('auth', text, 'wrong event-socket password?');
    const names = [...new Set([...(this.options.events ?? []), 'BACKGROUND_JOB'])];
    const sub = await conn.request(cmd.events(this.options.format ?? 'plain', names), 'event', timeoutMs);
    const subText = sub.replyText ?? '';
    if (!subText.startsWith('+OK')) throw new EslCommandError('event', subText);
  }

  private onEvent(event: EslEvent): void {
    if (event.name === 'BACKGROUND_JOB') {
      const id = event.get('Job-UUID');
      const job = id === undefined ? undefined : this.jobs.get(id);
      if (job && id !== undefined) {
        this.jobs.delete(id);
        clearTimeout(job.timer);
        const out = event.body ?? '';
        if (isErrorOutput(out)) job.reject(new EslCommandError(`bgapi ${job.command}`, out));
        else job.resolve(out);
      }
    }
    try {
      this.emit('event', event);
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'event listener threw');
    }
  }

  private onLost(conn: EslConnection, reason: Error | undefined): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    const err = reason ?? new EslConnectionError('event-socket connection lost');
    // A job's BACKGROUND_JOB would go to the old connection: it is lost with it.
    for (const id of [...this.jobs.keys()])
      this.failJob(id, new EslConnectionError(`connection lost: ${err.message}`));
    if (this.closed) return;
    this.logger.debug({ err: err.message }, 'event socket connection lost');
    this.emit('disconnected', err);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const r = this.options.reconnect;
    if (r === false || this.closed || this.reconnectTimer) return;
    const initial = r?.initialDelayMs ?? 100;
    const delay = Math.min(r?.maxDelayMs ?? 5_000, initial * (r?.factor ?? 2) ** this.attempt);
    this.attempt++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed) return;
      this.open().catch((err: Error) => {
        this.logger.warn({ err: err.message, attempt: this.attempt }, 'event socket reconnect failed');
        this.scheduleReconnect();
      });
    }, delay);
  }

  /** The live connection; while reconnecting, waits for it up to `timeoutMs`. */
  private ready(timeoutMs: number): Promise<EslConnection> {
    if (this.closed) return Promise.reject(new EslConnectionError('client is closed'));
    if (this.conn && !this.conn.isClosed) return Promise.resolve(this.conn);
    if (!this.everConnected || this.options.reconnect === false) {
      if (this.connecting) return this.connecting;
      return Promise.reject(new EslConnectionError('not connected (call connect() first)'));
    }
    return new Promise<EslConnection>((resolve, reject) => {
      const waiter = (c: EslConnection | Error): void => {
        clearTimeout(timer);
        this.readyWaiters.delete(waiter);
        if (c instanceof Error) reject(c);
        else resolve(c);
      };
      const timer = setTimeout(
        () => waiter(new EslTimeoutError('waiting for the event-socket connection', timeoutMs)),
        timeoutMs,
      );
      this.readyWaiters.add(waiter);
    });
  }

  private failWaiters(err: Error): void {
    for (const w of [...this.readyWaiters]) w(err);
    this.readyWaiters.clear();
  }

  private failJob(id: string, err: Error): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    clearTimeout(job.timer);
    job.reject(err);
  }
}

function isErrorOutput(out: string): boolean {
  return out.startsWith('-ERR') || out.startsWith('-USAGE');
}
