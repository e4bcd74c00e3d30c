// Which numbers voicebox may dial out to (call back, a transfer target): the admin's policy
// against toll fraud. A number from an e-mail header, a caller or a keypad is hostile until the
// policy allows it. Pure.
import { countryCodeOf, isInternal, toE164, type Location } from './number.js';

/** What a number is, as a telephone bill would group it. */
export type NumberClass = 'internal' | 'national' | 'premium' | 'international';

export const NUMBER_CLASSES: readonly NumberClass[] = ['internal', 'national', 'premium', 'international'];

export interface DialPolicy {
  /** classes that may be dialled */
  allow: readonly NumberClass[];
  /** classes that may never be dialled, whatever `allow` says */
  deny: readonly NumberClass[];
  /** E.164 prefixes (`+4980`) that may be dialled although their class is not allowed */
  allowPrefixes?: readonly string[];
  /** E.164 prefixes that are never dialled; they win over everything else */
  denyPrefixes?: readonly string[];
}

/** Internal and national calls; premium-rate and international off. */
export const DEFAULT_DIAL_POLICY: DialPolicy = {
  allow: ['internal', 'national'],
  deny: ['premium', 'international'],
};

/**
 * Premium-rate and shared-cost ranges by country code, as national numbers without the trunk
 * prefix. Germany: 0900 (premium), 0137 (televoting), 0180 (shared cost), 0190 (old premium),
 * 118xx (directory enquiries, billed per minute). Other countries: `denyPrefixes`.
 */
export const PREMIUM_RANGES: Readonly<Record<string, readonly string[]>> = {
  '49': ['900', '137', '180', '190', '118'],
};

/**
 * Short numbers that are a service, never a colleague, whatever the extension length: emergency
 * (110, 112, 911, 999), the fire brigade and ambulance (19222), the authorities (115), EU
 * harmonised services (116xxx) and directory enquiries billed per minute (118xx). Dialled as is
 * through the PBX they reach the public network, not an extension.
 */
export const SPECIAL_SHORT_NUMBERS: readonly RegExp[] = [
  /^11[02]$/,
  /^911$/,
  /^999$/,
  /^19222$/,
  /^115$/,
  /^116\d{3}$/,
  /^118\d{0,3}$/,
];

export type DialDecision =
  | { allowed: true; e164: string; class: NumberClass }
  | { allowed: false; reason: string; class?: NumberClass };

/** The class of an E.164 number seen from the site. */
export function classOf(e164: string, location: Location): NumberClass {
  const country = countryCodeOf(e164);
  if (country !== location.countryCode) return 'international';
  if (isInternal(e164, location)) return 'internal';
  const nationalNumber = e164.slice(1 + country.length);
  if ((PREMIUM_RANGES[country] ?? []).some((p) => nationalNumber.startsWith(p))) return 'premium';
  if (SPECIAL_SHORT_NUMBERS.some((r) => r.test(nationalNumber))) return 'premium';
  return 'national';
}

/**
 * A prefix as the admin writes it (`+49900`, `0900`, `00 44`) → its E.164 form (`+49900`);
 * undefined when it is not a prefix of a phone number.
 */
export function prefixToE164(prefix: string, location: Location): string | undefined {
  const text = typeof prefix === 'string' ? prefix.replace(/[\s\-./()]/g, '') : '';
  if (/^\+[1-9][0-9]*$/.test(text)) return text;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const international = location.internationalPrefix ?? '00';
  const trunk = location.nationalPrefix ?? '0';
  if (international !== '' && text.startsWith(international) && text.length > international.length) {
    const rest = text.slice(international.length);
    return /^[1-9]/.test(rest) ? `+${rest}` : undefined;
  }
  if (trunk !== '' && text.startsWith(trunk) && text.length > trunk.length) {
    return `+${location.countryCode}${text.slice(trunk.length)}`;
  }
  return undefined;
}

/**
 * Whether `number` (any format toE164 reads, as the menus hold it) may be dialled. Order:
 * not a phone number → refused; a deny prefix → refused; an allow prefix → allowed; a denied
 * class → refused; an allowed class → allowed; anything else → refused.
 */
