import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundServer } from '../../src/esl/index.js';
import type { Channel, Logger, OutboundServerOptions } from '../../src/esl/index.js';
import { Simulator } from '../../src/sim/index.js';
import type { ScriptedCaller, SimulatorOptions } from '../../src/sim/index.js';

/** A logger that keeps its lines, to assert "one log line" behaviour. */
export function memoryLogger(): Logger & { lines: Array<{ level: string; msg: string; obj: object }> } {
  const lines: Array<{ level: string; msg: string; obj: object }> = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, msg: msg ?? '', obj });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Harness {
  readonly server: OutboundServer;
  readonly sim: Simulator;
  readonly target: string;
  readonly dir: string;
  close(): Promise<void>;
}

/** An OutboundServer on a free port and a Simulator that dials it; `dir` is a scratch directory. */
export async function harness(
  onChannel: (channel: Channel) => Promise<void> | void,
  serverOptions: Partial<OutboundServerOptions> = {},
  simOptions: SimulatorOptions = {},
): Promise<Harness> {
  const server = new OutboundServer({ port: 0, ...serverOptions, onChannel });
  const { port } = await server.listen();
  const sim = new Simulator(simOptions);
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-esl-'));
  return {
    server,
    sim,
    target: `127.0.0.1:${port}`,
    dir,
    async close() {
      await server.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function callOnce(h: Harness, caller: ScriptedCaller) {
  return h.sim.runCall(caller, { target: h.target });
}
