import { randomUUID } from 'node:crypto';
import type { Logger } from '../esl/index.js';
import { APPLICATIONS } from './apps/index.js';
import type { AppContext, MediaWait, WaitEnd } from './apps/index.js';
import { CallerRules } from './caller-rules.js';
import { ClockPump } from './clock-pump.js';
import { addCdrVariables, ChannelHeaders, setInitialVariables } from './channel-state.js';
import type { ChannelState } from './channel-state.js';
import { VirtualClock } from './clock.js';
import { Q850 } from './events.js';
import type { SimEvent, SwitchIdentity } from './events.js';
import { MediaWaits } from './media-waits.js';
import type { MediaOptions } from './media.js';
import type { CallerScript, DestinationOutcome } from './script.js';
import type { TranscriptEntry } from './transcript.js';

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

/**
 * One simulated channel: its state and variables, its DTMF queue, the applications it runs
 * (in simulated time, each a module of ./apps behind {@link AppContext}) and the events it
 * fires, in FreeSWITCH's order and with its headers.
 */
export class SimCall {
  readonly uuid: string;
  readonly clock = new VirtualClock();
  readonly transcript: TranscriptEntry[] = [];
  readonly vars = new Map<string, string>();

  private readonly state: ChannelState;
  private readonly headers: ChannelHeaders;
  private readonly rules: CallerRules;
  private readonly app: AppContext;
  private hangupBy: string | undefined;
  private torndown = false;
  private transferred = false;

  private readonly dtmf: Array<{ digit: string; source: string }> = [];
  private readonly waits: MediaWaits;
  private readonly queue: QueuedMessage[] = [];
  private running = 0;
  /** The channel waits for its next tick before starting an application: parked meanwhile. */
  private awaitingTick = false;
  private lastMediaEnd: number | undefined;
  /** Simulated ms of silence before each media application that followed another one. */
  readonly deadAirMs: number[] = [];
  private appCount = 0;
  private readonly appsStarted = new Set<string>();
  private readonly sinks = new Set<(ev: SimEvent) => void>();
  private readonly socketAppUuid = randomUUID();
  /** Runs after the current application's CHANNEL_EXECUTE_COMPLETE (transfer: the socket app returns). */
  private afterApp: (() => void) | undefined;

  private readonly pump: ClockPump;
  private resolveDone!: () => void;
  /** Resolves after CHANNEL_HANGUP_COMPLETE. */
  readonly done: Promise<void>;

  constructor(
    private readonly ctx: CallContext,
    readonly script: CallerScript,
    readonly socketAppData: string,
  ) {
    this.uuid = script.uuid ?? randomUUID();
    this.state = {
      answered: script.answered,
      hungUp: false,
      cause: undefined,
      channelState: 'CS_EXECUTE',
      callState: script.answered ? 'ACTIVE' : 'RINGING',
      stateNumber: 4,
      answeredAt: script.answered ? 0 : undefined,
      hangupAt: undefined,
    };
    this.headers = new ChannelHeaders(
      ctx.identity,
      script,
      this.uuid,
      this.channelName,
      this.state,
      this.vars,
    );
    this.rules = new CallerRules(script, this.clock, this);
    this.app = this.appContext();
    this.waits = new MediaWaits(this.clock, () => {
      this.feedDigits();
      this.pump.kick();
    });
    this.pump = new ClockPump(this.clock, ctx.media, {
      // An application waits on media time, or the call is over.
      clockAwaited: () => this.waits.count > 0 || this.state.hungUp || this.transferred,
      hungUp: () => this.state.hungUp,
      busy: () => this.running > 0,
    });
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    setInitialVariables(this.vars, this.uuid, this.channelName, script, socketAppData);
    this.rules.armTimeRules();
  }

  get channelName(): string {
    return `sofia/internal/${this.script.number}@192.0.2.2`;
  }
  get isUp(): boolean {
    return !this.state.hungUp;
  }
  get hangupCause(): string | undefined {
    return this.state.cause;
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
    return this.headers.channelData(this.clock.now());
  }

  // ---- input from the controlling socket and the API -----------------------------------

  /** The controlling socket received bytes: the clock waits for things to settle. */
  noteInput(): void {
    this.pump.noteInput();
  }

