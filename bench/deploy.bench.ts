// A deploy under load: 100 simulated calls held in the welcome menu of release 1 (a relay keeps
// back voicebox's command to play the menu's prompt, so each call waits there for its caller's
// key), then release 2 installed, loaded and switched to the way `serve` does it (installRelease,
// readRelease, the catalogs rendered, the swap), while new calls keep coming. Figures: calls
// dropped (each held call must finish on release 1's wording: goal 0), the time from the start
// of the deploy until a new call runs release 2, and how long the held calls took to finish.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { installRelease, readRelease } from '../src/cli/releases.js';
import { runtimeFrom, speechRenderer } from '../src/cli/runtime.js';
import { defaultMenuConfig, VoiceboxServer, type Release, type RuntimeLogger } from '../src/runtime/index.js';
import { ScriptedCaller, Simulator, type CallReport } from '../src/sim/index.js';

const HELD = 100;

const silent: RuntimeLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
  child: () => silent,
};

const dir = mkdtempSync(join(tmpdir(), 'voicebox-deploy-bench-'));
const media = { local: join(dir, 'media'), freeswitch: join(dir, 'media') };

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

const releases = join(dir, 'releases');
const renderer = await speechRenderer({ media });

/** What `serve` does on a switch: the release read (its hash checked), its prompts rendered. */
async function load(n: number): Promise<Release> {
  const stored = readRelease(releases, n);
  const runtime = await runtimeFrom({ ...stored, media, renderer });
  return { id: String(n), bundle: runtime.bundle, voice: runtime.voice, actions: new Map() };
}

installRelease(releases, menus('a', 'first'));
let live = await load(1);
const server = new VoiceboxServer({
  release: () => live,
  config: defaultMenuConfig,
  mediaRoot: media,
  log: silent,
  port: 0,
  defaultFlow: 'demo',
  maxConnections: 1000,
});
const address = await server.listen();
const target = `127.0.0.1:${address.port}`;

// relay: holds voicebox's side of each call from its first `playback` on until released
const held: Array<() => void> = [];
let heldCount = 0;
let onAllHeld: () => void = () => undefined;
const allHeld = new Promise<void>((r) => (onAllHeld = r));
const relay = createServer((client: Socket) => {
  const upstream = connect(address.port, '127.0.0.1');
  const kept: Buffer[] = [];
  let passing = false;
  let ended = false;
  let seen = '';
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('data', (d: Buffer) => upstream.write(d));
  client.on('end', () => upstream.end());
  upstream.on('data', (d: Buffer) => {
    if (passing) return void client.write(d);
    if (kept.length === 0) {
      seen += d.toString('latin1');
      if (!seen.includes('execute-app-name: playback\n')) return void client.write(d);
      held.push(() => {
        passing = true;
        for (const b of kept.splice(0)) client.write(b);
        if (ended) client.end();
      });
      if (++heldCount === HELD) onAllHeld();
    }
    kept.push(d);
  });
  upstream.on('end', () => {
    ended = true;
    if (passing) client.end();
  });
});
await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
const relayTarget = `127.0.0.1:${(relay.address() as { port: number }).port}`;

const sim = new Simulator({ toLocalPath: (p) => p, missingFiles: 'not-found', idleAdvanceMs: 3_600_000 });
function caller(): ScriptedCaller {
  let pressed = false;
  const first = /./;
  first.test = () => (pressed ? false : (pressed = true));
  return new ScriptedCaller({ number: '+4930555777', dialed: '100' }).pressWhilePlaying(first, '#', 300);
}
const played = (report: CallReport): string[] => [...report.text.matchAll(/\S+\.wav/g)].map((m) => m[0]);

// what release 1 sounds like
const reference = played(await sim.runCall(caller(), { target }));
const [welcome1, goodbye1] = reference;

const heldCalls = await Promise.all(
  Array.from({ length: HELD }, () => sim.placeCall(caller(), { target: relayTarget })),
);
await allHeld;

// new calls keep coming during the deploy: when does the first one hear release 2?
let deploying = true;
let firstNewMs: number | undefined;
let firstNewPlacedMs: number | undefined;
const t0 = performance.now();
const newCalls = (async () => {
  let n = 0;
  while (deploying || firstNewMs === undefined) {
    const placed = performance.now() - t0;
    const files = played(await sim.runCall(caller(), { target }));
    n++;
    if (files[0] !== welcome1 && firstNewMs === undefined) {
      firstNewMs = performance.now() - t0;
      firstNewPlacedMs = placed;
    }
  }
  return n;
})();
installRelease(releases, menus('b', 'second'));
const next = await load(2);
live = next;
const switchedMs = performance.now() - t0;
deploying = false;
const newCallCount = await newCalls;

const t1 = performance.now();
for (const release of held) release();
const reports = await Promise.all(heldCalls.map((c) => c.finished));
const finishMs = performance.now() - t1;
const dropped = reports.filter((r) => {
  const files = played(r);
  return files[0] !== welcome1 || files[1] !== goodbye1 || r.endedBy !== 'voicebox';
}).length;

console.log(`held calls in progress during the deploy: ${HELD}`);
console.log(`calls dropped or switched mid-call: ${dropped} (goal 0)`);
console.log(`deploy (install + load + render + swap): ${switchedMs.toFixed(0)} ms`);
console.log(
  `first new call on the new release: placed ${firstNewPlacedMs?.toFixed(0) ?? '?'} ms after the deploy started, over at ${firstNewMs?.toFixed(0) ?? '?'} ms (its prompts rendered on first use; ${newCallCount} new calls one after another)`,
);
console.log(`the ${HELD} held calls finished on the old release in ${finishMs.toFixed(0)} ms once let go`);

await sim.close();
relay.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
process.exitCode = dropped === 0 ? 0 : 1;
