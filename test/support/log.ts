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
