// voicebox answering on a free port, and the FreeSWITCH simulator to call it: any compiled
// menus, any actions, the text voice. `dial` places calls that read like the call.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from '../../src/graph/index.js';
import {
  defaultMenuConfig,
  VoiceboxServer,
  type ActionImpl,
  type ActionRegistry,
  type CallEvent,
  type VoiceboxServerOptions,
} from '../../src/runtime/index.js';
import {
  Simulator,
  type CallReport,
  type ScriptedCaller,
  type SimulatorOptions,
} from '../../src/sim/index.js';
import { dialler, type Dialogue } from './dialogue.js';
import { silentLogger } from './log.js';
import { textVoice } from './voice.js';

/** What a call on {@link answering}'s line reports. */
export interface Answered {
  readonly events: CallEvent[];
  /** the simulator's side: transcript, hang-up cause, who ended it, simulated duration */
  readonly report: CallReport;
}

export interface Answering {
  /** A call to `dialed`, written as it goes (dialogue.ts). */
  dial(dialed: string): Dialogue<Answered>;
  /** A call scripted by hand. */
  call(caller: ScriptedCaller): Promise<Answered>;
  readonly server: VoiceboxServer;
  readonly sim: Simulator;
  /** the media root (voicebox's and FreeSWITCH's name for it are the same) */
  readonly media: string;
  /** `host:port` for the simulator */
  readonly target: string;
  close(): Promise<void>;
}

export type AnsweringOptions = Partial<
  Omit<VoiceboxServerOptions, 'actions' | 'bundle' | 'port' | 'onCall'>
> & {
  readonly bundle: Bundle;
  /** by name, as a flow calls them (default: none) */
  readonly actions?: ActionRegistry | Readonly<Record<string, ActionImpl>>;
  /** default: prompts of unknown files play for the default length */
  readonly simulator?: SimulatorOptions;
};

/** What voicebox did on each call, by call uuid: give `onCall` to the server, read `events`. */
export function callEvents(): {
  events: Map<string, CallEvent[]>;
  onCall: (uuid: string) => (e: CallEvent) => void;
} {
  const events = new Map<string, CallEvent[]>();
  const onCall = (uuid: string) => {
    const list: CallEvent[] = [];
    events.set(uuid, list);
    return (e: CallEvent) => void list.push(e);
  };
  return { events, onCall };
}

/**
 * voicebox with the text voice, the menus' default switches, a fresh media root and a silent
 * log unless told otherwise; calls come from the simulator. `close()` stops both.
 */
export async function answering(o: AnsweringOptions): Promise<Answering> {
  const { actions, simulator, ...options } = o;
  const media = mkdtempSync(join(tmpdir(), 'voicebox-calls-'));
  const { events, onCall } = callEvents();
  const server = new VoiceboxServer({
    voice: textVoice,
    config: defaultMenuConfig,
    mediaRoot: { local: media, freeswitch: media },
    log: silentLogger,
    ...options,
    actions: actions instanceof Map ? actions : new Map(Object.entries(actions ?? {})),
    port: 0,
    onCall,
  });
  const { host, port } = await server.listen();
  const target = `${host}:${port}`;
  const sim = new Simulator(simulator ?? { missingFiles: 'default-length' });
  const call = async (caller: ScriptedCaller): Promise<Answered> => {
    const report = await sim.runCall(caller, { target });
    return { events: events.get(report.uuid) ?? [], report };
  };
  return {
    dial: dialler(call),
    call,
    server,
    sim,
    media: options.mediaRoot?.local ?? media,
    target,
    async close() {
      await server.close();
      await sim.close();
    },
  };
}
