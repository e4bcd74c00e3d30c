// The admin audit log (`admin.auditLog`): one JSON line per change an admin command made — when,
// who (the OS user, or the admin logged in on the web page), the command, the user changed and
// what changed by key. Values of secret keys
// (PINs, hashes, passwords) never reach it. Each line is written with the file opened for
// appending, so logrotate's rename (without copytruncate) loses nothing.
import { mkdir, open } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';

/** What one admin command changed for one user (or for the site, without `user`). */
export interface AuditEntry {
  /** the command as typed, without options that carry no meaning (`user unlock`, `notify reset`) */
  readonly command: string;
  /**
   * who made the change when it is not the OS user running voicebox: the admin logged in on the
   * web page (her mailbox number); the OS user is then written as `osUser`
   */
  readonly by?: string;
  /** the user changed: her mailbox number, login or DN */
  readonly user?: string;
  /** what changed, by key: the new value, null when removed */
  readonly change: Readonly<Record<string, unknown>>;
}

/** The value written for a secret. */
export const SECRET_MASK = '***';

/**
 * A key whose value is a secret: a PIN (`pin`, `legacyPin`, ixi-UMS's `IXI-UMSMobilePIN`), a PIN
 * hash, a password, a token or key. Not secrets: `pinChangedAt`, `pinChangeRequired`,
 * `pinNumbers`, `wrongPinCount`, `pinReminderSentAt` (times, switches, counts and phone numbers).
 */
export function isSecretKey(key: string): boolean {
  return /pin$|pinhash|pass|pwd|secret|token|key$/i.test(key);
}

/** `value` with the value of every secret key, at any depth, replaced by `***`. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = isSecretKey(k) && v !== null && v !== undefined ? SECRET_MASK : redactSecrets(v);
  return out;
}

/**
 * What changed between two settings objects, by key: the new value, or null for a key that went
 * away. Keys whose values are equal (compared as JSON) are left out.
 */
export function changedKeys(
  before: Readonly<Record<string, unknown>>,
  after: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    change[key] = b === undefined ? null : b;
  }
  return change;
}

/** the OS user running the command ('' when the system cannot tell) */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

/**
 * Appends one line `{ time, by, command, user, change }` to `file` (created owner-only, 0600,
 * its folder 0700; a file found readable by others is tightened). `by` is the entry's `by` with
 * `osUser` beside it, or else the OS user. Rejects when it cannot be written: the caller says so
 * — a change that is not audited is not silent.
 */
export async function appendAudit(file: string, entry: AuditEntry, now: Date = new Date()): Promise<void> {
  const line = JSON.stringify({
    time: now.toISOString(),
    ...(entry.by !== undefined ? { by: entry.by, osUser: osUser() } : { by: osUser() }),
    command: entry.command,
    ...(entry.user !== undefined ? { user: entry.user } : {}),
    change: redactSecrets(entry.change),
  });
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const fh = await open(file, 'a', 0o600);
  try {
    if ((await fh.stat()).mode & 0o077) await fh.chmod(0o600);
    await fh.appendFile(`${line}\n`, 'utf8');
  } finally {
    await fh.close();
  }
}
