// `voicebox serve` as an admin runs it: the built binary (bin/voicebox.js → dist/) in a
// child process, on the embedded defaults (users.yaml, mail into ./maildir) in a folder of
// its own; hostile "FreeSWITCH" peers; canary calls from the simulator whose message must
// reach the Maildir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { FrameParser, type Frame } from '../../src/esl/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { maildirInbox } from '../support/owners.js';

const root = resolve('.');
export const bin = join(root, 'bin', 'voicebox.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The binary runs dist/: compile it when a source is newer (as `bash test/run` does first).
 * Test files run in parallel: one builds, the others wait for it rather than read half-written files.
 */
export async function ensureBuilt(): Promise<void> {
  const main = join(root, 'dist', 'src', 'cli', 'main.js');
  const lock = join(root, 'dist', '.test-build-lock');
  const fresh = (): boolean =>
    existsSync(main) &&
    statSync(main).mtimeMs >= Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'dsl')));
  for (;;) {
    if (!existsSync(lock) && fresh()) return;
    mkdirSync(dirname(lock), { recursive: true });
    let mine: number | undefined;
    try {
      mine = openSync(lock, 'wx');
    } catch {
      // another file is building; a lock left by a run that died is older than any build
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 300_000) rmSync(lock, { force: true });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      // tsc writes dist/ even when another part of the tree does not type-check yet
      if (!fresh()) spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'ignore' });
      if (!existsSync(main)) throw new Error('npm run build did not produce dist/');
      return;
    } finally {
      closeSync(mine);
      rmSync(lock, { force: true });
    }
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Serve {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
  readonly maildir: string;
  /** pino's JSON lines from stderr, parsed */
  readonly log: LogLine[];
  /** stderr as it came (for failure messages) */
  stderr(): string;
  alive(): boolean;
  /** resolves with the first log line matching, as it arrives; rejects if serve exits first */
  logged(match: (line: LogLine) => boolean): Promise<LogLine>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** YAML written to voicebox.yaml and passed with --config */
  config?: string;
  /** node options before the script (e.g. --import of a fault) */
  nodeArgs?: string[];
  /** run under `prlimit --nofile=N:N` */
  fileLimit?: number;
  /** the --media argument as typed (default: <dir>/media); null: no --media */
  media?: string | null;
  /** where in <dir> the config is written (default: voicebox.yaml) */
  configAt?: string;
  /** where in <dir> messages land (default: maildir) */
  maildirAt?: string;
}

export async function startServe(o: ServeOptions = {}): Promise<Serve> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-serve-'));
  const args = ['serve', '--listen', '127.0.0.1:0'];
  if (o.media !== null) args.push('--media', o.media ?? join(dir, 'media'));
  if (o.config !== undefined) {
    const file = join(dir, o.configAt ?? 'voicebox.yaml');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, o.config);
    args.push('--config', file);
  }
  const node = [...(o.nodeArgs ?? []), bin, ...args];
  const [command, argv] =
    o.fileLimit === undefined
      ? [process.execPath, node]
      : ['prlimit', [`--nofile=${o.fileLimit}:${o.fileLimit}`, process.execPath, ...node]];
  const child = spawn(command, argv, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const log: LogLine[] = [];
  const watchers: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let err = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    err += text;
    partial += text;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      let line: LogLine;
      try {
        line = JSON.parse(raw) as LogLine;
      } catch {
        continue;
      }
      log.push(line);
      for (const w of [...watchers]) {
        if (w.match(line)) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening for FreeSWITCH on [^\s]+:(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    void exit.then(() => reject(new Error(`voicebox serve did not start:\n${err}`)));
  });
  return {
    child,
    pid: child.pid!,
    port,
    dir,
    maildir: join(dir, o.maildirAt ?? 'maildir'),
    log,
    stderr: () => err,
    alive: () => !exited && child.exitCode === null && child.signalCode === null,
    logged(match) {
      const seen = log.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((r, reject) => {
        watchers.push({ match, resolve: r });
        void exit.then(() => reject(new Error(`voicebox serve exited:\n${err.slice(-2000)}`)));
      });
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** A regular expression that matches only the first time it is asked (the first prompt). */
function firstTimeOnly(): RegExp {
  let seen = false;
  const re = /./;
  re.test = () => (seen ? false : (seen = true));
  return re;
}

/**
 * A caller dials Alice's mailbox 501, presses 0 during the greeting, speaks for three seconds and
 * presses #. Resolves with the file of her message in Alice's Maildir once the spool delivered it.
 */
export async function canaryCall(serve: Serve, sim: Simulator, from: string): Promise<string> {
  const caller = new ScriptedCaller({ number: from, dialed: '501' })
    .pressWhilePlaying(firstTimeOnly(), '0', 500)
    .pressDuring('record', '#', 3000);
  await sim.runCall(caller, { target: `127.0.0.1:${serve.port}` });
  // the spool delivers after the call: wait for the file to appear (or the server to die)
  for (;;) {
    const mine = maildirInbox(serve.maildir, 'alice').find((m) => m.text.includes(`<${from}@`));
    if (mine) return mine.file;
    if (!serve.alive()) throw new Error('voicebox serve is gone');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function simulator(): Simulator {
  // serve renders its prompts into its media folder on this machine: FreeSWITCH's paths are ours
  return new Simulator({ toLocalPath: (p) => p, missingFiles: 'not-found' });
}

/** A hostile "FreeSWITCH" end of an outbound socket, driven by hand. */
export class Peer {
  readonly commands: string[] = [];
  readonly closed: Promise<void>;
  private readonly parser = new FrameParser({ commands: true });
  private waiters: Array<() => void> = [];
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk, (f: Frame) => {
          this.commands.push(f.command ?? '');
          this.wake();
        });
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((r) =>
      socket.on('close', () => {
        this.isClosed = true;
        this.wake();
        r();
      }),
    );
  }

  static open(port: number): Promise<Peer> {
    return new Promise((resolveOpen, reject) => {
      const s = connect({ port, host: '127.0.0.1' });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolveOpen(new Peer(s));
      });
    });
  }

  get gone(): boolean {
    return this.isClosed;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The n-th command the server sent (0-based); undefined if the connection closed first. */
  async nth(n: number): Promise<string | undefined> {
    while (this.commands.length <= n && !this.isClosed) await new Promise<void>((r) => this.waiters.push(r));
    return this.commands[n];
  }

  send(bytes: Buffer | string): void {
    if (!this.isClosed) this.socket.write(bytes, () => undefined);
  }
}

export const connectReply = (name = 'Mallory', number = '%2B4930666777', dialed = '501'): Buffer =>
  Buffer.from(
    'Event-Name: CHANNEL_DATA\nUnique-ID: 11111111-2222-3333-4444-555555555555\n' +
      `Caller-Caller-ID-Name: ${name}\nCaller-Caller-ID-Number: ${number}\nCaller-Destination-Number: ${dialed}\n` +
      'Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n',
    'latin1',
  );

export const reply = (text: string): Buffer =>
  Buffer.from(`Content-Type: command/reply\nReply-Text: ${text}\n\n`);

/** An event whose body is not header lines. */
export const malformedEvent = (): Buffer => {
  const body = 'Event-Name: CHANNEL_EXECUTE_COMPLETE\nthis line has no colon\n\n';
  return Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n${body}`);
};
