import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Channel, DEFAULT_CHANNEL_TIMEOUTS } from './channel.js';
import type { ChannelTimeouts } from './channel.js';
import * as cmd from './codec/commands.js';
import type { EventFormat } from './codec/commands.js';
import { EslConnection } from './connection.js';
import type { EslTiming } from './connection.js';
import { EslCommandError, EslConnectionError, HangupError } from './errors.js';
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
  /** Measurement hook: every completion → next command of every call (benches). Default none. */
  readonly onTiming?: (timing: EslTiming) => void;
}

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
  private closing = false;

  constructor(private readonly options: OutboundServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.timeouts = {
      commandTimeoutMs: options.commandTimeoutMs ?? DEFAULT_CHANNEL_TIMEOUTS.commandTimeoutMs,
      executeTimeoutMs: options.executeTimeoutMs ?? DEFAULT_CHANNEL_TIMEOUTS.executeTimeoutMs,
      lingerGraceMs: options.lingerGraceMs ?? DEFAULT_CHANNEL_TIMEOUTS.lingerGraceMs,
      exitTimeoutMs: options.exitTimeoutMs ?? DEFAULT_CHANNEL_TIMEOUTS.exitTimeoutMs,
    };
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 8084, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        this.server.on('error', (err) => this.logger.error({ err: err.message }, 'outbound server error'));
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

  /** Stops accepting calls, ends the running sessions (hang-up + exit) and resolves when all sockets are gone. */
  async close(): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.channels].map((c) => c.close()));
    for (const s of this.sockets) s.destroy();
    await stopped;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const label = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    let channel: Channel | undefined;
    const early: Array<() => void> = [];
    const conn = new EslConnection(
      socket,
      {
        logger: this.logger,
        label,
        maxHeaderBytes: this.options.maxHeaderBytes,
        maxBodyBytes: this.options.maxBodyBytes,
        onTiming: this.options.onTiming,
      },
      {
        // Until the handshake promise has settled, keep what arrives for the Channel.
        onEvent: (event) =>
          channel ? channel.handleEvent(event) : early.push(() => channel?.handleEvent(event)),
        onDisconnectNotice: (message) =>
          channel
            ? channel.handleDisconnectNotice(message)
            : early.push(() => channel?.handleDisconnectNotice(message)),
        onClose: () => channel?.handleClose(),
      },
    );
    this.handshake(conn, label).then(
      (ch) => {
        channel = ch;
        for (const replay of early.splice(0)) replay();
        if (conn.isClosed) ch.handleClose();
        this.run(ch);
      },
      (err: Error) => {
        const level = err instanceof EslConnectionError ? 'info' : 'warn';
        this.logger[level]({ conn: label, err: err.message }, 'outbound handshake failed');
        conn.destroy();
      },
    );
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
        this.logger.debug({ ...log, cause: channel.hangupCause }, 'call session ended');
      })
      .catch(() => undefined);
  }
}
