// The mails voicebox sends, as verbs: the business actions say what happened (a caller left
// a message, a login was locked, the owner forwarded a message) and the Mailer composes the
// mail (compose.ts, pure) and puts it in the spool. No action builds MIME or knows a spool id.
import { basename } from 'node:path';
import {
  composeFax,
  composeForward,
  composeLockMail,
  composePinReminder,
  composeReply,
  composeVoiceMessage,
  composeWelcomeMail,
  mailIds,
  voiceMessageId,
} from './compose.js';
import { fileAudioDigest } from './signature.js';
import type { MailMessage } from './types.js';

/** Someone voicebox writes to: `language` unset means the site's default language. */
export interface Recipient {
  readonly email: string;
  readonly name: string;
  readonly language?: string | undefined;
}

/** A caller's recording, as the call made it. */
export interface Recording {
  /** the recording's id: the spool id, and the Message-ID's local part, of the mail made from it */
  readonly id: string;
  readonly path: string;
  readonly ms: number;
}

export interface VoiceMessageMail {
  readonly recording: Recording;
  readonly to: Recipient;
  /** the mailbox it was left in, E.164 */
  readonly mailbox: string;
  readonly caller: { readonly number: string; readonly name: string };
  readonly recordedAt: Date;
}

export interface WelcomeMail {
  /** the directory's id of the user: one welcome mail per user, ever */
  readonly userId: string;
  readonly to: Recipient;
  readonly mailbox: string;
  /** a newly made PIN (or the one voicebox still knows), or undefined when she keeps hers */
  readonly pin?: string | undefined;
  readonly portalUrl?: string | undefined;
  /** false: her phone login is off, the mail says nothing of a PIN or of logging in by phone */
  readonly phoneLogin?: boolean | undefined;
  /** sent again at the admin's request (`welcomeResend`): the time it was claimed, as stored */
  readonly resentAt?: Date | undefined;
}

export interface PinReminder {
  readonly userId: string;
  readonly to: Recipient;
  readonly mailbox: string;
  /** when the PIN was set: one reminder per PIN */
  readonly pinChangedAt: Date;
  readonly expiresAt: Date;
  readonly afterExpiry: 'change' | 'refuse';
  readonly portalUrl?: string | undefined;
}

export interface LockNotice {
  readonly userId: string;
  readonly to: Recipient;
  readonly mailbox: string;
  readonly lockedAt: Date;
  readonly wrongPins: number;
  /** the number of the last attempt, E.164 or as sent */
  readonly caller: string;
}

/** One message of the owner's mailbox that she passes on during a call. */
export interface PassedOn {
  readonly callId: string;
  /** the message's uid in her mailbox */
  readonly uid: string | number;
  readonly subject: string;
}

export interface ForwardMail {
  readonly message: PassedOn & {
    readonly audioPath: string;
    readonly durationMs: number;
    /** who left it (name and/or number): the subject names them in the colleague's language */
    readonly sender?: string | undefined;
  };
  readonly comment: { readonly path: string; readonly ms: number };
  /** the colleague */
  readonly to: Recipient;
  /** the colleague's mailbox, E.164 */
  readonly mailbox: string;
  /** the owner: her mailbox number (E.164) and name */
  readonly from: { readonly number: string; readonly name: string };
  readonly at: Date;
}

export interface ReplyMail {
  readonly message: PassedOn & {
    readonly sender: string;
    readonly senderNumber?: string | undefined;
    readonly replyAddress: string;
  };
  readonly recording: { readonly path: string; readonly ms: number };
  /** the owner: she sends the reply from her address, in her language */
  readonly owner: Recipient & {
    /** her mailbox, E.164 (or as the directory has it) */
    readonly mailbox: string;
    /** her number as the sender's, E.164; empty when it has none */
    readonly number: string;
  };
  readonly at: Date;
}

export interface FaxMail {
  readonly message: PassedOn & { readonly text: readonly string[] };
  /** E.164 */
  readonly number: string;
  readonly from: { readonly name: string; readonly email: string };
  readonly at: Date;
}

