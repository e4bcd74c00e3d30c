// The user-data codec: per-user settings as multi-valued KEY=VALUE strings in one directory
// attribute (A3). Our own keys are documented in README.md; ixi-UMS's keys
// (the ixi-UMS Voice-Mail Server manual §5.3.5) are read so a site can migrate. Pure: no I/O.
import { isCalendarDate, parseUserOfficeHours } from '../schedule/index.js';
import type { ProfileSettings, UserSettings } from './types.js';

export interface DecodedUserData {
  settings: UserSettings;
  /** values we did not understand (unknown keys, unmapped ixi-UMS keys, invalid values): kept on write */
  unknown: string[];
}

/** How one stored value was read: what `voicebox migrate` shows an admin. */
export interface ValueReading {
  value: string;
  /** an ixi-UMS value understood: the voicebox KEY=VALUEs it stands for ([] = the system default) */
  becomes?: string[];
  /** the meaning of the ixi-UMS value is inferred, not documented by the manual */
  inferred?: boolean;
  /** our own values stored beside it for the same settings: they win over `becomes` */
  supersededBy?: string[];
  /** the value (or a part of it) is not mapped and stays as it is, and why */
  kept?: string;
  /** the value is wrong (it stays as it is; the setting is the system default), and what is wrong */
  problem?: string;
}

/**
 * What the codec needs from elsewhere: by default src/schedule's `parseUserOfficeHours` (pure),
 * so every adapter reads, writes and migrates office hours alike; tests may pass another.
 */
export interface CodecOptions {
  /**
   * Reads a user's office hours text. With it, an ixi-UMS `IXI-UMSMobileOH` written as voicebox
   * office hours becomes `officeHours`, and a bad `officeHours` is reported by
   * {@link readUserData}; without it, `IXI-UMSMobileOH` is kept as it is.
   */
  parseOfficeHours?: (text: string) => { ok: true } | { ok: false; error: string };
}

const DEFAULT_OPTIONS: CodecOptions = {
  parseOfficeHours: (text) => parseUserOfficeHours(text),
};

export function defaultSettings(): UserSettings {
  return { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [] };
}

const PROFILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LANGUAGE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/;
const COUNT = /^\d{1,9}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DIGITS = /^\d{1,32}$/;
/** a host name or an IPv4 address, or an IPv6 address (brackets allowed): no port, path or spaces */
const HOST =
  /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?|\[?[0-9A-Fa-f]*:[0-9A-Fa-f:.]*\]?)$/;
/** ISO 639-1: the two-letter codes ixi-UMS's language flags are read as */
const ISO_639_1 = new Set(
  (
    'aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da ' +
    'de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ' +
    'ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln ' +
    'lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi ' +
    'pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti ' +
    'tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu'
  ).split(' '),
);

/** ixi-UMS's IXI-UMSMobileLevel → our access mode. The ixi-UMS Voice-Mail Server manual §5.3.2
 * names three modes but not their letters: `M` (the value of the manual's default data set,
 * "Mobile" = remote inquiry) and `N` are inferred, not documented. Other letters stay unmapped
 * (kept, access = system default). */
const IXI_LEVEL: Record<string, UserSettings['access']> = { N: 'none', M: 'messages' };

/** ixi-UMS's profile names (the ixi-UMS Voice-Mail Server manual §5.x.1) and ours */
const IXI_PROFILES: Record<string, string> = {
  work: 'work',
  mobile: 'mobile',
  home: 'home',
  vacation: 'vacation',
  custom1: 'custom1',
  custom2: 'custom2',
};

type Field =
  | 'enabled'
  | 'language'
  | 'greetingType'
  | 'transferAnnouncement'
  | 'activeProfile'
  | 'vacation'
  | 'vacationFrom'
  | 'vacationUntil'
  | 'pinHash'
  | 'legacyPin'
  | 'wrongPinCount'
  | 'lockedAt'
  | 'pinChangedAt'
  | 'welcomeSentAt'
  | 'loginRestriction'
  | 'access'
  | 'mailPassword'
  | 'officeHours'
  | 'offHoursProfile'
  | 'breakProfile'
  | 'languageChoice'
  | 'menuLanguage'
  | 'trustOffice'
  | 'trustMobile'
  | 'pinChangeRequired'
  | 'pinReminderSentAt'
  | 'webSessions'
  | 'welcomeResend'
  | 'imapFolder'
  | 'imapUser'
  | 'imapHost'
  | 'notifyLamp'
  | 'notifyBySms'
  | 'notifyResetAt';

