import type { VirtualClock } from '../clock.js';
import type { MediaOptions } from '../media.js';
import type { DestinationOutcome } from '../script.js';
import type { TranscriptEntry } from '../transcript.js';

/** How a wait on media time ended. */
export type WaitEnd = 'done' | 'digit' | 'hangup' | 'break';

/** A wait that is running: its end, and a way to end it early (silence detection). */
export interface MediaWait {
  /** How it ended, and how long the media ran (time paused by a nested application excluded). */
  readonly ended: Promise<{ end: WaitEnd; activeMs: number }>;
  /** Ends the wait now, unless it has ended already. */
  finish(end: WaitEnd): void;
}

/**
 * What an application may do to the channel it runs on. The call keeps the state, the queue
 * and the event plumbing; an application reads and changes the channel through this, waits
 * on the simulated clock, and answers its command by returning `Application-Response`.
 */
export interface AppContext {
  readonly uuid: string;
  /** The channel variables (`variable_*` headers), changed in place. */
  readonly vars: Map<string, string>;
  readonly media: MediaOptions;
  /** Simulated time: timers an application sets fire in the order they were set. */
  readonly clock: VirtualClock;
  /** False once the channel has hung up. */
  isUp(): boolean;
  hangupCause(): string | undefined;

  /** `set`'s rule: an empty value unsets. */
  setVar(name: string, value: string): void;
  /** Answers the channel (CHANNEL_ANSWER) unless it is answered already. */
  markAnswered(): void;
  /** Hangs the channel up (idempotent); `by` is who ended the call, for the transcript. */
  hangup(cause: string, by: string): void;
  /** Drops the keys pressed and not yet read. */
  flushDigits(): void;

  /** Starts waiting `ms` (undefined: until hang-up or break); `onDigit` returning true ends it early. */
  listen(ms: number | undefined, onDigit?: (digit: string) => boolean): MediaWait;
  /** {@link listen}, awaited. */
  wait(ms: number | undefined, onDigit?: (digit: string) => boolean): Promise<WaitEnd>;
  /** Tells the caller's script a prompt started (`playing`) or finished (`played`). */
  mediaEvent(kind: 'playing' | 'played', name: string): void;

  /** Since when the caller has been silent (simulated ms), or undefined while talking. */
  callerSilentSince(): number | undefined;
  /** Called whenever the caller starts or stops talking; undefined stops listening. */
  onSilenceChange(listener: (() => void) | undefined): void;
  /** What the script says happens to a bridge or transfer target. */
  destinationFor(target: string): DestinationOutcome;

  /** Fires an event of this channel with the channel's headers, then `extra`. */
  fire(name: string, extra?: Array<[string, string]>): void;
  /** Adds a line to the transcript; the entry may be completed when the application ends. */
  note(kind: TranscriptEntry['kind'], text: string): TranscriptEntry;
  /**
   * The call leaves the socket: nothing more runs here, and once this application has
   * completed the socket application returns, then `afterwards` runs.
   */
  transfer(afterwards: () => void): void;
}

/** One FreeSWITCH application: its body, and whether it plays or listens (dead air is counted between those). */
export interface Application {
  readonly media: boolean;
  /** Runs the application; resolves to its `Application-Response` (undefined: `_none_`, or the variable). */
  run(ctx: AppContext, arg: string): Promise<string | undefined>;
}
