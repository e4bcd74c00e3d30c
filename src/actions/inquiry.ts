// Remote inquiry (R5–R7): the owner's messages, straight from her mailbox, for one call; and
// the dial policy's word on a number the owner would call (passing messages on: forward.ts).
import { detectLanguage, MessageTooLarge, MessageUnreadable } from '../mailbox/index.js';
import type { MessageFilter, MessageKind, MessageSummary } from '../mailbox/index.js';
import { checkDial } from '../phone/index.js';
import type { Audio, Value } from '../runtime/index.js';
import { toFreeSwitchPath } from '../speech/index.js';
import { defineAction, done, outcome, value } from './define.js';

/**
 * Fields of a `message` record beside those `MessageRecords` writes; the record is the flow's
 * `m`, so a field set later (the language, once the text is fetched) is what `m.language` says.
 */
function show<R extends Value>(rec: R, fields: Record<string, Value>): R {
  if (rec !== null && typeof rec === 'object' && !Object.isFrozen(rec)) Object.assign(rec, fields);
  return rec;
}

/** in the order of their keys in the menu that offers them */
const MESSAGE_KINDS: readonly MessageKind[] = ['voice', 'email', 'fax', 'sms'];
const isMessageKind = (v: unknown): v is MessageKind =>
  typeof v === 'string' && (MESSAGE_KINDS as readonly string[]).includes(v);

function withoutEmails(s: MessageSummary): MessageSummary {
  return { ...s, newEmail: 0, oldEmail: 0, total: s.total - s.newEmail - s.oldEmail };
}

export const inquiryActions = [
  defineAction('message summary', async (kit, [rec], ctx) => {
    const user = kit.users.entry(rec);
    const answer = await kit.callMailboxes.use(user, ctx, (m) => m.summary());
    if (!answer) return outcome('unavailable');
    // speech.readMail off: e-mails are not read aloud, so they are not counted, announced or offered
    const result = kit.policy.readMail === false ? withoutEmails(answer.value) : answer.value;
    const perKind = {
      voice: result.newVoice + result.oldVoice,
      email: result.newEmail + result.oldEmail,
      fax: result.newFax + result.oldFax,
      sms: result.newSms + result.oldSms,
    } satisfies Record<MessageKind, number>;
    const present = MESSAGE_KINDS.filter((k) => perKind[k] > 0);
    return value({
      new_voice: result.newVoice,
      old_voice: result.oldVoice,
      new_email: result.newEmail,
      old_email: result.oldEmail,
      new_fax: result.newFax,
      old_fax: result.oldFax,
      new_sms: result.newSms,
      old_sms: result.oldSms,
      ...perKind,
      kinds: present.length,
      first_kind: present[0] ?? 'voice',
      total: result.total,
    });
  }),

  defineAction('list messages', async (kit, [rec, order, kind, unread], ctx) => {
    const owner = kit.users.entry(rec);
    // the store picks them (IMAP: by UID from its searches), so no other kind is fetched
    const filter: MessageFilter = {
      ...(isMessageKind(kind) ? { kind } : {}),
      ...(unread === true ? { unread: true } : {}),
    };
    const answer = await kit.callMailboxes.use(owner, ctx, (m) =>
      m.list(order === 'oldest_first' ? 'oldest_first' : 'newest_first', filter),
    );
    if (!answer) return outcome('unavailable');
    ctx.log.debug({ user: owner.id, order, ...filter, found: answer.value.length }, 'mailbox search');
    const listed =
      kit.policy.readMail === false ? answer.value.filter((i) => i.kind !== 'email') : answer.value;
    // the new ones first, then the heard and read ones, each part in the order asked for
    const infos = [...listed.filter((i) => i.isNew), ...listed.filter((i) => !i.isNew)];
    const firstOld = infos.find((i) => !i.isNew);
    return value(
      infos.map((info) => {
        const dial = info.senderNumber
          ? checkDial(info.senderNumber, kit.policy.dial, kit.location)
          : undefined;
        const rec = kit.messages.record(info, owner, dial?.allowed ?? false);
        return show(rec, {
          sender_name: info.senderName,
          language: info.language,
          first_old: info === firstOld,
        });
      }),
    );
  }),

  defineAction('message audio', async (kit, [msg], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    const dir = await kit.callMailboxes.inbox(ctx);
    let answer: { value: string } | undefined;
    try {
      answer = await kit.callMailboxes.use(owner, ctx, (m) => m.voiceAudio(info.uid, dir));
    } catch (e) {
      if (e instanceof MessageTooLarge) {
        ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'voice message too large to play');
        return outcome('too_large');
      }
      if (e instanceof MessageUnreadable) {
        ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'voice message cannot be played');
        return outcome('unreadable');
      }
      throw e;
    }
    if (!answer) return outcome('unavailable');
    return value<Audio>({
      kind: 'audio',
      localPath: answer.value,
      freeswitchPath: toFreeSwitchPath(kit.media, answer.value),
    });
  }),

  defineAction('message text', async (kit, [msg], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    try {
      const answer = await kit.callMailboxes.use(owner, ctx, (m) => m.text(info.uid));
      const pieces = answer?.value ?? [];
      // a mail that does not say its language: told from its words, now that they are here
      if (info.language === '') show(msg, { language: detectLanguage(info.subject, pieces.join(' ')) });
      return value(pieces);
    } catch (e) {
      if (!(e instanceof MessageUnreadable)) throw e;
      ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'e-mail could not be read');
      return outcome('unreadable');
    }
  }),

  defineAction('dial check', async (kit, [number], ctx) => {
    const decision = checkDial(number, kit.policy.dial, kit.location);
    if (decision.allowed) return value(decision.e164);
    ctx.log.warn({ number: number.slice(0, 32), reason: decision.reason }, 'dial refused by the dial policy');
    return outcome('refused');
  }),

  defineAction('mark heard', async (kit, [msg], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    await kit.callMailboxes.use(owner, ctx, (m) => m.markSeen(info.uid));
    return done;
  }),

  defineAction('delete message', async (kit, [msg], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    await kit.callMailboxes.use(owner, ctx, (m) => m.delete(info.uid));
    ctx.log.info({ user: owner.id, uid: info.uid }, 'message deleted');
    return done;
  }),

  defineAction('messages seen', async (kit, [rec]) => {
    const user = kit.users.entry(rec);
    kit.messageWaiting?.emit('seen', { mailbox: user.mailbox, user: user.id });
    return done;
  }),
];
