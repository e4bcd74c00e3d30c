/** The call is gone (caller hung up, we hung up, or it left us by transfer); nothing more can be done with it. */
export class HangupError extends Error {
  override readonly name = 'HangupError';
  /**
   * The mark a call's user (voicebox's runtime: `isCallHungUp`) knows the end of a call by,
   * rather than by a class it would have to import from here.
   */
  readonly callHungUp = true;
  constructor(
    /** Hang-up cause as FreeSWITCH names it (`NORMAL_CLEARING`, `USER_BUSY`, ...); `UNKNOWN` when the socket just closed. */
    readonly hangupCause: string,
    /** True when the call did not end but was transferred away from voicebox. */
    readonly transferred = false,
  ) {
    super(transferred ? 'call was transferred away' : `call hung up (${hangupCause})`);
  }
}

/** A wait on FreeSWITCH (reply, completion, connection) took longer than its limit. */
export class EslTimeoutError extends Error {
  override readonly name = 'EslTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: no answer from FreeSWITCH within ${timeoutMs} ms`);
  }
}

/** FreeSWITCH answered a command with `-ERR ...` (or an api command's output starts with `-ERR`/`-USAGE`). */
export class EslCommandError extends Error {
  override readonly name = 'EslCommandError';
  constructor(
    readonly command: string,
    /** The reply text as FreeSWITCH sent it, e.g. `-ERR invalid` or `-ERR foo Command not found!`. */
    readonly reply: string,
    hint?: string,
  ) {
    super(`${command}: ${reply.trim()}${hint ? ` (${hint})` : ''}`);
  }
}

/** The peer sent bytes that are not the event-socket protocol (garbage, an absurd Content-Length, ...). */
export class EslProtocolError extends Error {
  override readonly name = 'EslProtocolError';
}

/** The event-socket connection is not (or no longer) there. */
export class EslConnectionError extends Error {
  override readonly name = 'EslConnectionError';
}