/**
 * A line break, NUL or other control character: no valid value of ours has one (`encode` could not
 * write it back as one line), so such a value is invalid whatever its key — kept as it is.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_PROBLEM = 'a line break or control character in the value';

/** keys whose values are secrets: never in an error message */
const SECRET_FIELDS = new Set<Field>(['pinHash', 'legacyPin', 'mailPassword']);

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
/** a profile name, or `none` for "no profile" ('') */
function profileOrNone(v: string): string | undefined {
  return v === 'none' ? '' : PROFILE_NAME.test(v) ? v : undefined;
}
const time = (v: string) => (isTime(v) ? v : undefined);
const language = (v: string) => (LANGUAGE.test(v) ? v : undefined);
const YES_NO = 'Y or N';
const ISO_TIME = 'an ISO time';
const ISO_DATE = 'a date YYYY-MM-DD';
const calendarDate = (v: string) => (isCalendarDate(v) ? v : undefined);

interface OwnKey {
  key: string;
  field: Field;
  parse: (v: string) => UserSettings[Field] | undefined;
  /** what a valid value looks like, in an admin's words */
  expects: string;
}

/** Our single-valued keys: key in the attribute, field in UserSettings, parser (undefined = invalid). */
const OWN: OwnKey[] = [
  { key: 'enabled', field: 'enabled', parse: yn, expects: YES_NO },
  { key: 'language', field: 'language', parse: language, expects: 'a language tag (de, en, de-AT …)' },
  {
    key: 'greetingType',
    field: 'greetingType',
    parse: oneOf(['individual', 'personalized'] as const),
    expects: 'individual or personalized',
  },
  {
    key: 'transferAnnouncement',
    field: 'transferAnnouncement',
    parse: oneOf(['user', 'user_and_system'] as const),
    expects: 'user or user_and_system',
  },
  {
    key: 'profile',
    field: 'activeProfile',
    parse: (v) => (PROFILE_NAME.test(v) ? v : undefined),
    expects: `a profile name (${PROFILE_NAME.source})`,
  },
  { key: 'vacation', field: 'vacation', parse: yn, expects: YES_NO },
  { key: 'vacationFrom', field: 'vacationFrom', parse: calendarDate, expects: ISO_DATE },
  { key: 'vacationUntil', field: 'vacationUntil', parse: calendarDate, expects: ISO_DATE },
  { key: 'pinHash', field: 'pinHash', parse: nonEmpty, expects: 'a PIN hash' },
  {
    key: 'legacyPin',
    field: 'legacyPin',
    parse: (v) => (BASE64.test(v) ? v : undefined),
    expects: 'a PIN in base64',
  },
  {
    key: 'wrongPinCount',
    field: 'wrongPinCount',
    parse: (v) => (COUNT.test(v) ? Number(v) : undefined),
    expects: 'a count',
  },
  { key: 'lockedAt', field: 'lockedAt', parse: time, expects: ISO_TIME },
  { key: 'pinChangedAt', field: 'pinChangedAt', parse: time, expects: ISO_TIME },
  { key: 'welcomeSentAt', field: 'welcomeSentAt', parse: time, expects: ISO_TIME },
  {
    key: 'loginRestriction',
    field: 'loginRestriction',
    parse: oneOf(['everywhere', 'nowhere', 'listed'] as const),
    expects: 'everywhere, nowhere or listed',
  },
  {
    key: 'access',
    field: 'access',
    parse: oneOf(['none', 'settings', 'messages'] as const),
    expects: 'none, settings or messages',
  },
  { key: 'mailPassword', field: 'mailPassword', parse: nonEmpty, expects: 'a password' },
  // her own values of site settings (README.md, "Per-user settings")
  {
    key: 'officeHours',
    field: 'officeHours',
    parse: nonEmpty,
    expects: 'office hours (Europe/Berlin; mon-fri 08:00-17:00 …) or none',
  },
  {
    key: 'offHoursProfile',
    field: 'offHoursProfile',
    parse: profileOrNone,
    expects: 'a profile name or none',
  },
  { key: 'breakProfile', field: 'breakProfile', parse: profileOrNone, expects: 'a profile name or none' },
  {
    key: 'languageChoice',
    field: 'languageChoice',
    parse: oneOf(['default', 'by_caller', 'ask'] as const),
    expects: 'default, by_caller or ask',
  },
  {
    key: 'menuLanguage',
    field: 'menuLanguage',
    parse: language,
    expects: 'a language tag (de, en, de-AT …)',
  },
  { key: 'trustOffice', field: 'trustOffice', parse: yn, expects: YES_NO },
  { key: 'trustMobile', field: 'trustMobile', parse: yn, expects: YES_NO },
  { key: 'pinChangeRequired', field: 'pinChangeRequired', parse: yn, expects: YES_NO },
  { key: 'pinReminderSentAt', field: 'pinReminderSentAt', parse: time, expects: ISO_TIME },
  {
    key: 'webSessions',
    field: 'webSessions',
    parse: (v) => (COUNT.test(v) ? Number(v) : undefined),
    expects: 'a count',
  },
  {
    key: 'welcomeResend',
    field: 'welcomeResend',
    parse: oneOf(['pin', 'newPin'] as const),
    expects: 'pin or newPin',
  },
  { key: 'imapFolder', field: 'imapFolder', parse: nonEmpty, expects: 'a folder such as INBOX/Voice' },
  { key: 'imapUser', field: 'imapUser', parse: nonEmpty, expects: 'an IMAP user name' },
  {
    key: 'imapHost',
    field: 'imapHost',
    parse: (v) => (HOST.test(v) ? v : undefined),
    expects: 'a host name or IP address (no port, no spaces or slashes)',
  },
  { key: 'notifyLamp', field: 'notifyLamp', parse: yn, expects: YES_NO },
  { key: 'notifyBySms', field: 'notifyBySms', parse: yn, expects: YES_NO },
  { key: 'notifyResetAt', field: 'notifyResetAt', parse: time, expects: ISO_TIME },
];
const OWN_BY_KEY = new Map(OWN.map((o) => [o.key, o]));

