// How many calls the process's file limit allows. Each call is one socket, and may briefly need
// a file or two more (its recording, the spool, a speech render's pipes). When the limit is hit
// the kernel refuses the connection and libuv closes it before Node sees it: a real call is lost
// without a log line. So the connection limit, which refuses with a log line, must come first.
import { readdirSync, readFileSync } from 'node:fs';

/** Kept free for everything that is not a call's socket: mail, directory, mailbox, renders, files. */
const RESERVE = 32;
/** A call's socket and one file it may hold at the same time. */
const PER_CALL = 2;

/** The soft limit of open files (Node raises it to the hard limit at start); undefined off Linux. */
export function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line && line[1] !== 'unlimited' ? Number(line[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function openFiles(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/** The most connections the file limit allows now, or undefined when it cannot be told. */
export function connectionsAllowed(): number | undefined {
  const limit = openFileLimit();
  const open = openFiles();
  if (limit === undefined || open === undefined) return undefined;
  return Math.max(1, Math.floor((limit - open - RESERVE) / PER_CALL));
}

/** freeswitch.maxConnections, lowered (with a warning) to what the file limit allows. */
export function connectionLimit(configured: number, log: { warn(obj: object, msg?: string): void }): number {
  const allowed = connectionsAllowed();
  if (allowed === undefined || configured <= allowed) return configured;
  log.warn(
    { maxConnections: configured, allowed, fileLimit: openFileLimit() },
    `freeswitch.maxConnections ${configured} is more than the open-file limit allows: ` +
      `taking ${allowed} calls at once (raise LimitNOFILE, see freeswitch/voicebox.service)`,
  );
  return allowed;
}
