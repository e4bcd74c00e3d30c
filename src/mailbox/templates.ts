// Login names, mailbox paths and IMAP hosts built from the admin's templates
// (the ixi-UMS Voice-Mail Server manual §4.3).
import type { MailboxOwner } from './types.js';

const loginOf = (owner: MailboxOwner): string => owner.login ?? owner.mailbox;

/** `$(LOGIN)`, `$(MAILBOX)`, `domain/$(LOGIN)` → the IMAP login name (the variables are case sensitive). */
export function fillLoginTemplate(template: string, owner: MailboxOwner): string {
  return template.replaceAll('$(LOGIN)', loginOf(owner)).replaceAll('$(MAILBOX)', owner.mailbox);
}

/** `user.${MAILBOX}` → `user.alice`; `$(MAILBOX)` and `$(LOGIN)` work as well. */
export function fillPathTemplate(template: string, owner: MailboxOwner): string {
  return fillLoginTemplate(
    template.replaceAll('${MAILBOX}', owner.mailbox).replaceAll('${LOGIN}', loginOf(owner)),
    owner,
  );
}

export interface HostRewriteRule {
  /** a regular expression, matched case-insensitively: `^cn=([^,]+),o=domain$` */
  pattern: string;
  /** the replacement, `\1` or `$1` for groups: `\1.domain.net` */
  replacement: string;
}

const HOST =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;

/**
 * The longest attribute value the admin's rule is run on. A distinguished name such as homeMDB is
 * a few hundred characters; a longer value is no host's name, and the admin's regular expression
 * (which may backtrack) should not run over whatever length a directory writer chose.
 */
export const MAX_HOST_ATTRIBUTE_LENGTH = 1024;

/**
 * The IMAP host from a directory attribute (homeMDB, msExchHomeServerName, mailHost, ...) by a
 * search-and-replace rule (the ixi-UMS Voice-Mail Server manual §4.3.1 "Try to read IMAP host from
 * LDAP"). Undefined when the value is longer than MAX_HOST_ATTRIBUTE_LENGTH, the rule does not
 * match or gives no host name, so the caller falls back to the configured host.
 */
export function imapHostFromAttribute(value: string | undefined, rule: HostRewriteRule): string | undefined {
  if (value === undefined || value.length > MAX_HOST_ATTRIBUTE_LENGTH) return undefined;
  const pattern = new RegExp(rule.pattern, 'i');
  if (!pattern.test(value)) return undefined;
  const host = value.replace(pattern, rule.replacement.replace(/\\(\d)/g, '$$$1')).trim();
  return HOST.test(host) ? host : undefined;
}
