// Who is told when the mail server refuses a message for good (the spool's dead letters): the
// owner of the message, in her language, and the admin (admin.email) with the details. The
// notices go through the same spool under ids derived from the dead letter, so a hook run again
// after a restart spools nothing twice.
import type { Directory, DirectoryUser } from '../directory/index.js';
import {
  composeDeadLetterNotice,
  composeDeadLetterReport,
  spoolFileName,
  type DeadLetter,
  type DeadLetterKind,
  type MailLogger,
  type MailQueue,
} from '../mail/index.js';
import { formats, type Location } from '../phone/index.js';

export interface DeadLetterNoticeOptions {
  readonly directory: Directory;
  /** the spool the notices go through */
  readonly queue: MailQueue;
  /** the site's mail domain: voicebox@<domain>, the notices' Message-IDs */
  readonly domain: string;
  /** the language of an owner who has none set, and of the admin's copy */
  readonly defaultLanguage: string;
  /** admin.email; empty: the admin is not told (the log line is all) */
  readonly adminEmail: string;
  readonly location: Location;
  readonly log: MailLogger;
}

const headerOf = (info: DeadLetter, name: string): string => {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(info.headers)) if (k.toLowerCase() === wanted) return v;
  return '';
};

/** `Alice Anders <alice@example.com>` → `alice@example.com` */
const addressIn = (value: string): string =>
  (/<([^<>\s]+@[^<>\s]+)>/.exec(value)?.[1] ?? value).trim().toLowerCase();

/** her forward, her reply, her fax, or another message */
function kindOf(info: DeadLetter): DeadLetterKind {
  const type = headerOf(info, 'X-Voicebox-Type');
  const subject = headerOf(info, 'Subject');
  if (type === 'voice' && /^Fwd:/i.test(subject)) return 'forward';
  if (type === 'voice' && /^Re:/i.test(subject)) return 'reply';
  if (!type && info.envelope.to.some((to) => /@fax\./i.test(to))) return 'fax';
  return 'message';
}

/** a fax is sent to a number: the owner knows it by that, not by its gateway address */
const shown = (kind: DeadLetterKind, to: string): string =>
  kind === 'fax' && /^\+?[0-9]+@/.test(to) ? to.slice(0, to.indexOf('@')) : to;

/** The hook for `MailSpoolOptions.onDeadLetter`. Throws only when it should run again (the directory or the spool failed). */
export function deadLetterNotices(o: DeadLetterNoticeOptions): (info: DeadLetter) => Promise<void> {
  const voicebox = { address: `voicebox@${o.domain}`, name: 'voicebox' };
  const idFor = (info: DeadLetter, who: 'owner' | 'admin'): { spoolId: string; messageId: string } => {
    const spoolId = spoolFileName(`dead-${info.id}-${info.deadAt}-${who}`.replace(/[^A-Za-z0-9._-]/g, '_'));
    return { spoolId, messageId: `<voicebox.${spoolId}@${o.domain}>` };
  };

  async function ownerOf(info: DeadLetter): Promise<DirectoryUser | undefined> {
    const mailbox = headerOf(info, 'X-Voicebox-Mailbox');
    if (mailbox) {
      const f = formats(mailbox, o.location);
      const user = await o.directory.findByNumber(f ? f.all : [mailbox]);
      if (user) return user;
    }
    // a fax carries no mailbox header: it is from the owner's own address
    const sender = addressIn(headerOf(info, 'From') || info.envelope.from);
    if (!sender.includes('@') || !o.directory.users) return undefined;
    for await (const user of o.directory.users()) if (user.email.trim().toLowerCase() === sender) return user;
    return undefined;
  }

  return async (info) => {
    const fields = { id: info.id, messageId: info.messageId, refused: info.envelope.to, reason: info.reason };
    if (headerOf(info, 'X-Voicebox-Type') === 'dead-letter') {
      // no notice of a notice: that would go on for ever
      o.log.error(fields, 'dead letter: a notice of undeliverable mail was itself refused; nobody is told');
      return;
    }
    const owner = await ownerOf(info);
    const refused = info.envelope.to.map((to) => to.trim().toLowerCase());
    const ownMailbox = owner !== undefined && refused.includes(owner.email.trim().toLowerCase());
    const kind = kindOf(info);
    const subject = headerOf(info, 'Subject');
    const notTold = owner === undefined ? 'no-owner' : ownMailbox ? 'own-mailbox' : undefined;

    if (owner && !ownMailbox && owner.email.includes('@')) {
      const ids = idFor(info, 'owner');
      await o.queue.enqueue(
        composeDeadLetterNotice({
          to: { email: owner.email, name: owner.name },
          mailbox: owner.mailbox,
          language: owner.settings.language ?? o.defaultLanguage,
          kind,
          recipients: info.envelope.to.map((to) => shown(kind, to)),
          subject,
          reason: info.reason,
          from: voicebox,
          messageId: ids.messageId,
          date: new Date(info.deadAt),
        }),
        ids.spoolId,
      );
      o.log.info({ ...fields, owner: owner.id }, 'dead letter: the owner is told');
    }
    const adminEmail = o.adminEmail.trim();
    if (adminEmail) {
      const ids = idFor(info, 'admin');
      await o.queue.enqueue(
        composeDeadLetterReport({
          to: adminEmail,
          language: o.defaultLanguage,
          id: info.id,
          refusedMessageId: info.messageId,
          envelopeFrom: info.envelope.from,
          refused: info.envelope.to,
          deliveredTo: info.deliveredTo,
          subject,
          reason: info.reason,
          responseCode: info.responseCode,
          attempts: info.attempts,
          enqueuedAt: new Date(info.enqueuedAt),
          deadAt: new Date(info.deadAt),
          owner: owner ? `${owner.name} <${owner.email}>, mailbox ${owner.mailbox}` : undefined,
          ownerNotTold: notTold,
          from: voicebox,
          messageId: ids.messageId,
        }),
        ids.spoolId,
      );
    }
    if (notTold === 'own-mailbox')
      o.log.warn(
        { ...fields, owner: owner?.id, adminTold: adminEmail !== '' },
        adminEmail
          ? "dead letter: the owner's own mailbox refused it; only the admin can be told, and is"
          : "dead letter: the owner's own mailbox refused it; only the admin could be told, and admin.email is not set",
      );
    else if (notTold === 'no-owner')
      o.log.warn(
        { ...fields, adminTold: adminEmail !== '' },
        adminEmail
          ? 'dead letter: no owner found in the directory; the admin is told'
          : 'dead letter: no owner found in the directory, and admin.email is not set; nobody is told',
      );
  };
}
