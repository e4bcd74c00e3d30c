// `voicebox user show | unlock | pin set | defaults`: what the admin does for a user by hand (the
// ixi-UMS Voice-Mail Server manual §5.3.5 "default user data", §5.3.6 "Reset – unlock"). Every
// change is the directory's atomic update, the same the phone's login writes, and one line of
// the audit log; nothing prints a PIN, a PIN hash or a password.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { load } from 'js-yaml';
import { loginAccess, pinExpiresAt, type LoginPolicy } from '../actions/index.js';
import type { VoiceboxConfig } from '../config/index.js';
import {
  decode,
  DirectoryConfigError,
  DirectoryError,
  DirectoryUnavailable,
  encode,
  type Directory,
  type DirectoryUser,
  type UserSettings,
} from '../directory/index.js';
import { formats } from '../phone/index.js';
import { hashPin, isTrivialPin } from '../pin/index.js';
import { appendAudit, changedKeys } from './audit.js';
import type { Io } from './menus.js';
import { adminDirectory } from './services.js';

/** Where a PIN or an answer is read from: process.stdin fits (user-mail-password.ts). */
export interface AdminInput {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event: string): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** A secret read without echo (user-mail-password.ts's `readSecret`), passed in to keep one reader. */
export type ReadSecret = (input: AdminInput, ask: (text: string) => void, prompt: string) => Promise<string>;

/** The admin's mistake or a refusal: one line, exit 1. */
/** A mistake of the admin's or a refusal (not confirmed): one line, exit 1. */
export class AdminError extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Directory text as printed: a control character (an escape sequence in a name) shows as `?`. */
// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

const who = (u: DirectoryUser): string => printable(`${u.name} (${u.mailbox || u.login || u.id})`);

/** how the audit log names her: the mailbox number, else her login, else the DN */
export const auditName = (u: DirectoryUser): string => u.mailbox || u.login || u.id;

const looksLikeNumber = (s: string): boolean => /^\+?[0-9][0-9 ()/-]*$/.test(s.trim());

/** her entry: by any format of her mailbox number, else by login, mailbox alias or DN */
export async function findUser(
  directory: Directory,
  config: VoiceboxConfig,
  wanted: string,
): Promise<DirectoryUser> {
  if (looksLikeNumber(wanted)) {
    const f = formats(wanted, config.location);
    if (!f) throw new AdminError(`${printable(wanted)} is not a phone number`);
    const user = await directory.findByNumber(f.all);
    if (!user) throw new AdminError(`no user with the mailbox number ${printable(wanted)} in the directory`);
    return user;
  }
  if (!directory.users) {
    throw new AdminError(
      `this directory cannot be searched by login: give ${printable(wanted)}'s mailbox number instead`,
    );
  }
  const name = wanted.trim().toLowerCase();
  for await (const user of directory.users()) {
    if (
      user.login?.toLowerCase() === name ||
      user.mailboxAlias?.toLowerCase() === name ||
      user.id.toLowerCase() === name
    )
      return user;
  }
  throw new AdminError(`no user with the login, mailbox alias or DN ${printable(wanted)} in the directory`);
}

async function everyUser(directory: Directory, config: VoiceboxConfig): Promise<DirectoryUser[]> {
  if (!directory.users) throw new AdminError(`the ${config.directory.type} directory cannot list its users`);
  // the whole list first, then one write per user: no listing runs while the entries change
  const all: DirectoryUser[] = [];
  for await (const user of directory.users()) all.push(user);
  return all;
}

function loginPolicy(config: VoiceboxConfig): LoginPolicy {
  return config.login;
}

// ---------------------------------------------------------------------------------------------
// user show

/** What `user show` tells of her: never a PIN, a hash or a password — only whether there is one. */
export interface UserReport {
  name: string;
  mailbox: string;
  login: string | null;
  mail: string;
  language: { value: string | null; own: boolean };
  profile: { value: string | null; own: boolean };
  phoneLogin: { access: 'none' | 'settings' | 'messages'; own: boolean };
  lock: { locked: boolean; since: string | null; wrongPins: number; maxWrongPins: number };
  pin: {
    origin: 'voicebox' | 'ixi-UMS' | 'none';
    /** the site's default PIN opens her login (she has none of her own) */
    siteDefault: boolean;
    changedAt: string | null;
    ageDays: number | null;
    expiresAt: string | null;
    expired: boolean;
    changeRequired: boolean;
  };
  welcome: { sentAt: string | null; resend: 'pin' | 'newPin' | null };
  notifications: {
    thresholds: { voice: number | null; fax: number | null; sms: number | null };
    lamp: boolean | null;
    sms: boolean | null;
    resetAt: string | null;
  };
  mailPasswordStored: boolean;
}

export function userReport(user: DirectoryUser, config: VoiceboxConfig, now: Date): UserReport {
  const s = user.settings;
  const policy = loginPolicy(config);
  const changed = s.pinChangedAt ? Date.parse(s.pinChangedAt) : NaN;
  const expires = pinExpiresAt(s, policy);
  const hasPin = Boolean(s.pinHash || s.legacyPin);
  return {
    name: printable(user.name),
    mailbox: printable(user.mailbox),
    login: user.login === undefined ? null : printable(user.login),
    mail: printable(user.email),
    language: { value: s.language ?? null, own: s.language !== undefined },
    profile: { value: s.activeProfile ?? null, own: s.activeProfile !== undefined },
    phoneLogin: { access: loginAccess(user, policy), own: s.access !== undefined },
    lock: {
      locked: Boolean(s.lockedAt),
      since: s.lockedAt ?? null,
      wrongPins: s.wrongPinCount,
      maxWrongPins: policy.maxWrongPins,
    },
    pin: {
      origin: s.pinHash ? 'voicebox' : s.legacyPin ? 'ixi-UMS' : 'none',
      siteDefault: !hasPin && Boolean(config.welcome.defaultPin),
      changedAt: s.pinChangedAt ?? null,
      ageDays: Number.isNaN(changed) ? null : Math.floor((now.getTime() - changed) / DAY_MS),
      expiresAt: expires?.toISOString() ?? null,
      expired: expires !== undefined && expires.getTime() <= now.getTime(),
      changeRequired: s.pinChangeRequired === true,
    },
    welcome: { sentAt: s.welcomeSentAt ?? null, resend: s.welcomeResend ?? null },
    notifications: {
      thresholds: {
        voice: s.notifyThresholds?.voice ?? null,
        fax: s.notifyThresholds?.fax ?? null,
        sms: s.notifyThresholds?.sms ?? null,
      },
      lamp: s.notifyLamp ?? null,
      sms: s.notifyBySms ?? null,
      resetAt: s.notifyResetAt ?? null,
    },
    mailPasswordStored: Boolean(s.mailPassword),
  };
}

/** What `user show` prints of her, as label and value pairs (the admin's web page shows the same). */
export function reportLines(r: UserReport, config: VoiceboxConfig): Array<[string, string]> {
  const site = "the site's";
  const own = (v: string | null, isOwn: boolean, fallback: string) =>
    isOwn && v !== null ? `${printable(v)} (her own)` : fallback;
  const yn = (b: boolean | null, siteValue: boolean) =>
    b === null ? `${siteValue ? 'on' : 'off'} (${site})` : b ? 'on' : 'off';
  const threshold = (n: number | null, siteValue: number) =>
    n === null ? `${siteValue} (${site})` : String(n);
  const lock = r.lock.locked
    ? `locked since ${r.lock.since} (${r.lock.wrongPins} wrong PINs of ${r.lock.maxWrongPins})`
    : `not locked (${r.lock.wrongPins} wrong PINs of ${r.lock.maxWrongPins})`;
  const pin =
    r.pin.origin === 'voicebox'
      ? 'set (voicebox hash)'
      : r.pin.origin === 'ixi-UMS'
        ? 'set (ixi-UMS legacy PIN: replaced by a hash at her next login)'
        : r.pin.siteDefault
          ? "none (the site's default PIN opens her login)"
          : 'none';
  const age =
    r.pin.changedAt === null
      ? 'not known (voicebox has not seen it set)'
      : `${r.pin.changedAt}, ${r.pin.ageDays} ${r.pin.ageDays === 1 ? 'day' : 'days'} ago`;
  const expiry =
    config.login.pinExpiryDays <= 0
      ? 'never (login.pinExpiryDays is 0)'
      : r.pin.expiresAt === null
        ? `${config.login.pinExpiryDays} days after her next login`
        : `${r.pin.expired ? 'expired ' : ''}${r.pin.expiresAt}`;
  const welcome =
    (r.welcome.sentAt === null ? 'not sent yet' : `sent ${r.welcome.sentAt}`) +
    (r.welcome.resend === null
      ? ''
      : `; asked for again: it goes out with the next call to her mailbox (${r.welcome.resend === 'newPin' ? 'with a new PIN' : 'her PIN unchanged'})`);
  const n = r.notifications;
  const t = config.notify.thresholds;
  const lines: [string, string][] = [
    ['mailbox', r.mailbox],
    ['login', r.login ?? '-'],
    ['mail', r.mail || '-'],
    ['language', own(r.language.value, r.language.own, site)],
    ['profile', own(r.profile.value, r.profile.own, "the menus' default")],
    ['phone login', `${r.phoneLogin.access}${r.phoneLogin.own ? ' (her own)' : ` (${site})`}`],
    ['lock', lock],
    ['PIN', pin],
    ['PIN changed', age],
    ['PIN expires', expiry],
    ['PIN change due', r.pin.changeRequired ? 'yes (at her next login)' : 'no'],
    ['welcome mail', welcome],
    [
      'notify after',
      `voice ${threshold(n.thresholds.voice, t.voice)}, fax ${threshold(n.thresholds.fax, t.fax)}, SMS ${threshold(n.thresholds.sms, t.sms)}`,
    ],
    ['lamp', yn(n.lamp, config.notify.lamp.enabled)],
    ['SMS', yn(n.sms, config.notify.sms.enabled)],
    ['counted since', n.resetAt ?? '-'],
    ['IMAP password', r.mailPasswordStored ? 'her own, stored encrypted' : 'none'],
  ];
  return lines;
}

function showText(r: UserReport, config: VoiceboxConfig): string {
  const lines = reportLines(r, config);
  const width = Math.max(...lines.map(([k]) => k.length)) + 1;
  return `${r.name}\n${lines.map(([k, v]) => `  ${`${k}:`.padEnd(width)} ${v}\n`).join('')}`;
}

// ---------------------------------------------------------------------------------------------
// confirmation for --all

/** One line typed at the terminal (with echo). */
function readLine(input: AdminInput): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const finish = (value: string) => {
      input.removeAllListeners('data');
      input.removeAllListeners('end');
      input.pause();
      resolve(value);
    };
    input.on('data', (chunk) => {
      text += chunk.toString();
      const end = text.search(/\r|\n/);
      if (end >= 0) finish(text.slice(0, end));
    });
    input.on('end', () => finish(text));
    input.setRawMode?.(false);
    input.resume();
  });
}

