// The owner logs in by phone (R1–R4): who may log in from where, with or without a PIN;
// the PIN against its salted hash; wrong PINs counted atomically in the directory, the
// lock after N, the lock mail, the wrong-PIN log; PIN expiry.
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Directory, DirectoryUser, UserSettings } from '../directory/index.js';
import type { Bundle } from '../graph/index.js';
import { mailLanguage, normalizeMessageId, type MailMessage, type MailSpool } from '../mail/index.js';
import { toE164, type Location } from '../phone/index.js';
import { hashPin, pinHashOutdated, verifyLegacyPin, verifyPin } from '../pin/index.js';
import type { ActionImpl, ActionResult, RuntimeLogger } from '../runtime/ports.js';
import type { Value } from '../runtime/values.js';
import { UserRecords } from './caller.js';

/** config.login (src/config/schema.ts) */
export interface LoginPolicy {
  /** phone login allowed by default (a user's own `access` overrides it) */
  readonly allowed: boolean;
  readonly restriction: 'everywhere' | 'nowhere' | 'listed';
  /** PIN-less login from the office number (her extension too); off unless the admin chose it */
  readonly trustOffice: boolean;
  /** PIN-less login from the mobile number; off unless the admin chose it */
  readonly trustMobile: boolean;
  /** PIN-less login from the numbers in the user's own `trusted` list; off unless the admin chose it */
  readonly trustListedNumbers: boolean;
  readonly access: 'none' | 'settings' | 'messages';
  readonly maxWrongPins: number;
  readonly notifyLock: boolean;
  /** the wrong-PIN log file; '' = none */
  readonly wrongPinLog: string;
  /** 0 = PINs do not expire */
  readonly pinExpiryDays: number;
  readonly remindDays: number;
  readonly afterExpiry: 'change' | 'refuse';
}

