// `voicebox serve`: FreeSWITCH's socket application connects once per call; each
// connection becomes one CallSession over the compiled menus.
import { createHash, timingSafeEqual } from 'node:crypto';
import { OutboundServer, type Channel } from '../esl/index.js';
import type { Bundle } from '../graph/index.js';
import type { MediaRoot } from '../speech/index.js';
import type { ActionRegistry, CallEvent, CallRecordings, RuntimeLogger, Voice } from './ports.js';
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
  /** what becomes of each call's recordings when it is over (RecordingRetention) */
  readonly recordings?: CallRecordings;
  /** per-call observer (transcripts, tests) */
  readonly onCall?: (uuid: string) => ((event: CallEvent) => void) | undefined;
  /** config.freeswitch.maxConnections / maxBufferedBytes (defaults: the OutboundServer's) */
  readonly maxConnections?: number;
  readonly maxBufferedBytes?: number;
  /**
   * config.freeswitch.token: when set, a call whose channel variable `voicebox_token` (set by
   * the dialplan) is not this value is hung up before anything else happens on it.
   */
  readonly token?: string;
}

/** The channel variable the dialplan sets to the shared token (`variable_voicebox_token`). */
export const TOKEN_VARIABLE = 'voicebox_token';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export class VoiceboxServer {
  private readonly esl: OutboundServer;
  private active = 0;
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly o: VoiceboxServerOptions) {
    this.tokenDigest = o.token ? digest(o.token) : undefined;
    this.esl = new OutboundServer({
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 8084,
      ...(o.maxConnections ? { maxConnections: o.maxConnections } : {}),
      ...(o.maxBufferedBytes ? { maxBufferedBytes: o.maxBufferedBytes } : {}),
      logger: o.log,
      onChannel: (channel) => this.handle(channel),
    });
  }

  get activeCalls(): number {
    return this.active;
  }

  /** The event-socket connections' load: open connections and bytes held before forming a frame. */
  get load(): { connections: number; bufferedBytes: number; peakBufferedBytes: number } {
    return {
      connections: this.esl.connections,
      bufferedBytes: this.esl.bufferedBytes,
      peakBufferedBytes: this.esl.peakBufferedBytes,
    };
  }

  listen(): Promise<{ host: string; port: number }> {
    return this.esl.listen();
  }

  async close(): Promise<void> {
    await this.esl.close();
  }

  /**
   * Anyone who reaches the port can pose as FreeSWITCH and claim any caller number; the token
   * proves the call came through the admin's dialplan. Digests of equal length make the
   * comparison constant-time whatever the length of what was sent.
   */
  private tokenProblem(channel: Channel): 'missing' | 'wrong' | undefined {
    if (!this.tokenDigest) return undefined;
    const sent = channel.data.variables.get(TOKEN_VARIABLE);
    if (!sent) return 'missing';
    return timingSafeEqual(digest(sent), this.tokenDigest) ? undefined : 'wrong';
  }

  private async handle(channel: Channel): Promise<void> {
    const problem = this.tokenProblem(channel);
    if (problem) {
      // the caller number is not logged: it is as untrusted as the rest of this connection
      this.o.log.warn(
        { uuid: channel.uuid, token: problem },
        `call refused: ${problem} ${TOKEN_VARIABLE} (freeswitch.token is set; see freeswitch/README.md)`,
      );
      await channel.hangup('CALL_REJECTED');
      return;
    }
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
        ...(this.o.recordings ? { recordings: this.o.recordings } : {}),
      });
      await session.run();
    } finally {
      this.active--;
    }
  }
}
