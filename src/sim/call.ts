import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../esl/logger.js';
import { VirtualClock } from './clock.js';
import type { ClockTimer } from './clock.js';
import { EVENTS_WITH_VARIABLES, Q850, standardHeaders } from './events.js';
import type { SimEvent, SwitchIdentity } from './events.js';
import { mediaDurationMs, SAMPLE_RATE, writeWav } from './media.js';
import type { CallerScript, DestinationOutcome, MediaMatch } from './script.js';
import { seconds } from './transcript.js';
import type { TranscriptEntry } from './transcript.js';

export interface MediaOptions {
  /** FreeSWITCH's path → the path as the simulator (and voicebox) sees it. Default: identity. */
  readonly toLocalPath: (fsPath: string) => string;
  /** Length of media that cannot be measured (unknown format, `say:`...). */
  readonly defaultMediaMs: number;
  /** A playback of a missing file: `not-found` (FreeSWITCH's `FILE NOT FOUND`) or play the default length. */
  readonly missingFiles: 'not-found' | 'default-length';
  /** Real ms of quiet after which the clock moves on although no application is waiting on it. */
  readonly idleAdvanceMs: number;
  /** Media take their real time (a person at the keyboard is the caller); default false. */
  readonly realTime?: boolean;
  /**
   * FreeSWITCH starts each application on its channel's next tick (20 ms: a frame), so every
   * application start costs up to a tick of silence. 0 (the default) starts them at once and
   * keeps tests fast; the bench switches it on to measure the dead air between prompts.
   */
  readonly appTickMs?: number;
}

/**
 * `record_ms` falls short of the time the recording ran: FreeSWITCH drops the first frames
 * while the file opens (captures: 2,940 ms for ~3,000; voicebox-real/leave-message 2,960 ms
 * for 3,020 ms between CHANNEL_EXECUTE and the `#`).
 */
export const RECORD_START_LOSS_MS = 60;

/** Applications that play or listen: the silence between two of them is the caller's dead air. */
const MEDIA_APPS = new Set(['playback', 'speak', 'say', 'phrase', 'read', 'play_and_get_digits', 'record']);

export interface CallContext {
  readonly identity: SwitchIdentity;
  readonly media: MediaOptions;
  readonly logger: Logger;
  /** Fires an event switch-wide (inbound listeners). */
  publish(event: SimEvent): void;
}

export interface QueuedMessage {
  readonly command: 'execute' | 'hangup';
  readonly app: string;
  readonly arg: string;
  readonly appUuid: string;
  readonly eventLock: boolean;
  readonly loops: number;
  readonly hangupCause?: string;
}

type WaitEnd = 'done' | 'digit' | 'hangup' | 'break';

interface MediaWaiter {
  end: number | undefined;
  /** Simulated ms spent paused (a nested application ran meanwhile). */
  pausedMs: number;
  pausedAt: number | undefined;
  timer: ClockTimer | undefined;
  remaining: number | undefined;
  onDigit: ((digit: string) => boolean) | undefined;
  resolve(end: WaitEnd): void;
}

const KNOWN_APPS = new Set([
  'answer',
  'pre_answer',
  'ring_ready',
  'playback',
  'speak',
  'say',
  'phrase',
  'read',
  'play_and_get_digits',
  'record',
  'bridge',
  'transfer',
  'hangup',
  'set',
  'export',
  'unset',
  'sleep',
  'park',
  'break',
  'flush_dtmf',
  'send_dtmf',
  'deflect',
  'log',
  'info',
  'event',
  'socket',
]);

type AppHandler = (arg: string) => Promise<string | undefined>;

/**
 * One simulated channel: its state and variables, its DTMF queue, the applications it runs
 * (in simulated time) and the events it fires, in FreeSWITCH's order and with its headers.
 */
export class SimCall {
  readonly uuid: string;
  readonly clock = new VirtualClock();
  readonly transcript: TranscriptEntry[] = [];
  readonly vars = new Map<string, string>();

  private answered: boolean;
  private hungUp = false;
  private cause: string | undefined;
  private hangupBy: string | undefined;
  private torndown = false;
  private transferred = false;
  private channelState = 'CS_EXECUTE';
  private callState: string;
  private stateNumber = 4;
  private readonly createdUs: number;
  private answeredAt: number | undefined;
  private hangupAt: number | undefined;

  private readonly dtmf: Array<{ digit: string; source: string }> = [];
  private readonly waiters: MediaWaiter[] = [];
  private readonly queue: QueuedMessage[] = [];
  private running = 0;
  /** The channel waits for its next tick before starting an application: parked meanwhile. */
  private awaitingTick = false;
  private lastMediaEnd: number | undefined;
  /** Simulated ms of silence before each media application that followed another one. */
  readonly deadAirMs: number[] = [];
  private appCount = 0;
  private readonly appsStarted = new Set<string>();
  private silent = false;
  private silentSince = 0;
  private readonly sinks = new Set<(ev: SimEvent) => void>();
  private readonly socketAppUuid = randomUUID();
  private readonly handlers: Record<string, AppHandler>;

  private pumpScheduled = false;
  private inputEpoch = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private resolveDone!: () => void;
  /** Resolves after CHANNEL_HANGUP_COMPLETE. */
  readonly done: Promise<void>;

