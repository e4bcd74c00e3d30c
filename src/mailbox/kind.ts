// Voice, fax, SMS or e-mail: by voicebox's own header, else by the sender address template
// (`$(phonenumber)@$(addrtype).<domain>`, seed manual §4.1.3). Pure.
import { verifyVoiceFields } from '../mail/signature.js';
import type { MessageKind } from './types.js';

/** The headers list() asks for besides the envelope (lower case, as imapflow wants them). */
export const KIND_HEADERS = [
  'x-voicebox-type',
  'x-voicebox-caller',
  'x-voicebox-duration',
  'x-voicebox-mailbox',
  'x-voicebox-signature',
  'message-id',
  'date',
] as const;

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

/** What a message is, as far as it can be believed. */
export interface Classified {
  kind: MessageKind;
  senderNumber?: string;
  durationMs?: number;
  /** the audio digest the signature vouches for: the played audio must hash to it */
  signedAudio?: string;
  /** the mail carries voicebox's headers but no valid signature: an e-mail posing as one */
  forged?: boolean;
}

/**
 * The kind, caller and duration of a message from its headers (lower-case names → first value).
 * voicebox's own headers count only when the signature over them verifies with `key`; a mail
 * that carries them unsigned, or signed with another key, is an e-mail and its caller header is
 * ignored. A mail without them is judged by its sender address (gateways that write
 * `$(phonenumber)@voice.<domain>`).
 */
export function classifyMessage(
  get: (name: string) => string | undefined,
  fromAddress: string,
  key: Uint8Array | undefined,
): Classified {
  const type = get('x-voicebox-type')?.trim() ?? '';
  if (type === '') {
    const number = senderNumber(undefined, fromAddress);
    return { kind: kindFromAddress(fromAddress) ?? 'email', ...(number ? { senderNumber: number } : {}) };
  }
  const signedAudio = verifyVoiceFields(
    key,
    {
      messageId: get('message-id') ?? '',
      type,
      caller: get('x-voicebox-caller') ?? '',
      duration: get('x-voicebox-duration') ?? '',
      mailbox: get('x-voicebox-mailbox') ?? '',
      date: get('date') ?? '',
    },
    get('x-voicebox-signature'),
  );
  if (signedAudio === undefined) {
    const claimed = KINDS.includes(type.toLowerCase() as MessageKind);
    return { kind: 'email', ...(claimed ? { forged: true } : {}) };
  }
  const number = senderNumber(get('x-voicebox-caller'), '');
  const duration = durationMs(get('x-voicebox-duration'));
  return {
    kind: detectKind(type, ''),
    signedAudio,
    ...(number !== undefined ? { senderNumber: number } : {}),
    ...(duration !== undefined ? { durationMs: duration } : {}),
  };
}