type NotifyKind = 'voice' | 'fax' | 'sms';
const NOTIFY_KINDS: readonly NotifyKind[] = ['voice', 'fax', 'sms'];
/** her own thresholds, one key per kind of message (README.md, "Notifications") */
const THRESHOLD_KEYS: Readonly<Record<string, NotifyKind>> = {
  notifyVoice: 'voice',
  notifyFax: 'fax',
  notifySms: 'sms',
};
const THRESHOLD_KEY_OF: Readonly<Record<NotifyKind, string>> = {
  voice: 'notifyVoice',
  fax: 'notifyFax',
  sms: 'notifySms',
};
const MAX_THRESHOLD = 1000;
const THRESHOLD_EXPECTS = `a whole number from 0 to ${MAX_THRESHOLD} (0: never)`;
const SMS_NOTIFIED_EXPECTS = 'counts per kind, e.g. voice:2,fax:1,sms:0';

function threshold(v: string): number | undefined {
  return /^\d{1,4}$/.test(v) && Number(v) <= MAX_THRESHOLD ? Number(v) : undefined;
}

/** `voice:2,fax:1` → { voice: 2, fax: 1 }; each kind once */
function smsNotified(v: string): Partial<Record<NotifyKind, number>> | undefined {
  const counts: Partial<Record<NotifyKind, number>> = {};
  for (const part of v.split(',')) {
    const m = /^(voice|fax|sms):(\d{1,9})$/.exec(part.trim());
    if (m === null) return undefined;
    const kind = m[1] as NotifyKind;
    if (counts[kind] !== undefined) return undefined;
    counts[kind] = Number(m[2]);
  }
  return counts;
}

/** our repeatable keys and the list each fills */
const REPEATABLE = { trusted: 'trustedNumbers', pinNumber: 'pinNumbers' } as const;

/** What an ixi-UMS value means: `becomes` unset = not mapped. */
interface IxiReading {
  becomes?: string[];
  inferred?: boolean;
  kept?: string;
  problem?: string;
}

function ixiLanguage(flag: string): { tag?: string; problem?: string } {
  if (flag === '..') return {};
  const tag = flag.toLowerCase();
  return ISO_639_1.has(tag) ? { tag } : { problem: `unknown language flag "${flag}"` };
}