/** `--yes`, or `yes` typed at a terminal; without a terminal and without `--yes`: refused. */
export async function confirmed(
  io: Io,
  input: AdminInput,
  yes: boolean | undefined,
  what: string,
): Promise<void> {
  if (yes) return;
  if (!input.isTTY) throw new AdminError(`${what}: give --yes to go on without a terminal; nothing changed`);
  io.err(`${what}. Type yes to go on: `);
  const answer = (await readLine(input)).trim().toLowerCase();
  if (answer !== 'yes') throw new AdminError('not confirmed: nothing changed');
}

// ---------------------------------------------------------------------------------------------
// user unlock

/**
 * Her settings unlocked: no lock, no wrong PINs counted. `resend`: the welcome mail goes out
 * again with the next call to her mailbox (`welcomeResend`, as the manual's "Unlock and resend
 * welcome mail"); `newPin` with a new PIN that voicebox makes then, stores as a hash and tells
 * in that mail alone — and she must change it at her next login.
 */
export function unlocked(s: UserSettings, resend: 'pin' | 'newPin' | undefined): UserSettings {
  const next: UserSettings = { ...s, wrongPinCount: 0 };
  delete next.lockedAt;
  if (resend !== undefined) next.welcomeResend = resend;
  if (resend === 'newPin') next.pinChangeRequired = true;
  return next;
}

