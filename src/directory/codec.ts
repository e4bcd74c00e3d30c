// The user-data codec: per-user settings as multi-valued KEY=VALUE strings in one directory
// attribute (A3). Our own keys are documented in README.md; ixi-UMS's keys
// (the ixi-UMS Voice-Mail Server manual §5.3.5) are read so a site can migrate. Pure: no I/O.
import type { ProfileSettings, UserSettings } from './types.js';

export interface DecodedUserData {
  settings: UserSettings;
  /** values we did not understand (unknown keys, unmapped ixi-UMS keys, invalid values): kept on write */
  unknown: string[];
}

export function defaultSettings(): UserSettings {
  return { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [] };
}

const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LANGUAGE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
const COUNT = /^\d{1,9}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DIGITS = /^\d{1,32}$/;

/** ixi-UMS's IXI-UMSMobileLevel → our access mode. The ixi-UMS Voice-Mail Server manual §5.3.2
 * names three modes but not their letters: `M` (the value of the manual's default data set,
 * "Mobile" = remote inquiry) and `N` are inferred, not documented. Other letters stay unmapped
 * (kept, access = system default). */
const IXI_LEVEL: Record<string, UserSettings['access']> = { N: 'none', M: 'messages' };

type Field =
  | 'enabled'
  | 'language'
  | 'greetingType'
  | 'transferAnnouncement'
  | 'activeProfile'
  | 'vacation'
  | 'pinHash'
  | 'legacyPin'
  | 'wrongPinCount'
  | 'lockedAt'
  | 'pinChangedAt'
  | 'welcomeSentAt'
  | 'loginRestriction'
  | 'access'
  | 'mailPassword';

function yn(v: string): boolean | undefined {
  const u = v.toUpperCase();
  return u === 'Y' ? true : u === 'N' ? false : undefined;
}
function isTime(v: string): boolean {
  return v !== '' && !Number.isNaN(Date.parse(v));
}
function oneOf<T extends string>(allowed: readonly T[]) {
  return (v: string): T | undefined => ((allowed as readonly string[]).includes(v) ? (v as T) : undefined);
}
function nonEmpty(v: string): string | undefined {
  return v === '' ? undefined : v;
}

/** Our single-valued keys: key in the attribute, field in UserSettings, parser (undefined = invalid). */
const OWN: { key: string; field: Field; parse: (v: string) => UserSettings[Field] | undefined }[] = [
  { key: 'enabled', field: 'enabled', parse: yn },
  { key: 'language', field: 'language', parse: (v) => (LANGUAGE.test(v) ? v : undefined) },
  { key: 'greetingType', field: 'greetingType', parse: oneOf(['individual', 'personalized'] as const) },
  {
    key: 'transferAnnouncement',
    field: 'transferAnnouncement',
    parse: oneOf(['user', 'user_and_system'] as const),
  },
  { key: 'profile', field: 'activeProfile', parse: (v) => (PROFILE_NAME.test(v) ? v : undefined) },
  { key: 'vacation', field: 'vacation', parse: yn },
  { key: 'pinHash', field: 'pinHash', parse: nonEmpty },
  { key: 'legacyPin', field: 'legacyPin', parse: (v) => (BASE64.test(v) ? v : undefined) },
  { key: 'wrongPinCount', field: 'wrongPinCount', parse: (v) => (COUNT.test(v) ? Number(v) : undefined) },
  { key: 'lockedAt', field: 'lockedAt', parse: (v) => (isTime(v) ? v : undefined) },
  { key: 'pinChangedAt', field: 'pinChangedAt', parse: (v) => (isTime(v) ? v : undefined) },
  { key: 'welcomeSentAt', field: 'welcomeSentAt', parse: (v) => (isTime(v) ? v : undefined) },
  {
    key: 'loginRestriction',
    field: 'loginRestriction',
    parse: oneOf(['everywhere', 'nowhere', 'listed'] as const),
  },
  { key: 'access', field: 'access', parse: oneOf(['none', 'settings', 'messages'] as const) },
  { key: 'mailPassword', field: 'mailPassword', parse: nonEmpty },
];
const OWN_BY_KEY = new Map(OWN.map((o) => [o.key, o]));

