// Moving a user's data from ixi-UMS (A3): what voicebox understands of each value, what it will
// write in its own keys, and what it keeps or cannot use. Pure: `voicebox migrate` reads the
// users and prints or writes the plan. The plan is safe to print: PINs and passwords are
// masked everywhere but in `write`.
import { encode, readUserData, type CodecOptions } from './codec.js';

export interface MigrationPlan {
  /** each ixi-UMS value understood, with the voicebox KEY=VALUEs it becomes ([] = system default) */
  mapped: Array<{
    value: string;
    becomes: string[];
    inferred: boolean;
    /** our own values for the same settings, already stored: they win over `becomes` */
    supersededBy?: string[];
  }>;
  /** ixi-UMS or unknown values kept as they are, with why */
  kept: Array<{ value: string; reason: string }>;
  /**
   * values that are wrong (bad office hours, unknown language flag, ...): key, value (the part
   * after `=`), problem. They are kept as they are; the setting is the system default.
   */
  problems: Array<{ key: string; value: string; problem: string }>;
  /** the user data after migration (= encode(decode(values, options).settings, values, options)); holds secrets: never print */
  write: string[];
  /** `write` differs from the values as stored */
  changed: boolean;
}

/** keys whose values are PINs or passwords, compared case-insensitively */
const SECRET_KEYS = new Set(['ixi-umsmobilepin', 'legacypin', 'pinhash', 'pin', 'mailpassword']);

const MASK = '***';

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

/** `KEY=***` for a PIN or password value; any other value as it is. */
export function redactValue(value: string): string {
  const i = value.indexOf('=');
  if (i <= 0) return value;
  const key = value.slice(0, i);
  return isSecretKey(key) ? `${key}=${MASK}` : value;
}

/**
 * The migration of one user's data, computed from the stored values alone: ixi-UMS office hours
 * written in voicebox's format are mapped and a bad `officeHours` is reported.
 */
export function planMigration(values: string[], options?: CodecOptions): MigrationPlan {
  const { settings, readings } = readUserData(values, options);
  const write = encode(settings, values, options);
  const plan: MigrationPlan = { mapped: [], kept: [], problems: [], write, changed: false };
  for (const r of readings) {
    const value = redactValue(r.value);
    if (r.becomes !== undefined) {
      plan.mapped.push({
        value,
        becomes: r.becomes.map(redactValue),
        inferred: r.inferred ?? false,
        ...(r.supersededBy === undefined ? {} : { supersededBy: r.supersededBy.map(redactValue) }),
      });
    }
    if (r.kept !== undefined) plan.kept.push({ value, reason: r.kept });
    if (r.problem !== undefined) {
      const i = r.value.indexOf('=');
      const key = r.value.slice(0, i);
      plan.problems.push({
        key,
        value: isSecretKey(key) ? MASK : r.value.slice(i + 1),
        problem: r.problem,
      });
    }
  }
  const before = [...new Set(values)].sort();
  plan.changed = before.length !== write.length || before.some((v, i) => v !== write[i]);
  return plan;
}
