// The mail server tells voicebox that a mailbox changed: Dovecot's push_notification Lua driver
// (dovecot/voicebox-push.lua) POSTs `{user, mailbox, event}` to /dovecot/push. The body only
// names whose mailbox to look at; what changed is read from the mailbox itself, so a forged or
// repeated push costs one mailbox check and cannot light a lamp that the mailbox does not justify.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { MailboxChange } from '../types.js';
import type { NotifyLogger } from '../log.js';

export const PUSH_PATH = '/dovecot/push';
/** the Lua script's body is ~80 bytes; anything near this is not from it */
export const DEFAULT_PUSH_MAX_BODY_BYTES = 16 * 1024;

export interface PushEndpointOptions {
  /** notify.watch.push.listen: loopback unless Dovecot runs on another host */
  readonly listen: string;
  /** notify.watch.push.port; 0 here means any free port (a test's), "off" is decided by pushEnabled */
  readonly port: number;
  /** notify.watch.push.token: the shared secret of `Authorization: Bearer …` */
  readonly token: string;
  readonly onChange: (change: MailboxChange) => void | Promise<void>;
  readonly log: NotifyLogger;
  readonly maxBodyBytes?: number;
  /** a request that has not arrived completely by then is answered 408 (slow or stuck clients) */
  readonly requestTimeoutMs?: number;
}

/** The endpoint runs only with a port and a token: without a token anyone could make voicebox read mailboxes. */
export function pushEnabled(push: { readonly port: number; readonly token: string }): boolean {
  return push.port > 0 && push.token !== '';
}

/**
 * A login as a mail server names a user (`alice`, `alice@example.com`, `a.o'neil`): letters,
 * digits and the few signs addresses use; no spaces, control characters, slashes or the master
 * user separator `*`, at most 256 characters.
 */
export function isPlausibleLogin(login: string): boolean {
  return /^[\p{L}\p{N}][\p{L}\p{N}._%+=@'~-]{0,255}$/u.test(login);
}

class BadRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** `POST /dovecot/push`: one MailboxChange { source: 'push' } per accepted request, answered 204 at once. */
export class PushEndpoint {
  private readonly server: Server;
  private readonly tokenDigest: Buffer;
  private readonly maxBodyBytes: number;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  /** requests refused, per status: what `voicebox status` or a bench can show */
  readonly refused = new Map<number, number>();
  accepted = 0;

  constructor(private readonly options: PushEndpointOptions) {
    if (options.token === '') throw new Error('the push endpoint needs notify.watch.push.token');
    this.tokenDigest = digest(options.token);
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_PUSH_MAX_BODY_BYTES;
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.requestTimeout = options.requestTimeoutMs ?? 5_000;
    this.server.headersTimeout = Math.min(this.server.requestTimeout, 5_000);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('clientError', (_err, socket: Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Starts listening; resolves with the port (the one asked for, or the kernel's pick for 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => {
        reject(
          new Error(
            `the push endpoint cannot listen on ${this.options.listen}:${this.options.port}: ${err.message}`,
          ),
        );
      };
      this.server.once('error', failed);
      this.server.listen(this.options.port, this.options.listen, () => {
        this.server.off('error', failed);
        this.server.on('error', (err) => this.options.log.error({ err: err.message }, 'push endpoint error'));
        this.boundPort = (this.server.address() as AddressInfo).port;
        this.options.log.info(
          { listen: this.options.listen, port: this.boundPort, path: PUSH_PATH },
          'push endpoint listening',
        );
        resolve(this.boundPort);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Stops accepting and closes every connection (Dovecot's client keeps them alive between pushes). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.receive(req)
      .then((login) => {
        this.accepted++;
        answer(res, 204);
        this.deliver(login);
      })
      .catch((e: unknown) => {
        const status = e instanceof BadRequest ? e.status : 500;
        this.refused.set(status, (this.refused.get(status) ?? 0) + 1);
        const reason = e instanceof Error ? e.message : String(e);
        // debug only: an attacker must not be able to fill the log
        this.options.log.debug({ status, reason, remote: req.socket.remoteAddress }, 'push refused');
        answer(res, status, reason);
        if (status === 413) req.socket.destroySoon();
      });
  }

  private async receive(req: IncomingMessage): Promise<string> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== PUSH_PATH) throw new BadRequest(404, 'no such path');
    if (req.method !== 'POST') throw new BadRequest(405, 'POST only');
    if (!this.authorized(req.headers.authorization))
      throw new BadRequest(401, 'wrong or missing bearer token');
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBodyBytes) throw new BadRequest(413, `body over ${this.maxBodyBytes} bytes`);
    const body = await readBody(req, this.maxBodyBytes);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new BadRequest(400, 'body is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BadRequest(400, 'body is not a JSON object');
    }
    const user = (parsed as Record<string, unknown>)['user'];
    if (typeof user !== 'string') throw new BadRequest(400, '"user" is missing');
    if (!isPlausibleLogin(user)) throw new BadRequest(400, '"user" is not a user name');
    return user;
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Bearer ([^\s]+)\s*$/i.exec(header ?? '');
    // digests of equal length, so the comparison takes the same time whatever was sent
    return timingSafeEqual(digest(match?.[1] ?? ''), this.tokenDigest);
  }

  private deliver(login: string): void {
    try {
      const done = this.options.onChange({ login, source: 'push' });
      if (done instanceof Promise) {
        done.catch((e: unknown) => this.handlerFailed(login, e));
      }
    } catch (e) {
      this.handlerFailed(login, e);
    }
  }

  private handlerFailed(login: string, e: unknown): void {
    this.options.log.error(
      { login, err: e instanceof Error ? e.message : String(e) },
      'a pushed mailbox change could not be handled',
    );
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function readBody(req: IncomingMessage, cap: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > cap) {
        over = true;
        chunks.length = 0;
        reject(new BadRequest(413, `body over ${cap} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (err) => reject(new BadRequest(400, err.message)));
  });
}

function answer(res: ServerResponse, status: number, text?: string): void {
  if (res.headersSent) return;
  if (text === undefined) {
    res.writeHead(status).end();
    return;
  }
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
  if (status === 413) headers['Connection'] = 'close';
  res.writeHead(status, headers).end(`${text}\n`);
}
