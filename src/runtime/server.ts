// `voicebox serve`: FreeSWITCH's socket application connects once per call; each
// connection becomes one CallSession over the compiled menus.
import { OutboundServer, type Channel } from '../esl/index.js';
import type { Bundle } from '../graph/index.js';
import type { MediaRoot } from '../speech/index.js';
import type { ActionRegistry, CallEvent, RuntimeLogger, Voice } from './ports.js';
import { CallSession } from './session.js';
import type { Value } from './values.js';

export interface VoiceboxServerOptions {
  readonly bundle: Bundle;
  readonly voice: Voice;
  readonly actions: ActionRegistry;
  readonly config: Readonly<Record<string, Value>>;
  readonly mediaRoot: MediaRoot;
  readonly log: RuntimeLogger;
  readonly host?: string;
  /** default 8084; 0 = any free port */
  readonly port?: number;
  readonly dialString?: string;
  readonly classifyCaller?: (number: string) => 'internal' | 'external';
  /** the clock calls start by (tests) */
  readonly now?: () => Date;
  /** the flow a call starts in: the channel variable `voicebox_flow`, else this (default `voicebox`) */
  readonly defaultFlow?: string;
  /** per-call observer (transcripts, tests) */
  readonly onCall?: (uuid: string) => ((event: CallEvent) => void) | undefined;
}

export class VoiceboxServer {
  private readonly esl: OutboundServer;
  private active = 0;

  constructor(private readonly o: VoiceboxServerOptions) {
    this.esl = new OutboundServer({
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 8084,
      logger: o.log,
      onChannel: (channel) => this.handle(channel),
    });
  }

  get activeCalls(): number {
    return this.active;
  }

  listen(): Promise<{ host: string; port: number }> {
    return this.esl.listen();
  }

  async close(): Promise<void> {
    await this.esl.close();
  }

  private async handle(channel: Channel): Promise<void> {
    this.active++;
    try {
      const flow = channel.data.variables.get('voicebox_flow') || this.o.defaultFlow || 'voicebox';
      const onEvent = this.o.onCall?.(channel.uuid);
      const session = new CallSession({
        bundle: this.o.bundle,
        flow,
        media: channel,
        voice: this.o.voice,
        actions: this.o.actions,
        config: this.o.config,
        mediaRoot: this.o.mediaRoot,
        log: this.o.log,
        ...(this.o.dialString ? { dialString: this.o.dialString } : {}),
        ...(this.o.classifyCaller ? { classifyCaller: this.o.classifyCaller } : {}),
        ...(this.o.now ? { now: this.o.now } : {}),
        ...(onEvent ? { onEvent } : {}),
      });
      await session.run();
    } finally {
      this.active--;
    }
  }
}
