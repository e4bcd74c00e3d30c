/**
 * Simulated time for one call. Nothing here looks at the wall clock: time moves only when
 * the simulator calls {@link VirtualClock.advance}, which jumps straight to the next timer.
 * A 3-second recording therefore costs no wall time, and runs are deterministic.
 */
export interface ClockTimer {
  cancel(): void;
}

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

export class VirtualClock {
  private nowMs = 0;
  private seq = 0;
  private entries: Entry[] = [];

  /** Milliseconds since the start of the call. */
  now(): number {
    return this.nowMs;
  }

  /** Runs `fire` after `delayMs` of simulated time (0 = at the next advance). */
  setTimer(delayMs: number, fire: () => void): ClockTimer {
    const entry: Entry = { at: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fire, cancelled: false };
    // Keep sorted by (at, seq); timers are few, insertion from the back is cheap.
    let i = this.entries.length;
    while (i > 0) {
      const prev = this.entries[i - 1] as Entry;
      if (prev.at < entry.at || (prev.at === entry.at && prev.seq < entry.seq)) break;
      i--;
    }
    this.entries.splice(i, 0, entry);
    return {
      cancel: () => {
        entry.cancelled = true;
        this.entries = this.entries.filter((e) => e !== entry);
      },
    };
  }

  /** When the earliest timer is due, if there is one. */
  get nextAt(): number | undefined {
    return this.entries[0]?.at;
  }

  /** True when a timer is waiting. */
  get hasTimers(): boolean {
    return this.entries.length > 0;
  }

  /** Jumps to the earliest timer and fires every timer due at that moment. False if there was none. */
  advance(): boolean {
    const first = this.entries[0];
    if (!first) return false;
    this.nowMs = Math.max(this.nowMs, first.at);
    while (this.entries.length > 0 && (this.entries[0] as Entry).at <= this.nowMs) {
      const e = this.entries.shift() as Entry;
      if (!e.cancelled) e.fire();
    }
    return true;
  }

  /** Drops every timer (the call is over). */
  clear(): void {
    this.entries = [];
  }
}
