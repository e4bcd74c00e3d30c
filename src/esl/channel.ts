import { randomUUID } from 'node:crypto';
import * as cmd from './codec/commands.js';
import type { EslEvent } from './codec/message.js';
import type { EslMessage } from './codec/message.js';
import type { EslConnection } from './connection.js';
import { EslCommandError, EslConnectionError, EslTimeoutError, HangupError } from './errors.js';
import type { Logger } from './logger.js';
import { redirectOf, type IgnoredRedirect } from './redirect.js';

/** What the outbound `connect` reply told us about the call. */
export interface ChannelData {
  readonly uuid: string;
  /** `Caller-Caller-ID-Number`, e.g. `+4930123456`; one printable line, at most {@link CALLER_ID_LIMITS}. */
  readonly callerNumber: string;
  /** `Caller-Caller-ID-Name` (decoded; Latin-1 names survive); bounded like the number. */
  readonly callerName: string;
  /** `Caller-Destination-Number`: the number that was dialled; bounded like the number. */
  readonly calledNumber: string;
  /**
   * The number the call was forwarded from (redirect.ts: `Caller-RDNIS`, then the Diversion
   * header, then History-Info): digits with an optional `+`; absent when none holds a number.
   */
  readonly redirectedFrom?: string;
  /** Redirect sources that were present but held no number: logged once, then ignored. */
  readonly ignoredRedirects?: readonly IgnoredRedirect[];
  readonly channelName: string;
  readonly answered: boolean;
  /** All channel variables at connect time (`variable_*` without the prefix). */
  readonly variables: ReadonlyMap<string, string>;
  /** Every header of the CHANNEL_DATA reply, decoded — as sent, unbounded: read the fields above. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface ChannelTimeouts {
  /** Wait for the reply to a command (`+OK` of a sendmsg, ...). */
  readonly commandTimeoutMs: number;
  /** Default wait for an application's CHANNEL_EXECUTE_COMPLETE. */
  readonly executeTimeoutMs: number;
  /** After the hang-up, how long to wait for CHANNEL_HANGUP_COMPLETE before sending `exit`. */
  readonly lingerGraceMs: number;
  /** After `exit` (or a goodbye notice), how long to wait for FreeSWITCH to close before we do. */
  readonly exitTimeoutMs: number;
}

export const DEFAULT_CHANNEL_TIMEOUTS: ChannelTimeouts = {
  commandTimeoutMs: 10_000,
  executeTimeoutMs: 30 * 60_000,
  lingerGraceMs: 5_000,
  exitTimeoutMs: 2_000,
};

export interface ExecuteOptions {
  /** Overrides the default completion timeout for this application. */
  readonly timeoutMs?: number;
  /**
   * `event-lock: true` (default) makes FreeSWITCH run queued applications strictly one after
   * another; without it a second one may run nested inside a running media application.
   */
  readonly eventLock?: boolean;
}

export interface ExecuteResult {
  readonly app: string;
  /** `Application-Response` (`FILE PLAYED`, `FILE NOT FOUND`, `_none_`, ...). */
  readonly response: string;
  /** Channel variables as they were when the application completed. */
  readonly variables: ReadonlyMap<string, string>;
  readonly event: EslEvent;
}

export interface PlaybackResult {
  /** `FILE PLAYED`, `FILE NOT FOUND`, `PLAYBACK ERROR`. */
  readonly response: string;
  /** The terminator digit that stopped the prompt, if one did. */
  readonly terminator?: string;
}

export interface PlayAndGetDigitsOptions {
  readonly min: number;
  readonly max: number;
  readonly tries: number;
  /** Wait for the first digit after the prompt, ms. */
  readonly timeoutMs: number;
  /** Digits that end input, e.g. `#`. */
  readonly terminators: string;
  readonly file: string;
  /** Played after a wrong or missing input. Default `silence_stream://250`. */
  readonly invalidFile?: string;
  /** Channel variable that receives the digits. Default `vb_digits`. */
  readonly varName?: string;
  /** Accepted input; default any digits. */
  readonly regex?: string;
  /** Wait between digits, ms. Default: `timeoutMs`. */
  readonly digitTimeoutMs?: number;
}

export interface ReadOptions {
  readonly min: number;
  readonly max: number;
  readonly file: string;
  readonly timeoutMs: number;
  readonly terminators: string;
  readonly varName?: string;
  readonly digitTimeoutMs?: number;
}

export interface ReadResult {
  readonly digits: string;
  /** `success`, `timeout` or `failure` (`read_result`). */
  readonly result: string;
  readonly terminator?: string;
}