/**
 * ixi-UMS's keys we map (compared case-insensitively: ixi-UMS itself writes `ixi-ums…` and
 * `IXI-UMS…`), each to our KEY=VALUEs. An empty value is ixi-UMS's "System default": nothing.
 */
function ixiKeys(options: CodecOptions): Record<string, (v: string) => IxiReading> {
  return {
    'ixi-umsmobileenabled': (v) => {
      const on = yn(v);
      return on === undefined
        ? { problem: `expected ${YES_NO}` }
        : { becomes: [`enabled=${on ? 'Y' : 'N'}`] };
    },
    'ixi-umspinfailurecount': (v) =>
      COUNT.test(v) ? { becomes: [`wrongPinCount=${Number(v)}`] } : { problem: 'expected a count' },
    // base64 of the digits; with ixi-UMS's "increased encryption" (6.60+) it is something else: unmapped, kept
    'ixi-umsmobilepin': (v) =>
      BASE64.test(v) && DIGITS.test(Buffer.from(v, 'base64').toString('latin1'))
        ? { becomes: [`legacyPin=${v}`] }
        : {
            kept: 'not a PIN voicebox can read (ixi-UMS 6.60 and later encrypt it): give her a new one with welcomeResend=newPin',
          },
    'ixi-umsmobilelevel': (v) => {
      const access = IXI_LEVEL[v.toUpperCase()];
      return access === undefined
        ? { kept: `level "${v}" is not known (only N and M are): her access is the system default` }
        : { becomes: [`access=${access}`], inferred: true };
    },
    // §5.3.2: "Greeting default language" then "Menu language", two letters each, `..` = system
    // default; the flags after them are not documented
    'ixi-umsmobileannouncementflags': (v) => {
      if (v.length < 4) return { kept: 'not two language flags of two characters each: not mapped' };
      const greeting = ixiLanguage(v.slice(0, 2));
      const menu = ixiLanguage(v.slice(2, 4));
      const becomes: string[] = [];
      if (greeting.tag !== undefined) becomes.push(`language=${greeting.tag}`);
      if (menu.tag !== undefined) becomes.push(`menuLanguage=${menu.tag}`);
      const problems = [greeting.problem, menu.problem].filter((p) => p !== undefined);
      const rest = v.slice(4);
      const reading: IxiReading = { becomes, inferred: true };
      if (problems.length > 0) {
        const which = greeting.problem !== undefined ? 'greeting' : 'menu';
        reading.problem =
          problems.length === 2
            ? `${problems.join(' and ')}: greeting and menu language are the system default`
            : `${problems[0]!}: the ${which} language is the system default`;
        if (becomes.length === 0) delete reading.becomes;
      } else if (!/^\.*$/.test(rest)) {
        reading.kept = `the flags after the two languages ("${rest}") are not documented: not mapped`;
      }
      return reading;
    },
    'ixi-umsmobilenomessageprofiles': (v) => {
      const names = v.split(/[,;\s]+/).filter((n) => n !== '');
      const unknown = names.filter((n) => IXI_PROFILES[n.toLowerCase()] === undefined);
      if (unknown.length > 0) {
        return {
          problem: `unknown profile name ${unknown.map((n) => `"${n}"`).join(', ')} (ixi-UMS's are Work, Mobile, Home, Vacation, Custom1, Custom2)`,
        };
      }
      const ours = [...new Set(names.map((n) => IXI_PROFILES[n.toLowerCase()]!))].sort();
      return { becomes: ours.map((p) => `profile.${p}.messages=N`), inferred: true };
    },
    'ixi-umsmobileoh': (v) => {
      if (v === '') return { becomes: [] };
      const parse = options.parseOfficeHours;
      if (parse === undefined) return { kept: 'format not documented: not mapped' };
      const parsed = parse(v);
      return parsed.ok
        ? { becomes: [`officeHours=${v}`], inferred: true }
        : {
            problem: `format not documented, and not voicebox office hours (${parsed.error}): her office hours are the company's`,
          };
    },
    // §5.3.2's form, in its order: office without PIN, mobile without PIN, restriction of the remote
    // inquiry, office with PIN, mobile with PIN; `.` = system default
    'ixi-umsmobilerestrictionflags': (v) => {
      if (!/^[.YyNn]{5}$/.test(v)) {
        return { kept: 'not five flags of ".", "Y", "N" (the format voicebox infers): not mapped' };
      }
      const flag = (i: number) => yn(v[i]!);
      const becomes: string[] = [];
      const office = flag(0);
      const mobile = flag(1);
      const restricted = flag(2);
      if (office !== undefined) becomes.push(`trustOffice=${office ? 'Y' : 'N'}`);
      if (mobile !== undefined) becomes.push(`trustMobile=${mobile ? 'Y' : 'N'}`);
      if (restricted !== undefined) becomes.push(`loginRestriction=${restricted ? 'listed' : 'everywhere'}`);
      const reading: IxiReading = { becomes, inferred: true };
      if (flag(3) === false || flag(4) === false) {
        reading.kept =
          'office or mobile with PIN "N" is not mapped: voicebox always allows her own office and mobile number with a PIN';
      }
      return reading;
    },
    // §5.3.3: "If a subfolder "Voice" is set up in the inbox of the user, Voice has to be entered here."
    'ixi-umsmobileimapmailbox': (v) => {
      const path = v.trim();
      if (path === '' || path.toLowerCase() === 'inbox') return { becomes: [] };
      const inInbox = /^inbox([/.\\])(.+)$/i.exec(path);
      const sub =
        inInbox === null ? path.split(/[/\\]/) : inInbox[2]!.split(inInbox[1] === '.' ? '.' : /[/\\]/);
      const parts = sub.filter((p) => p !== '');
      if (parts.length === 0) return { becomes: [] };
      return { becomes: [`imapFolder=INBOX/${parts.join('/')}`] };
    },
  };
}

