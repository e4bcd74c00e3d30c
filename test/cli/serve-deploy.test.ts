// `voicebox deploy` against a running `voicebox serve` (from the sources, with the simulator as
// FreeSWITCH): calls in progress keep the release they started with while new calls get the
// new one; a rollback; a switch serve cannot load; and SIGTERM draining the calls in progress.
//
// A call is held in a menu waiting for keys by a relay between the simulator and serve that keeps
// back serve's command to play the menu's prompt until the test lets it through: nothing happens on the
// call meanwhile (the simulator's clock stands still while no application runs), however long
// the deploy takes on a busy machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { askServe } from '../../src/cli/control.js';
import { run } from '../../src/cli/main.js';
import { setLive } from '../../src/cli/releases.js';
import { ScriptedCaller, Simulator, type CallReport } from '../../src/sim/index.js';

const runFromSource = resolve('test/cli/run-from-source.ts');
// serve runs in a folder of its own, where `--import tsx` would not find the package
const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

interface LogLine {
  msg: string;
  [key: string]: unknown;
}

interface Serve {
  readonly port: number;
  readonly log: LogLine[];
  logged(match: (l: LogLine) => boolean): Promise<LogLine>;
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
}

let dir: string;
let serve: Serve | undefined;
let sim: Simulator;
const relays: Relay[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-serve-deploy-'));
  sim = new Simulator({ toLocalPath: (p) => p, missingFiles: 'not-found', idleAdvanceMs: 3_600_000 });
});
afterEach(async () => {
  for (const r of relays.splice(0)) r.close();
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGKILL');
    await serve.exited;
  }
  serve = undefined;
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The demo menus, their welcome and goodbye worded for this release. */
function menus(name: string, words: string): string {
  const to = join(dir, name);
  cpSync(resolve('examples/demo'), to, { recursive: true });
  const catalog = join(to, 'prompts', 'en.yaml');
  writeFileSync(
    catalog,
    readFileSync(catalog, 'utf8')
      .replace(/^demo_welcome: .*$/m, `demo_welcome: "Welcome to the ${words} demo. For the time, press 1."`)
      .replace(/^goodbye: .*$/m, `goodbye: "Goodbye from the ${words} demo."`),
  );
  return to;
}

function config(drainMs: number): string {
  const file = join(dir, 'voicebox.yaml');
  writeFileSync(file, `deploy:\n  dir: releases\n  drainMs: ${drainMs}\nadmin:\n  auditLog: audit.log\n`);
  return file;
}

async function voicebox(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(['node', 'voicebox', ...argv], {
    out: (s) => (out += s),
    err: (s) => (err += s),
    color: false,
  });
  return { code, out, err };
}

async function startServe(cfg: string): Promise<Serve> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      runFromSource,
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--media',
      join(dir, 'media'),
      '--config',
      cfg,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const log: LogLine[] = [];
  const watchers: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let err = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString('utf8');
    partial += d.toString('utf8');
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
      for (const w of [...watchers])
        if (w.match(line)) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve(line);
        }
    }
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening for FreeSWITCH on [^\s]+:(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`voicebox serve did not start:\n${err}`)));
  });
  return {
    port,
    log,
    child,
    exited,
    logged(match) {
      const seen = log.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((r, reject) => {
        watchers.push({ match, resolve: r });
        void exited.then(() => reject(new Error(`voicebox serve exited:\n${err.slice(-3000)}`)));
      });
    },
  };
}

/**
 * Between the simulator and serve: passes everything, except that from serve's first command
 * that plays a prompt (the menu's, waiting for keys) on, serve's side is kept back until {@link release}.
 */
class Relay {
  private readonly server: Server;
  private readonly kept: Buffer[] = [];
  private client: Socket | undefined;
  private passing = false;
  private upstreamEnded = false;
  private seen = '';
  readonly held: Promise<void>;
  private onHeld!: () => void;

  constructor(private readonly port: number) {
    this.held = new Promise((r) => (this.onHeld = r));
    this.server = createServer((client) => this.accept(client));
  }

  listen(): Promise<string> {
    return new Promise((r) =>
      this.server.listen(0, '127.0.0.1', () =>
        r(`127.0.0.1:${(this.server.address() as { port: number }).port}`),
      ),
    );
  }

  /** Lets serve's kept commands through, and all that follows. */
  release(): void {
    this.passing = true;
    for (const b of this.kept.splice(0)) this.client?.write(b);
    if (this.upstreamEnded) this.client?.end();
  }

  close(): void {
    this.client?.destroy();
    this.server.close();
  }

  private accept(client: Socket): void {
    this.client = client;
    const upstream = connect(this.port, '127.0.0.1');
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('data', (d: Buffer) => upstream.write(d));
    client.on('end', () => upstream.end());
    upstream.on('data', (d: Buffer) => {
      if (this.passing) return void client.write(d);
      if (this.kept.length === 0) {
        this.seen += d.toString('latin1');
        if (!/execute-app-name: playback\n/.test(this.seen)) return void client.write(d);
        this.onHeld();
      }
      this.kept.push(d);
    });
    upstream.on('end', () => {
      this.upstreamEnded = true;
      if (this.passing) client.end();
    });
  }
}

/** A caller of the demo menus: she presses # into the welcome, and hears the goodbye. */
function caller(): ScriptedCaller {
  let pressed = false;
  const first = /./;
  first.test = () => (pressed ? false : (pressed = true));
  return new ScriptedCaller({
    number: '+4930555777',
    dialed: '100',
    variables: { voicebox_flow: 'demo' },
  }).pressWhilePlaying(first, '#', 300);
}

