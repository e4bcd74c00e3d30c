import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameParser, OutboundServer } from '../../src/esl/index.js';
import type { Channel, Frame, Logger, OutboundServerOptions } from '../../src/esl/index.js';
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

/** A hand-driven "FreeSWITCH" end of an outbound socket: records each command and each write's bytes. */
export class RawSwitch {
  readonly commands: string[] = [];
  readonly chunks: Buffer[] = [];
  private readonly parser = new FrameParser({ commands: true });
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.parser.push(chunk, (f: Frame) => {
        this.commands.push(f.command ?? '');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawSwitch> {
    return new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new RawSwitch(s)));
    });
  }

  async next(): Promise<string> {
    const seen = this.commands.length;
    while (this.commands.length === seen) await new Promise<void>((r) => this.waiters.push(r));
    return this.commands[seen] ?? '';
  }

  async nth(n: number): Promise<string> {
    while (this.commands.length <= n) await this.next();
    return this.commands[n] ?? '';
  }

  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }
}

export const connectReply = (name: string): Buffer =>
  Buffer.from(
    'Event-Name: CHANNEL_DATA\nUnique-ID: 11111111-2222-3333-4444-555555555555\n' +
      `Caller-Caller-ID-Name: ${name}\nCaller-Caller-ID-Number: %2B4930123456\nCaller-Destination-Number: 5001\n` +
      'Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n',
    'latin1',
  );
