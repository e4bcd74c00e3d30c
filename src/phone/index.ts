export { COUNTRY_CALLING_CODES } from './countryCodes.js';
export { languageForCaller } from './language.js';
export {
  canonical,
  countryCodeOf,
  extension,
  formats,
  isE164,
  isInternal,
  national,
  toE164,
  type Location,
  type NumberFormats,
  type OutsideLine,
  type ToE164Options,
} from './number.js';