/** The rendered prompts a call played, in order (each wording has a file of its own). */
const played = (report: CallReport): string[] => [...report.text.matchAll(/\S+\.wav/g)].map((m) => m[0]);

async function call(port: number): Promise<string[]> {
  const report = await sim.runCall(caller(), { target: `127.0.0.1:${port}` });
  const files = played(report);
  expect(files, report.text).toHaveLength(2);
  return files;
}

/** A call held in the welcome menu, waiting for keys; `finish()` lets it go on and reports what it played. */
async function heldCall(port: number): Promise<{ finish: () => Promise<string[]>; relay: Relay }> {
  const relay = new Relay(port);
  relays.push(relay);
  const target = await relay.listen();
  const placed = await sim.placeCall(caller(), { target });
  await relay.held;
  return {
    relay,
    finish: async () => {
      relay.release();
      return played(await placed.finished);
    },
  };
}

describe('voicebox deploy with serve running', () => {
  it('held calls finish on the release they started with; new calls get the new one; --rollback; a bad switch changes nothing', async () => {
    const cfg = config(600_000);
    expect((await voicebox('deploy', menus('a', 'first'), '--config', cfg)).code).toBe(0);
    serve = await startServe(cfg);
    const [welcomeA, goodbyeA] = await call(serve.port);

    const held = [await heldCall(serve.port), await heldCall(serve.port)];
    const before = await voicebox('deploy', '--status', '--config', cfg);
    expect(before.out).toMatch(/^\* {4}1 .* calls 2$/m);

    const deployed = await voicebox('deploy', menus('b', 'second'), '--config', cfg);
    expect(deployed.err).toBe('');
    expect(deployed.code).toBe(0);
    expect(deployed.out).toContain('release 2 is live: serve runs it for new calls');

    const [welcomeB, goodbyeB] = await call(serve.port);
    expect(welcomeB).not.toBe(welcomeA);
    expect(goodbyeB).not.toBe(goodbyeA);

    const during = await voicebox('deploy', '--status', '--config', cfg);
    expect(during.out).toMatch(/^ {5}1 .* calls 2$/m);
    expect(during.out).toMatch(/^\* {4}2 /m);
    expect(during.out).toContain('serve runs release 2 for new calls');

    // what the held calls hear next is the first release's wording
    for (const h of held) expect(await h.finish()).toEqual([welcomeA, goodbyeA]);
    expect(await askServe(join(dir, 'releases', 'control.sock'), { op: 'status' })).toEqual({
      ok: true,
      live: '2',
      releases: [{ id: '2', calls: 0 }],
      draining: false,
    });

    const back = await voicebox('deploy', '--rollback', '--config', cfg);
    expect(back.code).toBe(0);
    expect(back.out).toContain('release 1 is live: serve runs it');
    expect(await call(serve.port)).toEqual([welcomeA, goodbyeA]);

    // release 2 changed on disk: serve refuses to switch to it, and release 1 stays
    const bundle = join(dir, 'releases', '2', 'bundle.json');
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('"demo"', '"demo2"'));
    setLive(join(dir, 'releases'), 2);
    const refused = await askServe(join(dir, 'releases', 'control.sock'), { op: 'switch' });
    expect(refused).toMatchObject({ ok: false, error: /release 2: bundle\.json has SHA-256/ });
    expect(await call(serve.port)).toEqual([welcomeA, goodbyeA]);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  }, 240_000);

  it('on SIGTERM takes no new call and lets the calls in progress finish, then exits 0', async () => {
    const cfg = config(600_000);
    expect((await voicebox('deploy', menus('a', 'first'), '--config', cfg)).code).toBe(0);
    serve = await startServe(cfg);
    const held = [await heldCall(serve.port), await heldCall(serve.port)];

    serve.child.kill('SIGTERM');
    const stopping = await serve.logged((l) => l.msg.startsWith('stopping: no new calls'));
    expect(stopping.calls).toBe(2);
    // the listening socket is closed: FreeSWITCH's `socket a|b` goes on to the next node
    const refused = await new Promise<string>((r) => {
      const s = connect(serve!.port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        r('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? e.message));
    });
    expect(refused).toBe('ECONNREFUSED');
    expect(await askServe(join(dir, 'releases', 'control.sock'), { op: 'status' })).toMatchObject({
      draining: true,
      releases: [{ id: '1', calls: 2 }],
    });

    for (const h of held) expect(await h.finish()).toHaveLength(2);
    expect(await serve.exited).toBe(0);
    expect(serve.log.some((l) => l.msg.includes('hanging up the calls still in progress'))).toBe(false);
  }, 240_000);

  it('on SIGTERM hangs up the calls still in progress once deploy.drainMs is over', async () => {
    const cfg = config(0);
    serve = await startServe(cfg);
    const held = [await heldCall(serve.port), await heldCall(serve.port)];
    serve.child.kill('SIGTERM');
    const hangingUp = await serve.logged((l) => l.msg.includes('hanging up the calls still in progress'));
    expect(hangingUp.calls).toBe(2);
    // the hang-up reaches the simulator: the calls end without the caller's goodbye
    await Promise.all(held.map((h) => h.finish()));
    expect(await serve.exited).toBe(0);
  }, 240_000);
});
