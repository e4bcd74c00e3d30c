import type { LanguageRules } from '../graph/index.js';
import { isE164 } from './number.js';

/** "+49", "+49 30", "49" → "+49", "+4930"; "" for a prefix that names no digits (it would match everyone). */
function normalizedPrefix(prefix: string): string {
  const digits = typeof prefix === 'string' ? prefix.replace(/[^0-9]/g, '') : '';
  return digits === '' ? '' : `+${digits}`;
}

/**
 * The language to greet a caller in by her number (the ixi-UMS Voice-Mail Server manual
 * §4.1.4): the longest `by caller` prefix that matches, else `otherwise`; a caller without a
 * usable number (anonymous, withheld, not E.164) gets the company's `default`.
 *
 * @example languageForCaller('+33123456789', rules) // 'en' (otherwise)
 * @example languageForCaller(undefined, rules)      // 'de' (default)
 */
export function languageForCaller(e164: string | undefined, rules: LanguageRules): string {
  // canonical numbers ("+49 30 1234501") reach us too: their spaces carry no meaning here
  const number = typeof e164 === 'string' ? e164.replace(/[\s\-./()]/g, '') : '';
  if (!isE164(number)) return rules.default;
  let best: { length: number; language: string } | undefined;
  for (const rule of rules.byCallerPrefix) {
    const prefix = normalizedPrefix(rule.prefix);
    if (prefix !== '' && number.startsWith(prefix) && (best === undefined || prefix.length > best.length)) {
      best = { length: prefix.length, language: rule.language };
    }
  }
  return best?.language ?? rules.otherwise;
}
