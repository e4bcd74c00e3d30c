import { COUNTRY_CALLING_CODES } from './countryCodes.js';

/**
 * Where the voice-mail system stands (the ixi-UMS Voice-Mail Server manual §4.4 "Site"): its
 * own numbers are `+countryCode areaCode subscriberBase extension`.
 */
export interface Location {
  /** Country calling code without "+", e.g. "49" */
  countryCode: string;
  /** Area code without the national prefix, e.g. "30"; "" where a country has none */
  areaCode: string;
  /** The company's number without extensions, e.g. "1234" */
  subscriberBase: string;
  /** Longest extension; a number no longer than this, dialled without prefix, is an extension (default 6) */
  extensionLength?: number;
  /** Dialled for an outside line, e.g. "0"; "" when the PBX needs none */
  outsideLinePrefix: string;
  /** Trunk prefix before an area code, e.g. "0" (default "0"; "" for countries without one) */
  nationalPrefix?: string;
  /** Dialled before a country code, e.g. "00" (default "00") */
  internationalPrefix?: string;
  /** Voice-box numbers shared by everyone: a call forwarded to one is for whoever forwarded it */
  commonNumbers?: readonly string[];
  /**
   * The company's further sites (the manual §4.4 "Site" lists several): their numbers are the
   * company's own as well. The location itself is the first site, the one a bare extension or a
   * local number without area code belongs to.
   */
  sites?: readonly CompanySite[];
}

/** One more site of the company: what it does not say, it has as the location. */
export interface CompanySite {
  /** what the admin calls it, e.g. "Starnberg" (for logs and errors only) */
  name?: string;
  countryCode?: string;
  areaCode: string;
  subscriberBase: string;
  extensionLength?: number;
  outsideLinePrefix?: string;
}

/**
 * Whether a number may carry the outside-line prefix: `with` (as the PBX delivers an
 * external caller — a number without it is an internal one), `without` (as a directory
 * stores it), `guess` (unknown source; the default — see README for the rules).
 */
export type OutsideLine = 'with' | 'without' | 'guess';

export interface ToE164Options {
  outsideLine?: OutsideLine;
}

/** All the ways a directory may store one number (the ixi-UMS `${UMS}` / `${UMS_WHTSPC}` idea). */
export interface NumberFormats {
  /** `+49301234501` */
  e164: string;
  /** `+49 30 1234501` */
  canonical: string;
  /** `030 1234501`, for numbers in the company's country */
  national?: string;
  /** `0301234501` */
  nationalCompact?: string;
  /** `501`, for the company's own numbers */
  extension?: string;
  /** The forms above without duplicates, in that order: the values of an LDAP OR-filter */
  all: string[];
}

/** E.164 allows at most 15 digits after the "+". */
const MAX_E164_DIGITS = 15;
/** The shortest national significant number in use (Niue, Tokelau, St Helena: 4 digits). */
const MIN_NATIONAL_DIGITS = 4;
/** Longer input is not a phone number however it is punctuated; refuse before any work. */
const MAX_INPUT_LENGTH = 48;
const DEFAULT_EXTENSION_LENGTH = 6;
/** Digits and the punctuation people and PBXs write between them; anything else is not a number. */
const PUNCTUATED_NUMBER = /^\+?[0-9 \t\u00a0\-./()]+$/;
const E164 = /^\+[1-9][0-9]+$/;

interface Prefixes {
  outside: string;
  national: string;
  international: string;
}

function prefixesOf(location: Location): Prefixes {
  return {
    outside: digitsOnly(location.outsideLinePrefix),
    national: digitsOnly(location.nationalPrefix ?? '0'),
    international: digitsOnly(location.internationalPrefix ?? '00'),
  };
}

function digitsOnly(value: unknown): string {
  return typeof value === 'string' && /^[0-9]*$/.test(value) ? value : '';
}

