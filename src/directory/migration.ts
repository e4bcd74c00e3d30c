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
  /**
   * mapped values that loosen her login: PIN-less login from her office or mobile number, login
   * from any number, remote inquiry of her messages — for the admin to check before `--write`
   */
  opens: Array<{ value: string; becomes: string; opens: string; inferred: boolean }>;
  /** the user data after migration (= encode(decode(values, options).settings, values, options)); holds secrets: never print */
  write: string[];
  /** `write` differs from the values as stored */
  changed: boolean;
}

/** keys whose values are PINs or passwords, compared case-insensitively */
const SECRET_KEYS = new Set(['ixi-umsmobilepin', 'legacypin', 'pinhash', 'pin', 'mailpassword']);
/**
 * A key we do not know whose name sounds secret (ixi-UMS 6.60 keeps an encrypted IMAP password
 * under a name its manual does not give): masked too.
 */
const SECRET_LIKE = /pass|pwd|secret|pin|key|token/i;
/**
 * Known keys that match {@link SECRET_LIKE} but hold no secret, shown as they are: phone numbers
 * (`pinNumber`: the numbers she may log in from with her PIN), times, counts, a switch.
 */
const NOT_SECRET = new Set([
  'pinnumber',
  'pinchangedat',
  'pinchangerequired',
  'pinremindersentat',
  'wrongpincount',
  'ixi-umspinfailurecount',
]);

const MASK = '***';

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEYS.has(k) || (!NOT_SECRET.has(k) && SECRET_LIKE.test(k));
}

/** Mapped values that loosen her login, and how an admin would say it. */
const OPENS: Record<string, string> = {
  'trustOffice=Y': 'PIN-less login from her office number',
  'trustMobile=Y': 'PIN-less login from her mobile number',
  'loginRestriction=everywhere': 'login with her PIN from any number',
  'access=messages': 'her messages by phone (remote inquiry)',
};

/** The site's side of a migration. */
export interface MigrationSite {
  /**
   * the languages the menus have prompts for: a `language` or `menuLanguage` outside them is a
   * problem (her calls use the site's language). Unset: not checked.
   */
  languages?: readonly string[];
}

/** `KEY=***` for a PIN, password or secret-like value; any other value as it is. */
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
export function planMigration(
  values: string[],
  options?: CodecOptions,
  site: MigrationSite = {},
): MigrationPlan {
  const { settings, readings } = readUserData(values, options);
  const write = encode(settings, values, options);
  const plan: MigrationPlan = { mapped: [], kept: [], problems: [], opens: [], write, changed: false };
  const spoken = site.languages === undefined ? undefined : new Set(site.languages);
  /** `language=fr` with no French prompts: the problem, else undefined */
  const unspoken = (kv: string): string | undefined => {
    const m = /^(language|menuLanguage)=(.*)$/.exec(kv);
    return m === null || spoken === undefined || spoken.has(m[2]!)
      ? undefined
      : `no prompts in ${m[2]!}: the site's language applies`;
  };
  for (const r of readings) {
    const value = redactValue(r.value);
    // what she will have of it: her own value for the same key wins
    const ownKeys = new Set((r.supersededBy ?? []).map((v) => v.slice(0, v.indexOf('='))));
    const inUse = (r.becomes ?? []).filter((kv) => !ownKeys.has(kv.slice(0, kv.indexOf('='))));
    for (const kv of inUse) {
      const opens = OPENS[kv];
      if (opens !== undefined) plan.opens.push({ value, becomes: kv, opens, inferred: r.inferred ?? false });
    }
    // her languages, as mapped or as stored: a language the menus do not speak cannot be heard
    const languages = r.becomes === undefined ? (r.problem === undefined ? [r.value] : []) : inUse;
    const notSpoken = [...new Set(languages.map(unspoken).filter((p) => p !== undefined))];
    if (notSpoken.length > 0) {
      const i = r.value.indexOf('=');
      plan.problems.push({
        key: r.value.slice(0, i),
        value: r.value.slice(i + 1),
        problem: notSpoken.join('; '),
      });
    }
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
