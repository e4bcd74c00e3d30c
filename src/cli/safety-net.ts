// The last line of defence of `voicebox serve`: an error that escaped the handling of its own
// call must not end every other call. Node ends the process on an unhandled rejection or an
// uncaught exception; with these handlers it logs the error and the server keeps serving.
// The supervisor (freeswitch/voicebox.service) still restarts the process if it dies anyway.
import type { RuntimeLogger } from '../runtime/index.js';

export interface SafetyNet {
  /** Errors caught so far. */
  readonly caught: number;
  remove(): void;
}

export function installSafetyNet(log: RuntimeLogger): SafetyNet {
  let caught = 0;
  const report = (kind: string, err: unknown): void => {
    caught++;
    log.error(
      {
        kind,
        err: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
        caught,
      },
      'an error escaped the handling of its call; voicebox keeps serving',
    );
  };
  const onRejection = (reason: unknown): void => report('unhandledRejection', reason);
  const onException = (err: Error): void => report('uncaughtException', err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    get caught() {
      return caught;
    },
    remove() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