function startsWithPrefix(digits: string, prefix: string): boolean {
  return prefix !== '' && digits.startsWith(prefix) && digits.length > prefix.length;
}

/**
 * The country calling code of an E.164 number (`+4930…` → `49`, `+1212…` → `1`), or
 * undefined when the number is not E.164 or its code is not assigned.
 */
export function countryCodeOf(e164: string): string | undefined {
  if (typeof e164 !== 'string' || !E164.test(e164)) return undefined;
  for (let length = 1; length <= 3; length++) {
    const code = e164.slice(1, 1 + length);
    if (code.length === length && Object.hasOwn(COUNTRY_CALLING_CODES, code)) return code;
  }
  return undefined;
}

/** Whether `value` is a plausible E.164 number: "+", an assigned country code, at most 15 digits. */
export function isE164(value: string): boolean {
  if (typeof value !== 'string' || !E164.test(value) || value.length - 1 > MAX_E164_DIGITS) return false;
  const code = countryCodeOf(value);
  return code !== undefined && value.length - 1 - code.length >= MIN_NATIONAL_DIGITS;
}

function checked(candidate: string): string | undefined {
  return isE164(candidate) ? candidate : undefined;
}

/** The digits of a punctuated number, and whether it was written with "+". */
function digitsOf(raw: unknown, prefixes: Prefixes): { plus: boolean; digits: string } | undefined {
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '' || text.length > MAX_INPUT_LENGTH || !PUNCTUATED_NUMBER.test(text)) return undefined;
  const plus = text.startsWith('+');
  let body = plus ? text.slice(1) : text;
  // "+49 (0)30 …": the bracketed trunk prefix is written for national callers, never dialled from abroad
  const international = plus || startsWithPrefix(body.replace(/\D/g, ''), prefixes.international);
  if (international && prefixes.national !== '') {
    body = body.replace(new RegExp(`\\(\\s*${prefixes.national}\\s*\\)`, 'g'), '');
  }
  const digits = body.replace(/\D/g, '');
  return digits === '' ? undefined : { plus, digits };
}

/** A number dialled from inside the company without the outside-line prefix. */
function fromDialled(digits: string, location: Location, prefixes: Prefixes): string | undefined {
  if (startsWithPrefix(digits, prefixes.international)) {
    return checked(`+${digits.slice(prefixes.international.length)}`);
  }
  if (startsWithPrefix(digits, prefixes.national)) {
    return checked(`+${location.countryCode}${digits.slice(prefixes.national.length)}`);
  }
  if (digits.length <= (location.extensionLength ?? DEFAULT_EXTENSION_LENGTH)) {
    return checked(`+${location.countryCode}${location.areaCode}${location.subscriberBase}${digits}`);
  }
  return checked(`+${location.countryCode}${location.areaCode}${digits}`);
}

/** What follows the outside-line prefix: international, national or local — never an extension. */
function fromOutsideLine(digits: string, location: Location, prefixes: Prefixes): string | undefined {
  if (startsWithPrefix(digits, prefixes.international)) {
    return checked(`+${digits.slice(prefixes.international.length)}`);
  }
  if (startsWithPrefix(digits, prefixes.national)) {
    return checked(`+${location.countryCode}${digits.slice(prefixes.national.length)}`);
  }
  return checked(`+${location.countryCode}${location.areaCode}${digits}`);
}

