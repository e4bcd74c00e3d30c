// serve's control socket (deploy.dir/control.sock): how `voicebox deploy` tells a running serve
// to switch releases and asks what runs. A Unix socket, owner-only: whoever may write the
// releases may switch them, nobody else. One JSON line asked, one JSON line answered.
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

export type ControlRequest = { op: 'switch' } | { op: 'status' };

export interface ReleaseCalls {
  readonly id: string;
  readonly calls: number;
}

export interface ControlStatus {
  readonly ok: true;
  /** the release new calls get */
  readonly live: string;
  readonly releases: readonly ReleaseCalls[];
  readonly draining: boolean;
}

export type SwitchAnswer =
  { readonly ok: true; readonly release: string } | { readonly ok: false; readonly error: string };

export type ControlAnswer = ControlStatus | SwitchAnswer;

export interface ControlHandler {
  switch(): Promise<SwitchAnswer>;
  status(): ControlStatus | SwitchAnswer;
}

/** The largest request line taken; anything longer is not ours. */
export const MAX_REQUEST_BYTES = 1024;
/** A connection that has not sent its line in this time is closed. */
export const IDLE_MS = 5_000;

export const controlSocketPath = (deployDir: string): string => `${deployDir}/control.sock`;

/** Another serve answers on the control socket: one serve per deploy.dir. */
export class ControlSocketInUse extends Error {
  constructor(readonly path: string) {
    super(
      `another voicebox serve is running for this deploy.dir (it answers on ${path}): one serve per deploy.dir; stop it, or give this one its own deploy.dir`,
    );
    this.name = 'ControlSocketInUse';
  }
}

function parse(line: string): ControlRequest | string {
  let request: unknown;
  try {
    request = JSON.parse(line);
  } catch {
    return 'not a JSON line';
  }
  const op = (request as { op?: unknown } | null)?.op;
  if (op === 'switch' || op === 'status') return { op };
  return `unknown op ${JSON.stringify(op ?? null).slice(0, 40)} (switch, status)`;
}

/** Does something answer on `path`? (A socket file left by a serve that died does not.) */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Serves the control socket until `close()`. */
export class ControlServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly path: string,
    private readonly handler: ControlHandler,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens on `path` (mode 0600); a stale socket is removed, a live one refuses: {@link ControlSocketInUse}. */
  static async listen(path: string, handler: ControlHandler): Promise<ControlServer> {
    if (await answers(path)) throw new ControlSocketInUse(path);
    rmSync(path, { force: true });
    const control = new ControlServer(path, handler);
    await new Promise<void>((resolve, reject) => {
      control.server.once('error', reject);
      control.server.listen(path, () => {
        control.server.off('error', reject);
        resolve();
      });
    });
    // the folder is owner-only already; the socket's own mode says so again
    chmodSync(path, 0o600);
    return control;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
    rmSync(this.path, { force: true });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    let received = '';
    let done = false;
    const answer = (a: ControlAnswer): void => {
      if (!socket.destroyed) socket.end(JSON.stringify(a) + '\n');
    };
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      received += chunk.toString('utf8');
      const end = received.indexOf('\n');
      if (end < 0 && received.length <= MAX_REQUEST_BYTES) return;
      done = true;
      socket.setTimeout(0);
      if (end < 0 || end > MAX_REQUEST_BYTES) {
        answer({ ok: false, error: `request longer than ${MAX_REQUEST_BYTES} bytes` });
        return;
      }
      const request = parse(received.slice(0, end));
      if (typeof request === 'string') {
        answer({ ok: false, error: request });
        return;
      }
      if (request.op === 'status') {
        answer(this.handler.status());
        return;
      }
      this.handler
        .switch()
        .then(answer, (e: unknown) =>
          answer({ ok: false, error: e instanceof Error ? e.message : String(e) }),
        );
    });
  }
}

/**
 * Asks the serve listening on `path`; undefined when none is (no socket, or a stale one).
 * `timeoutMs`: a switch renders the new release's prompts first, which may take a while.
 */
export function askServe(
  path: string,
  request: ControlRequest,
  timeoutMs = 120_000,
): Promise<ControlAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let received = '';
    let connected = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`serve did not answer on ${path} within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      connected = true;
      socket.write(JSON.stringify(request) + '\n');
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
      if (received.length > 1_000_000) socket.destroy();
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (!connected && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')) resolve(undefined);
      else reject(new Error(`control socket ${path}: ${e.message}`));
    });
    socket.once('close', () => {
      clearTimeout(timer);
      if (!connected) return;
      const line = received.split('\n')[0] ?? '';
      try {
        resolve(JSON.parse(line) as ControlAnswer);
      } catch {
        reject(new Error(`serve answered on ${path} with something not JSON`));
      }
    });
  });
}
