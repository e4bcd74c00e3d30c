// Remote inquiry (R5–R7): the owner's messages, straight from her mailbox, for one call.
import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DirectoryUser } from '../directory/index.js';
import { makeFolder } from '../greetings/index.js';
import { composeVoiceMessage, fileAudioDigest, voiceMessageId, type MailSpool } from '../mail/index.js';
import {
  DOWNLOAD_FOLDER_MODE,
  MailboxUnavailable,
  MessageTooLarge,
  MessageUnreadable,
  type Mailbox,
  type MailboxStore,
  type MessageInfo,
} from '../mailbox/types.js';
import { checkDial, DEFAULT_DIAL_POLICY, toE164, type DialPolicy, type Location } from '../phone/index.js';
import type { ActionContext, ActionImpl, ActionResult } from '../runtime/ports.js';
import { isAudio, type Value } from '../runtime/values.js';
import { toFreeSwitchPath, type MediaRoot } from '../speech/index.js';
import type { UserRecords } from './caller.js';

/** "The owner has seen her messages": the notifier clears her message-waiting lamp (N1). */
export class MessageWaitingEvents extends EventEmitter<{ seen: [{ mailbox: string; user: string }] }> {}

export interface InquiryOptions {
  readonly mailboxes: MailboxStore;
  readonly users: UserRecords;
  readonly spool: MailSpool;
  readonly location: Location;
  readonly media: MediaRoot;
  readonly mail: { readonly domain: string; readonly fromTemplate?: string; readonly faxTemplate?: string };
  readonly timeZone: string;
  readonly messageWaiting?: MessageWaitingEvents;
  /** what call back may dial (default: internal and national) */
  readonly dialPolicy?: DialPolicy;
  /** signs the voice messages forwarded and replied, as the caller side signs hers */
  readonly signingKey?: Uint8Array;
  readonly now?: () => Date;
}

/** The `message` record the menus see; the mailbox uid stays behind it. */
type MessageRecord = { readonly [field: string]: Value };

