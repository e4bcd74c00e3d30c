// Passing a message on from remote inquiry (R6): a voice message forwarded to a colleague
// with a spoken comment, an e-mail or fax to a fax number, a spoken reply to the sender.
import type { PassedOn } from '../mail/index.js';
import { MessageTooLarge, MessageUnreadable, type MessageInfo } from '../mailbox/index.js';
import { checkDial, toE164 } from '../phone/index.js';
import type { ActionContext } from '../runtime/index.js';
import { defineAction, done, outcome } from './define.js';

/** which message of her mailbox, in which call: what the mail's ids are made from */
const passedOn = (info: MessageInfo, ctx: ActionContext): PassedOn => ({
  callId: ctx.call.id,
  uid: info.uid,
  subject: info.subject,
});

/** "Carol Clark (+4989555123)", or whichever of the two the message has */
const senderOf = (info: MessageInfo): string => {
  const name = info.sender.trim();
  const number = info.senderNumber ?? '';
  if (number === '' || name === number || name.includes(number)) return name || number;
  return name === '' || name.includes('@') ? number : `${name} (${number})`;
};

export const forwardActions = [
  defineAction('forward voice message', async (kit, [msg, to, comment], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    const colleague = kit.users.entry(to);
    const dir = await kit.callMailboxes.inbox(ctx);
    let answer: { value: string } | undefined;
    try {
      answer = await kit.callMailboxes.use(owner, ctx, (m) => m.voiceAudio(info.uid, dir));
    } catch (e) {
      // over the size cap, or not the audio its signature names: not passed on either
      if (!(e instanceof MessageTooLarge || e instanceof MessageUnreadable)) throw e;
      ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'voice message not forwarded');
      return outcome('unreadable');
    }
    if (!answer) throw new Error('the message to forward could not be read');
    if (!comment.localPath) throw new Error('forward needs a recorded comment');
    await kit.mailer.forward({
      message: {
        ...passedOn(info, ctx),
        audioPath: answer.value,
        durationMs: info.durationMs ?? 0,
        sender: senderOf(info),
      },
      comment: { path: comment.localPath, ms: comment.ms ?? 0 },
      to: { email: colleague.email, name: colleague.name, language: colleague.settings.language },
      mailbox: toE164(colleague.mailbox, kit.location, { outsideLine: 'without' }) ?? colleague.mailbox,
      from: {
        number: toE164(owner.mailbox, kit.location, { outsideLine: 'without' }) ?? '',
        name: owner.name,
      },
      at: kit.now(),
    });
    return done;
  }),

  defineAction('forward as fax', async (kit, [msg, number], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    const fax = toE164(number, kit.location);
    if (!fax) throw new Error('not a fax number');
    // the fax server dials it: the same policy as any other dial-out
    const dial = checkDial(fax, kit.policy.dial, kit.location);
    if (!dial.allowed) {
      ctx.log.warn({ user: owner.id, reason: dial.reason }, 'fax number refused by the dial policy');
      return outcome('refused');
    }
    const text = await kit.callMailboxes
      .use(owner, ctx, (m) => m.text(info.uid, 60_000))
      .then(
        (answer) => answer?.value ?? [],
        (e: unknown) => {
          if (!(e instanceof MessageUnreadable)) throw e;
          ctx.log.warn({ user: owner.id, uid: info.uid, err: e.message }, 'e-mail could not be read');
          return [];
        },
      );
    await kit.mailer.fax({
      message: { ...passedOn(info, ctx), text },
      number: fax,
      from: { name: owner.name, email: owner.email },
      at: kit.now(),
    });
    return done;
  }),

  defineAction('reply to', async (kit, [msg, recording], ctx) => {
    const { info, owner } = kit.messages.entry(msg);
    if (!recording.localPath) throw new Error('reply needs a recording');
    await kit.mailer.reply({
      message: {
        ...passedOn(info, ctx),
        sender: info.sender,
        senderNumber: info.senderNumber,
        replyAddress: info.replyAddress,
      },
      recording: { path: recording.localPath, ms: recording.ms ?? 0 },
      owner: {
        email: owner.email,
        name: owner.name,
        language: owner.settings.language,
        mailbox: toE164(owner.mailbox, kit.location, { outsideLine: 'without' }) ?? owner.mailbox,
        number: toE164(owner.mailbox, kit.location, { outsideLine: 'without' }) ?? '',
      },
      at: kit.now(),
    });
    return done;
  }),
];
