// `voicebox serve`: FreeSWITCH's socket application connects once per call; each
// connection becomes one CallSession over the compiled menus (CallServer), unless it lacks
// the dialplan's token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { OutboundServer } from '../esl/index.js';
import type { Bundle } from '../graph/index.js';
import type { MediaRoot } from '../speech/index.js';
import type { ActionRegistry, CallEvent, CallMedia, CallRecordings, RuntimeLogger, Voice } from './ports.js';
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

/** What each call is served with: {@link VoiceboxServerOptions} less the listening socket's. */
export type CallServerOptions = Omit<
  VoiceboxServerOptions,
  'host' | 'port' | 'maxConnections' | 'maxBufferedBytes'
>;

/**
 * How voicebox serves a call, whatever carried it in: one CallSession in the flow the channel
 * names, or a refusal without the dialplan's token. {@link VoiceboxServer} runs it behind
 * FreeSWITCH's outbound socket.
 */
export class CallServer {
  private active = 0;
  private readonly tokenDigest: Buffer | undefined;

  constructor(private readonly o: CallServerOptions) {
    this.tokenDigest = o.token ? digest(o.token) : undefined;
  }

  /** Calls accepted and not over yet. */
  get activeCalls(): number {
    return this.active;
  }

  /**
   * Anyone who reaches the port can pose as FreeSWITCH and claim any caller number; the token
   * proves the call came through the admin's dialplan. Digests of equal length make the
   * comparison constant-time whatever the length of what was sent.
   */
  private tokenProblem(media: CallMedia): 'missing' | 'wrong' | undefined {
    if (!this.tokenDigest) return undefined;
    const sent = media.data.variables.get(TOKEN_VARIABLE);
    if (!sent) return 'missing';
    return timingSafeEqual(digest(sent), this.tokenDigest) ? undefined : 'wrong';
  }

  /** Serves one call; resolves once it is over and its recordings are handed on. */
  async serve(media: CallMedia): Promise<void> {
    const problem = this.tokenProblem(media);
    if (problem) {
      // the caller number is not logged: it is as untrusted as the rest of this connection
      this.o.log.warn(
        { uuid: media.uuid, token: problem },
        `call refused: ${problem} ${TOKEN_VARIABLE} (freeswitch.token is set; see freeswitch/README.md)`,
      );
      await media.hangup('CALL_REJECTED');
      return;
    }
    this.active++;
    try {
      const flow = media.data.variables.get('voicebox_flow') || this.o.defaultFlow || 'voicebox';
      const onEvent = this.o.onCall?.(media.uuid);
      const session = new CallSession({
        bundle: this.o.bundle,
        flow,
        media,
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

export class VoiceboxServer {
  private readonly esl: OutboundServer;
  private readonly calls: CallServer;

  constructor(o: VoiceboxServerOptions) {
    this.calls = new CallServer(o);
    this.esl = new OutboundServer({
      host: o.host ?? '127.0.0.1',
      port: o.port ?? 8084,
      ...(o.maxConnections ? { maxConnections: o.maxConnections } : {}),
      ...(o.maxBufferedBytes ? { maxBufferedBytes: o.maxBufferedBytes } : {}),
      logger: o.log,
      onChannel: (channel) => this.calls.serve(channel),
    });
  }

  get activeCalls(): number {
    return this.calls.activeCalls;
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
}