interface UnlockOptions {
  config?: string;
  all?: boolean;
  resendWelcome?: boolean;
  newPin?: boolean;
  yes?: boolean;
}

// ---------------------------------------------------------------------------------------------
// user defaults

/**
 * The keys of default user data (§5.3.5): her choices, which a site may give everyone at first.
 * Not among them: her PIN and its state, the lock, times voicebox records, her own numbers and
 * mailbox location — those are hers alone.
 */
export const DEFAULT_DATA_KEYS: ReadonlySet<string> = new Set([
  'enabled',
  'language',
  'menuLanguage',
  'languageChoice',
  'greetingType',
  'transferAnnouncement',
  'profile',
  'vacation',
  'loginRestriction',
  'access',
  'officeHours',
  'offHoursProfile',
  'breakProfile',
  'trustOffice',
  'trustMobile',
  'pinChangeRequired',
  'imapFolder',
  'notifyVoice',
  'notifyFax',
  'notifySms',
  'notifyLamp',
  'notifyBySms',
]);
const PROFILE_KEY = /^profile\.[A-Za-z0-9_-]{1,64}\.(transferTo|messages)$/;

const keyOf = (kv: string): string => kv.slice(0, kv.indexOf('='));

/**
 * The defaults file as KEY=VALUE values: a map (`language: de`, `notifyLamp: Y`) or a list of
 * `KEY=VALUE` like a users file's settings. Each key must be default user data and each value
 * valid; otherwise the whole file is refused, naming the key.
 */
