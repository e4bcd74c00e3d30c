import type { VirtualClock } from './clock.js';
import type { ClockTimer } from './clock.js';
import type { MediaWait, WaitEnd } from './apps/index.js';

/** One application waiting on the clock (or on keys). */
export interface MediaWaiter {
  end: number | undefined;
  /** Simulated ms spent paused (a nested application ran meanwhile). */
  pausedMs: number;
  pausedAt: number | undefined;
  timer: ClockTimer | undefined;
  remaining: number | undefined;
  readonly onDigit: ((digit: string) => boolean) | undefined;
  resolve(end: WaitEnd): void;
}

/**
 * The waits of a channel's running applications, innermost last: an application nested inside
 * another (no event-lock) pauses the outer one's media time until it returns.
 */
export class MediaWaits {
  private readonly stack: MediaWaiter[] = [];

  /** `started` runs once a new wait is in place (the call feeds it queued keys, moves the clock). */
  constructor(
    private readonly clock: VirtualClock,
    private readonly started: () => void,
  ) {}

  get count(): number {
    return this.stack.length;
  }

  /** The wait that gets the keys and a `uuid_break`. */
  innermost(): MediaWaiter | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Waits `ms` (undefined = until hang-up/break); `onDigit` returning true ends it early. */
  listen(ms: number | undefined, onDigit?: (digit: string) => boolean): MediaWait {
    const start = this.clock.now();
    let waiter: MediaWaiter | undefined;
    const ended = new Promise<{ end: WaitEnd; activeMs: number }>((resolve) => {
      const w: MediaWaiter = {
        end: undefined,
        pausedMs: 0,
        pausedAt: undefined,
        timer: undefined,
        remaining: ms,
        onDigit,
        resolve: (end) => resolve({ end, activeMs: this.clock.now() - start - w.pausedMs }),
      };
      waiter = w;
      this.stack.push(w);
      this.resume(w);
      this.started();
    });
    return { ended, finish: (end) => waiter && this.finish(waiter, end) };
  }

  resume(w: MediaWaiter): void {
    if (w.pausedAt !== undefined) w.pausedMs += this.clock.now() - w.pausedAt;
    w.pausedAt = undefined;
    if (w.remaining === undefined) return;
    w.end = this.clock.now() + w.remaining;
    w.timer = this.clock.setTimer(w.remaining, () => this.finish(w, 'done'));
  }

  pause(w: MediaWaiter): void {
    w.pausedAt = this.clock.now();
    if (w.timer && w.end !== undefined) {
      w.remaining = Math.max(0, w.end - this.clock.now());
      w.timer.cancel();
      w.timer = undefined;
    }
  }

  /** Ends `w` (no-op if it has ended already). */
  finish(w: MediaWaiter, end: WaitEnd): void {
    const i = this.stack.indexOf(w);
    if (i < 0) return;
    this.stack.splice(i, 1);
    w.timer?.cancel();
    w.resolve(end);
  }

  /** Ends every wait, outermost first (the hang-up). */
  finishAll(end: WaitEnd): void {
    for (const w of [...this.stack]) this.finish(w, end);
  }
}
