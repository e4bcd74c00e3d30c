// Voice, fax, SMS or e-mail: by voicebox's own signed headers, else by the sender address
// template (`$(phonenumber)@$(addrtype).<domain>`, the ixi-UMS Voice-Mail Server manual §4.1.3)
// of a gateway the admin trusts: ixi-UMS's `voc.`, `fax.`, `sms.` and voicebox's own `voice.`.
// Pure.
import { signsCallerName, verifyVoiceFields } from '../mail/index.js';
import { decodeWords } from './mime.js';
import type { MessageKind } from './types.js';

/** The headers list() asks for besides the envelope (lower case, as imapflow wants them). */
export const KIND_HEADERS = [
  'x-voicebox-type',
  'x-voicebox-caller',
  'x-voicebox-duration',
  'x-voicebox-mailbox',
  'x-voicebox-caller-name',
  'x-voicebox-signature',
  'message-id',
  'date',
  'content-language',
] as const;

const KINDS: readonly MessageKind[] = ['voice', 'fax', 'sms'];

/**
 * The `$(addrtype)` of a gateway's sender address and the kind it names: ixi-UMS writes
 * `voc.` for voice messages (its default template, manual §4.1.3), `fax.` and `sms.`; voicebox
 * writes `voice.`.
 */
export const SENDER_TEMPLATES: Readonly<Record<string, MessageKind>> = {
  voc: 'voice',
  voice: 'voice',
  fax: 'fax',
  sms: 'sms',
};

/**
 * `voice`, `fax`, `sms` or undefined from the address's domain (`+4930...@fax.gw.example.com`,
 * `...@voc.gw.example.com`): only under a gateway domain the admin trusts (`gw.example.com`),
 * matched exactly.
 */
