import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { BufferBudget } from './buffer-budget.js';
import { Channel, DEFAULT_CHANNEL_TIMEOUTS } from './channel.js';
import type { ChannelTimeouts } from './channel.js';
import * as cmd from './codec/commands.js';
import type { EventFormat } from './codec/commands.js';
import { EslConnection } from './connection.js';
import type { EslTiming } from './connection.js';
import { EslCommandError, EslConnectionError, EslProtocolError, HangupError } from './errors.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

export interface OutboundServerOptions extends Partial<ChannelTimeouts> {
  /** Called once per call, after the handshake. When it returns (or throws) the session is ended. */
  readonly onChannel: (channel: Channel) => Promise<void> | void;
  readonly host?: string;
  /** Default 8084, FreeSWITCH's default for the `socket` application; 0 = any free port. */
  readonly port?: number;
  readonly logger?: Logger;
  /** Event format asked for with `myevents`; default plain (decoded lazily). */
  readonly events?: EventFormat;
  /** Ask for `linger` so the last events (end of a recording) arrive after a hang-up. Default true. */
  readonly linger?: boolean;
  /** Limit for the whole handshake (connect, linger, myevents, event). Default 5 s. */
  readonly handshakeTimeoutMs?: number;
  readonly maxHeaderBytes?: number;
  readonly maxBodyBytes?: number;
  /**
   * Connections at once (calls and handshakes). At the limit a new connection takes the place of
   * the oldest one still in its handshake (a real FreeSWITCH finishes it in milliseconds), else it
   * is refused. Default 500.
   */
  readonly maxConnections?: number;
  /** Bytes held before they form a frame, all connections together. Default 64 MiB. */
  readonly maxBufferedBytes?: number;
  /** Measurement hook: every completion → next command of every call (benches). Default none. */
  readonly onTiming?: (timing: EslTiming) => void;
}

export const DEFAULT_MAX_CONNECTIONS = 500;
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * Events kept while the handshake runs. FreeSWITCH sends none before `myevents` and a few at most
 * before the last reply; parsed frames are not in the buffer budget, so a flood of small events
 * during the handshake would otherwise pile up unbounded.
 */
const MAX_EARLY_EVENTS = 64;

/** Events outside the `myevents` set that the Channel needs. */
const EXTRA_EVENTS = ['RECORD_START', 'RECORD_STOP'];

/**
 * The TCP server FreeSWITCH's `socket HOST:PORT async full` connects to, once per call.
 * On each connection: `connect` → `linger` → `myevents <format>` → `event <format> RECORD_START
 * RECORD_STOP`, then `onChannel(channel)`.
 */
