// Voice, fax, SMS or e-mail: by voicebox's own header, else by the sender address template
// (`$(phonenumber)@$(addrtype).<domain>`, seed manual §4.1.3). Pure.
import type { MessageKind } from './types.js';

/** The headers list() asks for besides the envelope (lower case, as imapflow wants them). */
export const KIND_HEADERS = ['x-voicebox-type', 'x-voicebox-caller', 'x-voicebox-duration'] as const;

const KINDS: readonly MessageKind[] = ['voice', 'fax', 'sms'];

/** `voice`, `fax`, `sms` or undefined from the address's domain (`+4930...@fax.example.com`). */
function kindFromAddress(address: string): MessageKind | undefined {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return KINDS.find((k) => domain.startsWith(`${k}.`));
}

/**
 * X-Voicebox-Type wins (`welcome` and anything unknown mean e-mail); without it the sender's
 * subdomain decides. The same rule the IMAP SEARCH of summary() uses, so counts and lists agree.
 */
export function detectKind(type: string | undefined, fromAddress: string): MessageKind {
  const declared = type?.trim().toLowerCase();
  if (declared !== undefined && declared !== '') {
    return KINDS.find((k) => k === declared) ?? 'email';
  }
  return kindFromAddress(fromAddress) ?? 'email';
}

/** The caller's number: X-Voicebox-Caller, else the local part of a phone sender address. */
export function senderNumber(callerHeader: string | undefined, fromAddress: string): string | undefined {
  const caller = callerHeader?.trim();
  if (caller !== undefined && /^\+?\d{2,}$/.test(caller)) return caller;
  if (caller === 'anonymous') return undefined;
  const at = fromAddress.lastIndexOf('@');
  if (at <= 0 || kindFromAddress(fromAddress) === undefined) return undefined;
  const local = fromAddress.slice(0, at);
  return /^\+?\d{2,}$/.test(local) ? local : undefined;
}

/** X-Voicebox-Duration (whole seconds) → milliseconds. */
export function durationMs(value: string | undefined): number | undefined {
  const seconds = Number(value?.trim());
  return value !== undefined && value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0
    ? Math.round(seconds * 1000)
    : undefined;
}

/** Content types an audio attachment may have (audio/wav, audio/x-wav, audio/wave, ...). */
export const isAudio = (type: string): boolean => type.toLowerCase().startsWith('audio/');