function guess(digits: string, location: Location, prefixes: Prefixes): string | undefined {
  const { outside, national, international } = prefixes;
  if (outside !== '' && startsWithPrefix(digits, outside + international)) {
    return checked(`+${digits.slice(outside.length + international.length)}`);
  }
  if (startsWithPrefix(digits, international)) {
    // With outside line 0 and national prefix 0, "0030…" is Greece or Berlin dialled via the outside line.
    const abroad = checked(`+${digits.slice(international.length)}`);
    const viaOutsideLine =
      outside !== '' && national !== '' && startsWithPrefix(digits, outside + national)
        ? digits.slice(outside.length + national.length)
        : undefined;
    const domestic =
      viaOutsideLine === undefined ? undefined : checked(`+${location.countryCode}${viaOutsideLine}`);
    if (domestic === undefined) return abroad;
    if (abroad === undefined) return domestic;
    if (countryCodeOf(abroad) === location.countryCode) return abroad;
    if (location.areaCode !== '' && viaOutsideLine?.startsWith(location.areaCode)) return domestic;
    return abroad;
  }
  if (outside !== '' && national !== '' && startsWithPrefix(digits, outside + national)) {
    return checked(`+${location.countryCode}${digits.slice(outside.length + national.length)}`);
  }
  return fromDialled(digits, location, prefixes);
}

/**
 * A phone number in any format a PBX or a directory delivers, as E.164 (`+49301234501`);
 * undefined for anything that is not a phone number. Never throws.
 *
 * @example toE164('030 1234501', berlin) // '+49301234501'
 * @example toE164('501', berlin)         // '+49301234501' (an extension)
 * @example toE164('*)(uid=*', berlin)    // undefined
 */
export function toE164(number: string, location: Location, options: ToE164Options = {}): string | undefined {
  const prefixes = prefixesOf(location);
  const parsed = digitsOf(number, prefixes);
  if (parsed === undefined) return undefined;
  if (parsed.plus) return checked(`+${parsed.digits}`);
  const { digits } = parsed;
  switch (options.outsideLine ?? 'guess') {
    case 'without':
      return fromDialled(digits, location, prefixes);
    case 'with':
      return startsWithPrefix(digits, prefixes.outside)
        ? fromOutsideLine(digits.slice(prefixes.outside.length), location, prefixes)
        : fromDialled(digits, location, prefixes);
    case 'guess':
      return guess(digits, location, prefixes);
  }
}

function homePrefix(location: Location): string {
  return `+${location.countryCode}${location.areaCode}`;
}

function companyPrefix(location: Location): string {
  return `${homePrefix(location)}${location.subscriberBase}`;
}

const SITES = new WeakMap<Location, readonly Location[]>();

/**
 * Every site of the company as a location of its own, the location itself first: a further
 * site takes what it does not say (country code, extension length, prefixes) from the location.
 */
export function sitesOf(location: Location): readonly Location[] {
  const known = SITES.get(location);
  if (known) return known;
  const { sites = [], ...first } = location;
  const all: Location[] = [first];
  for (const site of sites) {
    const merged: Location = { ...first, areaCode: site.areaCode, subscriberBase: site.subscriberBase };
    if (site.countryCode !== undefined) merged.countryCode = site.countryCode;
    if (site.extensionLength !== undefined) merged.extensionLength = site.extensionLength;
    if (site.outsideLinePrefix !== undefined) merged.outsideLinePrefix = site.outsideLinePrefix;
    all.push(merged);
  }
  SITES.set(location, all);
  return all;
}

/**
 * The site a number belongs to (its office number falls in the site's range: country, area
 * code and subscriber base), the longest match when one site's base starts another's; undefined
 * for a number of no site. Accepts any format `toE164` does.
 */
export function siteOf(number: string, location: Location): Location | undefined {
  const e164 = toE164(number, location);
  if (e164 === undefined) return undefined;
  return longestMatch(location, (site) => site.subscriberBase !== '' && e164.startsWith(companyPrefix(site)));
}

/** the site whose area the number is in: where its area code ends */
function areaSiteOf(e164: string, location: Location): Location | undefined {
  return longestMatch(location, (site) => site.areaCode !== '' && startsWithPrefix(e164, homePrefix(site)));
}

function longestMatch(location: Location, matches: (site: Location) => boolean): Location | undefined {
  let best: Location | undefined;
  for (const site of sitesOf(location)) {
    if (matches(site) && (!best || companyPrefix(site).length > companyPrefix(best).length)) best = site;
  }
  return best;
}