export class OutboundServer {
  private readonly server: Server;
  private readonly logger: Logger;
  private readonly timeouts: ChannelTimeouts;
  private readonly sockets = new Set<Socket>();
  private readonly channels = new Set<Channel>();
  /** Connections still in their handshake, oldest first. */
  private readonly handshaking = new Map<EslConnection, { label: string; socket: Socket }>();
  private readonly budget: BufferBudget;
  private readonly maxConnections: number;
  private closing = false;
  private idleWaiters: Array<() => void> = [];
  /** the listening socket's close (it completes once the last connection is gone) */
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: OutboundServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.timeouts = {
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_CHANNEL_TIMEOUTS.commandTimeoutMs,
      executeTimeoutMs: options.executeTimeoutMs ?? DEFAULT_CHANNEL_TIMEOUTS.executeTimeoutMs,
      lingerGraceMs: options.lingerGraceMs ?? DEFAULT_CHANNEL_TIMEOUTS.lingerGraceMs,
      exitTimeoutMs: options.exitTimeoutMs ?? DEFAULT_CHANNEL_TIMEOUTS.exitTimeoutMs,
    };
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.budget = new BufferBudget(options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES);
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 8084, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.acceptFailed(err));
        resolve(this.address);
      });
    });
  }

  get address(): { host: string; port: number } {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new EslConnectionError('outbound server is not listening');
    return { host: a.address, port: a.port };
  }

  /** Calls currently being handled. */
  get activeCalls(): number {
    return this.channels.size;
  }

  /** Connections still in their handshake: calls about to begin. */
  get handshakes(): number {
    return this.handshaking.size;
  }

  /**
   * Resolves once no connection is in its handshake and no call is being handled (the calls
   * started meanwhile included): what a stop's drain waits for.
   */
  idle(): Promise<void> {
    if (this.handshaking.size === 0 && this.channels.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIfIdle(): void {
    if (this.handshaking.size === 0 && this.channels.size === 0)
      for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Open connections: calls and handshakes. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Bytes received on all connections that do not form a frame yet. */
  get bufferedBytes(): number {
    return this.budget.bufferedBytes;
  }

  /** The most {@link bufferedBytes} has been since the start. */
  get peakBufferedBytes(): number {
    return this.budget.peakBufferedBytes;
  }

  /**
   * Closes the listening socket at once — a new connection is refused, so FreeSWITCH's
   * `socket a|b` tries the next host — while the calls in progress go on.
   */
  stopAccepting(): void {
    this.closing = true;
    this.stopped ??= new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Stops accepting calls, ends the running sessions (hang-up + exit) and resolves when all sockets are gone. */
  async close(): Promise<void> {
    this.stopAccepting();
    await Promise.all([...this.channels].map((c) => c.close()));
    for (const s of this.sockets) s.destroy();
    await this.stopped;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const label = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.sockets.size >= this.maxConnections && !this.evictOldestHandshake('connection limit reached')) {
      this.logger.warn(
        { conn: label, limit: this.maxConnections },
        'refusing event-socket connection: connection limit reached (freeswitch.maxConnections)',
      );
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    let channel: Channel | undefined;
    const early: Array<() => void> = [];
    const keep = (replay: () => void): void => {
      if (early.length >= MAX_EARLY_EVENTS) {
        throw new EslProtocolError(`more than ${MAX_EARLY_EVENTS} events before the handshake ended`);
      }
      early.push(replay);
    };
    const conn = new EslConnection(
      socket,
      {
        logger: this.logger,
        label,
        maxHeaderBytes: this.options.maxHeaderBytes,
        maxBodyBytes: this.options.maxBodyBytes,
        onTiming: this.options.onTiming,
        budget: this.budget,
      },
      {
        // Until the handshake promise has settled, keep what arrives for the Channel.
        onEvent: (event) => (channel ? channel.handleEvent(event) : keep(() => channel?.handleEvent(event))),
        onDisconnectNotice: (message) =>
          channel
            ? channel.handleDisconnectNotice(message)
            : keep(() => channel?.handleDisconnectNotice(message)),
        onClose: () => channel?.handleClose(),
      },
    );
    this.handshaking.set(conn, { label, socket });
    // out of `handshaking` only once it is a call being handled (run) or gone: a drain waiting
    // for both never sees a moment with neither
    const handshakeOver = (): void => {
      this.handshaking.delete(conn);
      this.wakeIfIdle();
    };
    this.handshake(conn, label)
      .then(
        (ch) => {
          channel = ch;
          // A frame kept back may be as bad as a live one: it ends this connection, not the process.
          const replayed = conn.guard(() => {
            for (const replay of early.splice(0)) replay();
          });
          if (conn.isClosed) ch.handleClose();
          if (replayed) this.run(ch);
          handshakeOver();
        },
        (err: Error) => {
          handshakeOver();
          const level = err instanceof EslConnectionError ? 'info' : 'warn';
          this.logger[level]({ conn: label, err: err.message }, 'outbound handshake failed');
          conn.destroy();
        },
      )
      .catch((err: unknown) => {
        handshakeOver();
        this.logger.error(
          { conn: label, err: err instanceof Error ? err.message : String(err) },
          'closing event-socket connection: internal error',
        );
        conn.destroy();
      });
  }

  /**
   * Frees a place by closing the oldest connection still in its handshake; false if there is none
   * (every connection is a call).
   */
  private evictOldestHandshake(why: string): boolean {
    const oldest = this.handshaking.entries().next();
    if (oldest.done) return false;
    const [conn, { label, socket }] = oldest.value;
    this.handshaking.delete(conn);
    this.wakeIfIdle();
    this.sockets.delete(socket); // its place is free now, not when its close event comes
    this.logger.warn(
      { conn: label, limit: this.maxConnections },
      `closing event-socket connection still in its handshake: ${why}`,
    );
    conn.destroy(new EslConnectionError(why));
    return true;
  }

  private acceptFailed(err: NodeJS.ErrnoException): void {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      // The kernel refused the call before we saw it; FreeSWITCH only logs a failed socket app.
      this.logger.error(
        { err: err.message, connections: this.sockets.size, limit: this.maxConnections },
        'cannot accept a call: out of file descriptors (raise LimitNOFILE or lower freeswitch.maxConnections)',
      );
      this.evictOldestHandshake('out of file descriptors');
      return;
    }
    this.logger.error({ err: err.message, code: err.code }, 'outbound server error');
  }

  private async handshake(conn: EslConnection, label: string): Promise<Channel> {
    const t = this.options.handshakeTimeoutMs ?? 5_000;
    const format = this.options.events ?? 'plain';
    const linger = this.options.linger ?? true;
    const reply = await conn.request(cmd.connect(), 'connect', t);
    if (reply.header('Event-Name') !== 'CHANNEL_DATA') {
      throw new EslCommandError(
        'connect',
        reply.replyText ?? '(no reply text)',
        'expected the CHANNEL_DATA reply',
      );
    }
    if (reply.header('Control') !== 'full') {
      this.logger.warn(
        { conn: label },
        "socket application without 'full': use 'socket HOST:PORT async full'",
      );
    }
    if (reply.header('Socket-Mode') !== 'async') {
      this.logger.warn(
        { conn: label },
        "socket application without 'async': use 'socket HOST:PORT async full'",
      );
    }
    // Pipelined: FreeSWITCH answers in order, one write each.
    const steps: Array<[Buffer, string]> = [];
    if (linger) steps.push([cmd.linger(), 'linger']);
    steps.push([cmd.myevents(format), 'myevents']);
    steps.push([cmd.events(format, EXTRA_EVENTS), 'event']);
    const replies = await Promise.all(steps.map(([bytes, what]) => conn.request(bytes, what, t)));
    replies.forEach((r, i) => {
      const text = r.replyText ?? '';
      if (text.startsWith('-ERR')) {
        const what = steps[i]?.[1] ?? '?';
        throw new EslCommandError(what, text, "the dialplan must use 'socket HOST:PORT async full'");
      }
    });
    return new Channel(conn, reply, linger, this.timeouts, this.logger);
  }

  private run(channel: Channel): void {
    this.channels.add(channel);
    const log = { uuid: channel.uuid, caller: channel.callerNumber, called: channel.calledNumber };
    this.logger.debug(log, 'call connected');
    Promise.resolve()
      .then(() => this.options.onChannel(channel))
      .catch((err: unknown) => {
        if (err instanceof HangupError)
          this.logger.debug({ ...log, cause: err.hangupCause }, 'call ended during handling');
        else
          this.logger.error(
            { ...log, err: err instanceof Error ? err.message : String(err) },
            'call handler failed',
          );
      })
      .then(() => channel.close())
      .finally(() => {
        this.channels.delete(channel);
        this.wakeIfIdle();
        this.logger.debug({ ...log, cause: channel.hangupCause }, 'call session ended');
      })
      .catch(() => undefined);
  }
}