export interface RecordOptions {
  /** Time limit in seconds. */
  readonly maxSeconds: number;
  /** Energy threshold for silence detection (0 = off). Default 200. */
  readonly silenceThreshold?: number;
  /** Seconds of silence that end the recording. Default 3. */
  readonly silenceHits?: number;
  /** Digits that stop the recording (`playback_terminators`); default `#`. `none` for none. */
  readonly terminators?: string;
}

export interface RecordResult {
  /** The path as given (FreeSWITCH's view of it). */
  readonly file: string;
  /** Recorded length from `record_ms`, when FreeSWITCH reported it. */
  readonly recordMs?: number;
  /** The terminator digit that stopped it. */
  readonly terminator?: string;
  /** Stopped because the caller stayed silent. */
  readonly silence: boolean;
  /** The caller hung up while (or just after) recording: the file is still there — keep it. */
  readonly hungUp: boolean;
}

export type BridgeOutcome = 'answered' | 'busy' | 'no-answer' | 'failed';

export interface BridgeResult {
  readonly outcome: BridgeOutcome;
  /** `originate_disposition` (`SUCCESS`, `USER_BUSY`, `NO_ANSWER`, `CALL_REJECTED`, ...). */
  readonly disposition?: string;
  /** `DIALSTATUS` (`SUCCESS`, `BUSY`, `NOANSWER`, ..., or a cause name). */
  readonly dialStatus?: string;
  /** How the bridged call ended (`bridge_hangup_cause`) when it was answered. */
  readonly hangupCause?: string;
}

type ChannelState = 'up' | 'hungup' | 'closed';

interface PendingExecute {
  readonly app: string;
  resolve(result: ExecuteResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** `record` keeps waiting after the hang-up: its completion (with record_ms) still comes while lingering. */
  readonly survivesHangup: boolean;
  /** Digits it consumed: the DTMF events between its CHANNEL_EXECUTE and its completion. */
  readonly consumed: string[];
  /** Runs when FreeSWITCH starts it (its CHANNEL_EXECUTE). */
  readonly onStart: (() => void) | undefined;
}

/** What a wrapper wants to know about its application while it runs. */
interface RunHooks {
  readonly consumed?: string[];
  readonly onStart?: () => void;
}

/**
 * One call, controlled over its outbound event socket. Created by {@link OutboundServer}.
 *
 * Every wait ends: on its completion, on its timeout, or — at once — when the call hangs
 * up (CHANNEL_HANGUP, a disconnect notice or the socket closing), with a {@link HangupError}.
 * FreeSWITCH never completes an application on a dead channel, so nothing waits for that.
 */
export class Channel {
  readonly uuid: string;
  readonly data: ChannelData;

  private state: ChannelState = 'up';
  private cause: string | undefined;
  private transferred = false;
  private readonly pending = new Map<string, PendingExecute>();
  private readonly hangupWaiters = new Set<() => void>();
  private readonly listeners = new Set<(event: EslEvent) => void>();
  private readonly recordStops = new Map<string, EslEvent>();
  private terminators: string | undefined;
  /** Applications FreeSWITCH runs now (CHANNEL_EXECUTE seen, completion not yet), by Application-UUID. */
  private readonly running = new Set<string>();
  /**
   * Keys the caller typed while no application ran: FreeSWITCH's park loop consumed them (a
   * DTMF event each) and kept none for the next application (`edge-cases/dtmf-between-apps`).
   * The next input takes them first. Never logged: they may be a PIN.
   */
  private readonly typedAhead: string[] = [];
  private graceTimer: NodeJS.Timeout | undefined;
  private exitTimer: NodeJS.Timeout | undefined;
  private exitSent = false;
  private resolveClosed!: () => void;
  /** Resolves once the session is over and the socket is closed. */
  readonly closed: Promise<void>;

  /** @internal — built by OutboundServer once `connect` has been answered. */
  constructor(
    private readonly conn: EslConnection,
    connectReply: EslMessage,
    private readonly lingering: boolean,
    private readonly timeouts: ChannelTimeouts,
    private readonly logger: Logger,
  ) {
    this.data = channelDataOf(connectReply);
    this.uuid = this.data.uuid;
    for (const bad of this.data.ignoredRedirects ?? [])
      logger.warn({ uuid: this.uuid, ...bad }, 'redirecting number ignored: not a number');
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const initialTerminators = this.data.variables.get('playback_terminators');
    if (initialTerminators !== undefined) this.terminators = initialTerminators;
  }