const IXI_KERNEL =
  /^ixi(?:isdnoriginatingaddress|faxsendernumber|costcenter|messageheader|faxmaxpages|permsendpriority|[a-z]*permtsvc)$/i;
const IXI_NOTIFIER = /^mn(?:thrhlds|destdev)$/i;

/** Why a value that is neither ours nor mapped is kept. */
function keptBecause(key: string): string {
  if (IXI_KERNEL.test(key)) return 'ixi-UMS kernel (fax/SMS sending), not a voice-mail setting';
  if (IXI_NOTIFIER.test(key))
    return 'ixi-UMS notification thresholds/devices: kept, not mapped (format unknown)';
  if (key === 'voiceboxRev') return 'the revision of the user data (voicebox writes it)';
  if (/^ixi/i.test(key)) return 'an ixi-UMS key voicebox does not know';
  return 'not a voicebox key';
}

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
  unknown: string[];
  /** fields that were present in the data (so a default value is still written back) */
  present: Set<Field>;
  readings: ValueReading[];
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Where a value of ours goes: a slot holds one value (the first in sorted order wins). */
type Applied = { slot: string; take: () => void } | { problem: string } | undefined;

function analyse(values: string[], options: CodecOptions): Analysis {
  const IXI = ixiKeys(options);
  const settings = defaultSettings();
  const unknown: string[] = [];
  const present = new Set<Field>();
  const readings: ValueReading[] = [];
  const lists = { trustedNumbers: new Set<string>(), pinNumbers: new Set<string>() };
  const profiles: Record<string, ProfileSettings> = {};
  const set = (field: Field, v: NonNullable<UserSettings[Field]>) => {
    (settings as unknown as Record<Field, unknown>)[field] = v;
    present.add(field);
  };

  /** a value of one of our keys: where it goes, or why it is invalid; undefined: not our key */
  const ours = (key: string, val: string): Applied => {
    const applied = oursAsText(key, val);
    return applied !== undefined && !('problem' in applied) && CONTROL.test(val)
      ? { problem: CONTROL_PROBLEM }
      : applied;
  };
  const oursAsText = (key: string, val: string): Applied => {
    const def = OWN_BY_KEY.get(key);
    if (def !== undefined) {
      const parsed = def.parse(val);
      if (parsed === undefined) return { problem: `expected ${def.expects}` };
      return { slot: def.field, take: () => set(def.field, parsed) };
    }
    if (key === 'pin') {
      const legacy = legacyPinFromPin(val);
      if (legacy === undefined) return { problem: 'expected {PLAIN} and the digits' };
      return { slot: 'legacyPin', take: () => set('legacyPin', legacy) };
    }
    const kind = THRESHOLD_KEYS[key];
    if (kind !== undefined) {
      const n = threshold(val);
      if (n === undefined) return { problem: `expected ${THRESHOLD_EXPECTS}` };
      return { slot: key, take: () => ((settings.notifyThresholds ??= {})[kind] = n) };
    }
    if (key === 'smsNotified') {
      const counts = smsNotified(val);
      if (counts === undefined) return { problem: `expected ${SMS_NOTIFIED_EXPECTS}` };
      return { slot: key, take: () => (settings.smsNotified = counts) };
    }
    if (key === 'trusted' || key === 'pinNumber') {
      if (val === '') return { problem: 'expected a number' };
      return { slot: `${key}=${val}`, take: () => lists[REPEATABLE[key]].add(val) };
    }
    const p = /^profile\.([^.]+)\.(transferTo|messages)$/.exec(key);
    if (p?.[1] !== undefined && PROFILE_NAME.test(p[1])) {
      const name = p[1];
      if (p[2] === 'transferTo') {
        if (val === '') return { problem: 'expected a number' };
        return { slot: key, take: () => ((profiles[name] ??= {}).transferTo = val) };
      }
      const allowed = yn(val);
      if (allowed === undefined) return { problem: `expected ${YES_NO}` };
      return { slot: key, take: () => ((profiles[name] ??= {}).messagesAllowed = allowed) };
    }
    return undefined;
  };

  const own: { reading: ValueReading; key: string; val: string }[] = [];
  const ixi: { reading: ValueReading; becomes: string[] }[] = [];
  for (const value of sortedUnique(values)) {
    const reading: ValueReading = { value };
    readings.push(reading);
    const kv = split(value);
    if (kv === undefined) {
      reading.kept = 'not KEY=VALUE';
      unknown.push(value);
      continue;
    }
    const mapper = IXI[kv.key.toLowerCase()];
    if (mapper !== undefined) {
      const r: IxiReading =
        kv.val === ''
          ? { becomes: [] }
          : CONTROL.test(kv.val)
            ? { problem: CONTROL_PROBLEM }
            : mapper(kv.val);
      Object.assign(reading, r);
      if (r.becomes !== undefined) ixi.push({ reading, becomes: r.becomes });
      if (r.kept !== undefined || r.problem !== undefined) unknown.push(value);
      continue;
    }
    own.push({ reading, ...kv });
  }

  // our own values first: where present, they win over ixi-UMS's
  const taken = new Map<string, string[]>();
  for (const { reading, key, val } of own) {
    const applied = ours(key, val);
    if (applied === undefined) {
      // an empty MNThrhlds/MNDestDev says nothing: kept, but not worth an admin's reading
      if (!(IXI_NOTIFIER.test(key) && val === '')) reading.kept = keptBecause(key);
      unknown.push(reading.value);
    } else if ('problem' in applied) {
      reading.problem = applied.problem;
      unknown.push(reading.value);
    } else {
      // the first valid value in sorted order wins; duplicates (two writers adding at once) are dropped on write
      if (!taken.has(applied.slot)) applied.take();
      taken.set(applied.slot, [...(taken.get(applied.slot) ?? []), reading.value]);
      if (key === 'officeHours' && options.parseOfficeHours !== undefined) {
        const hours = options.parseOfficeHours(val);
        if (!hours.ok) reading.problem = `${hours.error}: her office hours are the company's`;
      }
    }
  }
  const fromIxi = new Set<string>();
  for (const { reading, becomes } of ixi) {
    const superseding: string[] = [];
    for (const value of becomes) {
      const kv = split(value)!;
      const applied = ours(kv.key, kv.val);
      if (applied === undefined || 'problem' in applied) continue; // cannot happen: IXI builds valid values
      const winners = taken.get(applied.slot);
      if (winners !== undefined) superseding.push(...winners);
      else if (!fromIxi.has(applied.slot)) {
        applied.take();
        fromIxi.add(applied.slot);
      }
    }
    if (superseding.length > 0) reading.supersededBy = sortedUnique(superseding);
  }

  settings.trustedNumbers = [...lists.trustedNumbers].sort();
  if (lists.pinNumbers.size > 0) settings.pinNumbers = [...lists.pinNumbers].sort();
  settings.profiles = profiles;
  return { settings, unknown: unknown.sort(), present, readings };
}

