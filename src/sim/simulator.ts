import { randomUUID } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { silentLogger } from '../esl/index.js';
import type { Logger } from '../esl/index.js';
import { SimCall } from './call.js';
import type { MediaOptions } from './media.js';
import type { SwitchServices } from './connection.js';
import { standardHeaders } from './events.js';
import type { SimEvent, SwitchIdentity } from './events.js';
import { SimInboundServer } from './inbound.js';
import type { InboundListenOptions } from './inbound.js';
import { LampBoard } from './lamps.js';
import type { DroppedEvent, Lamp, LampWait } from './lamps.js';
import { SimOutboundSession } from './outbound.js';
import type { ScriptedCaller } from './script.js';
import { formatTranscript } from './transcript.js';
import type { TranscriptEntry } from './transcript.js';

export interface SimulatorOptions extends Partial<MediaOptions> {
  readonly logger?: Logger;
  /** Wall-clock time that simulated time 0 maps to in Event-Date-* headers. Default: now. */
  readonly baseEpochMs?: number;
  readonly hostname?: string;
  /** Scripted `originate` API result; default `+OK <new uuid>`. */
  readonly originate?: (args: string) => string;
}

export interface PlaceCallOptions {
  /** `HOST:PORT`, several separated by `|` (tried in order), as the `socket` application takes them. */
  readonly target: string;
  /** Default `async full` — what voicebox's dialplan uses. */
  readonly socketArgs?: string;
  /** Real ms the controller has to send `connect` (FreeSWITCH: 25 s). */
  readonly connectTimeoutMs?: number;
}

/** What happened on a simulated call. */
export interface CallReport {
  readonly uuid: string;
  readonly hangupCause: string | undefined;
  /** `caller`, `voicebox`, `api`, `socket closed`, `destination`, ... */
  readonly endedBy: string | undefined;
  /** Simulated duration in ms. */
  readonly durationMs: number;
  readonly transcript: readonly TranscriptEntry[];
  /** The transcript as `voicebox call` prints it. */
  readonly text: string;
  readonly variables: ReadonlyMap<string, string>;
  /** Simulated ms of silence between one media application's end and the next one's start. */
  readonly deadAirMs: readonly number[];
}

/** A call in progress. */
export interface SimulatedCall {
  readonly uuid: string;
  readonly call: SimCall;
  /** Resolves when the controller's socket is closed and the call is over. */
  readonly finished: Promise<CallReport>;
}

/** One MESSAGE_WAITING seen through `sendevent`, validated as mod_sofia would. */
export interface MwiNotice {
  readonly account: string | undefined;
  readonly waiting: string | undefined;
  readonly voiceMessage: string | undefined;
  /** False when mod_sofia would drop it ("Missing required Header"). */
  readonly accepted: boolean;
}

/**
 * A FreeSWITCH event-socket simulator over real TCP: it dials voicebox like the `socket`
 * application does (one connection per call, driven by a {@link ScriptedCaller}), and
 * listens like mod_event_socket for inbound clients. Media takes simulated time only.
 */
export class Simulator {
  private readonly logger: Logger;
  private readonly media: MediaOptions;
  private readonly identity: SwitchIdentity;
  private readonly calls = new Map<string, SimCall>();
  private readonly inbound = new Set<SimInboundServer>();
  private readonly sessions = new Set<SimOutboundSession>();
  private sequence = 1000;
  private sessionCount = 0;
  private readonly startedAtMs = Date.now();
  /** Every `sendevent MESSAGE_WAITING` received, in order (the lamps: {@link lamps}). */
  readonly messageWaiting: MwiNotice[] = [];
  /** Every event `sendevent` took, in order. */
  readonly sentEvents: SimEvent[] = [];
  private readonly board = new LampBoard();

  constructor(private readonly options: SimulatorOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.media = {
      toLocalPath: options.toLocalPath ?? ((p) => p),
      defaultMediaMs: options.defaultMediaMs ?? 2_000,
      missingFiles: options.missingFiles ?? 'not-found',
      idleAdvanceMs: options.idleAdvanceMs ?? 200,
      realTime: options.realTime ?? false,
      appTickMs: options.appTickMs ?? 0,
    };
    const hostname = options.hostname ?? 'fs-sim';
    this.identity = {
      coreUuid: randomUUID(),
      hostname,
      ipv4: '192.0.2.2',
      ipv6: '::1',
      baseEpochMs: options.baseEpochMs ?? Date.now(),
      nextSequence: () => ++this.sequence,
    };
  }

  /** Dials the controller like `socket HOST:PORT async full` and plays the caller's script. */
  async placeCall(caller: ScriptedCaller, options: PlaceCallOptions): Promise<SimulatedCall> {
    const socketArgs = options.socketArgs ?? 'async full';
    const words = socketArgs.split(/\s+/);
    const call = new SimCall(this.callContext(), caller.script, `${options.target} ${socketArgs}`.trim());
    this.calls.set(call.uuid, call);
    this.sessionCount++;
    let socket: Socket;
    try {
      socket = await dialFirst(options.target);
    } catch (err) {
      this.calls.delete(call.uuid);
      call.dispose();
      throw err;
    }
    const session = new SimOutboundSession(
      socket,
      this.services(),
      call,
      { async: words.includes('async'), full: words.includes('full') },
      options.connectTimeoutMs ?? 25_000,
    );
    this.sessions.add(session);
    const finished = Promise.all([session.closedPromise, call.done]).then(() => {
      this.sessions.delete(session);
      call.dispose();
      this.calls.delete(call.uuid);
      return this.report(call);
    });
    return { uuid: call.uuid, call, finished };
  }