  get callerNumber(): string {
    return this.data.callerNumber;
  }
  get callerName(): string {
    return this.data.callerName;
  }
  get calledNumber(): string {
    return this.data.calledNumber;
  }
  get redirectedFrom(): string | undefined {
    return this.data.redirectedFrom;
  }
  /** False once the call hung up, was transferred away, or the socket closed. */
  get isUp(): boolean {
    return this.state === 'up' && !this.transferred;
  }
  /** Hang-up cause once known (`NORMAL_CLEARING`, ...). */
  get hangupCause(): string | undefined {
    return this.cause;
  }

  /** Every event FreeSWITCH sends for this call (DTMF, CHANNEL_*, RECORD_*). Returns an unsubscribe function. */
  onEvent(listener: (event: EslEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs a dialplan application and resolves on the CHANNEL_EXECUTE_COMPLETE whose
   * `Application-UUID` is the `Event-UUID` we sent.
   */
  execute(app: string, arg = '', options: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.run(
      app,
      arg,
      options.timeoutMs ?? this.timeouts.executeTimeoutMs,
      false,
      options.eventLock ?? true,
    );
  }

  async answer(): Promise<void> {
    await this.execute('answer');
  }

  /** Plays a file; a digit in `terminators` (default `#`) stops it and is returned. */
  async playback(
    file: string,
    options: { terminators?: string; timeoutMs?: number } = {},
  ): Promise<PlaybackResult> {
    return this.prompt('playback', file, options.terminators ?? '#', options.timeoutMs);
  }

  /** TTS through FreeSWITCH's `speak` (`engine|voice|text`); terminators as for playback. */
  async speak(
    text: string,
    options: { engine?: string; voice?: string; terminators?: string; timeoutMs?: number } = {},
  ): Promise<PlaybackResult> {
    return this.prompt(
      'speak',
      `${options.engine ?? 'flite'}|${options.voice ?? 'kal'}|${text}`,
      options.terminators ?? '#',
      options.timeoutMs,
    );
  }

  /**
   * Keys typed ahead reach the prompt as if pressed while it plays: one that would stop it
   * stops it before it starts (no audio at all), or — typed while its start was on the way —
   * breaks it as it starts. Other keys typed ahead wait for the next input.
   */
  private async prompt(
    app: 'playback' | 'speak',
    arg: string,
    terminators: string,
    timeoutMs: number | undefined,
  ): Promise<PlaybackResult> {
    const stops = terminatorDigits(terminators);
    const ahead = this.typedAhead[0];
    if (ahead !== undefined && stops.includes(ahead)) {
      this.typedAhead.shift();
      this.logger.debug({ uuid: this.uuid, app }, 'a key typed ahead ends the prompt before it starts');
      return { response: 'FILE PLAYED', terminator: ahead };
    }
    const setting = this.setTerminators(terminators);
    let cut: string | undefined;
    let lateKeys = 0;
    const r = await this.run(app, arg, timeoutMs ?? this.timeouts.executeTimeoutMs, false, true, {
      onStart: () => {
        lateKeys = this.typedAhead.length;
        const late = this.typedAhead[0];
        if (late === undefined || !stops.includes(late)) return;
        cut = late;
        this.breakMedia();
      },
    });
    await setting;
    const used = r.variables.get('playback_terminator_used');
    if (cut === undefined)
      return used ? { response: r.response, terminator: used } : { response: r.response };
    // the key typed ahead came first; one pressed into the prompt meanwhile waits its turn
    if (used) this.typedAhead.splice(lateKeys, 0, used);
    this.typedAhead.shift();
    return { response: r.response, terminator: cut };
  }

  /** `play_and_get_digits`; resolves with the accepted digits, `''` when all tries failed. */
  async playAndGetDigits(o: PlayAndGetDigitsOptions): Promise<string> {
    const varName = o.varName ?? 'vb_digits';
    const args = [
      int(o.min),
      int(o.max),
      int(o.tries),
      int(o.timeoutMs),
      o.terminators || '#',
      o.file,
      o.invalidFile ?? 'silence_stream://250',
      varName,
      o.regex ?? '^[0-9*#]*$',
      int(o.digitTimeoutMs ?? o.timeoutMs),
    ].map(token);
    const budget =
      (o.timeoutMs + (o.digitTimeoutMs ?? o.timeoutMs) * Math.max(1, o.max)) * Math.max(1, o.tries);
    const r = await this.execute('play_and_get_digits', args.join(' '), {
      timeoutMs: Math.max(this.timeouts.executeTimeoutMs, budget),
    });
    return r.variables.get(varName) ?? '';
  }

  /**
   * `read`: collects digits after a prompt. Keys typed ahead come first: when they complete
   * the input no `read` runs at all; typed while its start was on the way, they go in front
   * of what it collects (and break it when they complete the input).
   */
  async read(o: ReadOptions): Promise<ReadResult> {
    const varName = o.varName ?? 'vb_read_digits';
    const stops = o.terminators || '#';
    const input = new DigitInput(o.max, stops);
    input.take(this.typedAhead);
    if (input.complete) return input.result(o.min, 'failure');
    const have = input.digits.length;
    const args = [
      int(Math.max(1, o.min - have)),
      int(o.max - have),
      o.file,
      varName,
      int(o.timeoutMs),
      stops,
    ];
    if (o.digitTimeoutMs !== undefined) args.push(int(o.digitTimeoutMs));
    let lateKeys = 0;
    const consumed: string[] = [];
    const r = await this.run('read', args.map(token).join(' '), this.timeouts.executeTimeoutMs, false, true, {
      consumed,
      onStart: () => {
        lateKeys = this.typedAhead.length;
        if (input.completedBy(this.typedAhead)) this.breakMedia();
      },
    });
    const got = r.variables.get(varName) ?? '';
    // read_terminator_used survives from earlier reads: believe it only for this read's own key
    const last = consumed[consumed.length - 1];
    const ended =
      consumed.length > 0
        ? last !== undefined && stops.includes(last)
          ? last
          : undefined
        : got
          ? r.variables.get('read_terminator_used')
          : undefined;
    if (have === 0 && lateKeys === 0) {
      const result = { digits: got, result: r.variables.get('read_result') ?? 'failure' };
      return ended ? { ...result, terminator: ended } : result;
    }
    const keys = [...this.typedAhead.splice(0, lateKeys), ...got, ...(ended ? [ended] : [])];
    input.take(keys);
    // what the input could not take is typed ahead for the next one
    this.typedAhead.unshift(...keys);
    const said = r.variables.get('read_result') ?? 'failure';
    return input.result(o.min, said === 'success' ? 'failure' : said);
  }

  /**
   * `record`. Unlike other operations, a hang-up during the recording does not reject:
   * the file is FreeSWITCH's and complete, so the result says `hungUp: true`.
   */
  async record(file: string, o: RecordOptions): Promise<RecordResult> {
    // keys typed before the tone are not meant for the recording (a `#` would end it at once)
    this.dropTypedAhead('record');
    const setting = this.setTerminators(o.terminators ?? '#');
    const arg = [file, int(o.maxSeconds), int(o.silenceThreshold ?? 200), int(o.silenceHits ?? 3)].map(token);
    const limitMs = (o.maxSeconds + 5) * 1000;
    try {
      const r = await this.run(
        'record',
        arg.join(' '),
        Math.max(limitMs, this.timeouts.commandTimeoutMs),
        true,
        true,
        { onStart: () => this.dropTypedAhead('record') },
      );
      await setting;
      const v = r.variables;
      const terminator = v.get('playback_terminator_used');
      return {
        file,
        ...msOf(v),
        ...(terminator ? { terminator } : {}),
        silence: v.get('silence_hits_exhausted') === 'true',
        hungUp: this.state !== 'up',
      };
    } catch (err) {
      if (!(err instanceof HangupError) || err.transferred) throw err;
      // The socket may have gone before the completion: the RECORD_STOP that did arrive
      // still knows the length. Without either, the caller measures the file.
      const stop = this.recordStops.get(file);
      const v = stop?.variables() ?? new Map<string, string>();
      return { file, ...msOf(v), silence: false, hungUp: true };
    } finally {
      this.recordStops.delete(file);
    }
  }

  /** `bridge`; the outcome comes from `originate_disposition` / `DIALSTATUS`. */
  async bridge(target: string, options: ExecuteOptions = {}): Promise<BridgeResult> {
    const r = await this.execute('bridge', target, options);
    const disposition = r.variables.get('originate_disposition');
    const dialStatus = r.variables.get('DIALSTATUS');
    const hangupCause = r.variables.get('bridge_hangup_cause');
    const outcome = bridgeOutcome(disposition, dialStatus);
    return {
      outcome,
      ...(disposition ? { disposition } : {}),
      ...(dialStatus ? { dialStatus } : {}),
      ...(hangupCause && outcome === 'answered' ? { hangupCause } : {}),
    };
  }

  /** Hands the call to another extension; afterwards this Channel is done (the session ends). */
  async transfer(extension: string, dialplan?: string, context?: string): Promise<void> {
    const arg = [extension, dialplan, context].filter((x): x is string => x !== undefined).map(token);
    await this.execute('transfer', arg.join(' '));
    this.transferred = true;
    this.rejectAll(new HangupError('TRANSFERRED', true), true);
    this.sendExit(true);
  }

  /**
   * Hangs the call up; resolves once FreeSWITCH reports the hang-up (at once if already down).
   * Uses `api uuid_kill` on the socket rather than the `hangup` application: an application
   * queued behind a running one (event-lock) would wait for it, `uuid_kill` acts at once.
   */
  async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    if (this.state !== 'up' || this.transferred) return;
    const down = new Promise<void>((resolve) => this.hangupWaiters.add(resolve));
    this.conn
      .request(cmd.api(`uuid_kill ${this.uuid} ${token(cause)}`), 'uuid_kill', this.timeouts.commandTimeoutMs)
      .catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.logger.warn({ uuid: this.uuid }, 'no CHANNEL_HANGUP after hangup; closing the socket');
        this.conn.destroy();
        resolve();
      }, this.timeouts.commandTimeoutMs);
    });
    await Promise.race([down, timeout]);
    clearTimeout(timer);
  }

  /** `set name=value` on the channel. */
  async set(name: string, value: string): Promise<void> {
    if (!/^[A-Za-z0-9_.:-]+$/.test(name)) throw new TypeError(`bad variable name ${JSON.stringify(name)}`);
    await this.execute('set', `${name}=${value}`);
    if (name === 'playback_terminators') this.terminators = value;
  }

  async sleep(ms: number): Promise<void> {
    await this.execute('sleep', int(ms), { timeoutMs: ms + this.timeouts.executeTimeoutMs });
  }

  /**
   * Ends the session: hangs up if the call is still ours, sends `exit` when lingering,
   * and resolves once the socket is closed. Safe to call more than once.
   */
  async close(): Promise<void> {
    if (this.state === 'up' && !this.transferred) await this.hangup().catch(() => undefined);
    if (this.state !== 'closed') this.sendExit(true);
    await this.closed;
  }

  // ---- internals ------------------------------------------------------------------------

  /**
   * `playback_terminators` through `api uuid_setvar`, written just before the application and
   * not awaited first: the API runs at once on the socket's thread, where a `set` application
   * would wait for the channel's next 20 ms tick — and the prompt for the one after. Never rejects:
   * if FreeSWITCH refused, the prompt played with the previous terminators (logged).
   */
  private setTerminators(value: string): Promise<void> {
    if (this.terminators === value || !this.isUp) return Promise.resolve();
    this.terminators = value;
    return this.conn
      .request(
        cmd.api(`uuid_setvar ${this.uuid} playback_terminators ${token(value)}`),
        'uuid_setvar',
        this.timeouts.commandTimeoutMs,
      )
      .then(
        (reply) => {
          const text = reply.bodyText ?? '';
          if (!text.startsWith('-')) return;
          this.terminators = undefined;
          this.logger.warn({ uuid: this.uuid, reply: text.trim() }, 'playback_terminators not set');
        },
        () => {
          this.terminators = undefined;
        },
      );
  }

  /** Stops the running media application at once (`uuid_break`); nothing to wait for. */
  private breakMedia(): void {
    this.conn
      .request(cmd.api(`uuid_break ${this.uuid}`), 'uuid_break', this.timeouts.commandTimeoutMs)
      .catch(() => undefined);
  }

  private dropTypedAhead(why: string): void {
    if (this.typedAhead.length === 0) return;
    this.logger.debug({ uuid: this.uuid, keys: this.typedAhead.length, why }, 'keys typed ahead dropped');
    this.typedAhead.length = 0;
  }

  private run(
    app: string,
    arg: string,
    timeoutMs: number,
    survivesHangup: boolean,
    eventLock = true,
    hooks: RunHooks = {},
  ): Promise<ExecuteResult> {
    if (!this.isUp) return Promise.reject(this.goneError());
    const eventUuid = randomUUID();
    const result = new Promise<ExecuteResult>((resolve, reject) => {
      const entry: PendingExecute = {
        app,
        resolve,
        reject,
        timer: undefined,
        survivesHangup,
        consumed: hooks.consumed ?? [],
        onStart: hooks.onStart,
      };
      entry.timer = setTimeout(() => {
        this.pending.delete(eventUuid);
        reject(new EslTimeoutError(`${app} ${arg}`.trim(), timeoutMs));
      }, timeoutMs);
      this.pending.set(eventUuid, entry);
    });
    const bytes = cmd.execute({ app, arg, eventUuid, eventLock });
    this.conn.request(bytes, `sendmsg ${app}`, this.timeouts.commandTimeoutMs).then(
      (reply) => {
        const text = reply.replyText ?? '';
        if (!text.startsWith('-ERR')) return;
        this.settle(eventUuid, (p) => p.reject(new EslCommandError(`sendmsg ${app}`, text)));
      },
      (err: Error) => {
        this.settle(eventUuid, (p) => p.reject(err instanceof EslConnectionError ? this.goneError() : err));
      },
    );
    return result;
  }

  private settle(eventUuid: string, how: (p: PendingExecute) => void): void {
    const p = this.pending.get(eventUuid);
    if (!p) return;
    this.pending.delete(eventUuid);
    if (p.timer) clearTimeout(p.timer);
    how(p);
  }

  private goneError(): HangupError {
    return new HangupError(this.cause ?? 'UNKNOWN', this.transferred);
  }

  /** @internal */
  handleEvent(event: EslEvent): void {
    const uuid = event.get('Unique-ID');
    if (uuid !== undefined && uuid !== this.uuid) return; // another call (an `event` subscription without myevents)
    switch (event.name) {
      case 'CHANNEL_EXECUTE': {
        const appUuid = event.get('Application-UUID');
        if (appUuid !== undefined) {
          this.running.add(appUuid);
          this.pending.get(appUuid)?.onStart?.();
        }
        break;
      }
      case 'DTMF': {
        const digit = event.get('DTMF-Digit');
        if (digit === undefined || digit.length !== 1) break;
        if (this.running.size === 0) {
          // a caller (or a peer posing as FreeSWITCH) pressing keys for an hour stays bounded
          if (this.typedAhead.length < MAX_TYPED_AHEAD) this.typedAhead.push(digit);
        } else for (const id of this.running) this.pending.get(id)?.consumed.push(digit);
        break;
      }
      case 'CHANNEL_EXECUTE_COMPLETE': {
        const appUuid = event.get('Application-UUID');
        if (appUuid !== undefined) {
          this.running.delete(appUuid);
          if (this.pending.has(appUuid)) this.conn.noteCompletion();
          this.settle(appUuid, (p) =>
            p.resolve({
              app: event.get('Application') ?? p.app,
              response: event.get('Application-Response') ?? '_none_',
              variables: eventVariables(event),
              event,
            }),
          );
        }
        break;
      }
      case 'RECORD_STOP': {
        const path = event.get('Record-File-Path');
        if (path !== undefined) this.recordStops.set(path, event);
        break;
      }
      case 'CHANNEL_HANGUP':
        this.markHungUp(event.get('Hangup-Cause'));
        break;
      case 'CHANNEL_HANGUP_COMPLETE':
        this.markHungUp(event.get('Hangup-Cause'));
        this.sendExit();
        break;
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ uuid: this.uuid, err: (err as Error).message }, 'channel event listener threw');
      }
    }
  }

  /** @internal */
  handleDisconnectNotice(message: EslMessage): void {
    const disposition = message.header('Content-Disposition');
    this.markHungUp(undefined);
    if (disposition === 'linger') return; // events still come; exit after HANGUP_COMPLETE or the grace time
    // Goodbye: FreeSWITCH closes the socket now; make sure we do if it does not.
    this.armExitTimer();
  }

  /** @internal */
  handleClose(): void {
    if (this.state === 'closed') return;
    if (this.state === 'up') this.cause ??= 'UNKNOWN';
    this.state = 'closed';
    this.rejectAll(this.goneError(), true);
    this.releaseHangupWaiters();
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.exitTimer) clearTimeout(this.exitTimer);
    this.graceTimer = this.exitTimer = undefined;
    this.listeners.clear();
    // recordStops stay: a record() rejected just above reads its RECORD_STOP once it resumes.
    this.resolveClosed();
  }

  private markHungUp(cause: string | undefined): void {
    if (cause && !this.cause) this.cause = cause;
    if (this.state !== 'up') return;
    this.state = 'hungup';
    this.cause ??= 'UNKNOWN';
    this.rejectAll(this.goneError(), false);
    this.releaseHangupWaiters();
    if (this.lingering && !this.exitSent) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined;
        this.sendExit();
      }, this.timeouts.lingerGraceMs);
    } else {
      this.armExitTimer();
    }
  }

  private rejectAll(err: HangupError, includingSurvivors: boolean): void {
    for (const [id, p] of this.pending) {
      if (p.survivesHangup && !includingSurvivors) continue;
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
  }

  private releaseHangupWaiters(): void {
    for (const w of this.hangupWaiters) w();
    this.hangupWaiters.clear();
  }

  /**
   * Lingering (or after a transfer) FreeSWITCH keeps the session until we send `exit`;
   * otherwise it closes the socket by itself after the hang-up.
   */
  private sendExit(force = false): void {
    if (this.exitSent || this.state === 'closed') return;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.lingering || force) {
      this.exitSent = true;
      this.conn.request(cmd.exit(), 'exit', this.timeouts.exitTimeoutMs).catch(() => undefined);
    }
    this.armExitTimer();
  }

  private armExitTimer(): void {
    if (this.exitTimer || this.state === 'closed') return;
    this.exitTimer = setTimeout(() => {
      this.exitTimer = undefined;
      this.conn.destroy();
    }, this.timeouts.exitTimeoutMs);
  }
}