/**
 * The ixi-UMS canonical format `+CC AREA SUBSCRIBER` (`+49 30 1234501`). Where an area code
 * ends is known only for the company's own area; other numbers read `+CC NATIONAL`.
 * Accepts any format `toE164` does.
 */
export function canonical(number: string, location: Location): string | undefined {
  const e164 = toE164(number, location);
  if (e164 === undefined) return undefined;
  const site = areaSiteOf(e164, location);
  if (site) return `+${site.countryCode} ${site.areaCode} ${e164.slice(homePrefix(site).length)}`;
  const code = countryCodeOf(e164) ?? '';
  return `+${code} ${e164.slice(1 + code.length)}`;
}

/**
 * The number as dialled within the company's country (`030 1234501`); undefined for a
 * number abroad. Accepts any format `toE164` does.
 */
export function national(number: string, location: Location): string | undefined {
  const e164 = toE164(number, location);
  const country = `+${location.countryCode}`;
  if (e164 === undefined || countryCodeOf(e164) !== location.countryCode) return undefined;
  const nationalNumber = e164.slice(country.length);
  const trunk = prefixesOf(location).national;
  const site = areaSiteOf(e164, location);
  if (site && site.countryCode === location.countryCode) {
    return `${trunk}${site.areaCode} ${nationalNumber.slice(site.areaCode.length)}`;
  }
  return `${trunk}${nationalNumber}`;
}

/**
 * The extension (`501`) when the number is one of the company's own (it starts with
 * country, area and subscriber base of one of its sites); otherwise undefined. Accepts any
 * format `toE164` does.
 */
export function extension(number: string, location: Location): string | undefined {
  const e164 = toE164(number, location);
  const site = e164 === undefined ? undefined : siteOf(e164, location);
  if (e164 === undefined || site === undefined) return undefined;
  const digits = e164.slice(companyPrefix(site).length);
  const longest = site.extensionLength;
  return digits === '' || (longest !== undefined && digits.length > longest) ? undefined : digits;
}

/**
 * Every stored format of one number, to search a directory that may hold any of them.
 * The values contain only digits, "+" and spaces; escaping them for LDAP is the
 * directory's job.
 */
export function formats(number: string, location: Location): NumberFormats | undefined {
  const e164 = toE164(number, location);
  if (e164 === undefined) return undefined;
  const spaced = canonical(e164, location) ?? e164;
  const nationalSpaced = national(e164, location);
  const nationalCompact = nationalSpaced?.replace(/ /g, '');
  const ext = extension(e164, location);
  const all = [...new Set([spaced, e164, nationalSpaced, nationalCompact, ext])].filter(
    (value): value is string => value !== undefined,
  );
  return {
    e164,
    canonical: spaced,
    ...(nationalSpaced === undefined ? {} : { national: nationalSpaced, nationalCompact }),
    ...(ext === undefined ? {} : { extension: ext }),
    all,
  };
}

/**
 * Whether a caller is internal (the ixi-UMS Voice-Mail Server manual §4.7.5 "profile for
 * internal callers"): the raw calling number is a short extension — digits only, no prefix, no
 * longer than an extension — or it names a number in the company's range.
 */
export function isInternal(callerNumber: string, location: Location): boolean {
  if (typeof callerNumber !== 'string') return false;
  const raw = callerNumber.trim();
  const { outside } = prefixesOf(location);
  // the sites' PBXs are connected: a caller at another site may arrive with her bare extension
  const longest = Math.max(...sitesOf(location).map((s) => s.extensionLength ?? DEFAULT_EXTENSION_LENGTH));
  if (/^[0-9]+$/.test(raw) && raw.length <= longest && !(outside !== '' && raw.startsWith(outside))) {
    return true;
  }
  return siteOf(raw, location) !== undefined;
}
