import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { BudgetHolder, BufferBudget } from './buffer-budget.js';
import { FrameParser } from './codec/frame-parser.js';
import type { EslEvent } from './codec/message.js';
import { EslMessage } from './codec/message.js';
import { EslConnectionError, EslProtocolError, EslTimeoutError } from './errors.js';
import type { Logger } from './logger.js';

export interface ConnectionOptions {
  readonly logger: Logger;
  readonly maxHeaderBytes?: number;
  readonly maxBodyBytes?: number;
  /** Describes the connection in log lines (peer address, call uuid, ...). */
  readonly label: string;
  /** Optional measurement hook (benches); see {@link EslTiming}. Costs nothing when absent. */
  readonly onTiming?: (timing: EslTiming) => void;
  /** Shared with the other connections of a server: bytes held before they form a frame. */
  readonly budget?: BufferBudget;
}

/**
 * One reaction of the controller: the data that carried an application's
 * CHANNEL_EXECUTE_COMPLETE was handed to us (`completionAt`) → our next command was written
 * to the socket (`nextWriteAt`). Both are `performance.now()` milliseconds.
 */
export interface EslTiming {
  /** The connection's label (`peer-address:port`). */
  readonly connection: string;
  readonly completionAt: number;
  readonly nextWriteAt: number;
}

export interface ConnectionHandlers {
  onEvent(event: EslEvent): void;
  onDisconnectNotice(message: EslMessage): void;
  onAuthRequest?(): void;
  onClose(reason: Error | undefined): void;
}

interface ReplyWaiter {
  readonly what: string;
  resolve(message: EslMessage): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** Timed out: its reply, when it comes, is swallowed so that later replies stay matched. */
  abandoned: boolean;
}

/**
 * One event-socket connection seen from the client side: framing, the FIFO of replies
 * (FreeSWITCH answers commands strictly in order, `command/reply` or `api/response`), and
 * dispatch of events and notices. Shared by the outbound Channel and the InboundClient.
 */
export class EslConnection {
  private readonly parser: FrameParser;
  private readonly waiting: ReplyWaiter[] = [];
  private closedWith: Error | undefined | null = null;
  /** onTiming only: when the current chunk arrived, and the arrival of an unanswered completion (-1: none). */
  private dataAt = 0;
  private completionAt = -1;
  private readonly holder: BudgetHolder = {
    evict: (total, limit) => {
      this.options.logger.warn(
        { conn: this.options.label, held: this.parser.bufferedBytes, total, limit },
        'closing event-socket connection: buffer budget of all connections exhausted',
      );
      this.destroy(new EslConnectionError(`buffer budget of ${limit} bytes exhausted`));
    },
  };

  constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.parser = new FrameParser({
      maxHeaderBytes: options.maxHeaderBytes,
      maxBodyBytes: options.maxBodyBytes,
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', this.onData);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  /** Sends one command (one write) and resolves with its reply. */
  request(bytes: Buffer, what: string, timeoutMs: number): Promise<EslMessage> {
    if (this.closedWith !== null) {
      return Promise.reject(new EslConnectionError(`${what}: event-socket connection is closed`));
    }
    return new Promise<EslMessage>((resolve, reject) => {
      const waiter: ReplyWaiter = { what, resolve, reject, timer: undefined, abandoned: false };
      waiter.timer = setTimeout(() => {
        waiter.abandoned = true;
        waiter.timer = undefined;
        reject(new EslTimeoutError(what, timeoutMs));
      }, timeoutMs);
      this.waiting.push(waiter);
      this.write(bytes);
    });
  }

  /** Sends without waiting for a reply (the reply, if any, is expected by nobody). */
  send(bytes: Buffer): void {
    if (this.closedWith === null) this.write(bytes);
  }

  /** onTiming: an awaited CHANNEL_EXECUTE_COMPLETE is in the chunk being dispatched; the next write answers it. */
  noteCompletion(): void {
    if (this.options.onTiming && this.completionAt < 0) this.completionAt = this.dataAt;
  }

  private write(bytes: Buffer): void {
    this.socket.write(bytes);
    if (this.completionAt >= 0) {
      const completionAt = this.completionAt;
      this.completionAt = -1;
      this.options.onTiming?.({
        connection: this.options.label,
        completionAt,
        nextWriteAt: performance.now(),
      });
    }
  }

  /** Closes the socket now; pending replies reject with `reason` (or EslConnectionError). */
  destroy(reason?: Error): void {
    if (this.closedWith === null) this.finish(reason);
    this.socket.destroy();
  }

  /**
   * Runs `handle` (something that reads what this peer sent) so that whatever it throws ends this
   * connection only: a protocol error with one `warn` line, anything else with one `error` line.
   * Events kept back during the handshake are replayed through here, like live frames.
   * Returns false when the connection was closed for it.
   */
  guard(handle: () => void): boolean {
    try {
      handle();
      return true;
    } catch (err) {
      if (err instanceof EslProtocolError) {
        this.options.logger.warn(
          { conn: this.options.label, err: err.message },
          'closing event-socket connection: protocol error',
        );
      } else {
        // A fault of ours while handling one call's frame must not reach the process.
        this.options.logger.error(
          {
            conn: this.options.label,
            err: err instanceof Error ? err.message : String(err),
            stack: err instanceof Error ? err.stack : undefined,
          },
          'closing event-socket connection: internal error',
        );
      }
      this.destroy(err instanceof Error ? err : new Error(String(err)));
      return false;
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.closedWith !== null) return;
    if (this.options.onTiming) this.dataAt = performance.now();
    this.guard(() => this.parser.push(chunk, (frame) => this.dispatch(new EslMessage(frame))));
    if (this.closedWith === null) this.options.budget?.update(this.holder, this.parser.bufferedBytes);
  };

  /** Bytes received from the peer that do not form a whole frame yet. */
  get bufferedBytes(): number {
    return this.closedWith === null ? this.parser.bufferedBytes : 0;
  }

  private dispatch(message: EslMessage): void {
    if (this.closedWith !== null) return;
    switch (message.contentType) {
      case 'command/reply':
      case 'api/response': {
        const waiter = this.waiting.shift();
        if (!waiter) {
          this.options.logger.debug({ conn: this.options.label }, 'reply without a pending command');
          return;
        }
        if (waiter.timer) clearTimeout(waiter.timer);
        if (!waiter.abandoned) waiter.resolve(message);
        return;
      }
      case 'text/event-plain':
      case 'text/event-json': {
        const event = message.event(); // throws EslProtocolError on a garbled body
        if (event) this.handlers.onEvent(event);
        return;
      }
      case 'text/disconnect-notice':
        this.handlers.onDisconnectNotice(message);
        return;
      case 'auth/request':
        this.handlers.onAuthRequest?.();
        return;
      case 'text/rude-rejection':
        this.options.logger.warn(
          { conn: this.options.label, text: message.bodyText?.trim() },
          'FreeSWITCH refused the connection (ACL)',
        );
        this.destroy(
          new EslConnectionError(`FreeSWITCH refused the connection: ${message.bodyText?.trim()}`),
        );
        return;
      default:
        this.options.logger.debug({ conn: this.options.label, type: message.contentType }, 'ignored message');
    }
  }

  private readonly onSocketError = (err: Error): void => {
    this.options.logger.debug({ conn: this.options.label, err: err.message }, 'socket error');
  };

  private readonly onSocketClose = (): void => {
    if (this.closedWith === null) this.finish(undefined);
  };

  private finish(reason: Error | undefined): void {
    this.closedWith = reason;
    const err = reason ?? new EslConnectionError('event-socket connection closed');
    for (const w of this.waiting.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      if (!w.abandoned) w.reject(new EslConnectionError(`${w.what}: ${err.message}`));
    }
    this.socket.off('data', this.onData);
    this.options.budget?.release(this.holder);
    this.handlers.onClose(reason);
  }
}
