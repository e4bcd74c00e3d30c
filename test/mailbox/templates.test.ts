// The admin's rule that turns a directory attribute into her IMAP host runs on a value from the
// directory, which is as long as whoever wrote it made it: only a value of sensible length is tried.
import { describe, expect, it } from 'vitest';
import { imapHostFromAttribute, MAX_HOST_ATTRIBUTE_LENGTH } from '../../src/mailbox/templates.js';

const rule = { pattern: '^cn=([^,]+),o=domain$', replacement: '\\1.domain.net' };
const attribute = (length: number) => {
  const name = 'x'.repeat(length - 'cn=,o=domain'.length);
  return `cn=${name},o=domain`;
};

describe('imapHostFromAttribute: the length of the attribute value', () => {
  it(`a value of ${MAX_HOST_ATTRIBUTE_LENGTH} characters is rewritten`, () => {
    const value = attribute(MAX_HOST_ATTRIBUTE_LENGTH);
    expect(value).toHaveLength(MAX_HOST_ATTRIBUTE_LENGTH);
    expect(imapHostFromAttribute(value, rule)).toMatch(/^x+\.domain\.net$/);
  });

  it('a longer one is not matched at all: no host from it (the configured host applies)', () => {
    expect(imapHostFromAttribute(attribute(MAX_HOST_ATTRIBUTE_LENGTH + 1), rule)).toBeUndefined();
    expect(imapHostFromAttribute(attribute(1_000_000), rule)).toBeUndefined();
  });
});
