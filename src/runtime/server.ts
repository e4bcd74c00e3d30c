// `voicebox serve`: FreeSWITCH's socket application connects once per call; each
// connection becomes one CallSession over the compiled menus (CallServer), unless it lacks
// the dialplan's token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { OutboundServer } from '../esl/index.js';
import type { Bundle } from '../graph/index.js';
import type { MediaRoot } from '../speech/index.js';
import type {
  ActionRegistry,
  CallEvent,
  CallMedia,
  CallObserver,
  CallOutcome,
  CallRecordings,
  ObservedCall,
  RuntimeLogger,
  Voice,
} from './ports.js';
import { CallSession } from './session.js';
import type { Value } from './values.js';
import type { PreparedPrompts } from './voice.js';

/**
 * One release of the menus as calls run it (`voicebox deploy`): a call takes the release in force
 * when it is accepted and keeps it to its end, whatever is switched meanwhile.
 */
export interface Release {
  /** `0` for menus compiled at start, else the release's number */
  readonly id: string;
  readonly bundle: Bundle;
  readonly voice: Voice;
  readonly actions: ActionRegistry;
  readonly prepared?: PreparedPrompts;
}

export interface VoiceboxServerOptions {
  /** the menus every call runs, unless {@link release} is given */
  readonly bundle?: Bundle;
  readonly voice?: Voice;
  readonly actions?: ActionRegistry;
  /** the release a new call runs, asked once as each call is accepted (instead of bundle/voice/actions) */
  readonly release?: () => Release;
  /** told of each accepted call's start and end, with how it ended (metrics) */
  readonly observer?: CallObserver;
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
/** A call being served, for its observer and for a stop that cannot wait for it. */
interface RunningCall {
  readonly observed: ObservedCall;
  /** hung up by the server when a stop's drain time ran out */
  drained: boolean;
}

/** How a call ended, from what its session told (see {@link CallOutcome}). */
function outcomeOf(events: readonly CallEvent[], failed: boolean): CallOutcome {
  if (failed || events.some((e) => e.kind === 'error')) return 'error';
  if (events.some((e) => e.kind === 'transfer' && (e.outcome === 'answered' || e.outcome === 'transferred')))
    return 'transferred';
  const hangup = events.find((e) => e.kind === 'hangup');
  if (hangup?.kind === 'hangup') {
    if (hangup.by === 'caller') return 'caller_hangup';
    if (hangup.by === 'freeswitch') return 'error';
  }
  return 'completed';
}

/**
 * How voicebox serves a call, whatever carried it in: one CallSession in the flow the channel
 * names, or a refusal without the dialplan's token. {@link VoiceboxServer} runs it behind
 * FreeSWITCH's outbound socket.
 */
export class CallServer {
  private readonly tokenDigest: Buffer | undefined;
  private readonly release: () => Release;
  private readonly running = new Set<RunningCall>();
  private readonly perRelease = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly o: CallServerOptions) {
    this.tokenDigest = o.token ? digest(o.token) : undefined;
    if (o.release) this.release = o.release;
    else {
      if (!o.bundle || !o.voice || !o.actions)
        throw new TypeError('CallServer needs either release() or bundle, voice and actions');
      const fixed: Release = { id: '0', bundle: o.bundle, voice: o.voice, actions: o.actions };
      this.release = () => fixed;
    }
  }

  /** Calls accepted and not over yet. */
  get activeCalls(): number {
    return this.running.size;
  }

  /** Calls in progress by the release they run (releases without calls left out). */
  get callsByRelease(): ReadonlyMap<string, number> {
    return new Map(this.perRelease);
  }

