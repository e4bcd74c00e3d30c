import type { VirtualClock } from './clock.js';
import type { MediaOptions } from './media.js';

/** What the pump asks the call before it moves the clock. */
export interface PumpedCall {
  /** An application waits on media time, or the call is over: the clock may jump at once. */
  clockAwaited(): boolean;
  hungUp(): boolean;
  /** An application is running (the controller is not the one thinking). */
  busy(): boolean;
}

/**
 * Moves a call's clock: once the connection has been quiet for two event-loop turns, straight
 * to the next timer if an application waits on media; after `idleAdvanceMs` of real quiet if
 * none does (the controller is thinking), so a scripted hang-up still happens; in real time
 * when a person is listening.
 */
export class ClockPump {
  private scheduled = false;
  private inputEpoch = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly clock: VirtualClock,
    private readonly media: MediaOptions,
    private readonly call: PumpedCall,
  ) {}

  /** The controlling socket received bytes: the clock waits for things to settle. */
  noteInput(): void {
    this.inputEpoch++;
    this.kick();
  }

  /** Something happened: look at the clock again once the event loop has settled. */
  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    const epoch = this.inputEpoch;
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false;
        if (this.stopped) return;
        if (epoch !== this.inputEpoch) return this.kick(); // more input arrived: let it settle
        this.pump();
      }),
    );
  }

  /** For good: the call's connection is gone. */
  stop(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.stopped = true;
  }

  private pump(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (!this.clock.hasTimers) return;
    if (this.call.clockAwaited()) {
      const gap = (this.clock.nextAt ?? this.clock.now()) - this.clock.now();
      if (this.media.realTime && !this.call.hungUp() && gap > 0) {
        // a person is listening: let the media take their time, and let keys cut in
        this.idleTimer = setTimeout(() => {
          this.idleTimer = undefined;
          if (this.stopped) return;
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
      if (this.stopped || epoch !== this.inputEpoch || this.call.busy()) return this.kick();
      this.clock.advance();
      this.kick();
    }, this.media.idleAdvanceMs);
  }
}
