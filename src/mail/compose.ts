// The two mails voicebox writes: a voice message (C9) and the welcome mail (C10). Pure: no I/O,
// no clock; everything that varies comes in as input, so the same input gives the same message.
import { DateTime } from 'luxon';
import type { Attachment as MailComposerAttachment } from 'nodemailer';
import type { MailMessage } from './types.js';
import { MailComposeError } from './types.js';
import { signVoiceFields } from './signature.js';

export type MailLanguage = 'de' | 'en';

/** `de`, `de-AT`, `DE` → `de`; anything we have no text for → `en`. */
export function mailLanguage(language: string | undefined): MailLanguage {
  const base = (language ?? '').trim().toLowerCase().split(/[-_]/)[0];
  return base === 'de' ? 'de' : 'en';
}

/** The header names voicebox sets, so remote inquiry can tell a voice message from other mail. */
export const VOICEBOX_HEADERS = {
  type: 'X-Voicebox-Type',
  caller: 'X-Voicebox-Caller',
  duration: 'X-Voicebox-Duration',
  mailbox: 'X-Voicebox-Mailbox',
  /** the caller's name as announced; signed, unlike the From display name */
  callerName: 'X-Voicebox-Caller-Name',
  /** HMAC over the others, the Message-ID, the date and the audio: see signature.ts */
  signature: 'X-Voicebox-Signature',
} as const;

/** `$(addrtype)` for voice messages (ixi-UMS uses the same placeholder for fax, SMS, ...). */
export const VOICE_ADDRTYPE = 'voice';

export const defaultAddressTemplate = (domain: string): string => `$(phonenumber)@$(addrtype).${domain}`;

/** The local part for a caller number: `+` and digits only; no digits at all → `anonymous`. */
export function senderLocalPart(number: string | undefined): string {
  const digits = (number ?? '').replace(/\D/g, '');
  if (digits === '') return 'anonymous';
  return (number ?? '').trimStart().startsWith('+') ? `+${digits}` : digits;
}

// an addr-spec we are willing to put into From: dot-atom local part (incl. '+') @ a host name
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * Fills an address template (`$(phonenumber)@$(addrtype).example.com`, the ixi-UMS Voice-Mail Server manual §4.1.3).
 * Throws a MailComposeError when the result is not an e-mail address; config validation calls
 * this with a sample number to reject a bad template at start-up.
 */
export function fillAddressTemplate(
  template: string,
  phoneNumber: string | undefined,
  addrType: string,
): string {
  const address = template
    .replace(/\$\(phonenumber\)/gi, senderLocalPart(phoneNumber))
    .replace(/\$\(addrtype\)/gi, addrType)
    .replace(/\s+/g, '');
  if (!ADDRESS.test(address)) {
    throw new MailComposeError(
      `address template "${template}" gives "${address}", which is not an e-mail address`,
    );
  }
  return address;
}

