// A call written as it goes: what the caller hears, what she does about it, in that order.
//
//   await dial('501').from(STRANGER)
//     .hears('standard_greeting').press('*')
//     .hears('enter_pin').types('2468#')
//     .hears('main_menu').hangsUp();
//
// Every key and hang-up is the caller's answer to something the call does — a prompt starting
// to play, the recording starting — on the simulator's clock, never a guess in time: voicebox
// may think as long as a loaded machine makes it (a PIN check, LDAP), the caller waits for it.
// Prompts are known by id from the text voice (voice.ts). When a prompt never comes the call
// fails with what was heard instead.
import type { CallEvent } from '../../src/runtime/index.js';
import { ScriptedCaller, type CallerAction, type CallerTrigger } from '../../src/sim/index.js';
import { heardIn, promptsIn } from './voice.js';

/** Whatever runs a scripted call in a test and reports what voicebox did on it. */
export type Line<R extends Called> = (caller: ScriptedCaller) => Promise<R>;

/** What every line reports: voicebox's events on the call (src/runtime CallEvent). */
export interface Called {
  readonly events: readonly CallEvent[];
}

/** A finished dialogue: the line's report, and what the caller heard, in order. */
export type Heard<R extends Called> = R & {
  /** prompt ids with their values (`item(one)`), spoken words, `tone`, `audio:<file>` */
  readonly heard: string[];
  /** what voicebox set out to say, as `heard` writes it (a prompt cut off by a hang-up is here, not there) */
  readonly said: string[];
  /** how the call ended, as voicebox saw it */
  readonly ended: { cause: string; by: string } | undefined;
};

/** `dial` for calls on `line`. */
export function dialler<R extends Called>(line: Line<R>): (dialed: string) => Dialogue<R> {
  return (dialed) => new Dialogue(line, dialed);
}

interface Cue {
  /** for the failure message */
  readonly label: string;
  readonly hit: (heard: string) => boolean;
}

/**
 * A matcher for the simulator's script rules (MediaMatch) that asks a function instead of a
 * pattern: the simulator calls `test` with each file that starts to play.
 */
class MediaCue extends RegExp {
  constructor(private readonly hit: (file: string) => boolean) {
    super('(?:)');
  }

  override test(file: string): boolean {
    return this.hit(file);
  }
}

/**
 * For a hand-written ScriptedCaller: matches a prompt by id (`prompt('main_menu')`), every time
 * it plays; given several ids, whichever plays first.
 */
export function prompt(...ids: string[]): RegExp {
  return new MediaCue((file) => heardIn(file).some((h) => ids.some((id) => isPrompt(h, id))));
}

/** For a hand-written ScriptedCaller: matches a file in which words matching `pattern` are spoken. */
export function spoken(pattern: RegExp): RegExp {
  return new MediaCue((file) => heardIn(file).some((h) => pattern.test(h)));
}

/**
 * A rule's match that holds only the n-th time `match` does: `nth(prompt('main_menu'), 2)`, the
 * main menu the second time it plays (or, in a `played` rule, the second time it ends).
 */
export function nth(match: RegExp, n: number): RegExp {
  let seen = 0;
  return new MediaCue((file) => match.test(file) && ++seen === n);
}

const isPrompt = (heard: string, want: string): boolean => heard === want || heard.startsWith(`${want}(`);

export class Dialogue<R extends Called> implements PromiseLike<Heard<R>> {
  private number: string | undefined;
  private readonly cues: Cue[] = [];
  /** the caller's actions, each on a cue (by index) or `ms` into the first recording */
  private readonly actions: Array<
    { cue: number; then: CallerAction } | { recordingMs: number; then: CallerAction }
  > = [];
  private speakingMs: number | undefined;
  private readonly extra: Array<(caller: ScriptedCaller) => ScriptedCaller> = [];

  constructor(
    private readonly line: Line<R>,
    private readonly dialed: string,
  ) {}

  /** The caller's number (default: the simulator's, +4930123456). */
  from(number: string): this {
    this.number = number;
    return this;
  }

  /** The next thing the caller waits for: the prompt `id`, or `id(values)` exactly. */
  hears(id: string): this {
    return this.cue({ label: id, hit: (h) => isPrompt(h, id) });
  }