/** Decodes the user-data values (ours and ixi-UMS's); what is not understood comes back in `unknown`. */
export function decode(values: string[], options: CodecOptions = DEFAULT_OPTIONS): DecodedUserData {
  const { settings, unknown } = analyse(values, options);
  return { settings, unknown };
}

/**
 * Every stored value, sorted and once, with how it was read: ixi-UMS values with what they
 * become, values kept as they are and why, wrong values and what is wrong. Our own valid values
 * carry nothing (an `officeHours` that does not parse carries its problem). Values are as stored:
 * secrets included.
 */
export function readUserData(
  values: string[],
  options: CodecOptions = DEFAULT_OPTIONS,
): DecodedUserData & { readings: ValueReading[] } {
  const { settings, unknown, readings } = analyse(values, options);
  return { settings, unknown, readings };
}

function checkValue(key: string, v: string): string {
  if (CONTROL.test(v))
    throw new RangeError(`user data ${key}: value must be one line, without control characters`);
  return `${key}=${v}`;
}

function format(field: Field, v: NonNullable<UserSettings[Field]>): string {
  if (typeof v === 'boolean') return v ? 'Y' : 'N';
  if ((field === 'offHoursProfile' || field === 'breakProfile') && v === '') return 'none';
  return String(v);
}

/** defaults written only if they were stored before, so a first write stays small */
function isDefault(field: Field, v: unknown): boolean {
  return (
    (field === 'enabled' && v === true) ||
    (field === 'wrongPinCount' && v === 0) ||
    (field === 'pinChangeRequired' && v === false)
  );
}