/**
 * The longest caller number, dialled number and caller name a call keeps (in characters).
 * These come from the network — SIP headers any caller writes, or anyone posing as
 * FreeSWITCH — and flow into the LDAP search, log lines, the mail's From, Subject and
 * X-Voicebox headers. Numbers: E.164 allows 15 digits; 64 leaves room for every dialling
 * format with separators and prefixes, and is the longest local part an e-mail address may
 * have (RFC 5321 §4.5.3.1.1) — the caller number becomes the local part of the From address.
 * Names: caller-ID (CNAM) carries 15 characters and SIP display names rarely pass 50; 128
 * keeps a full name with a department in any script, and a Subject line readable.
 */
export const CALLER_ID_LIMITS = { number: 64, name: 128 } as const;

/** Control characters, and the bidi overrides that make a log line or subject read differently. */
const UNPRINTABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu;

/** One printable line of at most `max` characters (code points: a cut never splits one). */
export function boundedCallerText(value: string, max: number): string {
  const line = value.replace(UNPRINTABLE, ' ').replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  // max code points fit in 2·max UTF-16 units: no need to split a 1 MiB header into an array
  return Array.from(line.slice(0, 2 * max))
    .slice(0, max)
    .join('')
    .trimEnd();
}

/** FreeSWITCH's uuids are 36 characters of hex and dashes; letters and `_` allowed for other peers. */
const CALL_UUID = /^[A-Za-z0-9_-]{1,64}$/;

