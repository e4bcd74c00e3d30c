// What a call session needs from the world, as narrow interfaces. The FreeSWITCH
// Channel, the speech layer and the business actions are passed in, never imported.
import type { Value } from './values.js';

/**
 * What an error says when the call is gone — the caller hung up, voicebox did, or the call was
 * transferred away. A mark, not a class: the media leg's own error (src/esl's HangupError)
 * carries it without the runtime's code, as the arrows run from the runtime to the media leg.
 */
export interface CallHungUp {
  readonly callHungUp: true;
  /** FreeSWITCH's Hangup-Cause when the media leg knows it (`NORMAL_CLEARING`, ...) */
  readonly hangupCause?: string;
}

/** Is this the end of the call (see {@link CallHungUp}) rather than a failure? */
export function isCallHungUp(e: unknown): e is Error & CallHungUp {
  return e instanceof Error && (e as Partial<CallHungUp>).callHungUp === true;
}

/**
 * The call's media leg: implemented by src/esl's Channel. Once the call is gone, every method
 * rejects with an error satisfying {@link isCallHungUp} — the pending ones at once; any other
 * rejection is a failure of the call.
 */
export interface CallMedia {
  readonly uuid: string;
  readonly callerNumber: string;
  readonly callerName: string;
  readonly calledNumber: string;
  /** the number the call was forwarded from (Diversion, RDNIS), when FreeSWITCH presented one */
  readonly redirectedFrom?: string | undefined;
  readonly data: { readonly variables: ReadonlyMap<string, string> };
  /** FreeSWITCH's Hangup-Cause (CHANNEL_HANGUP) once the call is down */
  readonly hangupCause?: string | undefined;
  answer(): Promise<void>;
  playback(
    file: string,
    options?: { terminators?: string },
  ): Promise<{ response: string; terminator?: string }>;
  read(options: {
    min: number;
    max: number;
    file: string;
    timeoutMs: number;
    terminators: string;
    digitTimeoutMs?: number;
  }): Promise<{ digits: string; result: string; terminator?: string }>;
  record(
    file: string,
    options: { maxSeconds: number; silenceThreshold?: number; silenceHits?: number; terminators?: string },
  ): Promise<{ file: string; recordMs?: number; terminator?: string; silence: boolean; hungUp: boolean }>;
  bridge(
    target: string,
  ): Promise<{ outcome: 'answered' | 'busy' | 'no-answer' | 'failed'; disposition?: string }>;
  hangup(cause?: string): Promise<void>;
}

/** A caller's recording made in a call: the id its message is spooled under, and its file. */
export interface CallRecording {
  readonly id: string;
  /** where voicebox finds it */
  readonly localPath: string;
}

/** What becomes of a call's recordings once it is over: RecordingRetention (recording.ts). */
export interface CallRecordings {
  /** `unsent`: the ids of recordings a failure kept from their message (an action failed on them, the call failed) */
  callEnded(recordings: readonly CallRecording[], unsent: ReadonlySet<string>): Promise<void>;
}

/** Prompts and values as audio FreeSWITCH can play: implemented over src/speech. */
export interface Voice {
  /**
   * the prompt's text in a language with its placeholders filled (`{profile}` → "vacation");
   * `count` picks the form of a counted prompt ("ein neues Fax", "zwei neue Faxe")
   */
  promptText(id: string, language: string, values: Readonly<Record<string, string>>, count?: number): string;
  /** audio for any text in a language */
  render(text: string, language: string): Promise<{ freeswitchPath: string }>;
  /**
   * a prompt's audio if it is rendered already, else undefined — at once, whatever state the
   * renderer is in: how a failing call gets its apology
   */
  ready?(id: string, language: string): { freeswitchPath: string } | undefined;
}

export interface CallInfo {
  readonly id: string;
  readonly caller: string;
  readonly callerName: string;
  readonly called: string;
  /**
   * the number the call was forwarded from, as the network presented it: anyone can forge it, so
   * it may choose whose greeting plays (`lookup user` on a common number), never who logs in
   */
  readonly redirectedFrom?: string;
  readonly callerClass: 'internal' | 'external';
  readonly time: Date;
}

export interface ActionContext {
  readonly call: CallInfo;
  /** the language prompts are played in now */
  readonly language: string;
  readonly log: RuntimeLogger;
  /** runs when the call is over (close a mailbox opened for it, ...) */
  onCallEnd(cleanup: () => Promise<void> | void): void;
  /** tells the call's transcript what an action decided that the caller does not hear as such */
  note?(event: ActionNote): void;
}

/** What an action decided, for the transcript: the profile that answers and why. */
export type ActionNote = { kind: 'profile'; profile: string; reason: string };

/** An action either ends with one of its declared outcomes, or succeeds with a value. */
export type ActionResult = { readonly outcome: string } | { readonly value?: Value };

export type ActionImpl = (args: Value[], context: ActionContext) => Promise<ActionResult>;

export type ActionRegistry = ReadonlyMap<string, ActionImpl>;

/** pino-compatible */
export interface RuntimeLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  child(bindings: object): RuntimeLogger;
}

/** What happened on a call, for transcripts (`voicebox call`) and tests. */
export type CallEvent =
  /**
   * a menu starts: it plays its prompts and listens. `keys`: what it acts on now — the keys
   * whose `when` holds, and with an input the digits and the keys that end it.
   */
  | { kind: 'listen'; menu: string; keys: string[] }
  /** `language`: the voice's, when it is not the call's (a mail read in its own language) */
  | { kind: 'prompt'; prompts: string[]; text: string; language?: string }
  | { kind: 'audio'; file: string }
  | { kind: 'tone' }
  | { kind: 'dtmf'; digits: string }
  | { kind: 'record'; ms: number; file: string; hungUp: boolean }
  | { kind: 'transfer'; target: string; outcome: string }
  /** `freeswitch`: it ended the call itself (a `record` it could not write) */
  | { kind: 'hangup'; cause: string; by: 'caller' | 'voicebox' | 'freeswitch' }
  | { kind: 'error'; message: string; at: string }
  | ActionNote;

/** One accepted call as its observers (metrics, logs) see it. */
export interface ObservedCall {
  readonly uuid: string;
  /** the flow it runs (`voicebox_flow`, else the server's default) */
  readonly flow: string;
  /** the release of the menus it runs, kept from its start to its end (`voicebox deploy`) */
  readonly release: string;
}

/**
 * How a call ended, for counting: `completed` voicebox ended it (goodbye), `caller_hangup` the
 * caller hung up, `transferred` FreeSWITCH bridged it on, `error` a failure ended it, `refused`
 * it lacked the dialplan's token, `drained` it was still running when a stop's drain time ran out.
 */
export type CallOutcome = 'completed' | 'caller_hangup' | 'transferred' | 'error' | 'refused' | 'drained';

/** Told of every call the server accepts: `started` once, then `ended` once. */
export interface CallObserver {
  started(call: ObservedCall): void;
  ended(call: ObservedCall, outcome: CallOutcome): void;
}