/** ixi-UMS keys we map (compared case-insensitively: ixi-UMS itself writes `ixi-ums…` and `IXI-UMS…`). */
const IXI: Record<string, { field: Field; parse: (v: string) => UserSettings[Field] | undefined }> = {
  'ixi-umsmobileenabled': { field: 'enabled', parse: yn },
  'ixi-umspinfailurecount': { field: 'wrongPinCount', parse: (v) => (COUNT.test(v) ? Number(v) : undefined) },
  // base64 of the digits; with ixi-UMS's "increased encryption" (6.60+) it is something else: unmapped, kept
  'ixi-umsmobilepin': {
    field: 'legacyPin',
    parse: (v) =>
      BASE64.test(v) && DIGITS.test(Buffer.from(v, 'base64').toString('latin1')) ? v : undefined,
  },
  'ixi-umsmobilelevel': { field: 'access', parse: (v) => IXI_LEVEL[v.toUpperCase()] },
};

function split(value: string): { key: string; val: string } | undefined {
  const i = value.indexOf('=');
  return i <= 0 ? undefined : { key: value.slice(0, i), val: value.slice(i + 1) };
}

/** `pin={PLAIN}1234` (the lab's placeholder before X3) is read as a legacy PIN. */
function legacyPinFromPin(val: string): string | undefined {
  const m = /^\{PLAIN\}(\d{1,32})$/.exec(val);
  return m?.[1] === undefined ? undefined : Buffer.from(m[1], 'latin1').toString('base64');
}