  /** The beep before a recording. */
  hearsTone(): this {
    return this.cue({ label: 'tone', hit: (h) => h === 'tone' });
  }

  /** A recording or greeting played from a file. */
  hearsAudio(): this {
    return this.cue({ label: 'audio', hit: (h) => h.startsWith('audio:') });
  }

  /** Keys, as what was heard last starts to play (barge-in), or after `speaks`. */
  press(keys: string): this {
    return this.act({ dtmf: keys });
  }

  /** The same as {@link press}, for a PIN or a number. */
  types(digits: string): this {
    return this.press(digits);
  }

  /** The caller hangs up as what was heard last starts to play, or after `speaks`. */
  hangsUp(): this {
    return this.act({ hangup: 'NORMAL_CLEARING' });
  }

  /**
   * Talks for `ms` into the call's first recording; then what follows (`press('#')`,
   * `hangsUp()`), or else silence, which ends the recording by its silence detection.
   */
  speaks(ms: number): this {
    if (this.speakingMs !== undefined || this.actions.some((a) => 'recordingMs' in a))
      throw new Error('a dialogue speaks into one recording');
    this.speakingMs = ms;
    return this;
  }

  /**
   * What a dialogue does not say: keys or a hang-up at the n-th application, socket faults,
   * bridge outcomes — rules added to the ScriptedCaller as they are.
   */
  scripted(add: (caller: ScriptedCaller) => ScriptedCaller): this {
    this.extra.push(add);
    return this;
  }

  then<A = Heard<R>, B = never>(
    onfulfilled?: ((value: Heard<R>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return this.run().then(onfulfilled, onrejected);
  }

  private cue(cue: Cue): this {
    this.finishSpeaking();
    this.cues.push(cue);
    return this;
  }

  private act(then: CallerAction): this {
    if (this.speakingMs !== undefined) {
      this.actions.push({ recordingMs: this.speakingMs, then });
      this.speakingMs = undefined;
      return this;
    }
    if (this.cues.length === 0) throw new Error('say first what the caller hears before she acts on it');
    this.actions.push({ cue: this.cues.length - 1, then });
    return this;
  }

  /** Speech with nothing after it: the caller falls silent. */
  private finishSpeaking(): void {
    if (this.speakingMs === undefined) return;
    this.actions.push({ recordingMs: this.speakingMs, then: { silent: true } });
    this.speakingMs = undefined;
  }

  private async run(): Promise<Heard<R>> {
    this.finishSpeaking();
    const heard: string[] = [];
    /** the start (index into `starts`) at which each cue was heard */
    const heardAt: number[] = [];
    let starts = 0;
    // First rule, so it sees each start before the actions do; it never fires itself.
    const listen = new MediaCue((file) => {
      const start = ++starts;
      for (const h of heardIn(file)) {
        heard.push(h);
        const next = heardAt.length;
        if (next < this.cues.length && this.cues[next]?.hit(h)) heardAt.push(start);
      }
      return false;
    });
    let caller = new ScriptedCaller({
      dialed: this.dialed,
      ...(this.number !== undefined ? { number: this.number } : {}),
    }).on({ playing: listen, afterMs: 0 }, { dtmf: '' });
    for (const a of this.actions) {
      const when: CallerTrigger =
        'cue' in a
          ? { playing: new MediaCue(() => heardAt[a.cue] === starts), afterMs: 0 }
          : { app: 'record', afterMs: a.recordingMs };
      caller = caller.on(when, a.then);
    }
    for (const add of this.extra) caller = add(caller);
    const report = await this.line(caller);
    if (heardAt.length < this.cues.length) {
      const missed = this.cues[heardAt.length];
      const after = heardAt.length > 0 ? ` after ${this.cues[heardAt.length - 1]?.label ?? ''}` : '';
      throw new Error(
        `expected ${missed?.label ?? ''}${after}, heard: ${heard.length ? heard.join(', ') : 'nothing'}`,
      );
    }
    const said = report.events.flatMap((e) => (e.kind === 'prompt' ? promptsIn(e.text) : []));
    const hangup = report.events.findLast((e) => e.kind === 'hangup');
    return {
      ...report,
      heard,
      said,
      ended: hangup?.kind === 'hangup' ? { cause: hangup.cause, by: hangup.by } : undefined,
    };
  }
}
