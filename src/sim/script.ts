/** What a caller does, and when (simulated ms since the call started). */
export type CallerAction =
  | { readonly dtmf: string; readonly gapMs?: number }
  | { readonly hangup: string }
  /** From now on the caller is silent (true) or talking (false); ends a `record` by silence detection. */
  | { readonly silent: boolean };

export type MediaMatch = string | RegExp;

export type CallerTrigger =
  /** At a moment of the call. */
  | { readonly atMs: number }
  /** `afterMs` after a prompt/file matching `playing` started (playback, speak, read/pagd prompts). */
  | { readonly playing: MediaMatch; readonly afterMs: number }
  /** When a prompt/file matching `played` has finished playing. */
  | { readonly played: MediaMatch }
  /** `afterMs` after the n-th application (1-based, counting every execute) started. */
  | { readonly step: number; readonly afterMs: number }
  /** `afterMs` after the first start of application `app` (e.g. `record`). */
  | { readonly app: string; readonly afterMs: number };

export interface CallerRule {
  readonly when: CallerTrigger;
  readonly then: CallerAction;
}

/** What happens to a `bridge` or `transfer` target. */
export type DestinationOutcome =
  | { readonly outcome: 'answered'; readonly ringMs?: number; readonly talkMs?: number }
  | { readonly outcome: 'busy'; readonly ringMs?: number }
  | { readonly outcome: 'no-answer'; readonly ringMs?: number }
  | { readonly outcome: 'failed'; readonly cause?: string; readonly ringMs?: number };

/**
 * How the controlling socket breaks: `reset` (TCP RST), `close` (FIN), `half-frame` (the
 * first half of the frame, then RST).
 */
export type SocketFaultKind = 'reset' | 'close' | 'half-frame';

/** The socket breaks instead of sending an event to the controller (a network fault, FreeSWITCH dying). */
export interface SocketFault {
  /** The event that never arrives whole, e.g. `RECORD_STOP` or `CHANNEL_EXECUTE_COMPLETE`. */
  readonly before: string;
  /** Only that application's completion (`record`), for `CHANNEL_EXECUTE_COMPLETE`. */
  readonly application?: string;
  readonly how: SocketFaultKind;
}

export interface CallerProfile {
  /** Caller-ID number, e.g. `+4930123456`. */
  readonly number: string;
  /** Caller-ID name; empty = none. */
  readonly name: string;
  /** The number the caller dialled (`Caller-Destination-Number`). */
  readonly dialed: string;
  readonly uuid?: string;
  /** Channel variables present from the start (as if set by the dialplan). */
  readonly variables: Readonly<Record<string, string>>;
  /** Whether the call is already answered when it reaches the socket. Default false. */
  readonly answered: boolean;
  /** `Caller-RDNIS`: the number dialled before a `transfer` (FreeSWITCH's rdnis); absent = none. */
  readonly rdnis?: string;
}

export interface CallerScript extends CallerProfile {
  readonly rules: readonly CallerRule[];
  readonly destinations: ReadonlyMap<string, DestinationOutcome>;
  /** Default none: the socket behaves. */
  readonly socketFault?: SocketFault;
}

/**
 * A caller for the simulator, written like the call reads:
 *
 * ```ts
 * new ScriptedCaller({ number: '+4930123456', name: 'José', dialed: '5001' })
 *   .pressWhilePlaying('enter-pin', '1234#', 500)
 *   .silentAfter('record', 4000)
 *   .hangupAt(60_000)
 *   .destination('user/1001', { outcome: 'busy' });
 * ```
 */
export class ScriptedCaller {
  private profile: CallerProfile;
  private readonly rules: CallerRule[] = [];
  private readonly destinations = new Map<string, DestinationOutcome>();
  private fault: SocketFault | undefined;

  constructor(profile: Partial<CallerProfile> = {}) {
    this.profile = {
      number: profile.number ?? '+4930123456',
      name: profile.name ?? '',
      dialed: profile.dialed ?? '5000',
      variables: profile.variables ?? {},
      answered: profile.answered ?? false,
      ...(profile.uuid ? { uuid: profile.uuid } : {}),
    };
  }