  /** Resolves once no call is in progress. */
  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * The calls in progress are about to be hung up by a stop whose drain time ran out: they end
   * as `drained`, whatever their sessions make of the hang-up.
   */
  markDrained(): number {
    for (const call of this.running) call.drained = true;
    return this.running.size;
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
    // read once: the call keeps this release to its end, whatever a deploy switches meanwhile
    const release = this.release();
    const flow = media.data.variables.get('voicebox_flow') || this.o.defaultFlow || 'voicebox';
    const problem = this.tokenProblem(media);
    // the observer's flow becomes a metrics label: only a flow of the release's menus, named by a
    // call that proved it came through the dialplan — anyone reaching the port could fill the
    // labels with names of their own otherwise
    const label = !problem && Object.hasOwn(release.bundle.flows, flow) ? flow : 'other';
    const observed: ObservedCall = { uuid: media.uuid, flow: label, release: release.id };
    if (problem) {
      // the caller number is not logged: it is as untrusted as the rest of this connection
      this.o.log.warn(
        { uuid: media.uuid, token: problem },
        `call refused: ${problem} ${TOKEN_VARIABLE} (freeswitch.token is set; see freeswitch/README.md)`,
      );
      this.tell(() => this.o.observer?.ended(observed, 'refused'));
      await media.hangup('CALL_REJECTED');
      return;
    }
    const call: RunningCall = { observed, drained: false };
    this.running.add(call);
    this.perRelease.set(release.id, (this.perRelease.get(release.id) ?? 0) + 1);
    this.tell(() => this.o.observer?.started(observed));
    const events: CallEvent[] = [];
    let failed = false;
    try {
      const onEvent = this.o.onCall?.(media.uuid);
      const session = new CallSession({
        bundle: release.bundle,
        flow,
        media,
        voice: release.voice,
        actions: release.actions,
        config: this.o.config,
        mediaRoot: this.o.mediaRoot,
        log: release.id === '0' ? this.o.log : this.o.log.child({ release: release.id }),
        ...(this.o.dialString ? { dialString: this.o.dialString } : {}),
        ...(this.o.classifyCaller ? { classifyCaller: this.o.classifyCaller } : {}),
        ...(this.o.now ? { now: this.o.now } : {}),
        onEvent: (event) => {
          if (event.kind === 'hangup' || event.kind === 'transfer' || event.kind === 'error')
            events.push(event);
          onEvent?.(event);
        },
        ...(this.o.recordings ? { recordings: this.o.recordings } : {}),
      });
      await session.run();
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      this.running.delete(call);
      const left = (this.perRelease.get(release.id) ?? 1) - 1;
      if (left > 0) this.perRelease.set(release.id, left);
      else this.perRelease.delete(release.id);
      this.tell(() => this.o.observer?.ended(observed, call.drained ? 'drained' : outcomeOf(events, failed)));
      if (this.running.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /** An observer that throws is its own problem, never the call's. */
  private tell(notify: () => void): void {
    try {
      notify();
    } catch (e) {
      this.o.log.warn({ err: (e as Error).message }, 'the call observer failed');
    }
  }
}

export class VoiceboxServer {
  private readonly esl: OutboundServer;
  private readonly calls: CallServer;
  private stopping = false;

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

  /** Calls in progress, counting the connections still in their handshake (calls about to begin). */
  get activeCalls(): number {
    return this.calls.activeCalls + this.esl.handshakes;
  }

  /** Calls in progress by release id (see {@link CallServer.callsByRelease}). */
  get callsByRelease(): ReadonlyMap<string, number> {
    return this.calls.callsByRelease;
  }

  /** A stop has begun: no new call is taken, the calls in progress may finish (`/health` says 503). */
  get draining(): boolean {
    return this.stopping;
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

  /**
   * The first half of a stop: the listening socket closes (FreeSWITCH's `socket a|b` connects to
   * the next node), the calls in progress go on.
   */
  stopAccepting(): void {
    this.stopping = true;
    this.esl.stopAccepting();
  }

  /**
   * Stops taking calls and waits up to `drainMs` for the calls in progress to end by themselves,
   * or until `interrupt` resolves (a second signal); resolves with the calls still in progress.
   * A connection accepted before the stop and still in its handshake is a call about to begin:
   * it is waited for like the others.
   */
  async drain(drainMs: number, interrupt?: Promise<unknown>): Promise<number> {
    this.stopAccepting();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.calls.idle(), this.esl.idle()]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
      ...(interrupt ? [interrupt] : []),
    ]);
    clearTimeout(timer);
    return this.activeCalls;
  }

  /** Hangs up what is left (as `drained` after a {@link drain}) and closes every connection. */
  async close(): Promise<void> {
    if (this.stopping) this.calls.markDrained();
    this.stopping = true;
    await this.esl.close();
  }
}