function channelDataOf(reply: EslMessage): ChannelData {
  const ev = reply.event();
  const headers = ev?.headers() ?? new Map<string, string>();
  const get = (k: string): string => headers.get(k) ?? '';
  const number = (v: string): string => boundedCallerText(v, CALLER_ID_LIMITS.number);
  const uuid = get('Unique-ID') || get('Channel-Unique-ID') || get('Caller-Unique-ID');
  // The uuid names the call's files (recordings, downloads): a peer must not steer a path.
  if (!CALL_UUID.test(uuid))
    throw new EslCommandError('connect', 'CHANNEL_DATA', `the call's Unique-ID is not a uuid`);
  const redirect = redirectOf(get);
  return {
    uuid,
    ...(redirect.number !== undefined ? { redirectedFrom: redirect.number } : {}),
    ...(redirect.ignored.length > 0 ? { ignoredRedirects: redirect.ignored } : {}),
    callerNumber: number(get('Caller-Caller-ID-Number') || get('Channel-Caller-ID-Number')),
    callerName: boundedCallerText(
      get('Caller-Caller-ID-Name') || get('Channel-Caller-ID-Name'),
      CALLER_ID_LIMITS.name,
    ),
    calledNumber: number(get('Caller-Destination-Number') || get('Channel-Destination-Number')),
    channelName: get('Channel-Name'),
    answered: get('Answer-State') === 'answered',
    // Read from the headers map (kept anyway), so that the reply itself is not kept for the call.
    variables: new LazyMap(
      (name) => headers.get('variable_' + name),
      () => {
        const out = new Map<string, string>();
        for (const [k, v] of headers) if (k.startsWith('variable_')) out.set(k.slice(9), v);
        return out;
      },
    ),
    headers,
  };
}