  /** Convenience: place a call and wait until it is over. */
  async runCall(caller: ScriptedCaller, options: PlaceCallOptions): Promise<CallReport> {
    const c = await this.placeCall(caller, options);
    return c.finished;
  }

  /** Starts an inbound event socket (mod_event_socket). */
  async listenInbound(options: InboundListenOptions = {}): Promise<SimInboundServer> {
    const server = new SimInboundServer(this.services(), options);
    await server.listen();
    this.inbound.add(server);
    return server;
  }

  /** Stops an inbound listener (e.g. to simulate a FreeSWITCH restart). */
  async stopInbound(server: SimInboundServer): Promise<void> {
    this.inbound.delete(server);
    await server.close();
  }

  /** Every message-waiting NOTIFY the phones got, in order, as mod_sofia sends it. */
  get lamps(): readonly Lamp[] {
    return this.board.lamps;
  }

  /** Events `sendevent` took that reached no phone (mod_sofia dropped them, or a channel took them), and why. */
  get droppedEvents(): readonly DroppedEvent[] {
    return this.board.dropped;
  }

  /** The latest lamp of an account: `sip:501@example.com` or `501@example.com`. */
  lampOf(account: string): Lamp | undefined {
    return this.board.lampOf(account);
  }

  /**
   * The first lamp that matches — already recorded (from `options.from`, an index in `lamps`) or
   * still to come; rejects when the simulator closes first, saying which lamps it saw.
   */
  waitForLamp(predicate: (lamp: Lamp) => boolean, options?: LampWait): Promise<Lamp> {
    return this.board.waitFor(predicate, options);
  }

  /**
   * A phone registers as `account` (`501@pbx.example.com`): mod_sofia fires MESSAGE_QUERY
   * (sofia_reg.c on a REGISTER: `Message-Account: sip:<user>@<host>`, `VM-Sofia-Profile`) for
   * whoever keeps the account's messages to answer with MESSAGE_WAITING.
   */
  phoneRegisters(account: string, profile = 'internal'): void {
    const sip = /^sip:/i.test(account) ? account : `sip:${account}`;
    this.publish({
      name: 'MESSAGE_QUERY',
      headers: [
        ['Message-Account', sip],
        ['VM-Sofia-Profile', profile],
        ...standardHeaders(this.identity, 'MESSAGE_QUERY', 0),
      ],
    });
  }

  /** Closes every listener and connection. */
  async close(): Promise<void> {
    this.board.close();
    for (const s of this.sessions) s.close();
    for (const c of this.calls.values()) c.dispose();
    await Promise.all([...this.inbound].map((s) => s.close()));
    this.inbound.clear();
  }

  private report(call: SimCall): CallReport {
    const transcript = [...call.transcript].sort((a, b) => a.atMs - b.atMs);
    return {
      uuid: call.uuid,
      hangupCause: call.hangupCause,
      endedBy: call.endedBy,
      durationMs: call.clock.now(),
      transcript,
      text: formatTranscript(transcript),
      variables: new Map(call.vars),
      deadAirMs: [...call.deadAirMs],
    };
  }

  private callContext(): ConstructorParameters<typeof SimCall>[0] {
    return {
      identity: this.identity,
      media: this.media,
      logger: this.logger,
      publish: (ev) => this.publish(ev),
    };
  }

  private publish(ev: SimEvent): void {
    for (const s of this.inbound) s.deliver(ev);
  }

  private services(): SwitchServices {
    return {
      identity: this.identity,
      logger: this.logger,
      calls: this.calls,
      startedAtMs: this.startedAtMs,
      sessionsSinceStartup: () => this.sessionCount,
      originate: (args) => this.options.originate?.(args) ?? `+OK ${randomUUID()}\n`,
      publish: (ev) => this.publish(ev),
      noteSentEvent: (name, headers) => this.noteSentEvent(name, headers),
    };
  }

  private noteSentEvent(name: string, headers: ReadonlyArray<readonly [string, string]>): void {
    this.sentEvents.push({ name, headers });
    if (name !== 'MESSAGE_WAITING') return;
    const get = (k: string): string | undefined =>
      headers.find(([h]) => h.toLowerCase() === k.toLowerCase())?.[1];
    const channel = get('Unique-ID');
    if (channel !== undefined && this.calls.has(channel))
      this.board.drop(name, headers, `queued to the channel ${channel}, not fired`);
    else this.board.messageWaiting(headers);
    const account = get('MWI-Message-Account');
    const waiting = get('MWI-Messages-Waiting');
    const accepted = account !== undefined && (waiting === 'yes' || waiting === 'no');
    if (!accepted)
      this.logger.warn({ account, waiting }, 'simulator: MESSAGE_WAITING missing required header');
    this.messageWaiting.push({ account, waiting, voiceMessage: get('MWI-Voice-Message'), accepted });
  }
}

/** `a:1|b:2`: connects to the first target that accepts, like the socket application. */
async function dialFirst(target: string): Promise<Socket> {
  let last: Error | undefined;
  for (const t of target.split('|')) {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?(?:\/.*)?$/.exec(t.trim());
    if (!m) continue;
    const host = m[1] ?? '127.0.0.1';
    const port = Number(m[2] ?? 8084);
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = netConnect({ host, port, noDelay: true });
        s.once('connect', () => {
          s.off('error', reject);
          s.setKeepAlive(true);
          resolve(s);
        });
        s.once('error', reject);
      });
    } catch (err) {
      last = err as Error;
    }
  }
  throw last ?? new Error(`no usable socket target in ${JSON.stringify(target)}`);
}