/** A header-safe one-line text: control characters (CR, LF, TAB, ...) become spaces. */
export function oneLine(text: string | undefined): string {
  return (
    (text ?? '')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

/** `abc@host` or `<abc@host>` → `<abc@host>`; anything that could break the header is refused. */
export function normalizeMessageId(messageId: string): string {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  if (!/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(bare) || /[<>\s]/.test(bare) || bare.split('@').length !== 2) {
    throw new MailComposeError(`"${oneLine(messageId)}" is not a Message-ID (want <local@domain>)`);
  }
  return `<${bare}>`;
}

/** The Message-ID of a voice message: derived from the recording id, so a resend has the same one. */
export function voiceMessageId(recordingId: string, domain: string): string {
  const local = recordingId.replace(
    /[^A-Za-z0-9._-]/g,
    (c) => `=${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return normalizeMessageId(`voicebox.${local}@${domain}`);
}

export interface VoiceMessageInput {
  /** the mailbox owner */
  to: { email: string; name: string; language: string };
  /** the mailbox number (E.164) */
  mailbox: string;
  caller: { /** E.164, or empty when anonymous */ number?: string; name?: string };
  recordedAt: Date;
  durationMs: number;
  /** the recording; read when the spool builds the message, not here */
  wav: { path: string };
  /** the mail domain, e.g. `example.com` */
  domain: string;
  /** default `$(phonenumber)@$(addrtype).<domain>` */
  fromTemplate?: string;
  /** `$(addrtype)`, default `voice` */
  addrType?: string;
  /** IANA zone the date and time are written in, e.g. `Europe/Berlin` */
  timeZone: string;
  /** stable per recording (see voiceMessageId) */
  messageId: string;
  /** envelope sender for bounces (e.g. `postmaster@example.com`); default: the From address */
  returnPath?: string;
  /**
   * The site's key and the recording's audioDigest: the message is signed, so remote inquiry
   * can tell it from a mail that only claims to be a voice message.
   */
  signature?: { key: Uint8Array; audioDigest: string };
}

/** A composed voice message: a nodemailer message object with every field voicebox sets. */
export interface VoiceMailMessage extends MailMessage {
  from: { name: string; address: string };
  to: { name: string; address: string }[];
  subject: string;
  text: string;
  date: Date;
  messageId: string;
  headers: Record<string, string>;
  attachments: (MailComposerAttachment & { filename: string; path: string; contentType: 'audio/wav' })[];
}

const VOICE_TEXT = {
  de: {
    unknown: 'unbekanntem Anrufer',
    unknownLine: 'unbekannt (Rufnummer unterdrückt)',
    subject: (from: string) => `Sprachnachricht von ${from}`,
    intro: (mailbox: string) => `Sie haben eine neue Sprachnachricht in Ihrer Voicebox ${mailbox}.`,
    forwardIntro: (by: string, sender: string, mailbox: string) =>
      `${by} hat Ihnen eine Sprachnachricht von ${sender} in Ihre Voicebox ${mailbox} weitergeleitet, mit einem gesprochenen Kommentar vorab.`,
    replyIntro: (by: string, mailbox: string) =>
      `${by} hat Ihnen mit einer Sprachnachricht aus der Voicebox ${mailbox} geantwortet.`,
    from: 'Von',
    date: 'Datum',
    duration: 'Dauer',
    dateFormat: "cccc, d. LLLL yyyy, HH:mm 'Uhr'",
    locale: 'de-DE',
    seconds: (n: number) => `${n} ${n === 1 ? 'Sekunde' : 'Sekunden'}`,
    minutes: (n: number) => `${n} ${n === 1 ? 'Minute' : 'Minuten'}`,
    outro: 'Die Nachricht ist als WAV-Datei angehängt.',
  },
  en: {
    unknown: 'an unknown caller',
    unknownLine: 'unknown (number withheld)',
    subject: (from: string) => `Voice message from ${from}`,
    intro: (mailbox: string) => `You have a new voice message in your mailbox ${mailbox}.`,
    forwardIntro: (by: string, sender: string, mailbox: string) =>
      `${by} forwarded a voice message from ${sender} to your mailbox ${mailbox}, with a spoken comment first.`,
    replyIntro: (by: string, mailbox: string) => `${by} replied to you by voice from the mailbox ${mailbox}.`,
    from: 'From',
    date: 'Date',
    duration: 'Duration',
    dateFormat: 'cccc, d LLLL yyyy, HH:mm',
    locale: 'en-GB',
    seconds: (n: number) => `${n} ${n === 1 ? 'second' : 'seconds'}`,
    minutes: (n: number) => `${n} ${n === 1 ? 'minute' : 'minutes'}`,
    outro: 'The message is attached as a WAV file.',
  },
} as const;

/** Whole seconds as the mail states them; a message shorter than a second still lasts "1 second". */
export function durationSeconds(durationMs: number): number {
  if (!Number.isFinite(durationMs) || durationMs <= 0) return 0;
  return Math.max(1, Math.round(durationMs / 1000));
}

function recordedAtIn(recordedAt: Date, timeZone: string): DateTime {
  const local = DateTime.fromJSDate(recordedAt, { zone: timeZone });
  // an unknown zone must not cost the message: write UTC and say so
  return local.isValid ? local : DateTime.fromJSDate(recordedAt, { zone: 'UTC' });
}

type VoiceText = (typeof VOICE_TEXT)[MailLanguage];

/** Builds the e-mail for one recorded message: From per address template, WAV attached, X-Voicebox headers. */
export function composeVoiceMessage(input: VoiceMessageInput): VoiceMailMessage {
  return composeVoice(input, (t, mailbox) => t.intro(mailbox));
}

/** a voice mail whose first line says what it is: a caller's message, a forward, a reply */
function composeVoice(
  input: VoiceMessageInput,
  intro: (t: VoiceText, mailbox: string) => string,
): VoiceMailMessage {
  const lang = mailLanguage(input.to.language);
  const t = VOICE_TEXT[lang];
  const number = senderLocalPart(input.caller.number);
  const anonymous = number === 'anonymous';
  const callerName = oneLine(input.caller.name);
  const addrType = input.addrType ?? VOICE_ADDRTYPE;

  let fromAddress: string;
  try {
    fromAddress = fillAddressTemplate(
      input.fromTemplate ?? defaultAddressTemplate(input.domain),
      input.caller.number,
      addrType,
    );
  } catch (error) {
    // a bad template must not cost the message; fall back to the default one
    if (input.fromTemplate === undefined) throw error;
    fromAddress = fillAddressTemplate(defaultAddressTemplate(input.domain), input.caller.number, addrType);
  }

  const who = (unknown: string): string =>
    callerName === '' ? (anonymous ? unknown : number) : anonymous ? callerName : `${callerName} (${number})`;

  const when = recordedAtIn(input.recordedAt, input.timeZone);
  const seconds = durationSeconds(input.durationMs);
  const durationText =
    seconds < 60
      ? t.seconds(seconds)
      : seconds % 60 === 0
        ? t.minutes(seconds / 60)
        : `${t.minutes(Math.floor(seconds / 60))} ${t.seconds(seconds % 60)}`;
  const dateText = `${when.setLocale(t.locale).toFormat(t.dateFormat)}${when.zoneName === 'UTC' ? ' (UTC)' : ''}`;
  const mailbox = oneLine(input.mailbox);

  const label = (s: string) => `${s}:`.padEnd(Math.max(t.from.length, t.date.length, t.duration.length) + 2);
  const text = [
    oneLine(intro(t, mailbox)),
    '',
    `${label(t.from)}${who(t.unknownLine)}`,
    `${label(t.date)}${dateText}`,
    `${label(t.duration)}${durationText}`,
    '',
    t.outro,
    '',
  ].join('\n');

  const message: VoiceMailMessage = {
    from: { name: callerName !== '' ? callerName : anonymous ? '' : number, address: fromAddress },
    to: [{ name: oneLine(input.to.name), address: input.to.email.trim() }],
    subject: oneLine(t.subject(who(t.unknown))),
    text,
    date: input.recordedAt,
    messageId: normalizeMessageId(input.messageId),
    headers: {
      [VOICEBOX_HEADERS.type]: 'voice',
      [VOICEBOX_HEADERS.caller]: anonymous ? 'anonymous' : number,
      [VOICEBOX_HEADERS.duration]: String(seconds),
      [VOICEBOX_HEADERS.mailbox]: /\d/.test(mailbox) ? senderLocalPart(mailbox) : mailbox,
      ...(callerName !== '' ? { [VOICEBOX_HEADERS.callerName]: callerName } : {}),
    },
    attachments: [
      {
        filename: `voicemail-${when.toFormat('yyyyMMdd-HHmmss')}-${anonymous ? 'anonymous' : number.replace('+', '')}.wav`,
        path: input.wav.path,
        contentType: 'audio/wav',
      },
    ],
    // never follow a path or URL other than the recording's (attachments are read by the spool)
    disableUrlAccess: true,
  };
  if (input.returnPath !== undefined) message.envelope = { from: input.returnPath, to: message.to };
  if (input.signature !== undefined) {
    const h = message.headers;
    h[VOICEBOX_HEADERS.signature] = signVoiceFields(
      input.signature.key,
      {
        messageId: message.messageId,
        type: h[VOICEBOX_HEADERS.type] ?? '',
        caller: h[VOICEBOX_HEADERS.caller] ?? '',
        duration: h[VOICEBOX_HEADERS.duration] ?? '',
        mailbox: h[VOICEBOX_HEADERS.mailbox] ?? '',
        callerName: h[VOICEBOX_HEADERS.callerName] ?? '',
        date: message.date,
      },
      input.signature.audioDigest,
    );
  }
  return message;
}

export interface WelcomeMailInput {
  to: { email: string; name: string };
  /** the mailbox number to announce (E.164 or as the site writes it) */
  mailbox: string;
  /** a newly generated PIN; undefined = the user keeps the PIN they already have */
  pin?: string;
  /** false when the user may not log in by phone (the ixi-UMS Voice-Mail Server manual §4.1.1: then no PIN is sent) */
  phoneLogin?: boolean;
  /**
   * sent again at the admin's request (`welcomeResend`): without `pin`, voicebox cannot know
   * her PIN (only its hash), so the mail says it is unchanged and how to have it reset
   */
  resent?: boolean;
  language: string;
  /** the site's free text per language (`de`, `en`), put at the bottom (the ixi-UMS Voice-Mail Server manual §4.1.1, "E-Mail Free Text") */
  text?: Readonly<Record<string, string>>;
  portalUrl?: string;
  /** e.g. the user guide as PDF */
  attachments?: readonly { filename: string; path: string; contentType?: string }[];
  /** the configured sender (the ixi-UMS Voice-Mail Server manual §4.1.1, "Sender e-mail", "Display name") */
  from: { address: string; name?: string };
  messageId?: string;
  date?: Date;
}

const WELCOME_TEXT = {
  de: {
    subject: 'Willkommen bei Ihrer Voicebox',
    hello: (name: string) =>
      name ? `Willkommen bei Ihrer Voicebox, ${name}.` : 'Willkommen bei Ihrer Voicebox.',
    number: (n: string) => `Die Nummer Ihrer Voicebox ist: ${n}`,
    delivery:
      'Nachrichten, die Anrufer hinterlassen, kommen als E-Mail in Ihren Posteingang; die Aufnahme ist als WAV-Datei angehängt.',
    phoneTitle: 'Einrichtung per Telefon',
    phone:
      'Rufen Sie Ihre Voicebox-Nummer an, drücken Sie während der Ansage die Taste * und geben Sie Ihre PIN ein. So hören Sie Ihre Nachrichten ab und richten Ihre Voicebox ein.',
    newPin: (pin: string) => `Ihre PIN ist: ${pin}`,
    keepPin: 'Ihre PIN bleibt die, die Sie bereits haben.',
    pinUnchanged:
      'Ihre PIN ist unverändert. Falls Sie sie vergessen haben, bitten Sie Ihren Administrator, Ihnen eine neue PIN zu schicken.',
    portalTitle: 'Einrichtung im Browser',
    portal: (url: string) => `Sie können Ihre Voicebox auch im Browser einrichten: ${url}`,
  },
  en: {
    subject: 'Welcome to your voice mailbox',
    hello: (name: string) =>
      name ? `Welcome to your voice mailbox, ${name}.` : 'Welcome to your voice mailbox.',
    number: (n: string) => `The number of your voice mailbox is: ${n}`,
    delivery: "Callers' messages are delivered to your e-mail inbox, the recording attached as a WAV file.",
    phoneTitle: 'Setting up by phone',
    phone:
      'Call your mailbox number, press * while the greeting plays and enter your PIN to listen to your messages and set up your mailbox.',
    newPin: (pin: string) => `Your PIN is: ${pin}`,
    keepPin: 'Your PIN is the one you already have.',
    pinUnchanged:
      'Your PIN has not changed. If you have forgotten it, ask your administrator to send you a new one.',
    portalTitle: 'Setting up in the browser',
    portal: (url: string) => `You can also set up your mailbox in your web browser: ${url}`,
  },
} as const;

export interface WelcomeMailMessage extends MailMessage {
  from: { name: string; address: string };
  to: { name: string; address: string }[];
  subject: string;
  text: string;
  headers: Record<string, string>;
  attachments: MailComposerAttachment[];
}

/** The welcome mail on the first call to a mailbox (C10, the ixi-UMS Voice-Mail Server manual §4.1.1). */
export function composeWelcomeMail(input: WelcomeMailInput): WelcomeMailMessage {
  const lang = mailLanguage(input.language);
  const t = WELCOME_TEXT[lang];
  const name = oneLine(input.to.name);
  const paragraphs: string[] = [t.hello(name), t.number(oneLine(input.mailbox)), t.delivery];
  if (input.phoneLogin !== false) {
    const pin =
      input.pin !== undefined ? t.newPin(oneLine(input.pin)) : input.resent ? t.pinUnchanged : t.keepPin;
    paragraphs.push(`${t.phoneTitle}\n${t.phone}\n${pin}`);
  }
  if (input.portalUrl !== undefined && input.portalUrl.trim() !== '') {
    paragraphs.push(`${t.portalTitle}\n${t.portal(oneLine(input.portalUrl))}`);
  }
  const freeText = input.text?.[lang] ?? input.text?.['en'];
  if (freeText !== undefined && freeText.trim() !== '')
    paragraphs.push(freeText.replace(/\r\n?/g, '\n').trim());

  const message: WelcomeMailMessage = {
    from: { name: oneLine(input.from.name), address: input.from.address.trim() },
    to: [{ name, address: input.to.email.trim() }],
    subject: t.subject,
    text: `${paragraphs.join('\n\n')}\n`,
    headers: { [VOICEBOX_HEADERS.type]: 'welcome', [VOICEBOX_HEADERS.mailbox]: oneLine(input.mailbox) },
    attachments: (input.attachments ?? []).map((a) => ({
      filename: oneLine(a.filename),
      path: a.path,
      ...(a.contentType !== undefined ? { contentType: a.contentType } : {}),
    })),
    disableUrlAccess: true,
  };
  if (input.messageId !== undefined) message.messageId = normalizeMessageId(input.messageId);
  if (input.date !== undefined) message.date = input.date;
  return message;
}

/** A user id as it may stand in a spool id and a Message-ID: letters and digits, the rest `_`. */
const safeUserId = (userId: string): string => userId.replace(/[^A-Za-z0-9]/g, '_');

/**
 * Spool ids and Message-IDs of the mails besides the caller's voice message. Each is derived
 * from what the mail is about, never from a clock or a counter: a call replayed after a
 * crash makes the same id again, and the spool, which already holds it, does not send twice.
 */
export const mailIds = {
  /** the first welcome mail: one per user, ever; sent again (`resentAt`, as stored): one per request */
  welcome: (userId: string, domain: string, resentAt?: Date) => {
    const again = resentAt ? `.${resentAt.getTime()}` : '';
    return {
      spoolId: `welcome-${safeUserId(userId)}${again.replace('.', '-')}`,
      messageId: `voicebox.welcome.${safeUserId(userId)}${again}@${domain}`,
    };
  },
  /** one reminder per PIN: the PIN is known by the time it was set */
  pinReminder: (userId: string, pinChangedAt: Date, domain: string) => ({
    spoolId: `pin-reminder-${safeUserId(userId)}-${pinChangedAt.getTime()}`,
    messageId: `voicebox.pin-reminder.${safeUserId(userId)}.${pinChangedAt.getTime()}@${domain}`,
  }),
  lock: (userId: string, lockedAt: Date, domain: string) => ({
    spoolId: `lock-${safeUserId(userId)}-${lockedAt.getTime()}`,
    messageId: `voicebox.lock.${safeUserId(userId)}.${lockedAt.getTime()}@${domain}`,
  }),
  /** what the owner sends from remote inquiry: one per call, message and kind */
  inquiry: (kind: 'fwd' | 're' | 'fax', callId: string, uid: string | number) =>
    `${kind}-${callId}-${uid}`.replace(/[^A-Za-z0-9._-]/g, '_'),
} as const;

export interface LockMailInput {
  to: { email: string; name: string };
  mailbox: string;
  language: string;
  lockedAt: Date;
  /** IANA zone the time of the lock is written in (the site's), e.g. `Europe/Berlin` */
  timeZone: string;
  wrongPins: number;
  /** the number of the last attempt, E.164 or as sent; may be empty */
  caller: string;
  from: { address: string; name?: string };
  messageId: string;
}

/** "am Dienstag, 1. Dezember 2026, um 10:30 Uhr" / "on Tuesday, 1 December 2026, at 10:30", in the site's zone */
function lockedWhen(i: LockMailInput, lang: MailLanguage): string {
  const when = recordedAtIn(i.lockedAt, i.timeZone);
  const utc = when.zoneName === 'UTC' ? ' (UTC)' : '';
  return lang === 'de'
    ? `${when.setLocale('de-DE').toFormat("'am' cccc, d. LLLL yyyy, 'um' HH:mm 'Uhr'")}${utc}`
    : `${when.setLocale('en-GB').toFormat("'on' cccc, d LLLL yyyy, 'at' HH:mm")}${utc}`;
}

const LOCK_TEXT = {
  de: {
    subject: 'Ihre Anmeldung per Telefon wurde gesperrt',
    body: (i: LockMailInput) =>
      [
        i.to.name ? `Hallo ${i.to.name},` : 'Hallo,',
        `die Anmeldung per Telefon an Ihrer Voicebox ${i.mailbox} wurde ${lockedWhen(i, 'de')} ` +
          `nach ${i.wrongPins} falschen PIN-Eingaben gesperrt.`,
        `Der letzte Versuch kam von: ${i.caller || 'unbekannt'}`,
        'Bitte wenden Sie sich an Ihren Administrator, um die Anmeldung wieder freizugeben.',
      ].join('\n\n'),
  },
  en: {
    subject: 'Your telephone login has been locked',
    body: (i: LockMailInput) =>
      [
        i.to.name ? `Hello ${i.to.name},` : 'Hello,',
        `the telephone login to your voice mailbox ${i.mailbox} was locked ${lockedWhen(i, 'en')} ` +
          `after ${i.wrongPins} wrong PINs.`,
        `The last attempt came from: ${i.caller || 'unknown'}`,
        'Please ask your administrator to unlock it.',
      ].join('\n\n'),
  },
} as const;

/** The mail to the owner when her phone login gets locked (R3, the ixi-UMS Voice-Mail Server manual §4.7.2). No PIN in it. */
export function composeLockMail(input: LockMailInput): MailMessage {
  const t = LOCK_TEXT[mailLanguage(input.language)];
  const one = (s: string) => s.replace(/[\r\n\t]+/g, ' ').trim();
  const clean: LockMailInput = {
    ...input,
    to: { email: input.to.email.trim(), name: one(input.to.name) },
    mailbox: one(input.mailbox),
    caller: one(input.caller),
  };
  return {
    from: { name: one(input.from.name ?? 'voicebox'), address: input.from.address.trim() },
    to: [{ name: clean.to.name, address: clean.to.email }],
    subject: t.subject,
    text: `${t.body(clean)}\n`,
    date: input.lockedAt,
    messageId: normalizeMessageId(input.messageId),
    headers: { 'X-Voicebox-Type': 'lock', 'X-Voicebox-Mailbox': clean.mailbox },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}

export interface PinReminderInput {
  to: { email: string; name: string };
  mailbox: string;
  language: string;
  expiresAt: Date;
  /** IANA zone the day is written in (the site's), e.g. `Europe/Berlin` */
  timeZone: string;
  /** what happens at the first login after that day (config login.afterExpiry) */
  afterExpiry: 'change' | 'refuse';
  portalUrl?: string;
  from: { address: string; name?: string };
  messageId: string;
  date?: Date;
}

/** "Dienstag, 8. Dezember 2026" / "Tuesday, 8 December 2026", in the site's zone */
function expiryDay(i: PinReminderInput, lang: MailLanguage): string {
  const when = recordedAtIn(i.expiresAt, i.timeZone);
  return lang === 'de'
    ? when.setLocale('de-DE').toFormat('cccc, d. LLLL yyyy')
    : when.setLocale('en-GB').toFormat('cccc, d LLLL yyyy');
}

const PIN_REMINDER_TEXT = {
  de: {
    subject: (day: string) => `Ihre PIN läuft am ${day} ab`,
    hello: (name: string) => (name ? `Hallo ${name},` : 'Hallo,'),
    expires: (mailbox: string, day: string) => `die PIN Ihrer Voicebox ${mailbox} läuft am ${day} ab.`,
    howTo:
      'So ändern Sie sie per Telefon: Rufen Sie Ihre Voicebox an, drücken Sie während der Ansage die Stern-Taste und geben Sie Ihre PIN ein. Drücken Sie im Hauptmenü die 2 für die Einstellungen und dann die 4, um die PIN zu ändern.',
    portal: (url: string) => `Sie können die PIN auch im Browser ändern: ${url}`,
    // "after that day", not "after you changed it" (the English says the same)
    change: 'Nach diesem Tag werden Sie bei der nächsten Anmeldung gebeten, eine neue PIN zu wählen.',
    refuse:
      'Nach diesem Tag ist die Anmeldung per Telefon nicht mehr möglich, bis Ihr Administrator Ihnen eine neue PIN gibt.',
  },
  en: {
    subject: (day: string) => `Your PIN expires on ${day}`,
    hello: (name: string) => (name ? `Hello ${name},` : 'Hello,'),
    expires: (mailbox: string, day: string) => `the PIN of your voice mailbox ${mailbox} expires on ${day}.`,
    howTo:
      'To change it by phone: call your voice mailbox, press the star key while the greeting plays and enter your PIN. In the main menu, press 2 for the settings, then 4 to change your PIN.',
    portal: (url: string) => `You can also change your PIN in your web browser: ${url}`,
    change: 'After that day, you will be asked to choose a new PIN when you next log in.',
    refuse: 'After that day, you cannot log in by phone until your administrator gives you a new PIN.',
  },
} as const;

/**
 * The reminder before her PIN expires (R3, the ixi-UMS Voice-Mail Server manual §4.7.2): the
 * day, how to change it by phone (and in the browser when the site has a portal). No PIN in it.
 */
export function composePinReminder(input: PinReminderInput): MailMessage {
  const lang = mailLanguage(input.language);
  const t = PIN_REMINDER_TEXT[lang];
  const day = expiryDay(input, lang);
  const name = oneLine(input.to.name);
  const mailbox = oneLine(input.mailbox);
  const paragraphs: string[] = [t.hello(name), t.expires(mailbox, day), t.howTo];
  if (input.portalUrl !== undefined && input.portalUrl.trim() !== '')
    paragraphs.push(t.portal(oneLine(input.portalUrl)));
  paragraphs.push(input.afterExpiry === 'refuse' ? t.refuse : t.change);
  const message: MailMessage = {
    from: { name: oneLine(input.from.name ?? 'voicebox'), address: input.from.address.trim() },
    to: [{ name, address: input.to.email.trim() }],
    subject: t.subject(day),
    text: `${paragraphs.join('\n\n')}\n`,
    messageId: normalizeMessageId(input.messageId),
    headers: { [VOICEBOX_HEADERS.type]: 'pin-reminder', [VOICEBOX_HEADERS.mailbox]: mailbox },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
  if (input.date !== undefined) message.date = input.date;
  return message;
}

/** A message from the owner's mailbox, as remote inquiry passes it on. */
export interface InquiryMessage {
  /** its subject; empty when it had none */
  subject: string;
}

export interface ForwardInput {
  /** the voice message as a colleague gets it: her comment, signed as a voice message */
  voice: VoiceMessageInput;
  message: InquiryMessage & {
    /** the message's own WAV, fetched from the owner's mailbox */ audioPath: string;
    /** who left the message (name, number, or both): the subject is then written in the colleague's language */
    sender?: string | undefined;
  };
}

/**
 * A voice message forwarded with a spoken comment (R6): the comment first, then the message.
 * The subject is in the colleague's language ("Fwd: Voice message from Carol Clark"): the
 * message's own subject was written in the owner's.
 */
export function composeForward(input: ForwardInput): VoiceMailMessage {
  const sender = oneLine(input.message.sender);
  const by = oneLine(input.voice.caller.name) || oneLine(input.voice.caller.number);
  const message =
    sender === ''
      ? composeVoiceMessage(input.voice)
      : composeVoice(input.voice, (t, mailbox) => t.forwardIntro(by, sender, mailbox));
  message.attachments.push({
    filename: 'forwarded-message.wav',
    path: input.message.audioPath,
    contentType: 'audio/wav',
  });
  const lang = mailLanguage(input.voice.to.language);
  message.subject =
    sender === ''
      ? `Fwd: ${oneLine(input.message.subject) || message.subject}`
      : `Fwd: ${oneLine(VOICE_TEXT[lang].subject(sender))}`;
  return message;
}

export interface ReplyInput {
  /** the spoken reply; `to` is filled in from the message replied to */
  voice: Omit<VoiceMessageInput, 'to'> & { to: { language: string } };
  message: InquiryMessage & {
    /** the sender's name or address as the list said it */
    sender: string;
    /** a phone's number: the reply goes back to its voice address */
    senderNumber?: string | undefined;
    /** Reply-To, else From */
    replyAddress: string;
  };
  /** the owner: she is the reply's sender */
  from: { name: string; address: string };
}

/**
 * A spoken reply (R6): a phone's voice message goes back to its voice address, an e-mail to
 * its Reply-To, else its From. Throws when the message names nobody to reply to.
 */
export function composeReply(input: ReplyInput): VoiceMailMessage {
  const m = input.message;
  const to = m.senderNumber
    ? `${m.senderNumber}@voice.${input.voice.domain}`
    : m.replyAddress.includes('@')
      ? m.replyAddress
      : undefined;
  if (!to) throw new Error('the sender has no address to reply to');
  // the mailbox is the owner's, not the recipient's: the first line says whose
  const by = oneLine(input.from.name) || input.from.address;
  const message = composeVoice(
    { ...input.voice, to: { email: to, name: m.sender, language: input.voice.to.language } },
    (t, mailbox) => t.replyIntro(by, mailbox),
  );
  message.subject = `Re: ${m.subject || message.subject}`;
  message.from = { name: input.from.name, address: input.from.address };
  return message;
}

export interface FaxInput {
  message: InquiryMessage & { /** the body, in the pieces it was read aloud in */ text: readonly string[] };
  /** the fax number, E.164 */
  number: string;
  /** the owner: she sends it */
  from: { name: string; address: string };
  /** where a fax number is mailed: `$(phonenumber)@fax.<domain>` unless configured */
  template?: string;
  domain: string;
  /** mailIds.inquiry('fax', ...) */
  id: string;
  date: Date;
}

/** An e-mail or fax passed on to a fax number through the fax address template (R6). */
export function composeFax(input: FaxInput): MailMessage {
  const template = input.template ?? `$(phonenumber)@fax.${input.domain}`;
  return {
    from: { name: input.from.name, address: input.from.address },
    to: [{ name: input.number, address: fillAddressTemplate(template, input.number, 'fax') }],
    subject: input.message.subject,
    text: input.message.text.join('\n\n'),
    messageId: `<voicebox.${input.id}@${input.domain}>`,
    date: input.date,
  };
}

/** What a dead letter was, in the owner's words: her forward, her reply, her fax, a message. */
export type DeadLetterKind = 'forward' | 'reply' | 'fax' | 'message';

export interface DeadLetterNoticeInput {
  /** the owner of the refused message */
  to: { email: string; name: string };
  mailbox: string;
  language: string;
  kind: DeadLetterKind;
  /** whom the server refused it for (an address; for a fax, the fax number) */
  recipients: readonly string[];
  /** the refused message's subject; empty when it had none */
  subject: string;
  /** the server's answer, one line */
  reason: string;
  from: { address: string; name?: string };
  messageId: string;
  date: Date;
}

const DEAD_LETTER_TEXT = {
  de: {
    subject: (s: string) =>
      s ? `Nicht zugestellt: ${s}` : 'Nicht zugestellt: Ihre Nachricht aus der Voicebox',
    hello: (name: string) => (name ? `Hallo ${name},` : 'Hallo,'),
    what: { forward: 'Ihre Weiterleitung', reply: 'Ihre Antwort', fax: 'Ihr Fax', message: 'Ihre Nachricht' },
    failed: (what: string, to: string) =>
      `${what} an ${to} konnte nicht zugestellt werden. Der Mailserver hat die Annahme endgültig abgelehnt:`,
    subjectLine: (s: string) => `Betreff: ${s}`,
    next: 'Die Voicebox versucht es nicht noch einmal. Bitte prüfen Sie die Adresse oder Nummer; bei Fragen hilft Ihnen Ihr Administrator.',
  },
  en: {
    subject: (s: string) => (s ? `Not delivered: ${s}` : 'Not delivered: your message from voicebox'),
    hello: (name: string) => (name ? `Hello ${name},` : 'Hello,'),
    what: { forward: 'Your forward', reply: 'Your reply', fax: 'Your fax', message: 'Your message' },
    failed: (what: string, to: string) =>
      `${what} to ${to} could not be delivered. The mail server refused it for good:`,
    subjectLine: (s: string) => `Subject: ${s}`,
    next: 'voicebox will not try again. Please check the address or number, or ask your administrator.',
  },
} as const;

/**
 * The owner is told once that a message she sent from voicebox (a forward, a reply, a fax) was
 * refused for good: to whom, the subject and the server's answer — never the message itself.
 */
export function composeDeadLetterNotice(input: DeadLetterNoticeInput): MailMessage {
  const t = DEAD_LETTER_TEXT[mailLanguage(input.language)];
  const subject = oneLine(input.subject);
  const paragraphs = [
    t.hello(oneLine(input.to.name)),
    `${t.failed(t.what[input.kind], input.recipients.map(oneLine).join(', '))}\n${oneLine(input.reason)}`,
    ...(subject ? [t.subjectLine(subject)] : []),
    t.next,
  ];
  return {
    from: { name: oneLine(input.from.name ?? 'voicebox'), address: input.from.address.trim() },
    to: [{ name: oneLine(input.to.name), address: input.to.email.trim() }],
    subject: t.subject(subject),
    text: `${paragraphs.join('\n\n')}\n`,
    date: input.date,
    messageId: normalizeMessageId(input.messageId),
    headers: { [VOICEBOX_HEADERS.type]: 'dead-letter', [VOICEBOX_HEADERS.mailbox]: oneLine(input.mailbox) },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}

export interface DeadLetterReportInput {
  /** the admin (config admin.email) */
  to: string;
  /** the site's language */
  language: string;
  id: string;
  refusedMessageId: string;
  envelopeFrom: string;
  refused: readonly string[];
  deliveredTo?: readonly string[] | undefined;
  subject: string;
  reason: string;
  responseCode?: number | undefined;
  attempts: number;
  enqueuedAt: Date;
  deadAt: Date;
  /** "Alice Anders <alice@example.com>, mailbox +49301234501", or undefined when nobody was found */
  owner?: string | undefined;
  /** why the owner was not told, when she was not */
  ownerNotTold?: 'own-mailbox' | 'no-owner' | 'notice' | undefined;
  from: { address: string; name?: string };
  messageId: string;
}

const DEAD_LETTER_REPORT_TEXT = {
  de: {
    subject: (id: string) => `Unzustellbare Nachricht in der Voicebox: ${id}`,
    intro:
      'Der Mailserver hat eine Nachricht endgültig abgelehnt; die Voicebox versucht es nicht noch einmal.',
    labels: {
      id: 'Spool-ID',
      messageId: 'Message-ID',
      subject: 'Betreff',
      from: 'Absender (Envelope)',
      refused: 'Abgelehnt für',
      delivered: 'Zugestellt an',
      reply: 'Antwort des Servers',
      attempts: 'Versuche',
      enqueued: 'Eingereiht',
      dead: 'Abgelehnt',
      owner: 'Postfach von',
    },
    nobody: 'nicht gefunden',
    told: {
      'own-mailbox':
        'Das Postfach der Person, der die Nachricht gehört, hat sie selbst abgelehnt: nur Sie werden benachrichtigt.',
      'no-owner':
        'Im Verzeichnis wurde niemand gefunden, dem die Nachricht gehört: nur Sie werden benachrichtigt.',
      notice:
        'Es war selbst eine Benachrichtigung über eine unzustellbare Nachricht: niemand sonst wird benachrichtigt.',
      yes: 'Die Person, der die Nachricht gehört, wurde per Mail benachrichtigt.',
    },
    next: (id: string) =>
      `Nach Behebung der Ursache erneut senden: voicebox spool retry ${id}\nEntfernen: voicebox spool drop ${id}`,
  },
  en: {
    subject: (id: string) => `Undeliverable voicebox mail: ${id}`,
    intro: 'The mail server refused a message for good; voicebox does not try it again.',
    labels: {
      id: 'Spool id',
      messageId: 'Message-ID',
      subject: 'Subject',
      from: 'Envelope sender',
      refused: 'Refused for',
      delivered: 'Delivered to',
      reply: 'Server reply',
      attempts: 'Attempts',
      enqueued: 'Queued',
      dead: 'Refused',
      owner: 'Owner',
    },
    nobody: 'not found',
    told: {
      'own-mailbox': 'Her own mailbox refused it: only you are told.',
      'no-owner': 'No owner found in the directory: only you are told.',
      notice: 'It was itself a notice of undeliverable mail: nobody else is told.',
      yes: 'The owner was told by mail.',
    },
    next: (id: string) =>
      `Send it again once the cause is fixed: voicebox spool retry ${id}\nRemove it: voicebox spool drop ${id}`,
  },
} as const;

/** The admin's copy of a dead letter (config admin.email): the technical details, never the body. */
export function composeDeadLetterReport(input: DeadLetterReportInput): MailMessage {
  const t = DEAD_LETTER_REPORT_TEXT[mailLanguage(input.language)];
  const l = t.labels;
  const id = oneLine(input.id);
  const rows: [string, string][] = [
    [l.id, id],
    [l.messageId, oneLine(input.refusedMessageId)],
    [l.subject, oneLine(input.subject)],
    [l.from, oneLine(input.envelopeFrom)],
    [l.refused, input.refused.map(oneLine).join(', ')],
    ...(input.deliveredTo?.length
      ? [[l.delivered, input.deliveredTo.map(oneLine).join(', ')] as [string, string]]
      : []),
    [l.reply, oneLine(input.reason)],
    [l.attempts, String(input.attempts)],
    [l.enqueued, input.enqueuedAt.toISOString()],
    [l.dead, input.deadAt.toISOString()],
    [l.owner, oneLine(input.owner) || t.nobody],
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const table = rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n');
  return {
    from: { name: oneLine(input.from.name ?? 'voicebox'), address: input.from.address.trim() },
    to: input.to.trim(),
    subject: t.subject(id),
    text: `${[t.intro, table, t.told[input.ownerNotTold ?? 'yes'], t.next(id)].join('\n\n')}\n`,
    date: input.deadAt,
    messageId: normalizeMessageId(input.messageId),
    headers: { [VOICEBOX_HEADERS.type]: 'dead-letter' },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}