export function kindFromAddress(address: string, trustedDomains: readonly string[]): MessageKind | undefined {
  const domain = address
    .slice(address.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase();
  const dot = domain.indexOf('.');
  const kind = dot > 0 ? SENDER_TEMPLATES[domain.slice(0, dot)] : undefined;
  const gateway = domain.slice(dot + 1);
  return kind !== undefined && trustedDomains.some((d) => d.trim().toLowerCase() === gateway)
    ? kind
    : undefined;
}

/**
 * X-Voicebox-Type wins (`welcome` and anything unknown mean e-mail); without it the sender's
 * subdomain under a trusted gateway domain decides.
 */
export function detectKind(
  type: string | undefined,
  fromAddress: string,
  trustedDomains: readonly string[] = [],
): MessageKind {
  const declared = type?.trim().toLowerCase();
  if (declared !== undefined && declared !== '') {
    return KINDS.find((k) => k === declared) ?? 'email';
  }
  return kindFromAddress(fromAddress, trustedDomains) ?? 'email';
}

/** The caller's number: X-Voicebox-Caller, else the local part of a trusted gateway's sender address. */
export function senderNumber(
  callerHeader: string | undefined,
  fromAddress: string,
  trustedDomains: readonly string[] = [],
): string | undefined {
  const caller = callerHeader?.trim();
  if (caller !== undefined && /^\+?\d{2,}$/.test(caller)) return caller;
  if (caller === 'anonymous') return undefined;
  const at = fromAddress.lastIndexOf('@');
  if (at <= 0 || kindFromAddress(fromAddress, trustedDomains) === undefined) return undefined;
  const local = fromAddress.slice(0, at);
  return /^\+?\d{2,}$/.test(local) ? local : undefined;
}

/** `+49 30 1234501`, `+49301234501` → `+49301234501`; a name without digits stays as it is. */
function mailboxKey(value: string): string {
  const text = value.trim();
  if (!/\d/.test(text)) return text.toLowerCase();
  const digits = text.replace(/\D/g, '');
  return text.startsWith('+') ? `+${digits}` : digits;
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
  /** the caller's name under the signature: the only name announced for a signed message */
  signedCallerName?: string;
  /** the mail carries voicebox's headers but no valid signature: an e-mail posing as one */
  forged?: boolean;
}

/** Whose mailbox is read, and which gateways' sender addresses are believed. */
export interface ClassifyContext {
  /** the mailbox number being read (E.164); a signed message left in another mailbox is an e-mail */
  ownerMailbox?: string;
  /** `mailbox.trustedSenderDomains`: gateway domains whose `$(phonenumber)@$(addrtype).<domain>` counts */
  trustedSenderDomains?: readonly string[];
  /**
   * the mail has an audio attachment (audio/wav, audio/x-wav, audio/mpeg, ...): a gateway's
   * voice message without one is an e-mail (there is nothing to play)
   */
  hasAudio?: boolean;
}

/**
 * The kind, caller and duration of a message from its headers (lower-case names → first value).
 * voicebox's own headers count only when the signature over them verifies with `key` and the
 * mailbox it names is the one being read; a mail that carries them unsigned, signed with another
 * key or for another mailbox is an e-mail and its caller header is ignored. A mail without them
 * is judged by its sender address only when that is a trusted gateway's.
 */
export function classifyMessage(
  get: (name: string) => string | undefined,
  fromAddress: string,
  key: Uint8Array | undefined,
  context: ClassifyContext = {},
): Classified {
  const trusted = context.trustedSenderDomains ?? [];
  const type = get('x-voicebox-type')?.trim() ?? '';
  if (type === '') {
    const byAddress = kindFromAddress(fromAddress, trusted);
    const number = senderNumber(undefined, fromAddress, trusted);
    // a trusted gateway's number is believed, but a voice message without audio has nothing to play
    const kind = byAddress === 'voice' && context.hasAudio !== true ? 'email' : byAddress;
    return {
      kind: kind ?? 'email',
      ...(number ? { senderNumber: number } : {}),
    };
  }
  const signature = get('x-voicebox-signature');
  const callerName = decodeWords(get('x-voicebox-caller-name') ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  const signedMailbox = get('x-voicebox-mailbox') ?? '';
  const verified = verifyVoiceFields(
    key,
    {
      messageId: get('message-id') ?? '',
      type,
      caller: get('x-voicebox-caller') ?? '',
      duration: get('x-voicebox-duration') ?? '',
      mailbox: signedMailbox,
      callerName,
      date: get('date') ?? '',
    },
    signature,
  );
  // a genuine message copied into another mailbox vouches for nothing there
  const forThisMailbox =
    context.ownerMailbox !== undefined &&
    signedMailbox.trim() !== '' &&
    mailboxKey(signedMailbox) === mailboxKey(context.ownerMailbox);
  const signedAudio = forThisMailbox ? verified : undefined;
  if (signedAudio === undefined) {
    const claimed = KINDS.includes(type.toLowerCase() as MessageKind);
    return { kind: 'email', ...(claimed ? { forged: true } : {}) };
  }
  const number = senderNumber(get('x-voicebox-caller'), '');
  const duration = durationMs(get('x-voicebox-duration'));
  return {
    kind: detectKind(type, ''),
    signedAudio,
    ...(signsCallerName(signature) && callerName !== '' ? { signedCallerName: callerName } : {}),
    ...(number !== undefined ? { senderNumber: number } : {}),
    ...(duration !== undefined ? { durationMs: duration } : {}),
  };
}

/**
 * Who the owner hears a message is from: for a signed message only what the signature covers
 * (the caller's name, else the number; the From display name is anyone's to write), for other
 * mail its From display name, else its address.
 */
export function announcedSender(c: Classified, fromName: string, fromAddress: string): string {
  if (c.signedAudio !== undefined) return c.signedCallerName ?? c.senderNumber ?? fromAddress;
  return fromName || fromAddress;
}

/**
 * The sender's name as the owner hears it: the signed caller name of a signed message, else the
 * From display name; '' when there is none, or when the "name" is only a number (a gateway
 * writes `"+4989..." <+4989...@voc.gw>`): the number is said as a number, in digit groups.
 */
export function senderName(c: Classified, fromName: string): string {
  const name = (c.signedAudio !== undefined ? (c.signedCallerName ?? '') : fromName)
    .replace(/\s+/g, ' ')
    .trim();
  return /\p{L}/u.test(name) ? name : '';
}

/** Does a body structure (content types of its parts) hold audio to play? */
export const hasAudioPart = (types: Iterable<string>): boolean => [...types].some(isAudio);