export function checkDial(number: string, policy: DialPolicy, location: Location): DialDecision {
  const short = shortNumberRefusal(number, location);
  if (short !== undefined) return short;
  const e164 = withoutTrunkPrefix(toE164(number, location, { outsideLine: 'without' }), location);
  if (e164 === undefined) return { allowed: false, reason: 'not a phone number' };
  const cls = classOf(e164, location);
  const matching = (prefixes: readonly string[] | undefined) =>
    (prefixes ?? [])
      .map((p) => prefixToE164(p, location))
      .find((p): p is string => p !== undefined && e164.startsWith(p));
  const denied = matching(policy.denyPrefixes);
  if (denied !== undefined) return { allowed: false, reason: `prefix ${denied} is denied`, class: cls };
  if (matching(policy.allowPrefixes) !== undefined) return { allowed: true, e164, class: cls };
  if (policy.deny.includes(cls)) return { allowed: false, reason: `${cls} numbers are denied`, class: cls };
  if (policy.allow.includes(cls)) return { allowed: true, e164, class: cls };
  return { allowed: false, reason: `${cls} numbers are not allowed`, class: cls };
}

/**
 * `+49 0900…` / `0049 0900…`: many carriers drop the trunk 0 written after the country code and
 * connect `+49 900…`, so the number is judged (and dialled) without it. Only for the site's own
 * country, whose trunk prefix is known.
 */
function withoutTrunkPrefix(e164: string | undefined, location: Location): string | undefined {
  if (e164 === undefined) return undefined;
  const trunk = location.nationalPrefix ?? '0';
  const country = countryCodeOf(e164);
  if (trunk === '' || country !== location.countryCode) return e164;
  let national = e164.slice(1 + country.length);
  while (national.startsWith(trunk)) national = national.slice(trunk.length);
  return national === '' ? undefined : `+${country}${national}`;
}

/**
 * A number dialled without any prefix is an extension only when it has exactly the site's
 * extension length and is no emergency, service or premium short number (`110`, `11833`):
 * dialled as is, those leave the PBX for the public network.
 */
function shortNumberRefusal(number: string, location: Location): DialDecision | undefined {
  const raw = typeof number === 'string' ? number.replace(/[\s\-./()]/g, '') : '';
  if (!/^[0-9]+$/.test(raw)) return undefined;
  const trunk = location.nationalPrefix ?? '0';
  const international = location.internationalPrefix ?? '00';
  const outside = location.outsideLinePrefix;
  const prefixed = [trunk, international, outside].some((p) => p !== '' && raw.startsWith(p));
  if (SPECIAL_SHORT_NUMBERS.some((r) => r.test(raw))) {
    return {
      allowed: false,
      reason: 'emergency, service and premium short numbers are denied',
      class: 'premium',
    };
  }
  if (prefixed || location.extensionLength === undefined) return undefined;
  if (raw.length < location.extensionLength) {
    return {
      allowed: false,
      reason: `not an extension (extensions have ${location.extensionLength} digits)`,
    };
  }
  return undefined;
}

/**
 * The policy from the settings (`dialPolicy.allow`, `.deny`, `.allowPrefixes`, `.denyPrefixes`);
 * throws naming the key of the first bad value.
 */
export function dialPolicyFrom(
  settings: {
    allow: readonly string[];
    deny: readonly string[];
    allowPrefixes?: readonly string[];
    denyPrefixes?: readonly string[];
  },
  location: Location,
  key = 'dialPolicy',
): DialPolicy {
  const classes = (list: readonly string[], name: string): NumberClass[] =>
    list.map((c) => {
      if (!(NUMBER_CLASSES as readonly string[]).includes(c)) {
        throw new Error(`${key}.${name}: '${c}' is not one of ${NUMBER_CLASSES.join(', ')}`);
      }
      return c as NumberClass;
    });
  const prefixes = (list: readonly string[] | undefined, name: string): string[] =>
    (list ?? []).map((p) => {
      if (prefixToE164(p, location) === undefined) {
        throw new Error(`${key}.${name}: '${p}' is not a number prefix (e.g. +49900 or 0900)`);
      }
      return p;
    });
  return {
    allow: classes(settings.allow, 'allow'),
    deny: classes(settings.deny, 'deny'),
    allowPrefixes: prefixes(settings.allowPrefixes, 'allowPrefixes'),
    denyPrefixes: prefixes(settings.denyPrefixes, 'denyPrefixes'),
  };
}