/**
 * Every mail voicebox sends. Each verb resolves once the mail is on disk (the spool's
 * promise): after that it is sent, retried and resumed, never lost.
 */
export interface Mailer {
  voiceMessage(mail: VoiceMessageMail): Promise<void>;
  welcome(mail: WelcomeMail): Promise<void>;
  lockNotice(mail: LockNotice): Promise<void>;
  /** her PIN expires soon (R3) */
  pinReminder(mail: PinReminder): Promise<void>;
  forward(mail: ForwardMail): Promise<void>;
  reply(mail: ReplyMail): Promise<void>;
  fax(mail: FaxMail): Promise<void>;
}

/** What the spool-backed Mailer needs of the spool: MailSpool fits. */
export interface MailQueue {
  enqueue(message: MailMessage, id: string): Promise<void>;
}

export interface SpoolMailerOptions {
  readonly spool: MailQueue;
  /** the site's mail domain: voicebox@<domain>, voice.<domain>, fax.<domain>, Message-IDs */
  readonly domain: string;
  /** the From of a voice message (mail.fromTemplate); default `$(phonenumber)@$(addrtype).<domain>` */
  readonly fromTemplate?: string | undefined;
  /** where a fax number is mailed; default `$(phonenumber)@fax.<domain>` */
  readonly faxTemplate?: string | undefined;
  /** the zone dates in mails are written in */
  readonly timeZone: string;
  /** the language of a recipient who has none set (the menus' default language) */
  readonly defaultLanguage: string;
  /** the site's key: voice messages are signed with it (mail.signingKey) */
  readonly signingKey?: Uint8Array | undefined;
  /** the From of voicebox's own mails (welcome, lock notice, PIN reminder); default voicebox@<domain> */
  readonly sender?: { readonly address: string; readonly name?: string | undefined } | undefined;
  /** what every welcome mail carries besides her data (config `welcome`) */
  readonly welcome?: WelcomeExtras | undefined;
}

/** The site's additions to every welcome mail (the ixi-UMS Voice-Mail Server manual §4.1.1). */
export interface WelcomeExtras {
  /** a free text per language (`de`, `en`), at the bottom */
  readonly text?: Readonly<Record<string, string>> | undefined;
  /** files, e.g. a quick guide as PDF: attached under their own names, read when the mail is spooled */
  readonly attachments?: readonly string[] | undefined;
}