  constructor(
    private readonly ctx: CallContext,
    readonly script: CallerScript,
    readonly socketAppData: string,
  ) {
    this.uuid = script.uuid ?? randomUUID();
    this.answered = script.answered;
    this.callState = this.answered ? 'ACTIVE' : 'RINGING';
    this.createdUs = Math.round(ctx.identity.baseEpochMs * 1000);
    if (this.answered) this.answeredAt = 0;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    const set = (k: string, v: string): void => void this.vars.set(k, v);
    set('direction', 'inbound');
    set('uuid', this.uuid);
    set('session_id', '1');
    set('channel_name', this.channelName);
    set('read_codec', 'PCMU');
    set('read_rate', '8000');
    set('write_codec', 'PCMU');
    set('write_rate', '8000');
    set('caller_id_number', script.number);
    if (script.name) set('caller_id_name', script.name);
    set('destination_number', script.dialed);
    for (const [k, v] of Object.entries(script.variables)) set(k, v);
    set('call_uuid', this.uuid);
    set('current_application_data', socketAppData);
    set('current_application', 'socket');
    set('socket_host', socketAppData.split(':')[0] ?? '127.0.0.1');
    this.handlers = {
      answer: () => this.appAnswer(),
      pre_answer: async () => undefined,
      ring_ready: async () => undefined,
      playback: (a) => this.appPlayback(a),
      speak: (a) => this.appSpeak(a),
      say: (a) => this.appPrompt('say', a, 'say:' + a, undefined),
      phrase: (a) => this.appPrompt('phrase', a, 'phrase:' + a, 'PHRASE PLAYED'),
      read: (a) => this.appRead(a),
      play_and_get_digits: (a) => this.appPlayAndGetDigits(a),
      record: (a) => this.appRecord(a),
      bridge: (a) => this.appBridge(a),
      transfer: (a) => this.appTransfer(a),
      hangup: async (a) => {
        this.hangup(a.trim() || 'NORMAL_CLEARING', 'voicebox');
        return undefined;
      },
      set: async (a) => this.appSet(a, 'set'),
      export: async (a) => this.appSet(a, 'export'),
      unset: async (a) => {
        this.vars.delete(a.trim());
        return undefined;
      },
      sleep: (a) => this.appSleep(a),
      park: async () => {
        await this.wait(undefined);
        return undefined;
      },
      break: async () => undefined,
      flush_dtmf: async () => {
        this.dtmf.length = 0;
        return undefined;
      },
      send_dtmf: async () => undefined,
      deflect: async () => {
        this.hangup('BLIND_TRANSFER', 'voicebox');
        return undefined;
      },
      log: async () => undefined,
      info: async () => undefined,
      event: async () => undefined,
      socket: async () => undefined,
    };
    this.armTimeRules();
  }

  get channelName(): string {
    return `sofia/internal/${this.script.number}@192.0.2.2`;
  }
  get isUp(): boolean {
    return !this.hungUp;
  }
  get hangupCause(): string | undefined {
    return this.cause;
  }
  /** Who ended the call: `caller`, `voicebox`, `api`, `socket closed`, `destination`. */
  get endedBy(): string | undefined {
    return this.hangupBy;
  }

  /** Receives every event this channel fires (the controlling socket subscribes here). */
  addSink(sink: (ev: SimEvent) => void): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** The connect reply's CHANNEL_DATA headers. */
  channelData(): Array<[string, string]> {
    return [
      ...standardHeaders(this.ctx.identity, 'CHANNEL_DATA', this.clock.now()),
      ...this.profile('Channel-'),
      ...this.channelHeaders(),
      ...this.profile('Caller-'),
      ...this.variableHeaders(),
    ];
  }

  // ---- input from the controlling socket and the API -----------------------------------

  /** The controlling socket received bytes: the clock waits for things to settle. */
  noteInput(): void {
    this.inputEpoch++;
    this.kick();
  }

  /** `sendmsg`: queue for the channel thread. */
  enqueue(msg: QueuedMessage): void {
    if (this.hungUp || this.transferred) return; // accepted (+OK), never run: see edge-cases/execute-after-hangup
    if (!msg.eventLock && this.running > 0 && this.waiters.length > 0) {
      // Without event-lock a running media application polls the queue and runs the new
      // message nested inside itself; the outer one resumes afterwards.
      void this.runNested(msg);
      return;
    }
    this.queue.push(msg);
    void this.drainQueue();
  }