/**
 * A map read mostly one key at a time: `get`/`has` use `lookup` (which must agree with the
 * map), anything else builds the whole map once. `ExecuteResult.variables` reads one or two of
 * the ~100 variables a completion carries straight from the event; `ChannelData.variables`
 * reads them from the connect reply's headers map (as `EslEvent.variables()` does).
 */
class LazyMap implements ReadonlyMap<string, string> {
  private map: Map<string, string> | undefined;
  constructor(
    private readonly lookup: (key: string) => string | undefined,
    private readonly build: () => Map<string, string>,
  ) {}
  private all(): Map<string, string> {
    this.map ??= this.build();
    return this.map;
  }
  get(key: string): string | undefined {
    return this.map ? this.map.get(key) : this.lookup(key);
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  get size(): number {
    return this.all().size;
  }
  forEach(
    fn: (value: string, key: string, map: ReadonlyMap<string, string>) => void,
    thisArg?: unknown,
  ): void {
    for (const [k, v] of this.all()) fn.call(thisArg, v, k, this);
  }
  entries(): MapIterator<[string, string]> {
    return this.all().entries();
  }
  keys(): MapIterator<string> {
    return this.all().keys();
  }
  values(): MapIterator<string> {
    return this.all().values();
  }
  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.all()[Symbol.iterator]();
  }
}