export interface LoginOptions {
  readonly bundle: Bundle;
  readonly directory: Directory;
  readonly location: Location;
  readonly spool: MailSpool;
  readonly mail: { readonly domain: string };
  readonly login: LoginPolicy;
  /** config.welcome: the default PIN applies to users without any PIN */
  readonly welcome: { readonly defaultPin?: string };
  readonly log: RuntimeLogger;
  readonly now?: () => Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const text = (v: Value | undefined): string => (typeof v === 'string' ? v : '');
/** one line of the log file: hostile input (a caller number) cannot start a new line */
const field = (s: string): string => s.replace(/[^\x21-\x7e]/g, '_').slice(0, 64) || '-';

/**
 * Whether, and how, this number may log in (R2, R4). A caller number proves nothing (SIP
 * caller ID and CHANNEL_DATA can be forged), so a number skips the PIN only where the admin
 * switched that on: office (`trustOffice`), mobile (`trustMobile`), the user's own trusted
 * numbers (`trustListedNumbers`). Others need the PIN: `everywhere` from any number; `nowhere`
 * from none; `listed` only from the user's own numbers (office, mobile, trusted ones).
 */
export function loginDecision(
  user: DirectoryUser,
  from: string,
  policy: LoginPolicy,
  location: Location,
): { outcome: 'refused' | 'locked' } | { pinRequired: boolean; access: 'settings' | 'messages' } {
  const s = user.settings;
  const access = s.access ?? (policy.allowed ? policy.access : 'none');
  if (access === 'none') return { outcome: 'refused' };
  if (s.lockedAt) return { outcome: 'locked' };
  const e164 = (n: string | undefined) => (n ? toE164(n, location) : undefined);
  const caller = e164(from);
  const same = (n: string | undefined) => caller !== undefined && e164(n) === caller;
  const ownTrusted = s.trustedNumbers.some(same);
  const trusted =
    (policy.trustListedNumbers && ownTrusted) ||
    (policy.trustOffice && same(user.numbers.office)) ||
    (policy.trustMobile && same(user.numbers.mobile));
  if (trusted) return { pinRequired: false, access };
  const restriction = s.loginRestriction ?? policy.restriction;
  if (restriction === 'nowhere') return { outcome: 'refused' };
  if (restriction === 'listed' && !(ownTrusted || same(user.numbers.office) || same(user.numbers.mobile)))
    return { outcome: 'refused' };
  return { pinRequired: true, access };
}

/** the PIN is past its expiry (false when PINs do not expire or it was never set by us) */
export function pinExpired(s: UserSettings, policy: LoginPolicy, now: Date): boolean {
  const changed = s.pinChangedAt ? Date.parse(s.pinChangedAt) : NaN;
  if (policy.pinExpiryDays <= 0 || Number.isNaN(changed)) return false;
  return changed + policy.pinExpiryDays * DAY_MS <= now.getTime();
}

/** the PIN expires within the reminder period (or has expired) */
export function pinExpiresSoon(s: UserSettings, policy: LoginPolicy, now: Date): boolean {
  const changed = s.pinChangedAt ? Date.parse(s.pinChangedAt) : NaN;
  if (policy.pinExpiryDays <= 0 || Number.isNaN(changed)) return false;
  return changed + (policy.pinExpiryDays - policy.remindDays) * DAY_MS <= now.getTime();
}

export interface LockMailInput {
  to: { email: string; name: string };
  mailbox: string;
  language: string;
  lockedAt: Date;
  wrongPins: number;
  /** the number of the last attempt, E.164 or as sent; may be empty */
  caller: string;
  from: { address: string; name?: string };
  messageId: string;
}

const LOCK_TEXT = {
  de: {
    subject: 'Ihre Anmeldung per Telefon wurde gesperrt',
    body: (i: LockMailInput) =>
      [
        i.to.name ? `Hallo ${i.to.name},` : 'Hallo,',
        `die Anmeldung per Telefon an Ihrer Voicebox ${i.mailbox} wurde am ${i.lockedAt.toISOString()} ` +
          `nach ${i.wrongPins} falschen PIN-Eingaben gesperrt.`,
        `Der letzte Versuch kam von: ${i.caller || 'unbekannt'}`,
        'Bitte wenden Sie sich an Ihren Administrator, um die Anmeldung wieder freizugeben.',
      ].join('\n\n'),
  },
  en: {
    subject: 'Your telephone login has been locked',
    body: (i: LockMailInput) =>
      [
        i.to.name ? `Hello ${i.to.name},` : 'Hello,',
        `the telephone login to your voice mailbox ${i.mailbox} was locked at ${i.lockedAt.toISOString()} ` +
          `after ${i.wrongPins} wrong PINs.`,
        `The last attempt came from: ${i.caller || 'unknown'}`,
        'Please ask your administrator to unlock it.',
      ].join('\n\n'),
  },
} as const;

/** The mail to the owner when her phone login gets locked (R3, seed §4.7.2). No PIN in it. */
export function composeLockMail(input: LockMailInput): MailMessage {
  const t = LOCK_TEXT[mailLanguage(input.language)];
  const one = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim();
  const clean: LockMailInput = {
    ...input,
    to: { email: input.to.email.trim(), name: one(input.to.name) },
    mailbox: one(input.mailbox),
    caller: one(input.caller),
  };
  return {
    from: { name: one(input.from.name ?? 'voicebox'), address: input.from.address.trim() },
    to: [{ name: clean.to.name, address: clean.to.email }],
    subject: t.subject,
    text: `${t.body(clean)}\n`,
    date: input.lockedAt,
    messageId: normalizeMessageId(input.messageId),
    headers: { 'X-Voicebox-Type': 'lock', 'X-Voicebox-Mailbox': clean.mailbox },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}

export function loginActions(o: LoginOptions, users = new UserRecords()): Map<string, ActionImpl> {
  const now = o.now ?? (() => new Date());
  const policy = o.login;
  const defaultLanguage = o.bundle.languages.default;

  /** the user as the directory has her now (a no-op update re-reads; nothing is written) */
  const fresh = async (rec: Value): Promise<DirectoryUser> => {
    const user = await o.directory.updateSettings(users.entry(rec), (s) => s);
    users.replace(rec, user);
    return user;
  };

  const wrongPinLog = async (line: string, ctx: { log: RuntimeLogger }) => {
    if (!policy.wrongPinLog) return;
    try {
      // who called which mailbox when, and got the PIN wrong: for the admin only
      await mkdir(dirname(policy.wrongPinLog), { recursive: true, mode: 0o700 });
      const fh = await open(policy.wrongPinLog, 'a', 0o600);
      try {
        if ((await fh.stat()).mode & 0o077) await fh.chmod(0o600);
        await fh.appendFile(`${line}\n`, 'utf8');
      } finally {
        await fh.close();
      }
    } catch (e) {
      ctx.log.error({ file: policy.wrongPinLog, err: (e as Error).message }, 'wrong-PIN log not written');
    }
  };

  /** does `pin` open this user's phone login: 'hash' | 'legacy' | 'default' | false */
  const matches = async (pin: string, s: UserSettings): Promise<'hash' | 'legacy' | 'default' | false> => {
    if (s.pinHash) return (await verifyPin(pin, s.pinHash)) ? 'hash' : false;
    if (s.legacyPin) return verifyLegacyPin(pin, s.legacyPin) ? 'legacy' : false;
    const d = o.welcome.defaultPin;
    if (d) return verifyLegacyPin(pin, Buffer.from(d, 'utf8').toString('base64')) ? 'default' : false;
    return false;
  };

  const actions: Record<string, ActionImpl> = {
    'check login': async ([rec, from], ctx) => {
      const user = await fresh(rec!);
      const d = loginDecision(user, text(from), policy, o.location);
      if ('outcome' in d) {
        ctx.log.info({ user: user.id, outcome: d.outcome }, 'phone login not possible');
        return d;
      }
      ctx.log.info({ user: user.id, pinRequired: d.pinRequired, access: d.access }, 'phone login');
      return { value: { pin_required: d.pinRequired, access: d.access } };
    },

    'check pin': async ([rec, pinValue], ctx): Promise<ActionResult> => {
      const pin = text(pinValue);
      const user = await fresh(rec!);
      if (user.settings.lockedAt) return { outcome: 'locked' };
      const how = /^[0-9]+$/.test(pin) ? await matches(pin, user.settings) : false;
      const at = now();

      if (how === false) {
        // counted in the directory, atomically: two calls at once both count
        let count = 0;
        let lockedNow = false;
        let alreadyLocked = false;
        const updated = await o.directory.updateSettings(user, (s) => {
          alreadyLocked = Boolean(s.lockedAt);
          if (alreadyLocked) {
            count = s.wrongPinCount;
            lockedNow = false;
            return s;
          }
          count = s.wrongPinCount + 1;
          lockedNow = count >= policy.maxWrongPins;
          return { ...s, wrongPinCount: count, ...(lockedNow ? { lockedAt: at.toISOString() } : {}) };
        });
        users.replace(rec!, updated);
        if (alreadyLocked) return { outcome: 'locked' };
        const caller = toE164(ctx.call.caller, o.location) ?? ctx.call.caller;
        await wrongPinLog(
          [
            at.toISOString(),
            `mailbox=${field(user.mailbox)}`,
            `caller=${field(caller)}`,
            `count=${count}`,
            ...(lockedNow ? ['locked'] : []),
          ].join(' '),
          ctx,
        );
        ctx.log.warn({ user: user.id, wrongPins: count, locked: lockedNow }, 'wrong PIN');
        if (!lockedNow) return { outcome: 'wrong' };
        if (policy.notifyLock && user.email) {
          const safeId = user.id.replace(/[^A-Za-z0-9]/g, '_');
          const mail = composeLockMail({
            to: { email: user.email, name: user.name },
            mailbox: user.mailbox,
            language: user.settings.language ?? defaultLanguage,
            lockedAt: at,
            wrongPins: count,
            caller,
            from: { address: `voicebox@${o.mail.domain}`, name: 'voicebox' },
            messageId: `voicebox.lock.${safeId}.${at.getTime()}@${o.mail.domain}`,
          });
          await o.spool.enqueue(mail, `lock-${safeId}-${at.getTime()}`);
          ctx.log.info({ user: user.id }, 'lock mail spooled');
        }
        return { outcome: 'locked' };
      }

      // the right PIN: the legacy one becomes a hash, a hash made at a lower cost is made
      // again at today's, the count starts again
      const rehash = how === 'hash' && pinHashOutdated(user.settings.pinHash ?? '');
      const newHash = how === 'legacy' || rehash ? await hashPin(pin) : undefined;
      const verified = user.settings;
      let lockedMeanwhile = false;
      const updated = await o.directory.updateSettings(user, (s) => {
        lockedMeanwhile = Boolean(s.lockedAt);
        if (lockedMeanwhile) return s;
        let next: UserSettings = s;
        if (s.wrongPinCount !== 0) next = { ...next, wrongPinCount: 0 };
        if (newHash && s.legacyPin === verified.legacyPin && !s.pinHash) {
          next = { ...next, pinHash: newHash };
          delete next.legacyPin;
        }
        if (newHash && rehash && s.pinHash === verified.pinHash) next = { ...next, pinHash: newHash };
        // PIN expiry counts from now for a PIN voicebox never saw set
        if (policy.pinExpiryDays > 0 && !s.pinChangedAt) next = { ...next, pinChangedAt: at.toISOString() };
        return next;
      });
      users.replace(rec!, updated);
      if (lockedMeanwhile) return { outcome: 'locked' };
      if (newHash && rehash) ctx.log.info({ user: user.id }, 'PIN hash renewed at the current cost');
      else if (newHash) ctx.log.info({ user: user.id }, 'legacy PIN replaced by a hash');
      if (pinExpired(updated.settings, policy, at)) {
        ctx.log.info({ user: user.id, afterExpiry: policy.afterExpiry }, 'PIN expired');
        return { outcome: policy.afterExpiry === 'refuse' ? 'refused' : 'expired' };
      }
      ctx.log.info({ user: user.id }, 'PIN accepted');
      return {};
    },

    'pin expires soon': async ([rec]) => ({
      value: pinExpiresSoon(users.entry(rec!).settings, policy, now()),
    }),
  };
  return new Map(Object.entries(actions));
}
