// Remote inquiry (R5–R7): the owner's messages, straight from her mailbox, for one call; and
// the dial policy's word on a number the owner would call (passing messages on: forward.ts).
import { MessageTooLarge, MessageUnreadable } from '../mailbox/index.js';
import { checkDial } from '../phone/index.js';
import type { Audio } from '../runtime/index.js';
import { toFreeSwitchPath } from '../speech/index.js';
import { defineAction, done, outcome, value } from './define.js';

export const inquiryActions = [
  defineAction('message summary', async (kit, [rec], ctx) => {
    const user = kit.users.entry(rec);
    const answer = await kit.callMailboxes.use(user, ctx, (m) => m.summary());
    if (!answer) return outcome('unavailable');
    const result = answer.value;
    return value({
      new_voice: result.newVoice,
      old_voice: result.oldVoice,
      new_email: result.newEmail,
      old_email: result.oldEmail,
      new_fax: result.newFax,
      new_sms: result.newSms,
      total: result.total,
    });
  }),

  defineAction('list messages', async (kit, [rec, order], ctx) => {
    const owner = kit.users.entry(rec);
    const answer = await kit.callMailboxes.use(owner, ctx, (m) =>
      m.list(order === 'oldest_first' ? 'oldest_first' : 'newest_first'),
    );
    if (!answer) return outcome('unavailable');
    return value(
      answer.value.map((info) => {
        const dial = info.senderNumber
          ? checkDial(info.senderNumber, kit.policy.dial, kit.location)
          : undefined;
        return kit.messages.record(info, owner, dial?.allowed ?? false);
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
      return value(answer?.value ?? []);
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
