// GET /metrics for Prometheus and GET /health for a load balancer, on an address of their own.
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Metrics } from './metrics.js';

/** The subset of a pino logger the server uses. */
export interface MetricsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface MetricsServerOptions {
  readonly metrics: Metrics;
  /** where to listen; port 0 takes a free one */
  readonly host: string;
  readonly port: number;
  /** when set, /metrics answers only `Authorization: Bearer <token>` (401 otherwise) */
  readonly token?: string;
  readonly log?: MetricsLogger;
  /** a request's head and the whole answer must be done within this; default 10 s */
  readonly requestTimeoutMs?: number;
}

/** a request line and headers larger than this are refused (Node answers 431) */
const MAX_HEADER_BYTES = 8 * 1024;
/** an idle connection (a scraper's keep-alive) is closed after this */
const KEEP_ALIVE_MS = 5_000;
/** at most this many connections at once: a scraper or two and a load balancer need a handful */
const MAX_CONNECTIONS = 64;

/** sha-256 of a token: equal lengths for timingSafeEqual, whatever the client sent */
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * /metrics (the text exposition format; a bearer token when one is configured), /health (`ok`
 * 200 while serving, 503 `starting` or `draining`), 404 for every other path, 405 for every
 * method but GET and HEAD. A request with a body is refused; slow clients time out.
 */
export class MetricsServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly token: Buffer | undefined;

  constructor(private readonly options: MetricsServerOptions) {
    this.token = options.token ? digest(options.token) : undefined;
    const timeout = options.requestTimeoutMs ?? 10_000;
    this.server = createServer(
      {
        maxHeaderSize: MAX_HEADER_BYTES,
        requestTimeout: timeout,
        headersTimeout: Math.min(timeout, 10_000),
        keepAliveTimeout: KEEP_ALIVE_MS,
        // how often the header and request time limits are checked (Node's default is 30 s)
        connectionsCheckingInterval: Math.min(1_000, timeout),
      },
      (req, res) => void this.answer(req, res),
    );
    this.server.maxConnections = MAX_CONNECTIONS;
    // a client that connects and sends nothing, or stops reading, is dropped
    this.server.setTimeout(timeout);
    this.server.on('connection', (socket: Socket) => {
      // a scraper's connection is never what keeps voicebox running once it stops
      socket.unref();
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (_error, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    });
  }

  /** Listens; resolves with the address taken (the port when 0 was asked for). */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        // nor is the listening socket: a serve that fails or stops exits without closing it first
        this.server.unref();
        const address = this.server.address();
        const port = typeof address === 'object' && address ? address.port : this.options.port;
        resolve({ host: this.options.host, port });
      });
    });
  }

  /** Stops listening and ends every connection. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.send(req, res, 405, 'method not allowed\n');
    }
    // a GET carries no body: one that announces one is not what a scraper or a balancer sends
    if (req.headers['content-length'] && req.headers['content-length'] !== '0') {
      res.setHeader('Connection', 'close');
      return this.send(req, res, 413, 'no body accepted\n');
    }
    if (req.headers['transfer-encoding']) {
      res.setHeader('Connection', 'close');
      return this.send(req, res, 413, 'no body accepted\n');
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health') {
      const state = this.options.metrics.serving();
      return this.send(req, res, state === 'serving' ? 200 : 503, `${state === 'serving' ? 'ok' : state}\n`);
    }
    if (path === '/metrics') {
      if (!this.authorized(req)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="voicebox"');
        return this.send(req, res, 401, 'a bearer token is required (metrics.token)\n');
      }
      let body: string;
      try {
        body = await this.options.metrics.exposition();
      } catch (error) {
        this.options.log?.warn({ err: (error as Error).message }, 'metrics: could not collect');
        return this.send(req, res, 500, 'metrics could not be collected\n');
      }
      res.setHeader('Content-Type', this.options.metrics.contentType);
      return this.send(req, res, 200, body);
    }
    return this.send(req, res, 404, 'not found: /metrics or /health\n');
  }

  private authorized(req: IncomingMessage): boolean {
    if (!this.token) return true;
    const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    // both sides hashed: the comparison takes the same time whatever was sent and however long
    return m !== null && timingSafeEqual(digest(m[1]!), this.token);
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
    res.statusCode = status;
    if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(req.method === 'HEAD' ? undefined : body);
    // whatever the client sends after its head is not read: it must not pile up
    req.resume();
  }
}