/** An event's channel variables, read one at a time (`event.variable`). */
function eventVariables(event: EslEvent): ReadonlyMap<string, string> {
  return new LazyMap(
    (name) => event.variable(name),
    () => event.variables(),
  );
}

function bridgeOutcome(disposition: string | undefined, dialStatus: string | undefined): BridgeOutcome {
  const d = (disposition ?? '').toUpperCase();
  const s = (dialStatus ?? '').toUpperCase();
  if (d === 'SUCCESS' || s === 'SUCCESS' || d === 'ANSWER') return 'answered';
  if (s === 'BUSY' || d === 'USER_BUSY') return 'busy';
  if (
    s === 'NOANSWER' ||
    d === 'NO_ANSWER' ||
    d === 'NO_USER_RESPONSE' ||
    d === 'ALLOTTED_TIMEOUT' ||
    d === 'RECOVERY_ON_TIMER_EXPIRE'
  )
    return 'no-answer';
  return 'failed';
}

/** Keys kept for the next input at most: longer than any input (PINs, numbers) with room to spare. */
const MAX_TYPED_AHEAD = 64;

/** The digits that stop a prompt for a `playback_terminators` value (FreeSWITCH: unset = `*`). */
function terminatorDigits(value: string): string {
  if (value === 'none') return '';
  if (value === 'any') return '0123456789*#';
  return value.toUpperCase();
}