  /**
   * The call was forwarded from `number` the way FreeSWITCH presents it: `diversion` (default) as
   * the variable `sip_h_Diversion` mod_sofia copies from a SIP Diversion header
   * (`<sip:101@pbx>;reason=no-answer`), `rdnis` as `Caller-RDNIS` after a dialplan `transfer`.
   * `header` sets the Diversion header's value as given (malformed ones too).
   */
  redirectedFrom(number: string, how: 'diversion' | 'rdnis' = 'diversion', header?: string): this {
    this.profile =
      how === 'rdnis'
        ? { ...this.profile, rdnis: number }
        : {
            ...this.profile,
            variables: {
              ...this.profile.variables,
              sip_h_Diversion: header ?? `<sip:${number}@pbx.example.com>;reason=no-answer;counter=1`,
            },
          };
    return this;
  }

  /** Adds any rule. */
  on(when: CallerTrigger, then: CallerAction): this {
    this.rules.push({ when, then });
    return this;
  }

  /** Presses digits at a moment of the call. */
  pressAt(atMs: number, digits: string): this {
    return this.on({ atMs }, { dtmf: digits });
  }

  /** Presses digits `afterMs` into a prompt whose file name contains / matches `file`. */
  pressWhilePlaying(file: MediaMatch, digits: string, afterMs = 0): this {
    return this.on({ playing: file, afterMs }, { dtmf: digits });
  }

  /** Presses digits as soon as a prompt has finished (type-ahead for the next input). */
  pressAfterPlayed(file: MediaMatch, digits: string): this {
    return this.on({ played: file }, { dtmf: digits });
  }

  /** Presses digits `afterMs` after application `app` started (e.g. `#` into a `record`). */
  pressDuring(app: string, digits: string, afterMs: number): this {
    return this.on({ app, afterMs }, { dtmf: digits });
  }

  /** Talks into a recording for `afterMs`, then stays silent. */
  silentAfter(app: string, afterMs: number): this {
    return this.on({ app, afterMs }, { silent: true });
  }

  hangupAt(atMs: number, cause = 'NORMAL_CLEARING'): this {
    return this.on({ atMs }, { hangup: cause });
  }

  /** Hangs up `afterMs` into the n-th application (1-based). */
  hangupAtStep(step: number, afterMs = 0, cause = 'NORMAL_CLEARING'): this {
    return this.on({ step, afterMs }, { hangup: cause });
  }

  /** Hangs up `afterMs` after a prompt matching `file` started. */
  hangupWhilePlaying(file: MediaMatch, afterMs = 0, cause = 'NORMAL_CLEARING'): this {
    return this.on({ playing: file, afterMs }, { hangup: cause });
  }

  /** Hangs up `afterMs` after application `app` started. */
  hangupDuring(app: string, afterMs: number, cause = 'NORMAL_CLEARING'): this {
    return this.on({ app, afterMs }, { hangup: cause });
  }

  /** What happens when the call is bridged or transferred to `target` (`*` = any other target). */
  destination(target: string, outcome: DestinationOutcome): this {
    this.destinations.set(target, outcome);
    return this;
  }

  /**
   * The socket breaks `how` at the moment the event `before` would be sent (the media go on
   * as FreeSWITCH's would: a recording's file is written before its RECORD_STOP). E.g.
   * `.breakSocket('RECORD_STOP', 'reset')`, or `.breakSocket('CHANNEL_EXECUTE_COMPLETE',
   * 'close', 'record')` for a RECORD_STOP that arrives and a completion that does not.
   */
  breakSocket(before: string, how: SocketFaultKind, application?: string): this {
    this.fault = { before, how, ...(application ? { application } : {}) };
    return this;
  }

  /** Plain-data form the simulator runs. */
  get script(): CallerScript {
    return {
      ...this.profile,
      rules: [...this.rules],
      destinations: new Map(this.destinations),
      ...(this.fault ? { socketFault: this.fault } : {}),
    };
  }
}
