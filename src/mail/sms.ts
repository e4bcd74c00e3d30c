// The mail an e-mail-to-SMS provider turns into an SMS: the address from the site's template
// (`$(MOBILE)@sms.provider.example`), the SMS text as subject and body. Pure: no I/O, no clock.
import { normalizeMessageId } from './compose.js';
import type { MailMessage } from './types.js';
import { MailComposeError } from './types.js';

/** The placeholders of `notify.sms.mailAddress`. */
export const SMS_ADDRESS_PLACEHOLDERS = ['$(MOBILE)', '$(MOBILE_E164)'] as const;

// what an address may look like after filling: a dot-atom local part (RFC 5322 §3.4.1, which
// includes `+`) and a host name; anything else would be a template error or an injection
const ADDRESS =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * The provider's address for a mobile number: `$(MOBILE)` is the number without `+`
 * (`4917612345678`), `$(MOBILE_E164)` with it. Throws MailComposeError when the template gives no
 * address (config validation calls it with a sample number) or the number is not E.164.
 */
export function fillSmsAddress(template: string, e164: string): string {
  if (!/^\+[1-9][0-9]{3,14}$/.test(e164)) {
    throw new MailComposeError(`an SMS goes to an E.164 number, not ${JSON.stringify(e164)}`);
  }
  const address = template.trim().replaceAll('$(MOBILE_E164)', e164).replaceAll('$(MOBILE)', e164.slice(1));
  if (!ADDRESS.test(address)) {
    throw new MailComposeError(
      `notify.sms.mailAddress ${JSON.stringify(template)} gives ${JSON.stringify(address)}, which is no mail address (e.g. '$(MOBILE)@sms.provider.example')`,
    );
  }
  return address;
}

export interface SmsMailInput {
  /** the provider's address for her number (fillSmsAddress) */
  readonly to: string;
  /** the site's sender, as on voicebox's other mails */
  readonly from: { readonly address: string; readonly name?: string };
  readonly text: string;
  /** `<voicebox.sms.<job id>@<domain>>` (smsMailIds) */
  readonly messageId: string;
  readonly date: Date;
  /** `text` (default): the text is the subject as well as the body; `none`: the body only */
  readonly subject?: 'text' | 'none';
}

/** The spool id and Message-ID of the SMS mail of one SMS job: the same on every retry. */
export function smsMailIds(jobId: string, domain: string): { spoolId: string; messageId: string } {
  const safe = jobId.replace(/[^A-Za-z0-9._-]/g, '_');
  return { spoolId: `sms-${safe}`, messageId: `<voicebox.sms.${safe}@${domain}>` };
}

/**
 * The SMS as a plain-text mail. Providers differ in what they send: some the body, some the
 * subject, most the body with the subject in front when there is one. The text is both (the
 * default) so every kind sends it; `subject: 'none'` for a provider that would send it twice.
 */
export function composeSmsMail(input: SmsMailInput): MailMessage {
  const text = input.text.replace(/[\r\n\t]+/g, ' ').trim();
  return {
    from: {
      name: (input.from.name ?? 'voicebox').replace(/[\r\n\t]+/g, ' '),
      address: input.from.address.trim(),
    },
    to: [{ name: '', address: input.to }],
    ...(input.subject === 'none' ? {} : { subject: text }),
    text,
    date: input.date,
    messageId: normalizeMessageId(input.messageId),
    // RFC 3834: an automatic notification; vacation responders must not answer it
    headers: { 'X-Voicebox-Type': 'sms', 'Auto-Submitted': 'auto-generated' },
    disableUrlAccess: true,
    disableFileAccess: true,
  };
}