/** One input's digits, taken in order as `read` takes them: up to `max`, or up to a terminator (not kept). */
class DigitInput {
  digits = '';
  terminator: string | undefined;
  constructor(
    private readonly max: number,
    private readonly stops: string,
  ) {}

  get complete(): boolean {
    return this.terminator !== undefined || this.digits.length >= this.max;
  }

  /** Takes keys from the front of `keys` (removing them) until the input is complete. */
  take(keys: string[]): void {
    while (!this.complete && keys.length > 0) {
      const key = keys.shift() as string;
      if (this.stops.includes(key)) this.terminator = key;
      else this.digits += key;
    }
  }

  /** Would these keys complete the input? */
  completedBy(keys: readonly string[]): boolean {
    const probe = new DigitInput(this.max, this.stops);
    probe.digits = this.digits;
    probe.take([...keys]);
    return probe.complete;
  }

  /** `success` with at least `min` digits, else `otherwise` (`failure`, `timeout`). */
  result(min: number, otherwise: string): ReadResult {
    const ok = this.digits.length > 0 && this.digits.length >= min;
    const r = { digits: this.digits, result: ok ? 'success' : otherwise };
    return this.terminator !== undefined ? { ...r, terminator: this.terminator } : r;
  }
}

function msOf(v: ReadonlyMap<string, string>): { recordMs?: number } {
  const ms = Number(v.get('record_ms'));
  return Number.isFinite(ms) && v.has('record_ms') ? { recordMs: ms } : {};
}

function int(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`not a number: ${n}`);
  return String(Math.trunc(n));
}

/** FreeSWITCH splits application arguments at spaces; refuse what would be split wrongly. */
function token(s: string): string {
  if (s.length === 0 || /\s/.test(s)) throw new TypeError(`argument must be one word: ${JSON.stringify(s)}`);
  return s;
}