export function inquiryActions(o: InquiryOptions): Map<string, ActionImpl> {
  const now = o.now ?? (() => new Date());
  const open = new Map<string, Promise<Mailbox>>();
  const messages = new WeakMap<object, { info: MessageInfo; owner: DirectoryUser }>();
  const unavailable: ActionResult = { outcome: 'unavailable' };
  const policy = o.dialPolicy ?? DEFAULT_DIAL_POLICY;
  const signature = async (wav: string) =>
    o.signingKey ? { signature: { key: o.signingKey, audioDigest: await fileAudioDigest(wav) } } : {};
  const inboxes = new Set<string>();
  /**
   * the owner's per-call copies of her messages: callers' voices, for voicebox and FreeSWITCH
   * only, and only while the call lasts (her mailbox keeps the message)
   */
  const inbox = async (ctx: ActionContext): Promise<string> => {
    const dir = join(o.media.local, 'inbox', ctx.call.id);
    if (!inboxes.has(dir)) {
      inboxes.add(dir);
      ctx.onCallEnd(async () => {
        inboxes.delete(dir);
        await rm(dir, { recursive: true, force: true });
      });
    }
    await makeFolder(dir, DOWNLOAD_FOLDER_MODE);
    return dir;
  };

  /** one connection per call and owner, closed when the call ends */
  function mailboxOf(user: DirectoryUser, ctx: ActionContext): Promise<Mailbox> {
    const key = `${ctx.call.id}/${user.id}`;
    let mailbox = open.get(key);
    if (!mailbox) {
      mailbox = o.mailboxes.open({
        mailbox: user.login ?? user.email.split('@')[0]!,
        email: user.email,
        // a signed voice message counts only in the mailbox it names
        number: toE164(user.mailbox, o.location, { outsideLine: 'without' }) ?? user.mailbox,
        ...(user.login ? { login: user.login } : {}),
        ...(user.settings.mailPassword ? { mailPassword: user.settings.mailPassword } : {}),
      });
      open.set(key, mailbox);
      mailbox.catch(() => open.delete(key));
      ctx.onCallEnd(async () => {
        open.delete(key);
        await (await mailbox!.catch(() => undefined))?.close();
      });
    }
    return mailbox;
  }

  function entry(v: Value | undefined) {
    const m = v !== null && typeof v === 'object' ? messages.get(v) : undefined;
    if (!m) throw new Error('this is not a message from list messages');
    return m;
  }

  /** the mailbox's answer, or undefined when it cannot be reached (the flows say so) */
  async function withMailbox<T>(
    user: DirectoryUser,
    ctx: ActionContext,
    use: (m: Mailbox) => Promise<T>,
  ): Promise<{ value: T } | undefined> {
    try {
      return { value: await use(await mailboxOf(user, ctx)) };
    } catch (e) {
      if (e instanceof MailboxUnavailable) {
        ctx.log.warn({ user: user.id, err: e.message }, 'mailbox unavailable');
        return undefined;
      }
      throw e;
    }
  }

  const actions: Record<string, ActionImpl> = {
    'message summary': async ([rec], ctx) => {
      const user = o.users.entry(rec!);
      const answer = await withMailbox(user, ctx, (m) => m.summary());
      if (!answer) return unavailable;
      const result = answer.value;
      return {
        value: {
          new_voice: result.newVoice,
          old_voice: result.oldVoice,
          new_email: result.newEmail,
          old_email: result.oldEmail,
          new_fax: result.newFax,
          new_sms: result.newSms,
          total: result.total,
        },
      };
    },

    'list messages': async ([rec, order], ctx) => {
      const owner = o.users.entry(rec!);
      const answer = await withMailbox(owner, ctx, (m) =>
        m.list(order === 'oldest_first' ? 'oldest_first' : 'newest_first'),
      );
      if (!answer) return unavailable;
      const list = answer.value.map((info) => {
        const dial = info.senderNumber ? checkDial(info.senderNumber, policy, o.location) : undefined;
        const record: MessageRecord = {
          kind: info.kind,
          date: info.date,
          sender: info.sender,
          sender_number: info.senderNumber ?? '',
          has_sender_number: Boolean(info.senderNumber),
          can_call_back: dial?.allowed ?? false,
          subject: info.subject,
          length: info.durationMs ?? 0,
          // fetched when it is played (`message audio`), not for every message listed
          audio: null,
          is_new: info.isNew,
        };
        messages.set(record, { info, owner });
        return record;
      });
      return { value: list };
    },

    'message audio': async ([msg], ctx) => {
      const { info, owner } = entry(msg);
      const dir = await inbox(ctx);
      let answer: { value: string } | undefined;
      try {
        answer = await withMailbox(owner, ctx, (m) => m.voiceAudio(info.uid, dir));
      } catch (e) {
        if (e instanceof MessageTooLarge) {
          ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'voice message too large to play');
          return { outcome: 'too_large' };
        }
        if (e instanceof MessageUnreadable) {
          ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'voice message cannot be played');
          return { outcome: 'unreadable' };
        }
        throw e;
      }
      if (!answer) return unavailable;
      return {
        value: {
          kind: 'audio',
          localPath: answer.value,
          freeswitchPath: toFreeSwitchPath(o.media, answer.value),
        },
      };
    },

    'message text': async ([msg], ctx) => {
      const { info, owner } = entry(msg);
      try {
        const answer = await withMailbox(owner, ctx, (m) => m.text(info.uid));
        return { value: answer?.value ?? [] };
      } catch (e) {
        if (!(e instanceof MessageUnreadable)) throw e;
        ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'e-mail could not be read');
        return { outcome: 'unreadable' };
      }
    },

    'dial check': async ([number], ctx) => {
      const decision = checkDial(typeof number === 'string' ? number : '', policy, o.location);
      if (decision.allowed) return { value: decision.e164 };
      ctx.log.warn(
        { number: typeof number === 'string' ? number.slice(0, 32) : '', reason: decision.reason },
        'dial refused by the dial policy',
      );
      return { outcome: 'refused' };
    },

    'mark heard': async ([msg], ctx) => {
      const { info, owner } = entry(msg);
      await withMailbox(owner, ctx, (m) => m.markSeen(info.uid));
      return {};
    },

    'delete message': async ([msg], ctx) => {
      const { info, owner } = entry(msg);
      await withMailbox(owner, ctx, (m) => m.delete(info.uid));
      ctx.log.info({ user: owner.id, uid: info.uid }, 'message deleted');
      return {};
    },

    'messages seen': async ([rec]) => {
      const user = o.users.entry(rec!);
      o.messageWaiting?.emit('seen', { mailbox: user.mailbox, user: user.id });
      return {};
    },

    'forward voice message': async ([msg, to, comment], ctx): Promise<ActionResult> => {
      const { info, owner } = entry(msg);
      const colleague = o.users.entry(to!);
      const dir = await inbox(ctx);
      let answer: { value: string } | undefined;
      try {
        answer = await withMailbox(owner, ctx, (m) => m.voiceAudio(info.uid, dir));
      } catch (e) {
        // over the size cap, or not the audio its signature names: not passed on either
        if (!(e instanceof MessageTooLarge || e instanceof MessageUnreadable)) throw e;
        ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'voice message not forwarded');
        return { outcome: 'unreadable' };
      }
      if (!answer) throw new Error('the message to forward could not be read');
      const original = answer.value;
      if (!isAudio(comment!) || !comment.localPath) throw new Error('forward needs a recorded comment');
      const id = `fwd-${ctx.call.id}-${info.uid}`.replace(/[^A-Za-z0-9._-]/g, '_');
      const message = composeVoiceMessage({
        to: { email: colleague.email, name: colleague.name, language: colleague.settings.language ?? 'de' },
        mailbox: toE164(colleague.mailbox, o.location, { outsideLine: 'without' }) ?? colleague.mailbox,
        caller: {
          number: toE164(owner.mailbox, o.location, { outsideLine: 'without' }) ?? '',
          name: owner.name,
        },
        recordedAt: now(),
        durationMs: (comment.ms ?? 0) + (info.durationMs ?? 0),
        wav: { path: comment.localPath },
        domain: o.mail.domain,
        ...(o.mail.fromTemplate ? { fromTemplate: o.mail.fromTemplate } : {}),
        timeZone: o.timeZone,
        messageId: voiceMessageId(id, o.mail.domain),
        ...(await signature(comment.localPath)),
      });
      // both audio parts: her comment first, then the message forwarded
      message.attachments.push({
        filename: 'forwarded-message.wav',
        path: original,
        contentType: 'audio/wav',
      });
      message.subject = `Fwd: ${info.subject || message.subject}`;
      await o.spool.enqueue(message, id);
      return {};
    },

    'forward as fax': async ([msg, number], ctx): Promise<ActionResult> => {
      const { info, owner } = entry(msg);
      const fax = toE164(typeof number === 'string' ? number : '', o.location);
      if (!fax) throw new Error('not a fax number');
      // the fax server dials it: the same policy as any other dial-out
      const dial = checkDial(fax, policy, o.location);
      if (!dial.allowed) {
        ctx.log.warn({ user: owner.id, reason: dial.reason }, 'fax number refused by the dial policy');
        return { outcome: 'refused' };
      }
      const text = await withMailbox(owner, ctx, (m) => m.text(info.uid, 60_000)).then(
        (answer) => answer?.value ?? [],
        (e: unknown) => {
          if (!(e instanceof MessageUnreadable)) throw e;
          ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'e-mail could not be read');
          return [];
        },
      );
      const id = `fax-${ctx.call.id}-${info.uid}`.replace(/[^A-Za-z0-9._-]/g, '_');
      const template = o.mail.faxTemplate ?? `$(phonenumber)@fax.${o.mail.domain}`;
      await o.spool.enqueue(
        {
          from: { name: owner.name, address: owner.email },
          to: [{ name: fax, address: template.replace('$(phonenumber)', fax) }],
          subject: info.subject,
          text: text.join('\n\n'),
          messageId: `<voicebox.${id}@${o.mail.domain}>`,
          date: now(),
        },
        id,
      );
      return {};
    },

    'reply to': async ([msg, recording], ctx) => {
      const { info, owner } = entry(msg);
      if (!isAudio(recording!) || !recording.localPath) throw new Error('reply needs a recording');
      const id = `re-${ctx.call.id}-${info.uid}`.replace(/[^A-Za-z0-9._-]/g, '_');
      // a phone's voice message goes back to its voice address; an e-mail to Reply-To, else From
      const to = info.senderNumber
        ? `${info.senderNumber}@voice.${o.mail.domain}`
        : info.replyAddress.includes('@')
          ? info.replyAddress
          : undefined;
      if (!to) throw new Error('the sender has no address to reply to');
      const message = composeVoiceMessage({
        to: { email: to, name: info.sender, language: owner.settings.language ?? 'de' },
        mailbox: toE164(owner.mailbox, o.location, { outsideLine: 'without' }) ?? owner.mailbox,
        caller: {
          number: toE164(owner.mailbox, o.location, { outsideLine: 'without' }) ?? '',
          name: owner.name,
        },
        recordedAt: now(),
        durationMs: recording.ms ?? 0,
        wav: { path: recording.localPath },
        domain: o.mail.domain,
        timeZone: o.timeZone,
        messageId: voiceMessageId(id, o.mail.domain),
        ...(await signature(recording.localPath)),
      });
      message.subject = `Re: ${info.subject || message.subject}`;
      message.from = { name: owner.name, address: owner.email };
      await o.spool.enqueue(message, id);
      return {};
    },
  };
  return new Map(Object.entries(actions));
}