export function readDefaults(text: string, file: string): string[] {
  let doc: unknown;
  try {
    doc = load(text);
  } catch (e) {
    throw new AdminError(`${file}: not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  let values: string[];
  if (Array.isArray(doc)) {
    values = doc.map((v, i) => {
      if (typeof v !== 'string' || !v.includes('='))
        throw new AdminError(`${file}: item ${i + 1} is not KEY=VALUE`);
      return v;
    });
  } else if (doc !== null && typeof doc === 'object') {
    values = Object.entries(doc as Record<string, unknown>).map(([k, v]) => {
      if (typeof v === 'boolean') return `${k}=${v ? 'Y' : 'N'}`;
      if (typeof v === 'string' || typeof v === 'number') return `${k}=${v}`;
      throw new AdminError(`${file}: ${k}: give one value (text, number or Y/N)`);
    });
  } else {
    throw new AdminError(`${file}: give the default user data as KEY: VALUE lines`);
  }
  if (values.length === 0) throw new AdminError(`${file}: no default user data in it`);
  const seen = new Set<string>();
  for (const kv of values) {
    const key = keyOf(kv);
    if (!DEFAULT_DATA_KEYS.has(key) && !PROFILE_KEY.test(key)) {
      const known = decode([kv]).unknown.length === 0;
      throw new AdminError(
        known
          ? `${file}: ${key} is not default user data (it is hers alone): nothing written`
          : `${file}: ${key} is not a key of the user data (src/directory/README.md lists them): nothing written`,
      );
    }
    if (seen.has(key)) throw new AdminError(`${file}: ${key} is given twice: nothing written`);
    seen.add(key);
    if (decode([kv]).unknown.length > 0)
      throw new AdminError(
        `${file}: ${key}: "${printable(kv.slice(key.length + 1))}" is not a valid value: nothing written`,
      );
  }
  return values;
}

/**
 * Her settings with the defaults she has not set herself (with `force`: all of them); `raw` her
 * stored values as listed, which tell a default she stored (`enabled=Y`) from one she never set.
 */
export function withDefaults(
  s: UserSettings,
  raw: string[],
  defaults: string[],
  force: boolean,
): UserSettings {
  const hers = encode(s, raw);
  const own = new Set(hers.map(keyOf));
  const apply = new Set(defaults.map(keyOf).filter((k) => force || !own.has(k)));
  if (apply.size === 0) return s;
  const merged = [
    ...hers.filter((kv) => !apply.has(keyOf(kv))),
    ...defaults.filter((kv) => apply.has(keyOf(kv))),
  ];
  return decode(merged).settings;
}

// ---------------------------------------------------------------------------------------------
// the commands

/** the directory's and the command's errors as one line */
function reason(e: unknown): string {
  if (e instanceof DirectoryUnavailable) return `the directory cannot be reached: ${e.message}`;
  if (e instanceof DirectoryConfigError) return `the directory cannot be read: ${e.message}`;
  return printable((e as Error).message);
}

const isExpected = (e: unknown): boolean => e instanceof AdminError || e instanceof DirectoryError;

/**
 * Adds `show`, `unlock`, `pin set` and `defaults` to the `user` command. `readSecret` reads the
 * PIN without echo (the one `user mail-password` uses).
 */
export function addUserAdminCommands(
  user: Command,
  io: Io,
  setExit: (code: number) => void,
  input: AdminInput,
  readSecret: ReadSecret,
): void {
  /** runs `body` on the admin directory; one line and exit 1 for what the admin can put right */
  const withDirectory = async (
    name: string,
    configFile: string | undefined,
    body: (config: VoiceboxConfig, directory: Directory) => Promise<number>,
  ): Promise<void> => {
    const admin = adminDirectory(name, configFile, io.err);
    if (!admin) return setExit(2);
    try {
      setExit(await body(admin.config, admin.directory));
    } catch (e) {
      if (!isExpected(e)) throw e;
      io.err(`${name}: ${reason(e)}\n`);
      setExit(1);
    } finally {
      await admin.directory.close();
    }
  };

  /** the audit line of a change; a change that cannot be audited is said, and fails the command */
  const audit = async (
    name: string,
    config: VoiceboxConfig,
    command: string,
    u: DirectoryUser,
    change: Record<string, unknown>,
  ): Promise<boolean> => {
    if (Object.keys(change).length === 0) return true;
    try {
      await appendAudit(config.admin.auditLog, { command, user: auditName(u), change });
      return true;
    } catch (e) {
      io.err(
        `${name}: ${who(u)} is changed, but the audit log ${config.admin.auditLog} could not be written: ${(e as Error).message}\n`,
      );
      return false;
    }
  };

  user
    .command('show')
    .description(
      'her settings, lock state and wrong PINs, PIN origin and age, welcome mail and notifications — never a PIN or password',
    )
    .argument('<number|login>', 'her mailbox number (any format), or her login, mailbox alias or DN')
    .option('--config <file>', 'the server settings naming the directory (default: the embedded defaults)')
    .option('--json', 'as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox user show 501 --config /etc/voicebox/voicebox.yaml\n  $ voicebox user show alice --json --config voicebox.yaml',
    )
    .action(async (wanted: string, opts: { config?: string; json?: boolean }) => {
      const name = 'voicebox user show';
      await withDirectory(name, opts.config, async (config, directory) => {
        const u = await findUser(directory, config, wanted);
        const report = userReport(u, config, new Date());
        io.out(opts.json ? `${JSON.stringify(report, null, 2)}\n` : showText(report, config));
        return 0;
      });
    });

  user
    .command('unlock')
    .description(
      'her phone login unlocked and the wrong PINs forgotten; with --resend-welcome the welcome mail goes out again with the next call to her mailbox (with --new-pin: with a new PIN, to be changed at her first login)',
    )
    .argument('[number|login]', 'her mailbox number (any format), or her login, mailbox alias or DN')
    .option('--all', 'every locked user (with --resend-welcome: every user)')
    .option('--resend-welcome', 'the welcome mail again, with the next call to her mailbox')
    .option('--new-pin', 'with --resend-welcome: a new PIN, made and told in that mail alone')
    .option('--yes', 'no question before --all')
    .option('--config <file>', 'the server settings naming the directory (default: the embedded defaults)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ voicebox user unlock 501 --config /etc/voicebox/voicebox.yaml\n' +
        '  $ voicebox user unlock alice --new-pin --resend-welcome --config voicebox.yaml\n' +
        '  $ voicebox user unlock --all --yes --config voicebox.yaml\n' +
        '\nThe welcome mail goes out with the next call to her mailbox, from the running voicebox (as\n' +
        'ixi-UMS did); until then her old PIN still works. No PIN is printed, ever.',
    )
    .action(async (wanted: string | undefined, opts: UnlockOptions) => {
      const name = 'voicebox user unlock';
      if ((wanted === undefined) === (opts.all !== true)) {
        io.err(`${name}: name one user (her number or login) or give --all, not both\n`);
        return setExit(2);
      }
      if (opts.newPin && !opts.resendWelcome) {
        io.err(`${name}: --new-pin needs --resend-welcome: the new PIN is told in the welcome mail alone\n`);
        return setExit(2);
      }
      const resend = opts.resendWelcome ? (opts.newPin ? 'newPin' : 'pin') : undefined;
      await withDirectory(name, opts.config, async (config, directory) => {
        let users: DirectoryUser[];
        if (wanted !== undefined) users = [await findUser(directory, config, wanted)];
        else {
          const all = await everyUser(directory, config);
          users = resend ? all : all.filter((u) => u.settings.lockedAt || u.settings.wrongPinCount > 0);
          if (users.length === 0) {
            io.out('Nobody is locked or has wrong PINs counted: nothing to do\n');
            return 0;
          }
          const what = resend
            ? `${users.length} ${users.length === 1 ? 'user is' : 'users are'} unlocked and sent the welcome mail again${resend === 'newPin' ? ' with a NEW PIN each' : ''}`
            : `${users.length} ${users.length === 1 ? 'user is' : 'users are'} unlocked`;
          await confirmed(io, input, opts.yes, what);
        }
        let failed = 0;
        for (const u of users) {
          try {
            let before: UserSettings = u.settings;
            let after: UserSettings = u.settings;
            await directory.updateSettings(u, (s) => {
              before = s;
              after = unlocked(s, resend);
              return after;
            });
            const was = before.lockedAt ? 'unlocked' : 'not locked';
            const mail =
              resend === undefined
                ? ''
                : !u.email
                  ? '; she has no mail address: no welcome mail can reach her'
                  : `; the welcome mail goes out ${resend === 'newPin' ? 'with a new PIN ' : ''}with the next call to her mailbox`;
            const count = before.wrongPinCount > 0 ? `, ${before.wrongPinCount} wrong PINs forgotten` : '';
            io.out(`  ${who(u)}: ${was}${count}${mail}\n`);
            if (!(await audit(name, config, 'user unlock', u, changedKeys({ ...before }, { ...after }))))
              failed++;
          } catch (e) {
            if (!isExpected(e)) throw e;
            // one user who cannot be written stops nobody else's unlock
            failed++;
            io.out(`  ${who(u)}: failed: ${reason(e)}\n`);
          }
        }
        if (users.length > 1)
          io.out(`Unlocked: ${users.length - failed}${failed > 0 ? `, failed: ${failed}` : ''}\n`);
        return failed > 0 ? 1 : 0;
      });
    });

  user
    .command('pin')
    .description('her PIN, set by the admin')
    .command('set')
    .description(
      'set her PIN: read from the terminal without echo, or from standard input; checked as a PIN chosen by phone, stored as the same hash; her lock is cleared',
    )
    .argument('<number|login>', 'her mailbox number (any format), or her login, mailbox alias or DN')
    .option('--require-change', 'she must choose a new PIN at her next login')
    .option('--config <file>', 'the server settings naming the directory (default: the embedded defaults)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox user pin set 501 --require-change --config /etc/voicebox/voicebox.yaml\n  $ printf %s "$PIN" | voicebox user pin set alice --config voicebox.yaml',
    )
    .action(async (wanted: string, opts: { config?: string; requireChange?: boolean }) => {
      const name = 'voicebox user pin set';
      await withDirectory(name, opts.config, async (config, directory) => {
        const u = await findUser(directory, config, wanted);
        const pin = await readSecret(input, io.err, `new PIN for ${who(u)}: `);
        const min = config.welcome.minPinLength;
        if (!/^[0-9]+$/.test(pin) || pin.length < min)
          throw new AdminError(`a PIN is ${min} or more digits and nothing else: nothing stored`);
        if (isTrivialPin(pin))
          throw new AdminError('a PIN like 1111, 1234 or 4321 is too easy to guess: nothing stored');
        const pinHash = await hashPin(pin);
        const at = new Date().toISOString();
        // a PIN she did not choose herself: changed at her next login when asked, or when the
        // site wants every inherited PIN changed
        const mustChange = opts.requireChange === true || config.login.changeInheritedPins === true;
        let before: UserSettings = u.settings;
        let after: UserSettings = u.settings;
        await directory.updateSettings(u, (s) => {
          before = s;
          const next: UserSettings = { ...s, pinHash, pinChangedAt: at, wrongPinCount: 0 };
          delete next.legacyPin;
          delete next.lockedAt;
          delete next.pinReminderSentAt;
          if (mustChange) next.pinChangeRequired = true;
          else delete next.pinChangeRequired;
          after = next;
          return next;
        });
        io.out(
          `${who(u)}: PIN set${before.lockedAt ? '; phone login unlocked' : ''}${mustChange ? '; she must change it at her next login' : ''}\n`,
        );
        return (await audit(name, config, 'user pin set', u, changedKeys({ ...before }, { ...after })))
          ? 0
          : 1;
      });
    });

  user
    .command('defaults')
    .description(
      'distribute default user data to every user (§5.3.5): each key she has not set herself is written (--force: overwritten); without --yes it lists what would change',
    )
    .requiredOption('--from <file>', 'a YAML file: KEY: VALUE per line (language: de, notifyLamp: Y …)')
    .option('--force', 'overwrite her own values too')
    .option('--yes', 'write without asking (without it: at a terminal asked, else only listed)')
    .option('--config <file>', 'the server settings naming the directory (default: the embedded defaults)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox user defaults --from defaults.yaml --config /etc/voicebox/voicebox.yaml\n  $ voicebox user defaults --from defaults.yaml --yes --config voicebox.yaml',
    )
    .action(async (opts: { from: string; force?: boolean; yes?: boolean; config?: string }) => {
      const name = 'voicebox user defaults';
      let defaults: string[];
      try {
        defaults = readDefaults(readFileSync(opts.from, 'utf8'), opts.from);
      } catch (e) {
        io.err(
          `${name}: ${e instanceof AdminError ? e.message : `cannot read ${opts.from}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`}\n`,
        );
        return setExit(1);
      }
      const force = opts.force === true;
      await withDirectory(name, opts.config, async (config, directory) => {
        const users = await everyUser(directory, config);
        // what each would get, decided on her settings as listed; written below on her settings as stored then
        const plan = users
          .map((u) => {
            const after = withDefaults(u.settings, u.rawUserData, defaults, force);
            return { u, change: changedKeys({ ...u.settings }, { ...after }) };
          })
          .filter((p) => Object.keys(p.change).length > 0);
        if (plan.length === 0) {
          io.out(`Every user has these settings already: nothing to write (${users.length} users)\n`);
          return 0;
        }
        for (const p of plan) io.out(`  ${who(p.u)}: ${Object.keys(p.change).join(', ')}\n`);
        const what = `${plan.length} of ${users.length} users get default user data`;
        if (!opts.yes && !input.isTTY) {
          io.out(`${what}; nothing written: give --yes to write\n`);
          return 0;
        }
        await confirmed(io, input, opts.yes, what);
        let failed = 0;
        let written = 0;
        for (const { u } of plan) {
          try {
            let before: UserSettings = u.settings;
            let after: UserSettings = u.settings;
            await directory.updateSettings(u, (s) => {
              before = s;
              after = withDefaults(s, u.rawUserData, defaults, force);
              return after;
            });
            written++;
            if (!(await audit(name, config, 'user defaults', u, changedKeys({ ...before }, { ...after }))))
              failed++;
          } catch (e) {
            if (!isExpected(e) && !(e instanceof RangeError)) throw e;
            failed++;
            io.out(`  ${who(u)}: failed: ${reason(e)}\n`);
          }
        }
        io.out(
          `Written: ${written} ${written === 1 ? 'user' : 'users'}${failed > 0 ? `, failed: ${failed}` : ''}\n`,
        );
        return failed > 0 ? 1 : 0;
      });
    });
}
