// The notifier's decisions, from data only: whose thresholds apply, which phone shows her lamp,
// whether the lamp is on, which kinds an SMS is due for. No I/O: the notifier does that.
import type { DirectoryUser, UserSettings } from '../directory/index.js';
import { extension, toE164, type Location } from '../phone/index.js';
import {
  NOTIFY_KINDS,
  type LampState,
  type NotifyCounts,
  type NotifyKind,
  type NotifyPolicy,
} from './types.js';

/** How the lamp's SIP user is made from her number (`notify.lamp.user`). */
export type LampUserForm = 'extension' | 'number' | 'e164';

/** The site's notification settings (`config.notify`) the decisions read. */
export interface NotifySite {
  /** after how many new messages of a kind; 0 = never */
  readonly thresholds: Readonly<Record<NotifyKind, number>>;
  readonly lamp: {
    readonly enabled: boolean;
    /** the SIP domain of the accounts (`sip:<user>@<domain>`); '' = no lamps */
    readonly domain: string;
    readonly user: LampUserForm;
  };
  readonly sms: { readonly enabled: boolean };
}

/** A per-user value that cannot be used: the site's applies (logged by the caller with the user). */
export type UnusableValue = (key: string, value: unknown, why: string) => void;

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

/**
 * The policy in force for her (N3): each of her own values over the site's. A threshold of hers
 * that is not a whole number ≥ 0 costs only that threshold: `unusable` is told, the site's applies.
 */
export function notifyPolicyFor(
  user: Pick<DirectoryUser, 'settings'>,
  site: NotifySite,
  unusable: UnusableValue = () => undefined,
): NotifyPolicy {
  const s = user.settings;
  const own = s.notifyThresholds ?? {};
  const thresholds = {} as Record<NotifyKind, number>;
  for (const kind of NOTIFY_KINDS) {
    const value = own[kind];
    if (value === undefined) thresholds[kind] = site.thresholds[kind];
    else if (isCount(value)) thresholds[kind] = value;
    else {
      unusable(`notify${kind[0]!.toUpperCase()}${kind.slice(1)}`, value, 'not a whole number ≥ 0');
      thresholds[kind] = site.thresholds[kind];
    }
  }
  return {
    thresholds,
    lamp: typeof s.notifyLamp === 'boolean' ? s.notifyLamp : site.lamp.enabled,
    sms: typeof s.notifyBySms === 'boolean' ? s.notifyBySms : site.sms.enabled,
  };
}

/** Is some kind at or over its threshold (a threshold of 0 never counts)? */
export function thresholdReached(counts: NotifyCounts, policy: NotifyPolicy): boolean {
  return NOTIFY_KINDS.some((k) => policy.thresholds[k] > 0 && counts.since[k] >= policy.thresholds[k]);
}

/**
 * Her lamp as her mailbox stands: on when some kind reached its threshold since her last reset;
 * the voice counts (and the fax counts, when she has fax messages) are the mailbox's.
 */
export function lampFor(counts: NotifyCounts, policy: NotifyPolicy, account: string): LampState {
  const s = counts.summary;
  return {
    account,
    waiting: policy.lamp && thresholdReached(counts, policy),
    voice: { new: s.newVoice, old: s.oldVoice },
    ...(s.newFax + s.oldFax > 0 ? { fax: { new: s.newFax, old: s.oldFax } } : {}),
  };
}

const SEPARATORS = /[\s\-./()]/g;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * The account whose phones show her lamp: `sip:<user>@<notify.lamp.domain>`, the user made from
 * `notifyNumbers.lamp` (LDAP `attributes.mwiAccount`, YAML `numbers.lamp`), else her office number,
 * as `notify.lamp.user` says: `extension` (the extension of a company number, by the site's
 * location), `number` (as stored, without spaces and dashes), `e164`. Undefined — no lamp for
 * her — when there is no domain, she has no such number, or it is not a phone number (`unusable`
 * is told, except for a missing number, which is a choice and not an error).
 */
export function lampAccount(
  user: Pick<DirectoryUser, 'numbers' | 'notifyNumbers'>,
  site: NotifySite,
  location: Location,
  unusable: UnusableValue = () => undefined,
): string | undefined {
  const domain = site.lamp.domain.trim();
  if (domain === '' || !DOMAIN.test(domain)) return undefined;
  const own = user.notifyNumbers?.lamp;
  const key = own !== undefined ? 'mwiAccount' : 'office';
  const raw = own ?? user.numbers.office;
  if (raw === undefined || raw.trim() === '') return undefined;
  const e164 = toE164(raw, location, { outsideLine: 'without' });
  if (e164 === undefined) {
    unusable(key, raw, 'not a phone number');
    return undefined;
  }
  let sipUser: string | undefined;
  switch (site.lamp.user) {
    case 'extension':
      sipUser = extension(e164, location);
      if (sipUser === undefined) {
        unusable(key, raw, "not one of the company's numbers: it has no extension (notify.lamp.user)");
        return undefined;
      }
      break;
    case 'number':
      sipUser = raw.replace(SEPARATORS, '');
      break;
    case 'e164':
      sipUser = e164;
      break;
  }
  return `sip:${sipUser}@${domain}`;
}

/**
 * The kinds an SMS is due for: she wants SMS, the kind's threshold is > 0, and the messages
 * counted since her reset exceed what an SMS already told her about by at least the threshold.
 */
export function smsDue(
  counts: NotifyCounts,
  policy: NotifyPolicy,
  settings: Pick<UserSettings, 'smsNotified'>,
): NotifyKind[] {
  if (!policy.sms) return [];
  return NOTIFY_KINDS.filter((k) => {
    const threshold = policy.thresholds[k];
    const told = settings.smsNotified?.[k] ?? 0;
    return threshold > 0 && counts.since[k] - told >= threshold;
  });
}