  /** `sendmsg`: queue for the channel thread. */
  enqueue(msg: QueuedMessage): void {
    if (this.state.hungUp || this.transferred) return; // accepted (+OK), never run: see edge-cases/execute-after-hangup
    if (!msg.eventLock && this.running > 0 && this.waits.count > 0) {
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
    if (this.state.hungUp) return;
    for (const d of digits) if (/[0-9*#A-Da-d]/.test(d)) this.dtmf.push({ digit: d.toUpperCase(), source });
    this.feedDigits();
    this.pump.kick();
  }

  /** `uuid_break`: stops the running media application; `all` also drops queued messages. */
  breakMedia(all: boolean): void {
    if (all) this.queue.length = 0;
    const w = this.waits.innermost();
    if (w) this.waits.finish(w, 'break');
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
    if (this.state.hungUp) return;
    this.state.hungUp = true;
    this.state.cause = cause;
    this.hangupBy = by;
    this.state.hangupAt = this.clock.now();
    this.state.stateNumber = 10;
    this.vars.set('hangup_cause', cause);
    this.vars.set('hangup_cause_q850', String(Q850[cause] ?? 16));
    this.note('hangup', `${cause} (${by})`);
    this.fire('CHANNEL_HANGUP');
    this.waits.finishAll('hangup');
    this.queue.length = 0;
    if (this.running === 0) queueMicrotask(() => this.teardown());
    this.pump.kick();
  }

  /** The controlling socket went away. Without `resume` the call ends (the socket app was the last action). */
  socketClosed(): void {
    if (!this.state.hungUp && !this.transferred) this.hangup('NORMAL_CLEARING', 'socket closed');
    this.pump.kick(); // a transferred call goes on until its destination ends it
  }

  /** The controlling socket was broken on purpose (a scripted fault): in the transcript. */
  noteSocketFault(text: string): void {
    this.note('error', text);
  }

  /** Cleans up every timer (after the controlling connection is gone). */
  dispose(): void {
    this.pump.stop();
    this.clock.clear();
  }

  // ---- running applications ------------------------------------------------------------

  private async drainQueue(): Promise<void> {
    if (this.running > 0) return;
    while (this.queue.length > 0 && !this.state.hungUp && !this.transferred) {
      const msg = this.queue.shift() as QueuedMessage;
      await this.runMessage(msg);
    }
    if (this.state.hungUp) this.teardown();
    else this.feedDigits(); // back in the park loop: keys waiting now are consumed and lost
  }

  private async runNested(msg: QueuedMessage): Promise<void> {
    const outer = this.waits.innermost();
    if (outer) this.waits.pause(outer);
    await this.runMessage(msg);
    if (outer && !this.state.hungUp) this.waits.resume(outer);
    if (this.state.hungUp && this.running === 0) this.teardown();
  }

  private async runMessage(msg: QueuedMessage): Promise<void> {
    this.running++;
    try {
      if (msg.command === 'hangup') {
        this.hangup(msg.hangupCause || 'NORMAL_CLEARING', 'voicebox');
        return;
      }
      const loops = Math.max(1, msg.loops);
      for (let i = 1; i <= loops && !this.state.hungUp; i++) {
        if ((this.ctx.media.appTickMs ?? 0) > 0) {
          await this.nextTick();
          if (this.state.hungUp) break;
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
    const application = APPLICATIONS.get(app);
    if (!application) {
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
    if (application.media && this.lastMediaEnd !== undefined) {
      this.deadAirMs.push(this.clock.now() - this.lastMediaEnd);
    }
    this.fire('CHANNEL_EXECUTE', [...appHeaders, ['Application-UUID', msg.appUuid]]);
    this.rules.applicationStarted({ step: this.appCount, app, first });
    let response: string | undefined;
    try {
      response = await application.run(this.app, msg.arg);
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
    if (application.media) this.lastMediaEnd = this.clock.now();
    this.fire('CHANNEL_EXECUTE_COMPLETE', [
      ...appHeaders,
      ['Application-Response', this.vars.get('current_application_response') ?? '_none_'],
      ['Application-UUID', msg.appUuid],
    ]);
    const after = this.afterApp;
    this.afterApp = undefined;
    after?.();
  }

  /** The socket application returns (after a transfer, or at the end of the call). */
  private completeSocketApp(response: string): void {
    this.fire('CHANNEL_EXECUTE_COMPLETE', [
      ['Application', 'socket'],
      ['Application-Data', this.socketAppData],
      ['Application-Response', response],
      ['Application-UUID', this.socketAppUuid],
    ]);
  }

  /** After the hang-up, once the running application has returned: FreeSWITCH's closing sequence. */
  private teardown(): void {
    if (this.torndown || !this.state.hungUp || this.running > 0) return;
    this.torndown = true;
    if (!this.transferred) {
      this.fire('CHANNEL_UNPARK');
      this.completeSocketApp(this.vars.get('current_application_response') ?? '_none_');
    }
    this.state.channelState = 'CS_HANGUP';
    this.fire('CHANNEL_STATE');
    this.state.channelState = 'CS_REPORTING';
    this.state.callState = 'HANGUP';
    this.state.stateNumber = 11;
    this.fire('CHANNEL_STATE');
    addCdrVariables(this.vars, this.ctx.identity, this.script, this.state, this.clock.now());
    this.fire('CHANNEL_HANGUP_COMPLETE', [], { hangupFirst: true });
    this.resolveDone();
    this.pump.kick();
  }

  // ---- waiting in simulated time --------------------------------------------------------

  /** Waits `ms` (undefined = until hang-up/break) of simulated time; `onDigit` returning true ends it early. */
  private async wait(ms: number | undefined, onDigit?: (digit: string) => boolean): Promise<WaitEnd> {
    return (await this.listen(ms, onDigit).ended).end;
  }

  /** Starts a wait; it also tells how long the media actually ran (time paused by a nested app excluded). */
  private listen(ms: number | undefined, onDigit?: (digit: string) => boolean): MediaWait {
    if (this.state.hungUp)
      return { ended: Promise.resolve({ end: 'hangup', activeMs: 0 }), finish: () => {} };
    return this.waits.listen(ms, onDigit);
  }

  /**
   * Hands queued digits to the innermost waiting application, firing a DTMF event per digit
   * consumed. While no application runs the channel is parked, and FreeSWITCH's park loop
   * consumes every digit — a DTMF event each — and keeps none for the next application
   * (edge-cases/dtmf-between-apps). An application that reads no digits (`set`) leaves them queued.
   */
  private feedDigits(): void {
    for (;;) {
      if (this.dtmf.length === 0 || this.state.hungUp) return;
      const parked = this.running === 0 || this.awaitingTick;
      const w = this.waits.innermost();
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
      if (w.onDigit(digit)) this.waits.finish(w, 'digit');
    }
  }

  // ---- what an application may do (./apps) ----------------------------------------------

  private appContext(): AppContext {
    return {
      uuid: this.uuid,
      vars: this.vars,
      media: this.ctx.media,
      clock: this.clock,
      isUp: () => !this.state.hungUp,
      hangupCause: () => this.state.cause,
      setVar: (name, value) => this.setVar(name, value),
      markAnswered: () => this.markAnswered(),
      hangup: (cause, by) => this.hangup(cause, by),
      flushDigits: () => void (this.dtmf.length = 0),
      listen: (ms, onDigit) => this.listen(ms, onDigit),
      wait: (ms, onDigit) => this.wait(ms, onDigit),
      mediaEvent: (kind, name) => this.rules.media(kind, name),
      callerSilentSince: () => this.rules.silentSinceMs(),
      onSilenceChange: (listener) => this.rules.onSilenceChange(listener),
      destinationFor: (target) => this.destinationFor(target),
      fire: (name, extra) => this.fire(name, extra),
      note: (kind, text) => this.note(kind, text),
      transfer: (afterwards) => {
        this.transferred = true;
        this.afterApp = () => {
          // The socket application returns once the transfer is done; the call goes on elsewhere.
          this.completeSocketApp('_none_');
          afterwards();
          this.pump.kick();
        };
      },
    };
  }

  private markAnswered(): void {
    if (this.state.answered) return;
    this.state.answered = true;
    this.state.answeredAt = this.clock.now();
    this.state.callState = 'ACTIVE';
    this.fire('CHANNEL_ANSWER');
  }

  private destinationFor(target: string): DestinationOutcome {
    return (
      this.script.destinations.get(target) ??
      this.script.destinations.get('*') ?? { outcome: 'failed', cause: 'NO_ROUTE_DESTINATION' }
    );
  }

  // ---- events and the transcript --------------------------------------------------------

  private fire(
    name: string,
    extra: Array<[string, string]> = [],
    opts: { hangupFirst?: boolean } = {},
  ): void {
    const ev = this.headers.event(name, this.clock.now(), extra, opts.hangupFirst ?? false);
    for (const sink of this.sinks) sink(ev);
    this.ctx.publish(ev);
  }

  private note(kind: TranscriptEntry['kind'], text: string): TranscriptEntry {
    const entry: TranscriptEntry = { atMs: this.clock.now(), kind, text };
    this.transcript.push(entry);
    return entry;
  }
}