/**
 * Encodes settings as KEY=VALUE strings, sorted. Values of `previous` that we did not understand
 * (unknown keys, unmapped ixi-UMS keys) are kept as they are; mapped ixi-UMS values are migrated
 * to our keys. A default (enabled=Y, wrongPinCount=0, pinChangeRequired=N) is written only if it
 * was there before (`options`: as for {@link decode}, so the same values count as mapped). A
 * value that would not read back (a bad profile name, host, time …) is a
 * `RangeError`; an empty text is not written.
 */
export function encode(
  settings: UserSettings,
  previous: string[],
  options: CodecOptions = DEFAULT_OPTIONS,
): string[] {
  const prev = analyse(previous, options);
  const out: string[] = [];
  const emitted = new Set<string>();
  const emit = (key: string, v: string) => {
    out.push(checkValue(key, v));
    emitted.add(key);
  };
  for (const { key, field, parse, expects } of OWN) {
    const v = settings[field];
    if (v === undefined) continue;
    if (v === '' && field !== 'offHoursProfile' && field !== 'breakProfile') continue;
    if (isDefault(field, v) && !prev.present.has(field)) continue;
    const text = format(field, v);
    checkValue(key, text);
    if (
      parse(text) === undefined ||
      ((field === 'wrongPinCount' || field === 'webSessions') && !Number.isInteger(v))
    ) {
      const shown = SECRET_FIELDS.has(field) ? '' : ` "${String(v)}"`;
      throw new RangeError(`user data ${key}:${shown} is not ${expects}`);
    }
    emit(key, text);
  }
  for (const kind of NOTIFY_KINDS) {
    const n = settings.notifyThresholds?.[kind];
    if (n === undefined) continue;
    const key = THRESHOLD_KEY_OF[kind];
    if (!Number.isInteger(n) || n < 0 || n > MAX_THRESHOLD)
      throw new RangeError(`user data ${key}: "${String(n)}" is not ${THRESHOLD_EXPECTS}`);
    emit(key, String(n));
  }
  const told = NOTIFY_KINDS.flatMap((kind) => {
    const n = settings.smsNotified?.[kind];
    return n === undefined ? [] : [[kind, n] as const];
  });
  if (told.length > 0) {
    for (const [kind, n] of told) {
      if (!Number.isInteger(n) || n < 0 || n > 999_999_999)
        throw new RangeError(`user data smsNotified: ${kind} "${String(n)}" is not a count`);
    }
    emit('smsNotified', told.map(([kind, n]) => `${kind}:${n}`).join(','));
  }
  for (const n of new Set(settings.trustedNumbers)) if (n !== '') emit('trusted', n);
  for (const n of new Set(settings.pinNumbers ?? [])) if (n !== '') emit('pinNumber', n);
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
