export { COUNTRY_CALLING_CODES } from './countryCodes.js';
export {
  checkDial,
  classOf,
  DEFAULT_DIAL_POLICY,
  dialPolicyFrom,
  NUMBER_CLASSES,
  PREMIUM_RANGES,
  prefixToE164,
  type DialDecision,
  type DialPolicy,
  type NumberClass,
} from './dialPolicy.js';
export { languageForCaller } from './language.js';
export {
  canonical,
  countryCodeOf,
  extension,
  formats,
  isE164,
  isInternal,
  national,
  siteOf,
  sitesOf,
  toE164,
  type CompanySite,
  type Location,
  type NumberFormats,
  type OutsideLine,
  type ToE164Options,
} from './number.js';
