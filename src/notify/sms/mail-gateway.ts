// SMS by mail: a plain-text mail to the provider's address for her number, put into voicebox's
// durable mail spool. Once it is there the SMS is taken: the spool retries SMTP until the MTA
// accepts it, across restarts, and never sends one id twice (src/mail/README.md).
import { composeSmsMail, fillSmsAddress, smsMailIds, type MailQueue } from '../../mail/index.js';
import { SmsRejected, type SmsGateway, type SmsJob } from '../types.js';

export interface MailSmsGatewayOptions {
  /** the mail spool (MailSpool fits): `send` resolves once the mail is on its disk */
  readonly spool: MailQueue;
  /** `notify.sms.mailAddress`, e.g. `$(MOBILE)@sms.provider.example` */
  readonly addressTemplate: string;
  /** the site's mail domain: From `voicebox@<domain>` as on voicebox's other mails, the Message-ID */
  readonly domain: string;
  /** the From, when the site sends its mails from another address than `voicebox@<domain>` */
  readonly from?: { readonly address: string; readonly name?: string };
  /** `text` (default): the SMS text is subject and body; `none`: body only (README, "SMS") */
  readonly subject?: 'text' | 'none';
  /** the mail's Date; injectable for tests */
  readonly now?: () => number;
}

/** The e-mail-to-SMS gateway. A template that gives no address for her number is a refusal (not retried). */
export function mailSmsGateway(o: MailSmsGatewayOptions): SmsGateway {
  const from = o.from ?? { address: `voicebox@${o.domain}`, name: 'voicebox' };
  const now = o.now ?? Date.now;
  return {
    async send(job: SmsJob) {
      let to: string;
      try {
        to = fillSmsAddress(o.addressTemplate, job.to);
      } catch (error) {
        throw new SmsRejected(error instanceof Error ? error.message : String(error));
      }
      const ids = smsMailIds(job.id, o.domain);
      const mail = composeSmsMail({
        to,
        from,
        text: job.text,
        messageId: ids.messageId,
        date: new Date(now()),
        ...(o.subject ? { subject: o.subject } : {}),
      });
      await o.spool.enqueue(mail, ids.spoolId);
    },
  };
}
