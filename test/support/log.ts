// A logger that drops everything: pino's shape (with `child`), so it serves the runtime, the
// actions, the spool, the directory and the event socket alike.
import type { RuntimeLogger } from '../../src/runtime/index.js';

export const silentLogger: RuntimeLogger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => silentLogger,
};

/** one line a recording logger kept: the fields it was given, and its message */
export type LoggedLine = Record<string, unknown> & { msg?: string };

/** A logger that keeps every line (fields and message), for tests of what an admin reads. */
export function recordingLogger(): { log: RuntimeLogger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at =
    () =>
    (obj: object, msg?: string): void => {
      lines.push({ ...(obj as Record<string, unknown>), ...(msg !== undefined ? { msg } : {}) });
    };
  const log: RuntimeLogger = { info: at(), warn: at(), error: at(), debug: at(), child: () => log };
  return { log, lines };
}