/** The Mailer over the spool: composes, signs voice messages, enqueues under a stable id. */
export function spoolMailer(o: SpoolMailerOptions): Mailer {
  const languageOf = (r: Recipient) => r.language ?? o.defaultLanguage;
  const voicebox = o.sender?.address
    ? { address: o.sender.address, name: o.sender.name ?? '' }
    : { address: `voicebox@${o.domain}`, name: o.sender?.name ?? 'voicebox' };
  const welcomeText = o.welcome?.text ? { text: o.welcome.text } : {};
  const welcomeFiles = (o.welcome?.attachments ?? []).map((path) => ({ filename: basename(path), path }));
  const signature = async (wav: string) =>
    o.signingKey ? { signature: { key: o.signingKey, audioDigest: await fileAudioDigest(wav) } } : {};
  const fromTemplate = o.fromTemplate ? { fromTemplate: o.fromTemplate } : {};

  return {
    async voiceMessage(m) {
      const message = composeVoiceMessage({
        to: { email: m.to.email, name: m.to.name, language: languageOf(m.to) },
        mailbox: m.mailbox,
        caller: m.caller,
        recordedAt: m.recordedAt,
        durationMs: m.recording.ms,
        wav: { path: m.recording.path },
        domain: o.domain,
        ...fromTemplate,
        timeZone: o.timeZone,
        messageId: voiceMessageId(m.recording.id, o.domain),
        ...(await signature(m.recording.path)),
      });
      await o.spool.enqueue(message, m.recording.id);
    },

    async welcome(m) {
      const ids = mailIds.welcome(m.userId, o.domain, m.resentAt);
      const mail = composeWelcomeMail({
        to: { email: m.to.email, name: m.to.name },
        mailbox: m.mailbox,
        ...(m.pin ? { pin: m.pin } : {}),
        ...(m.phoneLogin === false ? { phoneLogin: false } : {}),
        ...(m.resentAt ? { resent: true } : {}),
        language: languageOf(m.to),
        ...(m.portalUrl ? { portalUrl: m.portalUrl } : {}),
        ...welcomeText,
        ...(welcomeFiles.length > 0 ? { attachments: welcomeFiles } : {}),
        from: voicebox,
        messageId: ids.messageId,
      });
      await o.spool.enqueue(mail, ids.spoolId);
    },

    async lockNotice(m) {
      const ids = mailIds.lock(m.userId, m.lockedAt, o.domain);
      const mail = composeLockMail({
        to: { email: m.to.email, name: m.to.name },
        mailbox: m.mailbox,
        language: languageOf(m.to),
        lockedAt: m.lockedAt,
        timeZone: o.timeZone,
        wrongPins: m.wrongPins,
        caller: m.caller,
        from: voicebox,
        messageId: ids.messageId,
      });
      await o.spool.enqueue(mail, ids.spoolId);
    },

    async pinReminder(m) {
      const ids = mailIds.pinReminder(m.userId, m.pinChangedAt, o.domain);
      const mail = composePinReminder({
        to: { email: m.to.email, name: m.to.name },
        mailbox: m.mailbox,
        language: languageOf(m.to),
        expiresAt: m.expiresAt,
        timeZone: o.timeZone,
        afterExpiry: m.afterExpiry,
        ...(m.portalUrl ? { portalUrl: m.portalUrl } : {}),
        from: voicebox,
        messageId: ids.messageId,
      });
      await o.spool.enqueue(mail, ids.spoolId);
    },

    async forward(m) {
      const id = mailIds.inquiry('fwd', m.message.callId, m.message.uid);
      const message = composeForward({
        voice: {
          to: { email: m.to.email, name: m.to.name, language: languageOf(m.to) },
          mailbox: m.mailbox,
          caller: m.from,
          recordedAt: m.at,
          durationMs: m.comment.ms + m.message.durationMs,
          wav: { path: m.comment.path },
          domain: o.domain,
          ...fromTemplate,
          timeZone: o.timeZone,
          messageId: voiceMessageId(id, o.domain),
          ...(await signature(m.comment.path)),
        },
        message: { subject: m.message.subject, audioPath: m.message.audioPath, sender: m.message.sender },
      });
      await o.spool.enqueue(message, id);
    },

    async reply(m) {
      const id = mailIds.inquiry('re', m.message.callId, m.message.uid);
      const message = composeReply({
        // a reply is from the owner's own address: the From template is not used
        voice: {
          to: { language: languageOf(m.owner) },
          mailbox: m.owner.mailbox,
          caller: { number: m.owner.number, name: m.owner.name },
          recordedAt: m.at,
          durationMs: m.recording.ms,
          wav: { path: m.recording.path },
          domain: o.domain,
          timeZone: o.timeZone,
          messageId: voiceMessageId(id, o.domain),
          ...(await signature(m.recording.path)),
        },
        message: m.message,
        from: { name: m.owner.name, address: m.owner.email },
      });
      await o.spool.enqueue(message, id);
    },

    async fax(m) {
      const id = mailIds.inquiry('fax', m.message.callId, m.message.uid);
      const mail = composeFax({
        message: { subject: m.message.subject, text: m.message.text },
        number: m.number,
        from: { name: m.from.name, address: m.from.email },
        ...(o.faxTemplate ? { template: o.faxTemplate } : {}),
        domain: o.domain,
        id,
        date: m.at,
      });
      await o.spool.enqueue(mail, id);
    },
  };
}
