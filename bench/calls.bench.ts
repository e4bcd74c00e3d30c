// K concurrent simulated calls through one voicebox server, each walking 10 menus (a prompt
// and a key each: 20 steps), with short media so FreeSWITCH's side costs little. Figures:
// calls/s, reaction time (a CHANNEL_EXECUTE_COMPLETE reaches voicebox → its next command is
// written, from the ESL `onTiming` hook), the server's event-loop delay, peak RSS and heap, and
// heap per call; with FreeSWITCH's 20 ms application tick switched on in the simulator, the dead
// air between prompts (simulated ms from one prompt's end to the next one's start: what the
// application starts cost the caller, voicebox's own reaction time comes on top). The Simulator runs in a child process (this file, argument `sim`), so the
// measured process holds only the server: 1,000 calls = 1,000 sockets on each side.
// Goal on a 2-core machine: 1,000 concurrent calls, p99 reaction ≤ 20 ms, ≤ 100 KB heap a call.
import { fork, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { PromptCatalogs, PromptEntry } from '../dsl/index.js';
import type { EslTiming } from '../src/esl/index.js';
import type { Voice } from '../src/runtime/index.js';

const MENUS = 10;

/** server → simulator */
interface RunRequest {
  readonly kind: 'run';
  readonly target: string;
  readonly calls: number;
  /** spread the call starts over this many ms (0 = all at once) */
  readonly rampMs: number;
  /** FreeSWITCH's application tick in the simulator (0 = off) */
  readonly appTickMs: number;
}
/** simulator → server */
interface RunResult {
  readonly kind: 'done';
  readonly ok: number;
  readonly failed: number;
  readonly firstProblem: string;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly loopP99Ms: number;
  /** per simulator port: when each CHANNEL_EXECUTE_COMPLETE was written (monotonic ms) */
  readonly completionsSent: Record<string, number[]>;
  /** simulated ms of silence between two media applications, all calls */
  readonly deadAirMs: number[];
}

/** CLOCK_MONOTONIC in ms — the same clock in both processes (performance.now() is per process). */
const toMonotonic = Number(process.hrtime.bigint() / 1000n) / 1000 - performance.now();

const gc = (globalThis as { gc?: () => void }).gc;

if (process.argv[2] === 'sim') await simulatorRole();
else await serverRole();

// ---- the simulator (child process) ------------------------------------------------------------

async function simulatorRole(): Promise<void> {
  const { ScriptedCaller, Simulator } = await import('../src/sim/index.js');
  const sims = new Map<number, InstanceType<typeof Simulator>>();
  const simFor = (appTickMs: number): InstanceType<typeof Simulator> => {
    let sim = sims.get(appTickMs);
    if (!sim) sims.set(appTickMs, (sim = new Simulator({ missingFiles: 'default-length', appTickMs })));
    return sim;
  };
  // Note when each completion leaves the simulator (this process only: the measured one stays clean).
  let completionsSent: Record<string, number[]> = {};
  const proto = Socket.prototype as unknown as { write: (this: Socket, ...args: unknown[]) => boolean };
  const write = proto.write;
  proto.write = function (this: Socket, ...args: unknown[]): boolean {
    // Stamped before the write: on 2 cores voicebox often reads the bytes before write()
    // returns here, and a stamp taken after it would be matched to the previous completion.
    const at = performance.now() + toMonotonic;
    const written = write.apply(this, args);
    const bytes = args[0];
    if (bytes instanceof Buffer && bytes.includes('CHANNEL_EXECUTE_COMPLETE')) {
      (completionsSent[String(this.localPort)] ??= []).push(at);
    }
    return written;
  };
  const run = async (r: RunRequest): Promise<RunResult> => {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    completionsSent = {};
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const finished: Array<Promise<string | undefined>> = [];
    const deadAirMs: number[] = [];
    const sim = simFor(r.appTickMs);
    for (let i = 0; i < r.calls; i++) {
      if (r.rampMs > 0) {
        const due = t0 + (r.rampMs * i) / r.calls;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const caller = new ScriptedCaller({ number: `+49301${String(i).padStart(6, '0')}`, dialed: '100' });
      for (let m = 1; m <= MENUS; m++) caller.pressAfterPlayed(new RegExp(`\\?${menuName(m)}$`), '1');
      finished.push(
        sim.placeCall(caller, { target: r.target }).then(
          (c) =>
            c.finished.then((report) => {
              deadAirMs.push(...report.deadAirMs);
              const keys = report.transcript.filter((e) => e.kind === 'dtmf').length;
              if (report.endedBy !== 'voicebox' || report.hangupCause !== 'NORMAL_CLEARING' || keys !== MENUS)
                return `call ${i}: ended by ${report.endedBy} (${report.hangupCause}), ${keys} keys\n${report.text}`;
              return undefined;
            }),
          (err: Error) => `call ${i}: ${err.message}`,
        ),
      );
    }
    const problems = (await Promise.all(finished)).filter((p): p is string => p !== undefined);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    return {
      kind: 'done',
      ok: r.calls - problems.length,
      failed: problems.length,
      firstProblem: problems[0] ?? '',
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      loopP99Ms: loop.percentile(99) / 1e6,
      completionsSent,
      deadAirMs,
    };
  };
  process.on('message', (m: RunRequest | { kind: 'exit' }) => {
    if (m.kind === 'exit') {
      void Promise.all([...sims.values()].map((s) => s.close())).then(() => process.disconnect());
      return;
    }
    void run(m).then((result) => process.send?.(result));
  });
}

// ---- voicebox (this process, measured) -----------------------------------------------------

function menuName(m: number): string {
  return `m${String(m).padStart(2, '0')}`;
}

async function serverRole(): Promise<void> {
  const { compileFiles, parse } = await import('../dsl/index.js');
  const { CallSession, defaultMenuConfig } = await import('../src/runtime/index.js');
  const { OutboundServer } = await import('../src/esl/index.js');

  // 10 menus, each: a prompt, then key 1 (pressed by the caller) → the next; then goodbye.
  const lines = ['languages {', '  default en', '  offer en', '}', 'flow bench {'];
  for (let m = 1; m <= MENUS; m++) {
    const next = m < MENUS ? menuName(m + 1) : 'bye';
    lines.push(`  menu ${menuName(m)} {`, `    say ${menuName(m)}`, `    press 1 -> ${next}`);
    lines.push(`    press 2 -> ${menuName(m)}`, '  }');
  }
  lines.push('  step bye {', '    say goodbye', '    hang up', '  }', '}');
  const ids = ['invalid_choice', 'goodbye', 'technical_problem'];
  for (let m = 1; m <= MENUS; m++) ids.push(menuName(m));
  const catalogs: PromptCatalogs = new Map();
  const entries = new Map<string, PromptEntry>();
  for (const id of ids)
    entries.set(id, { text: id, placeholders: [], loc: { file: 'en.yaml', line: 1, col: 1, length: 1 } });
  catalogs.set('en', entries);
  const parsed = parse('bench.ivr', lines.join('\n') + '\n');
  const compiled = compileFiles([parsed.file], catalogs);
  const errors = [...parsed.diagnostics, ...compiled.diagnostics].filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    console.error('the bench menu does not compile:', errors.map((d) => d.message).join('; '));
    process.exit(1);
  }
  const bundle = compiled.bundle;

  // Every prompt: 20 ms of silence, its id after the `?` so the caller knows what played.
  const voice: Voice = {
    promptText: (id) => id,
    render: async (text) => ({ freeswitchPath: `silence_stream://20?${text}` }),
  };
  const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
  const media = tmpdir();

  // Reactions of the current run (peer port, completion arrived, next command written), kept
  // outside the JS heap.
  let ports = new Uint16Array(0);
  let arrived = new Float64Array(0);
  let answered = new Float64Array(0);
  let reactionCount = 0;
  const onTiming = (t: EslTiming): void => {
    if (reactionCount >= ports.length) return;
    ports[reactionCount] = Number(t.connection.slice(t.connection.lastIndexOf(':') + 1));
    arrived[reactionCount] = t.completionAt + toMonotonic;
    answered[reactionCount++] = t.nextWriteAt + toMonotonic;
  };
  let active = 0;
  let peakActive = 0;
  /** memory probe: a full GC the moment all K calls are up (disturbs the timings of that run) */
  let probeAt = 0;
  let liveHeap = 0;
  let liveCalls = 0;

  // What VoiceboxServer does per call (runtime/server.ts), on an OutboundServer that has the
  // timing hook: VoiceboxServer does not pass one through.
  const server = new OutboundServer({
    host: '127.0.0.1',
    port: 0,
    logger: silent,
    // the scenarios start 1,000 calls at once: above the default cap (freeswitch.maxConnections)
    maxConnections: 5_000,
    onTiming,
    onChannel: async (channel) => {
      active++;
      if (active > peakActive) peakActive = active;
      if (probeAt > 0 && active >= probeAt) {
        probeAt = 0;
        gc?.();
        liveHeap = process.memoryUsage().heapUsed;
        liveCalls = active;
      }
      try {
        const flow = channel.data.variables.get('voicebox_flow') || 'bench';
        await new CallSession({
          bundle,
          flow,
          media: channel,
          voice,
          actions: new Map(),
          config: defaultMenuConfig,
          mediaRoot: { local: media, freeswitch: media },
          log: silent,
        }).run();
      } finally {
        active--;
      }
    },
  });
  const { host, port } = await server.listen();
  const target = `${host}:${port}`;

  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['sim'], {
    stdio: 'inherit',
    execArgv: [],
  });
  const simulate = (calls: number, rampMs: number, appTickMs: number): Promise<RunResult> =>
    new Promise((resolve) => {
      child.once('message', (m: RunResult) => resolve(m));
      const request: RunRequest = { kind: 'run', target, calls, rampMs, appTickMs };
      child.send(request);
    });

  const mib = (n: number): string => (n / 1048576).toFixed(1);
  const pct = (sorted: Float64Array, p: number): number =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

  async function scenario(
    calls: number,
    rampMs: number,
    print: boolean,
    probe = false,
    appTickMs = 0,
  ): Promise<void> {
    probeAt = probe ? Math.floor(calls * 0.9) : 0;
    liveHeap = liveCalls = 0;
    const load = loadavg()[0]!;
    ports = new Uint16Array(calls * 30);
    arrived = new Float64Array(calls * 30);
    answered = new Float64Array(calls * 30);
    reactionCount = 0;
    peakActive = 0;
    gc?.();
    gc?.();
    const idle = process.memoryUsage();
    let peakHeap = idle.heapUsed;
    let peakRss = idle.rss;
    const sample = (): void => {
      const m = process.memoryUsage();
      if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
      if (m.rss > peakRss) peakRss = m.rss;
    };
    const sampler = setInterval(sample, 20);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await simulate(calls, rampMs, appTickMs);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    clearInterval(sampler);
    sample();
    if (!print) return;
    if (probe) {
      const live = liveHeap - idle.heapUsed;
      console.log(
        `\nmemory probe, K = ${calls.toLocaleString('en')}: heap after a full GC with ${liveCalls} calls up: ${mib(liveHeap)} MiB (idle ${mib(
          idle.heapUsed,
        )}) → ${(live / Math.max(1, liveCalls) / 1024).toFixed(1)} KB live heap per call; peak ${peakActive} calls at once, peak RSS ${mib(peakRss)} MiB; ${result.ok} ok, ${result.failed} failed`,
      );
      return;
    }
    // in voicebox: the chunk with the completion handed to us → the next command written
    const inside = new Float64Array(reactionCount);
    // end to end: the simulator wrote the completion → voicebox wrote its next command
    const endToEnd = new Float64Array(reactionCount);
    let matched = 0;
    for (let i = 0; i < reactionCount; i++) {
      inside[i] = answered[i]! - arrived[i]!;
      const sent = result.completionsSent[String(ports[i])] ?? [];
      let at = NaN;
      for (const t of sent) if (t <= arrived[i]! + 0.001) at = t; // the last one sent before it arrived
      if (!Number.isNaN(at)) endToEnd[matched++] = answered[i]! - at;
    }
    inside.sort();
    const e2e = endToEnd.slice(0, matched).sort();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const ramp = rampMs > 0 ? `, started over ${(rampMs / 1000).toFixed(1)} s` : ', all started at once';
    const tick = appTickMs > 0 ? `, applications on a ${appTickMs} ms tick` : '';
    console.log(
      `\ncalls: K = ${calls.toLocaleString('en')}${ramp}${tick} (load average before: ${load.toFixed(1)})`,
    );
    console.log(
      `  ${result.ok} ok, ${result.failed} failed; ${(wallMs / 1000).toFixed(2)} s → ${Math.round(
        (result.ok / wallMs) * 1000,
      ).toLocaleString('en')} calls/s; peak ${peakActive} calls at once`,
    );
    if (result.failed > 0) console.log(`  first failure: ${result.firstProblem.split('\n').join('\n    ')}`);
    const figures = (a: Float64Array): string =>
      `p50 ${pct(a, 50).toFixed(2)} ms, p99 ${pct(a, 99).toFixed(2)} ms, max ${pct(a, 100).toFixed(1)} ms`;
    console.log(
      `  reaction, completion sent → next command written (${matched.toLocaleString('en')}): ${figures(e2e)} (goal p99 ≤ 20 ms)`,
    );
    console.log(
      `    of which in voicebox, completion read → next command written (${reactionCount.toLocaleString('en')}): ${figures(inside)}`,
    );
    if (appTickMs > 0) {
      const air = Float64Array.from(result.deadAirMs).sort();
      const mean = air.reduce((a, b) => a + b, 0) / Math.max(1, air.length);
      console.log(
        `  dead air between prompts, simulated (${air.length.toLocaleString('en')}): mean ${mean.toFixed(1)} ms, ${figures(air)}`,
      );
    }
    console.log(
      `  voicebox event-loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(
        loop.percentile(99) / 1e6
      ).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`,
    );
    console.log(
      `  CPU: voicebox ${Math.round((cpuMs / wallMs) * 100)} %, simulator ${Math.round(
        (result.cpuMs / result.wallMs) * 100,
      )} % of one core (simulator loop delay p99 ${result.loopP99Ms.toFixed(1)} ms)`,
    );
    console.log(
      `  peak RSS ${mib(peakRss)} MiB (idle ${mib(idle.rss)}), peak heap ${mib(peakHeap)} MiB (idle ${mib(
        idle.heapUsed,
      )}) → ${((peakHeap - idle.heapUsed) / calls / 1024).toFixed(1)} KB heap per call (goal ≤ 100 KB)`,
    );
  }

  await scenario(50, 0, false); // warm-up: JIT, the simulator's first calls
  await scenario(100, 0, true);
  await scenario(100, 0, true, false, 20);
  await scenario(1000, 0, true);
  await scenario(1000, 2000, true);
  if (gc) await scenario(1000, 0, true, true);
  child.send({ kind: 'exit' });
  await server.close();
}