  /** DTMF from the caller (script) or `uuid_recv_dtmf` (source APP). */
  queueDigits(digits: string, source: string): void {
    if (this.hungUp) return;
    for (const d of digits) if (/[0-9*#A-Da-d]/.test(d)) this.dtmf.push({ digit: d.toUpperCase(), source });
    this.feedDigits();
    this.kick();
  }

  /** `uuid_break`: stops the running media application; `all` also drops queued messages. */
  breakMedia(all: boolean): void {
    if (all) this.queue.length = 0;
    const w = this.waiters[this.waiters.length - 1];
    if (w) this.finishWait(w, 'break');
  }

  getVar(name: string): string | undefined {
    return this.vars.get(name);
  }
  setVar(name: string, value: string): void {
    if (value === '') this.vars.delete(name);
    else this.vars.set(name, value);
  }

  /** Hangs the channel up (idempotent). */
  hangup(cause: string, by: string): void {
    if (this.hungUp) return;
    this.hungUp = true;
    this.cause = cause;
    this.hangupBy = by;
    this.hangupAt = this.clock.now();
    this.stateNumber = 10;
    this.vars.set('hangup_cause', cause);
    this.vars.set('hangup_cause_q850', String(Q850[cause] ?? 16));
    this.note('hangup', `${cause} (${by})`);
    this.fire('CHANNEL_HANGUP');
    for (const w of [...this.waiters]) this.finishWait(w, 'hangup');
    this.queue.length = 0;
    if (this.running === 0) queueMicrotask(() => this.teardown());
    this.kick();
  }

  /** The controlling socket went away. Without `resume` the call ends (the socket app was the last action). */
  socketClosed(): void {
    if (!this.hungUp && !this.transferred) this.hangup('NORMAL_CLEARING', 'socket closed');
    this.kick(); // a transferred call goes on until its destination ends it
  }

  /** The controlling socket was broken on purpose (a scripted fault): in the transcript. */
  noteSocketFault(text: string): void {
    this.note('error', text);
  }

  /** Cleans up every timer (after the controlling connection is gone). */
  dispose(): void {
    this.stopPump();
    this.clock.clear();
    this.finished = true;
  }

  // ---- the clock pump -------------------------------------------------------------------

  private kick(): void {
    if (this.pumpScheduled || this.finished) return;
    this.pumpScheduled = true;
    const epoch = this.inputEpoch;
    setImmediate(() =>
      setImmediate(() => {
        this.pumpScheduled = false;
        if (this.finished) return;
        if (epoch !== this.inputEpoch) return this.kick(); // more input arrived: let it settle
        this.pump();
      }),
    );
  }

  private pump(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.clock.hasTimers) return;
    // An application waits on media time (or the call is over): jump to the next timer.
    if (this.waiters.length > 0 || this.hungUp || this.transferred) {
      const gap = (this.clock.nextAt ?? this.clock.now()) - this.clock.now();
      if (this.ctx.media.realTime && !this.hungUp && gap > 0) {
        // a person is listening: let the media take their time, and let keys cut in
        this.idleTimer = setTimeout(() => {
          this.idleTimer = undefined;
          if (this.finished) return;
          this.clock.advance();
          this.kick();
        }, gap);
        return;
      }
      this.clock.advance();
      this.kick();
      return;
    }
    // Nobody waits on the clock (the controller is thinking): move on only after real quiet.
    const epoch = this.inputEpoch;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.finished || epoch !== this.inputEpoch || this.running > 0) return this.kick();
      this.clock.advance();
      this.kick();
    }, this.ctx.media.idleAdvanceMs);
  }

  private stopPump(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  // ---- running applications ------------------------------------------------------------

  private async drainQueue(): Promise<void> {
    if (this.running > 0) return;
    while (this.queue.length > 0 && !this.hungUp && !this.transferred) {
      const msg = this.queue.shift() as QueuedMessage;
      await this.runMessage(msg);
    }
    if (this.hungUp) this.teardown();
    else this.feedDigits(); // back in the park loop: keys waiting now are consumed and lost
  }

  private async runNested(msg: QueuedMessage): Promise<void> {
    const outer = this.waiters[this.waiters.length - 1];
    if (outer) this.pauseWait(outer);
    await this.runMessage(msg);
    if (outer && !this.hungUp) this.resumeWait(outer);
    if (this.hungUp && this.running === 0) this.teardown();
  }

  private async runMessage(msg: QueuedMessage): Promise<void> {
    this.running++;
    try {
      if (msg.command === 'hangup') {
        this.hangup(msg.hangupCause || 'NORMAL_CLEARING', 'voicebox');
        return;
      }
      const loops = Math.max(1, msg.loops);
      for (let i = 1; i <= loops && !this.hungUp; i++) {
        if ((this.ctx.media.appTickMs ?? 0) > 0) {
          await this.nextTick();
          if (this.hungUp) break;
        }
        await this.runApp(msg, i, loops);
      }
    } finally {
      this.running--;
    }
  }

  /** Waits for the channel's next tick (when switched on); a key pressed meanwhile is lost. */
  private async nextTick(): Promise<void> {
    const tick = this.ctx.media.appTickMs ?? 0;
    if (tick <= 0) return;
    this.awaitingTick = true;
    try {
      await this.wait(tick - (this.clock.now() % tick));
    } finally {
      this.awaitingTick = false;
    }
  }

  private async runApp(msg: QueuedMessage, loop: number, loops: number): Promise<void> {
    const app = msg.app.toLowerCase();
    const handler = KNOWN_APPS.has(app) ? this.handlers[app] : undefined;
    if (!handler) {
      // switch_core_session_execute_application: "Invalid Application" → hang-up, no events.
      this.ctx.logger.warn({ uuid: this.uuid, app: msg.app }, 'simulator: invalid application');
      this.note('error', `invalid application ${msg.app}`);
      this.hangup('DESTINATION_OUT_OF_ORDER', 'invalid application');
      return;
    }
    this.appCount++;
    const first = !this.appsStarted.has(app);
    this.appsStarted.add(app);
    this.vars.set('current_loop', String(loop));
    this.vars.set('total_loops', String(loops));
    this.vars.set('current_application', app);
    this.setVar('current_application_data', msg.arg);
    this.vars.delete('current_application_response');
    // an application without an argument has no Application-Data (voicebox-real/leave-message: answer)
    const appHeaders: Array<[string, string]> = [['Application', app]];
    if (msg.arg !== '') appHeaders.push(['Application-Data', msg.arg]);
    const media = MEDIA_APPS.has(app);
    if (media && this.lastMediaEnd !== undefined) this.deadAirMs.push(this.clock.now() - this.lastMediaEnd);
    this.fire('CHANNEL_EXECUTE', [...appHeaders, ['Application-UUID', msg.appUuid]]);
    this.fireRules({ step: this.appCount, app, first });
    let response: string | undefined;
    try {
      response = await handler(msg.arg);
    } catch (err) {
      this.ctx.logger.error(
        { uuid: this.uuid, app, err: (err as Error).message },
        'simulator application failed',
      );
      this.note('error', `${app} failed: ${(err as Error).message}`);
    }
    if (response !== undefined) this.vars.set('current_application_response', response);
    this.vars.set('last_app', app);
    this.setVar('last_arg', msg.arg);
    if (media) this.lastMediaEnd = this.clock.now();
    this.fire('CHANNEL_EXECUTE_COMPLETE', [
      ...appHeaders,
      ['Application-Response', this.vars.get('current_application_response') ?? '_none_'],
      ['Application-UUID', msg.appUuid],
    ]);
    const after = this.afterApp;
    this.afterApp = undefined;
    after?.();
  }

  /** Runs after the current application's CHANNEL_EXECUTE_COMPLETE (transfer: the socket app returns). */
  private afterApp: (() => void) | undefined;

  /** After the hang-up, once the running application has returned: FreeSWITCH's closing sequence. */
  private teardown(): void {
    if (this.torndown || !this.hungUp || this.running > 0) return;
    this.torndown = true;
    if (!this.transferred) {
      this.fire('CHANNEL_UNPARK');
      this.fire('CHANNEL_EXECUTE_COMPLETE', [
        ['Application', 'socket'],
        ['Application-Data', this.socketAppData],
        ['Application-Response', this.vars.get('current_application_response') ?? '_none_'],
        ['Application-UUID', this.socketAppUuid],
      ]);
    }
    this.channelState = 'CS_HANGUP';
    this.fire('CHANNEL_STATE');
    this.channelState = 'CS_REPORTING';
    this.callState = 'HANGUP';
    this.stateNumber = 11;
    this.fire('CHANNEL_STATE');
    this.addCdrVariables();
    this.fire('CHANNEL_HANGUP_COMPLETE', [], { hangupFirst: true });
    this.resolveDone();
    this.kick();
  }

  // ---- waiting in simulated time --------------------------------------------------------

  /** Waits `ms` (undefined = until hang-up/break) of simulated time; `onDigit` returning true ends it early. */
  private async wait(ms: number | undefined, onDigit?: (digit: string) => boolean): Promise<WaitEnd> {
    return (await this.waitActive(ms, onDigit)).end;
  }

  /** As {@link wait}, also telling how long the media actually ran (time paused by a nested app excluded). */
  private waitActive(
    ms: number | undefined,
    onDigit?: (digit: string) => boolean,
  ): Promise<{ end: WaitEnd; activeMs: number }> {
    if (this.hungUp) return Promise.resolve({ end: 'hangup', activeMs: 0 });
    const start = this.clock.now();
    return new Promise((resolve) => {
      const w: MediaWaiter = {
        end: undefined,
        pausedMs: 0,
        pausedAt: undefined,
        timer: undefined,
        remaining: ms,
        onDigit,
        resolve: (end) => resolve({ end, activeMs: this.clock.now() - start - w.pausedMs }),
      };
      this.waiters.push(w);
      this.resumeWait(w);
      this.feedDigits();
      this.kick();
    });
  }

  private resumeWait(w: MediaWaiter): void {
    if (w.pausedAt !== undefined) w.pausedMs += this.clock.now() - w.pausedAt;
    w.pausedAt = undefined;
    if (w.remaining === undefined) return;
    w.end = this.clock.now() + w.remaining;
    w.timer = this.clock.setTimer(w.remaining, () => this.finishWait(w, 'done'));
  }

  private pauseWait(w: MediaWaiter): void {
    w.pausedAt = this.clock.now();
    if (w.timer && w.end !== undefined) {
      w.remaining = Math.max(0, w.end - this.clock.now());
      w.timer.cancel();
      w.timer = undefined;
    }
  }

  private finishWait(w: MediaWaiter, end: WaitEnd): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    w.timer?.cancel();
    w.resolve(end);
  }

  /**
   * Hands queued digits to the innermost waiting application, firing a DTMF event per digit
   * consumed. While no application runs the channel is parked, and FreeSWITCH's park loop
   * consumes every digit — a DTMF event each — and keeps none for the next application
   * (edge-cases/dtmf-between-apps). An application that reads no digits (`set`) leaves them queued.
   */
  private feedDigits(): void {
    for (;;) {
      if (this.dtmf.length === 0 || this.hungUp) return;
      const parked = this.running === 0 || this.awaitingTick;
      const w = this.waiters[this.waiters.length - 1];
      if (!parked && !w?.onDigit) return;
      const { digit, source } = this.dtmf.shift() as { digit: string; source: string };
      this.fire('DTMF', [
        ['DTMF-Digit', digit],
        ['DTMF-Duration', '2000'],
        ['DTMF-Source', source],
      ]);
      if (parked || !w?.onDigit) {
        this.note('dtmf', `${digit} (no application: lost)`);
        continue;
      }
      this.note('dtmf', digit);
      if (w.onDigit(digit)) this.finishWait(w, 'digit');
    }
  }

  // ---- applications ---------------------------------------------------------------------

  private async appAnswer(): Promise<string | undefined> {
    this.markAnswered();
    this.note('answer', '');
    return undefined;
  }

  private markAnswered(): void {
    if (this.answered) return;
    this.answered = true;
    this.answeredAt = this.clock.now();
    this.callState = 'ACTIVE';
    this.fire('CHANNEL_ANSWER');
  }

  private terminatorSet(): string {
    const t = this.vars.get('playback_terminators') ?? '*';
    if (t === 'none') return '';
    if (t === 'any') return '0123456789*#';
    return t.toUpperCase();
  }

  /** Plays one prompt; returns how it ended and the digit that ended it. */
  private async play(
    file: string,
    stopOn: (digit: string) => boolean,
  ): Promise<{ end: WaitEnd | 'not-found'; digit?: string; playedMs: number }> {
    const m = this.ctx.media;
    const duration = mediaDurationMs(file, m.toLocalPath, m.defaultMediaMs, m.missingFiles === 'not-found');
    if (duration === undefined) return { end: 'not-found', playedMs: 0 };
    this.fireMediaRules('playing', file);
    let digit: string | undefined;
    const { end, activeMs } = await this.waitActive(duration, (d) => {
      if (!stopOn(d)) return false;
      digit = d;
      return true;
    });
    if (end === 'done') this.fireMediaRules('played', file);
    return digit === undefined ? { end, playedMs: activeMs } : { end, digit, playedMs: activeMs };
  }

  private async appPlayback(file: string): Promise<string> {
    const entry = this.note('playback', file);
    const terminators = this.terminatorSet();
    this.vars.delete('playback_terminator_used');
    const r = await this.play(file, (d) => terminators.includes(d));
    if (r.end === 'not-found') {
      entry.text = `${file} (FILE NOT FOUND)`;
      return 'FILE NOT FOUND';
    }
    this.setPlaybackVars(r.playedMs);
    if (r.digit !== undefined) this.vars.set('playback_terminator_used', r.digit);
    const response = r.end === 'hangup' ? 'PLAYBACK ERROR' : 'FILE PLAYED';
    entry.text = `${file} (${seconds(r.playedMs)}${r.digit ? `, stopped by ${r.digit}` : ''}${r.end === 'hangup' ? ', hung up' : ''})`;
    return response;
  }

  private setPlaybackVars(ms: number): void {
    this.vars.set('playback_seconds', String(Math.floor(ms / 1000)));
    this.vars.set('playback_ms', String(ms));
    this.vars.set('playback_samples', String(Math.round((ms * SAMPLE_RATE) / 1000)));
    this.vars.set('playback_last_offset_pos', String(Math.round((ms * SAMPLE_RATE) / 1000)));
  }

  private async appSpeak(arg: string): Promise<string | undefined> {
    const parts = arg.split('|');
    const text = parts.length >= 3 ? parts.slice(2).join('|') : parts.length === 1 ? arg : '';
    const engine = parts.length >= 3 ? parts[0] : this.vars.get('tts_engine');
    const voice = parts.length >= 3 ? parts[1] : this.vars.get('tts_voice');
    if (!engine || !voice || !text) {
      this.note('error', `speak without engine/voice/text: ${arg}`);
      this.hangup('DESTINATION_OUT_OF_ORDER', 'speak failed');
      return undefined;
    }
    return this.appPrompt('speak', text, `speak:${text}`, undefined, Math.max(500, text.length * 60));
  }

  /** speak / say / phrase: a prompt of estimated length, terminators as playback. */
  private async appPrompt(
    kind: 'speak' | 'say' | 'phrase',
    text: string,
    mediaName: string,
    response: string | undefined,
    lengthMs?: number,
  ): Promise<string | undefined> {
    const entry = this.note(kind === 'speak' ? 'speak' : 'app', kind === 'speak' ? text : `${kind} ${text}`);
    const terminators = this.terminatorSet();
    this.vars.delete('playback_terminator_used');
    this.fireMediaRules('playing', mediaName);
    let digit: string | undefined;
    const end = await this.wait(lengthMs ?? this.ctx.media.defaultMediaMs, (d) => {
      if (!terminators.includes(d)) return false;
      digit = d;
      return true;
    });
    if (end === 'done') this.fireMediaRules('played', mediaName);
    if (digit !== undefined) {
      this.vars.set('playback_terminator_used', digit);
      entry.text += ` (stopped by ${digit})`;
    }
    return response;
  }

  /**
   * The digit collection shared by `read` and `play_and_get_digits` (switch_ivr_read): any
   * digit stops the prompt and counts; a terminator ends input and is not stored.
   */
  private async collect(
    min: number,
    max: number,
    prompt: string,
    timeoutMs: number,
    terminators: string,
    digitTimeoutMs: number,
  ): Promise<{ digits: string; result: 'success' | 'timeout' | 'failure'; terminator?: string }> {
    let digits = '';
    let terminator: string | undefined;
    const take = (d: string): boolean => {
      if (terminators.includes(d)) {
        terminator = d;
        return true;
      }
      digits += d;
      return digits.length >= max;
    };
    let finished = false;
    if (prompt && prompt !== 'silence') {
      const r = await this.play(prompt, (d) => {
        finished = take(d);
        return true; // any digit stops the prompt
      });
      if (r.end === 'hangup') return { digits, result: 'failure' };
    }
    let timedOut = false;
    while (!finished && !this.hungUp) {
      const end = await this.wait(digits.length === 0 ? timeoutMs : digitTimeoutMs, (d) => {
        finished = take(d);
        return true;
      });
      if (end === 'done') {
        timedOut = true;
        break;
      }
      if (end !== 'digit') break;
    }
    let result: 'success' | 'timeout' | 'failure' = timedOut ? 'timeout' : finished ? 'success' : 'failure';
    if (result === 'timeout' && digits.length >= min && digits.length > 0) result = 'success';
    if ((min > 0 && digits.length < min) || digits.length > max) result = timedOut ? 'timeout' : 'failure';
    if (this.hungUp) result = 'failure';
    return terminator === undefined ? { digits, result } : { digits, result, terminator };
  }

  private async appRead(arg: string): Promise<string> {
    const a = splitArgs(arg);
    const min = Math.max(1, int(a[0], 1));
    const max = Math.max(min, int(a[1], min));
    const prompt = a[2] ?? 'silence';
    const varName = a[3] ?? 'read_digits';
    const timeout = Math.max(1000, int(a[4], 1000));
    const terminators = a[5] || '#';
    const digitTimeout = int(a[6], timeout);
    this.vars.delete('read_result');
    this.vars.delete(varName);
    const entry = this.note('read', `${prompt} → ${varName}`);
    const r = await this.collect(min, max, prompt, timeout, terminators, digitTimeout);
    this.vars.set('read_result', r.result);
    if (r.digits) this.vars.set(varName, r.digits);
    if (r.terminator !== undefined) this.vars.set('read_terminator_used', r.terminator);
    entry.text = `${prompt} → ${r.digits ? `"${r.digits}"` : 'nothing'} (${r.result})`;
    return '_none_';
  }

  private async appPlayAndGetDigits(arg: string): Promise<string> {
    const a = splitArgs(arg);
    const min = Math.max(0, int(a[0], 0));
    const max = Math.max(min, int(a[1], min));
    const tries = Math.max(1, int(a[2], 1));
    const timeout = Math.max(1000, int(a[3], 1000));
    const terminators = a[4] || '#';
    const prompt = a[5] ?? 'silence';
    const invalid = a[6] ?? '';
    const varName = a[7] ?? 'pagd_digits';
    const regexSource = a[8];
    const digitTimeout = int(a[9], timeout);
    const transferOnFailure = a.slice(10);
    const regex = regexSource ? safeRegex(regexSource) : undefined;
    this.vars.delete('read_result');
    this.vars.delete(varName);
    if (regexSource) this.vars.delete(`${varName}_invalid`);
    const entry = this.note('digits', `${prompt} → ${varName}`);
    let accepted: string | undefined;
    let last: { digits: string; result: string; terminator?: string } = { digits: '', result: 'failure' };
    for (let t = 0; t < tries && !this.hungUp; t++) {
      const r = await this.collect(min, max, prompt, timeout, terminators, digitTimeout);
      last = r;
      if (r.terminator !== undefined) this.vars.set('read_terminator_used', r.terminator);
      const emptyOk = min === 0 && r.digits === '' && r.terminator !== undefined;
      const ok = (r.result === 'success' || emptyOk) && (!regex || regex.test(r.digits));
      if (ok) {
        accepted = r.digits;
        break;
      }
      if (regex && r.digits) this.vars.set(`${varName}_invalid`, r.digits);
      if (this.hungUp) break;
      if (invalid && invalid !== 'silence') await this.play(invalid, () => true);
    }
    this.vars.set(
      'read_result',
      accepted !== undefined ? 'success' : last.result === 'timeout' ? 'timeout' : 'failure',
    );
    if (accepted) this.vars.set(varName, accepted);
    entry.text = `${prompt} → ${accepted !== undefined ? `"${accepted}"` : 'no valid input'}`;
    if (accepted === undefined && transferOnFailure.length > 0 && !this.hungUp) {
      await this.appTransfer(transferOnFailure.join(' '));
    }
    return '_none_';
  }

  private async appRecord(arg: string): Promise<string> {
    const a = splitArgs(arg);
    const path = a[0] ?? '';
    const limitS = int(a[1], 0);
    const threshold = int(a[2], 0);
    const hits = int(a[3], 3);
    const local = this.ctx.media.toLocalPath(path);
    if (!path || !existsSync(dirname(local))) {
      this.note('error', `record: cannot open ${path}`);
      this.hangup('DESTINATION_OUT_OF_ORDER', 'record failed');
      return '_none_';
    }
    this.markAnswered();
    const terminators = this.terminatorSet();
    this.vars.delete('playback_terminator_used');
    this.vars.set('silence_hits_exhausted', 'false');
    const entry = this.note('record', path);
    this.fire('RECORD_START', [['Record-File-Path', path]]);
    const start = this.clock.now();
    let digit: string | undefined;
    let silenceStop: ClockTimer | undefined;
    let stoppedBySilence = false;
    const silenceMs = hits * 1000;
    const armSilence = (w: () => MediaWaiter | undefined): void => {
      silenceStop?.cancel();
      if (threshold <= 0 || !this.silent) return;
      const since = Math.max(this.silentSince, start);
      silenceStop = this.clock.setTimer(Math.max(0, since + silenceMs - this.clock.now()), () => {
        stoppedBySilence = true;
        const waiter = w();
        if (waiter) this.finishWait(waiter, 'done');
      });
    };
    const waiting = this.wait(limitS > 0 ? limitS * 1000 : undefined, (d) => {
      if (!terminators.includes(d)) return false;
      digit = d;
      return true;
    });
    const myWaiter = this.waiters[this.waiters.length - 1];
    this.onSilenceChange = () => armSilence(() => myWaiter);
    armSilence(() => myWaiter);
    const end = await waiting;
    silenceStop?.cancel();
    this.onSilenceChange = undefined;
    const ranMs = this.clock.now() - start;
    const ms = Math.max(0, ranMs - RECORD_START_LOSS_MS);
    const silentPart = this.silent ? Math.min(ms, this.clock.now() - Math.max(this.silentSince, start)) : 0;
    const size = writeWav(local, ms - silentPart, silentPart);
    const samples = Math.round((ms * SAMPLE_RATE) / 1000);
    this.vars.set('silence_hits_exhausted', stoppedBySilence ? 'true' : 'false');
    this.vars.set('record_record_file_size', String(size));
    this.vars.set('record_file_size', String(size));
    this.vars.set('record_seconds', String(Math.floor(ms / 1000)));
    this.vars.set('record_ms', String(ms));
    this.vars.set('record_samples', String(samples));
    if (digit !== undefined) this.vars.set('playback_terminator_used', digit);
    this.fire('RECORD_STOP', [['Record-File-Path', path]]);
    const why =
      end === 'hangup'
        ? 'hung up'
        : digit
          ? `stopped by ${digit}`
          : stoppedBySilence
            ? 'silence'
            : 'time limit';
    entry.text = `${path} ${seconds(ranMs)} (${why})`;
    return '_none_';
  }

  private onSilenceChange: (() => void) | undefined;

  private destinationFor(target: string): DestinationOutcome {
    return (
      this.script.destinations.get(target) ??
      this.script.destinations.get('*') ?? { outcome: 'failed', cause: 'NO_ROUTE_DESTINATION' }
    );
  }

  private async appBridge(target: string): Promise<string | undefined> {
    const entry = this.note('bridge', target);
    const d = this.destinationFor(target);
    const bUuid = randomUUID();
    const ring = d.ringMs ?? (d.outcome === 'no-answer' ? 30_000 : d.outcome === 'answered' ? 2_000 : 0);
    if (ring > 0 && (await this.wait(ring)) === 'hangup') {
      entry.text = `${target} (caller hung up while ringing)`;
      return undefined;
    }
    this.vars.set('last_bridge_to', bUuid);
    if (d.outcome === 'answered') {
      this.markAnswered();
      this.vars.set('bridge_uuid', bUuid);
      this.vars.set('originate_disposition', 'SUCCESS');
      this.vars.set('DIALSTATUS', 'SUCCESS');
      const bridged: Array<[string, string]> = [
        ['Bridge-A-Unique-ID', this.uuid],
        ['Bridge-B-Unique-ID', bUuid],
      ];
      this.fire('CHANNEL_BRIDGE', bridged);
      const end = await this.wait(d.talkMs ?? 5_000);
      this.vars.set(
        'bridge_hangup_cause',
        end === 'hangup' ? (this.cause ?? 'NORMAL_CLEARING') : 'NORMAL_CLEARING',
      );
      this.fire('CHANNEL_UNBRIDGE', bridged);
      entry.text = `${target} answered${end === 'hangup' ? ' (caller hung up)' : ''}`;
      if (end === 'done' && this.vars.get('hangup_after_bridge') === 'true') {
        this.hangup('NORMAL_CLEARING', 'destination');
      }
      return undefined;
    }
    const cause =
      d.outcome === 'busy'
        ? 'USER_BUSY'
        : d.outcome === 'no-answer'
          ? 'NO_ANSWER'
          : (d.cause ?? 'NO_ROUTE_DESTINATION');
    const dialStatus = d.outcome === 'busy' ? 'BUSY' : d.outcome === 'no-answer' ? 'NOANSWER' : cause;
    this.vars.set('originate_disposition', cause);
    this.vars.set('DIALSTATUS', dialStatus);
    this.vars.set('originate_causes', `ARRAY::${bUuid};${cause}`);
    entry.text = `${target} ${d.outcome} (${cause})`;
    return undefined;
  }

  private async appTransfer(arg: string): Promise<string | undefined> {
    const target = splitArgs(arg)[0] ?? '';
    const d = this.destinationFor(target);
    const entry = this.note('transfer', target);
    this.transferred = true;
    this.afterApp = () => {
      // The socket application returns once the transfer is done; the call goes on elsewhere.
      this.fire('CHANNEL_EXECUTE_COMPLETE', [
        ['Application', 'socket'],
        ['Application-Data', this.socketAppData],
        ['Application-Response', '_none_'],
        ['Application-UUID', this.socketAppUuid],
      ]);
      const ring = d.ringMs ?? (d.outcome === 'no-answer' ? 30_000 : 0);
      if (d.outcome === 'answered') {
        entry.text = `${target} answered`;
        this.clock.setTimer(ring + (d.talkMs ?? 5_000), () => this.hangup('NORMAL_CLEARING', 'destination'));
      } else {
        const cause =
          d.outcome === 'busy'
            ? 'USER_BUSY'
            : d.outcome === 'no-answer'
              ? 'NO_ANSWER'
              : (d.cause ?? 'NO_ROUTE_DESTINATION');
        entry.text = `${target} ${d.outcome} (${cause})`;
        this.clock.setTimer(ring, () => this.hangup(cause, 'destination'));
      }
      this.kick();
    };
    return undefined;
  }

  private async appSet(arg: string, kind: 'set' | 'export'): Promise<string | undefined> {
    const eq = arg.indexOf('=');
    if (eq <= 0) return undefined;
    const name = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1);
    this.setVar(name, value);
    this.note('set', `${name}=${value}${kind === 'export' ? ' (export)' : ''}`);
    return undefined;
  }

  private async appSleep(arg: string): Promise<string | undefined> {
    const ms = Math.max(0, int(arg, 0));
    this.note('sleep', seconds(ms));
    await this.wait(ms);
    return undefined;
  }

  // ---- the caller's script --------------------------------------------------------------

  private armTimeRules(): void {
    for (const rule of this.script.rules) {
      if ('atMs' in rule.when) this.clock.setTimer(rule.when.atMs, () => this.act(rule.then));
    }
  }

  private readonly firedRules = new Set<number>();

  private fireRules(started: { step: number; app: string; first: boolean }): void {
    this.script.rules.forEach((rule, i) => {
      if (this.firedRules.has(i)) return;
      const w = rule.when;
      const hit =
        ('step' in w && w.step === started.step) || ('app' in w && w.app === started.app && started.first);
      if (!hit) return;
      this.firedRules.add(i);
      this.clock.setTimer('afterMs' in w ? w.afterMs : 0, () => this.act(rule.then));
    });
  }

  private fireMediaRules(kind: 'playing' | 'played', file: string): void {
    this.script.rules.forEach((rule, i) => {
      if (this.firedRules.has(i)) return;
      const w = rule.when;
      if (kind === 'playing' && 'playing' in w && matches(w.playing, file)) {
        this.firedRules.add(i);
        this.clock.setTimer(w.afterMs, () => this.act(rule.then));
      } else if (kind === 'played' && 'played' in w && matches(w.played, file)) {
        this.firedRules.add(i);
        this.act(rule.then);
      }
    });
  }

  private act(action: CallerScript['rules'][number]['then']): void {
    if (this.hungUp) return;
    if ('dtmf' in action) {
      const gap = action.gapMs ?? 0;
      if (gap <= 0) this.queueDigits(action.dtmf, 'RTP');
      else [...action.dtmf].forEach((d, i) => this.clock.setTimer(i * gap, () => this.queueDigits(d, 'RTP')));
    } else if ('hangup' in action) {
      this.hangup(action.hangup, 'caller');
    } else {
      if (action.silent !== this.silent) this.silentSince = this.clock.now();
      this.silent = action.silent;
      this.onSilenceChange?.();
    }
  }

  // ---- events ---------------------------------------------------------------------------

  private fire(
    name: string,
    extra: Array<[string, string]> = [],
    opts: { hangupFirst?: boolean } = {},
  ): void {
    const now = this.clock.now();
    const headers: Array<[string, string]> = standardHeaders(this.ctx.identity, name, now);
    if (opts.hangupFirst && this.cause) headers.push(['Hangup-Cause', this.cause]);
    headers.push(...this.channelHeaders(), ...this.profile('Caller-'));
    if (EVENTS_WITH_VARIABLES.has(name)) headers.push(...this.variableHeaders());
    headers.push(...extra);
    const ev: SimEvent = { name, headers, uuid: this.uuid };
    for (const sink of this.sinks) sink(ev);
    this.ctx.publish(ev);
  }

  private channelHeaders(): Array<[string, string]> {
    const h: Array<[string, string]> = [
      ['Channel-State', this.channelState],
      ['Channel-Call-State', this.callState],
      ['Channel-State-Number', String(this.stateNumber)],
      ['Channel-Name', this.channelName],
      ['Unique-ID', this.uuid],
      ['Call-Direction', 'inbound'],
      ['Presence-Call-Direction', 'inbound'],
      ['Channel-HIT-Dialplan', 'true'],
      ['Channel-Call-UUID', this.uuid],
      ['Answer-State', this.hungUp ? 'hangup' : this.answered ? 'answered' : 'ringing'],
    ];
    if (this.cause) h.push(['Hangup-Cause', this.cause]);
    h.push(
      ['Channel-Read-Codec-Name', 'PCMU'],
      ['Channel-Read-Codec-Rate', '8000'],
      ['Channel-Read-Codec-Bit-Rate', '64000'],
      ['Channel-Write-Codec-Name', 'PCMU'],
      ['Channel-Write-Codec-Rate', '8000'],
      ['Channel-Write-Codec-Bit-Rate', '64000'],
    );
    return h;
  }

  private profile(prefix: string): Array<[string, string]> {
    const s = this.script;
    const us = (ms: number | undefined): string =>
      ms === undefined ? '0' : String(this.createdUs + Math.round(ms * 1000));
    const h: Array<[string, string]> = [
      [`${prefix}Direction`, 'inbound'],
      [`${prefix}Logical-Direction`, 'inbound'],
      [`${prefix}Dialplan`, 'XML'],
    ];
    if (s.name) h.push([`${prefix}Caller-ID-Name`, s.name]);
    h.push([`${prefix}Caller-ID-Number`, s.number]);
    if (s.name) h.push([`${prefix}Orig-Caller-ID-Name`, s.name]);
    h.push(
      [`${prefix}Orig-Caller-ID-Number`, s.number],
      [`${prefix}Callee-ID-Name`, 'Outbound Call'],
      [`${prefix}Callee-ID-Number`, s.dialed],
      [`${prefix}ANI`, s.number],
      [`${prefix}Destination-Number`, s.dialed],
      [`${prefix}Unique-ID`, this.uuid],
      [`${prefix}Source`, 'mod_sofia'],
      [`${prefix}Context`, 'default'],
      [`${prefix}Channel-Name`, this.channelName],
      [`${prefix}Profile-Index`, '1'],
      [`${prefix}Profile-Created-Time`, us(0)],
      [`${prefix}Channel-Created-Time`, us(0)],
      [`${prefix}Channel-Answered-Time`, us(this.answeredAt)],
      [`${prefix}Channel-Progress-Time`, '0'],
      [`${prefix}Channel-Progress-Media-Time`, '0'],
      [`${prefix}Channel-Hangup-Time`, us(this.hangupAt)],
      [`${prefix}Channel-Transfer-Time`, '0'],
      [`${prefix}Channel-Resurrect-Time`, '0'],
      [`${prefix}Channel-Bridged-Time`, '0'],
      [`${prefix}Channel-Last-Hold`, '0'],
      [`${prefix}Channel-Hold-Accum`, '0'],
      [`${prefix}Screen-Bit`, 'true'],
      [`${prefix}Privacy-Hide-Name`, 'false'],
      [`${prefix}Privacy-Hide-Number`, 'false'],
    );
    return h;
  }

  private variableHeaders(): Array<[string, string]> {
    return [...this.vars].map(([k, v]) => [`variable_${k}`, v]);
  }

  private addCdrVariables(): void {
    const end = this.hangupAt ?? this.clock.now();
    const base = this.ctx.identity.baseEpochMs;
    const stamp = (ms: number): string => new Date(base + ms).toISOString().replace('T', ' ').slice(0, 19);
    const billMs = this.answeredAt === undefined ? 0 : end - this.answeredAt;
    const set = (k: string, v: string): void => void this.vars.set(k, v);
    set('digits_dialed', 'none');
    set('start_stamp', stamp(0));
    if (this.answeredAt !== undefined) set('answer_stamp', stamp(this.answeredAt));
    set('end_stamp', stamp(end));
    set('start_epoch', String(Math.floor(base / 1000)));
    set('end_epoch', String(Math.floor((base + end) / 1000)));
    set('caller_id', this.script.name ? `"${this.script.name}" <${this.script.number}>` : this.script.number);
    set('duration', String(Math.round(end / 1000)));
    set('billsec', String(Math.round(billMs / 1000)));
    set('mduration', String(end));
    set('billmsec', String(billMs));
  }

  private note(kind: TranscriptEntry['kind'], text: string): TranscriptEntry {
    const entry: TranscriptEntry = { atMs: this.clock.now(), kind, text };
    this.transcript.push(entry);
    return entry;
  }
}

function matches(m: MediaMatch, file: string): boolean {
  return typeof m === 'string' ? file.includes(m) : m.test(file);
}

/** FreeSWITCH-style argument split: at spaces, honouring single and double quotes. */
export function splitArgs(arg: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of arg.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function int(s: string | undefined, fallback: number): number {
  const n = Number(s);
  return s !== undefined && s !== '' && Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}
