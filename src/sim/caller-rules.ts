import type { VirtualClock } from './clock.js';
import type { CallerAction, CallerScript, MediaMatch } from './script.js';

/** What the caller's script may do to the call. */
export interface CallerHands {
  readonly isUp: boolean;
  queueDigits(digits: string, source: string): void;
  hangup(cause: string, by: string): void;
}

/**
 * The scripted caller's rules on one call: each fires once, when its trigger (a moment, the
 * n-th application, a prompt playing or played) happens, and keys, hangs up or falls silent
 * on the simulated clock.
 */
export class CallerRules {
  private readonly fired = new Set<number>();
  private silent = false;
  private silentSince = 0;
  private silenceListener: (() => void) | undefined;

  constructor(
    private readonly script: CallerScript,
    private readonly clock: VirtualClock,
    private readonly call: CallerHands,
  ) {}

  /** Sets the timers of the rules that fire at a moment of the call. */
  armTimeRules(): void {
    for (const rule of this.script.rules) {
      if ('atMs' in rule.when) this.clock.setTimer(rule.when.atMs, () => this.act(rule.then));
    }
  }

  /** An application started (after its CHANNEL_EXECUTE): `step` counts every execute, from 1. */
  applicationStarted(started: { step: number; app: string; first: boolean }): void {
    this.script.rules.forEach((rule, i) => {
      if (this.fired.has(i)) return;
      const w = rule.when;
      const hit =
        ('step' in w && w.step === started.step) || ('app' in w && w.app === started.app && started.first);
      if (!hit) return;
      this.fired.add(i);
      this.clock.setTimer('afterMs' in w ? w.afterMs : 0, () => this.act(rule.then));
    });
  }

  /** A prompt started (`playing`) or was heard to its end (`played`). */
  media(kind: 'playing' | 'played', file: string): void {
    this.script.rules.forEach((rule, i) => {
      if (this.fired.has(i)) return;
      const w = rule.when;
      if (kind === 'playing' && 'playing' in w && matches(w.playing, file)) {
        this.fired.add(i);
        this.clock.setTimer(w.afterMs, () => this.act(rule.then));
      } else if (kind === 'played' && 'played' in w && matches(w.played, file)) {
        this.fired.add(i);
        this.act(rule.then);
      }
    });
  }

  /** Since when the caller has been silent, or undefined while talking (the default). */
  silentSinceMs(): number | undefined {
    return this.silent ? this.silentSince : undefined;
  }

  /** One listener (the running recording) hears when the caller starts or stops talking. */
  onSilenceChange(listener: (() => void) | undefined): void {
    this.silenceListener = listener;
  }

  private act(action: CallerAction): void {
    if (!this.call.isUp) return;
    if ('dtmf' in action) {
      const gap = action.gapMs ?? 0;
      if (gap <= 0) this.call.queueDigits(action.dtmf, 'RTP');
      else
        [...action.dtmf].forEach((d, i) =>
          this.clock.setTimer(i * gap, () => this.call.queueDigits(d, 'RTP')),
        );
    } else if ('hangup' in action) {
      this.call.hangup(action.hangup, 'caller');
    } else {
      if (action.silent !== this.silent) this.silentSince = this.clock.now();
      this.silent = action.silent;
      this.silenceListener?.();
    }
  }
}

function matches(m: MediaMatch, file: string): boolean {
  return typeof m === 'string' ? file.includes(m) : m.test(file);
}