interface Analysis {
  settings: UserSettings;
  /** values decoded into settings (or superseded by one that was) */
  understood: Set<string>;
  unknown: string[];
  /** fields that were present in the data (so a default value is still written back) */
  present: Set<Field>;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function analyse(values: string[]): Analysis {
  const settings = defaultSettings();
  const understood = new Set<string>();
  const unknown: string[] = [];
  const present = new Set<Field>();
  const set = (field: Field, v: NonNullable<UserSettings[Field]>) => {
    (settings as unknown as Record<Field, unknown>)[field] = v;
    present.add(field);
  };
  const own: { value: string; key: string; val: string }[] = [];
  const ixi: { value: string; field: Field; parsed: NonNullable<UserSettings[Field]> }[] = [];
  const trusted = new Set<string>();
  const profiles: Record<string, ProfileSettings> = {};

  for (const value of sortedUnique(values)) {
    const kv = split(value);
    if (kv === undefined) {
      unknown.push(value);
      continue;
    }
    const mapped = IXI[kv.key.toLowerCase()];
    if (mapped !== undefined) {
      const parsed = mapped.parse(kv.val);
      if (parsed === undefined) unknown.push(value);
      else ixi.push({ value, field: mapped.field, parsed });
      continue;
    }
    own.push({ value, ...kv });
  }

  // ixi-UMS values first: our own keys, where present, win
  for (const x of ixi) {
    understood.add(x.value);
    if (!present.has(x.field)) set(x.field, x.parsed);
  }
  const ownSeen = new Set<Field>();
  for (const { value, key, val } of own) {
    const def = OWN_BY_KEY.get(key);
    if (def !== undefined) {
      const parsed = def.parse(val);
      if (parsed === undefined) {
        unknown.push(value);
      } else {
        understood.add(value);
        // the first valid value in sorted order wins; duplicates (two writers adding at once) are dropped on write
        if (!ownSeen.has(def.field)) set(def.field, parsed);
        ownSeen.add(def.field);
      }
      continue;
    }
    if (key === 'pin') {
      const legacy = legacyPinFromPin(val);
      if (legacy === undefined) unknown.push(value);
      else {
        understood.add(value);
        if (!ownSeen.has('legacyPin')) set('legacyPin', legacy);
        ownSeen.add('legacyPin');
      }
      continue;
    }
    if (key === 'trusted' && val !== '') {
      understood.add(value);
      trusted.add(val);
      continue;
    }
    const p = /^profile\.([^.]+)\.(transferTo|messages)$/.exec(key);
    if (p?.[1] !== undefined && PROFILE_NAME.test(p[1])) {
      const profile = (profiles[p[1]] ??= {});
      if (p[2] === 'transferTo' && val !== '') {
        understood.add(value);
        profile.transferTo ??= val;
        continue;
      }
      const allowed = p[2] === 'messages' ? yn(val) : undefined;
      if (allowed !== undefined) {
        understood.add(value);
        profile.messagesAllowed ??= allowed;
        continue;
      }
      if (Object.keys(profile).length === 0) delete profiles[p[1]];
    }
    unknown.push(value);
  }
  settings.trustedNumbers = [...trusted].sort();
  settings.profiles = profiles;
  return { settings, understood, unknown: unknown.sort(), present };
}

/** Decodes the user-data values (ours and ixi-UMS's); what is not understood comes back in `unknown`. */
export function decode(values: string[]): DecodedUserData {
  const { settings, unknown } = analyse(values);
  return { settings, unknown };
}

function checkValue(key: string, v: string): string {
  if (/[\n\r\0]/.test(v)) throw new RangeError(`user data ${key}: value must be one line`);
  return `${key}=${v}`;
}

function format(field: Field, v: NonNullable<UserSettings[Field]>): string {
  if (typeof v === 'boolean') return v ? 'Y' : 'N';
  return String(v);
}

/**
 * Encodes settings as KEY=VALUE strings, sorted. Values of `previous` that we did not understand
 * (unknown keys, unmapped ixi-UMS keys) are kept as they are; mapped ixi-UMS values are migrated
 * to our keys. A default (enabled=Y, wrongPinCount=0) is written only if it was there before.
 */
export function encode(settings: UserSettings, previous: string[]): string[] {
  const prev = analyse(previous);
  const out: string[] = [];
  const emitted = new Set<string>();
  const emit = (key: string, v: string) => {
    out.push(checkValue(key, v));
    emitted.add(key);
  };
  for (const { key, field } of OWN) {
    const v = settings[field];
    if (v === undefined) continue;
    const isDefault = (field === 'enabled' && v === true) || (field === 'wrongPinCount' && v === 0);
    if (isDefault && !prev.present.has(field)) continue;
    if (field === 'wrongPinCount' && (!Number.isInteger(v) || (v as number) < 0)) {
      throw new RangeError(`user data wrongPinCount: ${String(v)} is not a count`);
    }
    if (field === 'activeProfile' && !PROFILE_NAME.test(String(v))) {
      throw new RangeError(
        `user data profile: "${String(v)}" is not a profile name (${PROFILE_NAME.source})`,
      );
    }
    emit(key, format(field, v));
  }
  for (const n of new Set(settings.trustedNumbers)) if (n !== '') emit('trusted', n);
  for (const [name, p] of Object.entries(settings.profiles)) {
    if (!PROFILE_NAME.test(name)) {
      throw new RangeError(`user data: "${name}" is not a profile name (${PROFILE_NAME.source})`);
    }
    if (p.transferTo !== undefined && p.transferTo !== '') emit(`profile.${name}.transferTo`, p.transferTo);
    if (p.messagesAllowed !== undefined) emit(`profile.${name}.messages`, p.messagesAllowed ? 'Y' : 'N');
  }
  for (const value of prev.unknown) {
    const kv = split(value);
    // an invalid value of one of our keys is superseded when we write that key now
    if (kv !== undefined && emitted.has(kv.key)) continue;
    out.push(value);
  }
  return sortedUnique(out);
}
