// The words of an SMS: how many new messages of which kind, and who left the last one. Counts
// and a number only — the SMS passes through a provider, so never a subject, a text or a name.
import { canonical, type Location } from '../../phone/index.js';
import { NOTIFY_KINDS, type NotifyCounts, type NotifyKind } from '../types.js';

/** The languages an SMS is written in; any other is written in English. */
export type SmsLanguage = 'de' | 'en';

/** The longest text one SMS carries in the GSM 7-bit alphabet (3GPP TS 23.038). */
export const SMS_MAX_GSM_CHARACTERS = 160;

export interface SmsTextInput {
  /** how many new messages of each kind she is told about; kinds with 0 or missing are left out */
  readonly counts: Readonly<Partial<Record<NotifyKind, number>>>;
  /** who left the last of them, as the mailbox has it (`+49301234567`, `102`); '' or unusable → not named */
  readonly lastFrom?: string | undefined;
  /** her language, else the site's default; anything but German is written in English */
  readonly language: string;
  /** the site: a number is written in its international form as people read it (`+49 30 1234567`) */
  readonly location: Location;
}

const WORDS: Record<SmsLanguage, Record<NotifyKind, readonly [one: string, many: string]>> = {
  de: {
    voice: ['neue Sprachnachricht', 'neue Sprachnachrichten'],
    fax: ['neues Fax', 'neue Faxe'],
    sms: ['neue SMS', 'neue SMS'],
  },
  en: {
    voice: ['new voice message', 'new voice messages'],
    fax: ['new fax', 'new faxes'],
    sms: ['new SMS', 'new SMS'],
  },
};

const AND: Record<SmsLanguage, string> = { de: 'und', en: 'and' };
const LAST_FROM: Record<SmsLanguage, string> = { de: 'zuletzt von', en: 'last from' };

/** `de` for German (`de`, `de-AT`, `DE_ch`), else `en`. */
export function smsLanguage(language: string | undefined): SmsLanguage {
  return (language ?? '').trim().toLowerCase().split(/[-_]/)[0] === 'de' ? 'de' : 'en';
}

/** `a`, `a and b`, `a, b and c`. */
function list(parts: readonly string[], and: string): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} ${and} ${parts[parts.length - 1] ?? ''}`;
}

/**
 * The SMS text: "2 new voice messages and 1 new fax, last from +49 30 1234567" /
 * "2 neue Sprachnachrichten und 1 neues Fax, zuletzt von +49 30 1234567". Kinds in the order
 * voice, fax, SMS; without a usable sender number there is no "last from". '' when no count is
 * above 0 (nothing to tell).
 */
export function smsText(input: SmsTextInput): string {
  const language = smsLanguage(input.language);
  const parts: string[] = [];
  for (const kind of NOTIFY_KINDS) {
    const count = input.counts[kind] ?? 0;
    if (!Number.isInteger(count) || count <= 0) continue;
    const [one, many] = WORDS[language][kind];
    parts.push(`${count} ${count === 1 ? one : many}`);
  }
  if (parts.length === 0) return '';
  const sender = input.lastFrom ? canonical(input.lastFrom, input.location) : undefined;
  const counts = list(parts, AND[language]);
  return sender === undefined ? counts : `${counts}, ${LAST_FROM[language]} ${sender}`;
}

/**
 * Who left the latest of the messages of these kinds (NotifyCounts.last), or undefined. Only the
 * number is used: the SMS names no caller.
 */
export function lastSender(
  counts: Pick<NotifyCounts, 'last'>,
  kinds: readonly NotifyKind[],
): string | undefined {
  let latest: { from: string; at: Date } | undefined;
  for (const kind of kinds) {
    const last = counts.last[kind];
    if (last && (latest === undefined || last.at.getTime() > latest.at.getTime())) latest = last;
  }
  return latest?.from || undefined;
}

// GSM 03.38: the basic set counts 1, the extension table (escape + char) counts 2; anything else
// forces UCS-2, where one SMS carries 70 characters.
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '^{}\\[~]|€\f';

/**
 * The length of a text in GSM 7-bit septets (an extension character counts 2), or undefined
 * when it has a character outside the GSM alphabet (it would go as UCS-2: 70 per SMS).
 */
export function gsmLength(text: string): number | undefined {
  let length = 0;
  for (const ch of text) {
    if (GSM_BASIC.includes(ch)) length += 1;
    else if (GSM_EXTENSION.includes(ch)) length += 2;
    else return undefined;
  }
  return length;
}
