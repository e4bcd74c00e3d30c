// The LDAP filter for a called number: RFC 4515 escaping and the ${NUMBER} template.
import { describe, expect, it } from 'vitest';
import { FilterParser } from 'ldapts';
import { loginFilterSource } from '../../src/directory/ldap.js';
import {
  compileFilterTemplate,
  DEFAULT_LDAP_FILTER,
  DirectoryConfigError,
  escapeFilterValue,
  MAX_FORMATS,
} from '../../src/directory/index.js';

describe('escapeFilterValue (RFC 4515)', () => {
  it.each([
    ['*', '\\2a'],
    ['(', '\\28'],
    [')', '\\29'],
    ['\\', '\\5c'],
    ['\0', '\\00'],
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['\\2a', '\\5c2a'],
    ['a\nb', 'a\\0ab'],
  ])('%j → %s', (input, escaped) => {
    expect(escapeFilterValue(input)).toBe(escaped);
  });

  it('leaves numbers, spaces and non-Latin text alone', () => {
    expect(escapeFilterValue('+49 30 1234501')).toBe('+49 30 1234501');
    expect(escapeFilterValue('王芳')).toBe('王芳');
  });
});

describe('the filter template', () => {
  const alice = ['+49 30 1234501', '+49301234501', '030 1234501', '501'];

  it('expands ${NUMBER} to an OR over every format', () => {
    const t = compileFilterTemplate('(&(objectClass=voiceboxUser)(voiceboxMailboxNumber=${NUMBER}))');
    expect(t.build(alice)).toBe(
      '(&(objectClass=voiceboxUser)(|(voiceboxMailboxNumber=+49 30 1234501)' +
        '(voiceboxMailboxNumber=+49301234501)(voiceboxMailboxNumber=030 1234501)(voiceboxMailboxNumber=501)))',
    );
  });

  it('expands each item with a placeholder, and one format needs no OR', () => {
    const t = compileFilterTemplate('(|(voiceboxMailboxNumber=${NUMBER})(telephoneNumber=${NUMBER}))');
    expect(t.build(['501'])).toBe('(|(voiceboxMailboxNumber=501)(telephoneNumber=501))');
    expect(t.build(['501', '502'])).toBe(
      '(|(|(voiceboxMailboxNumber=501)(voiceboxMailboxNumber=502))(|(telephoneNumber=501)(telephoneNumber=502)))',
    );
  });

  it("knows ixi-UMS's ${UMS} (no white space) and ${UMS_WHTSPC} (as given)", () => {
    const t = compileFilterTemplate('(|(fax=${UMS})(fax=${UMS_WHTSPC})(proxyAddresses=FAX:${UMS}))');
    expect(t.build(['+49 30 1234501'])).toBe(
      '(|(fax=+49301234501)(fax=+49 30 1234501)(proxyAddresses=FAX:+49301234501))',
    );
    // the same value twice is searched once
    expect(compileFilterTemplate('(fax=${UMS})').build(['+49 30 1', '+49301'])).toBe('(fax=+49301)');
  });

  it('escapes every value: a hostile number cannot change the filter', () => {
    const t = compileFilterTemplate('(voiceboxMailboxNumber=${NUMBER})');
    const hostile = t.build(['*)(uid=*', '\\2a']);
    expect(hostile).toBe('(|(voiceboxMailboxNumber=\\2a\\29\\28uid=\\2a)(voiceboxMailboxNumber=\\5c2a))');
    // and an LDAP parser reads it back as two equality items with the literal values
    const parsed = FilterParser.parseString(hostile ?? '');
    expect(parsed.toString()).toBe(hostile);
  });

  it('searches nobody without a usable format, and ignores overlong ones', () => {
    const t = compileFilterTemplate('(n=${NUMBER})');
    expect(t.build([])).toBeUndefined();
    expect(t.build(['', '   '])).toBeUndefined();
    expect(t.build(['1'.repeat(65)])).toBeUndefined();
    expect(t.build([' 501 ', '501'])).toBe('(n=501)');
    const many = Array.from({ length: 40 }, (_, i) => String(i));
    expect(t.build(many)?.match(/\(n=/g)).toHaveLength(MAX_FORMATS);
  });

  it.each([
    ['voiceboxMailboxNumber=${NUMBER}', /enclosed in parentheses/],
    ['(a=${NUMBER}', /unbalanced|parentheses/],
    ['(a=${NUMBER}))', /unbalanced|after/],
    ['(a=${NUMBER})(b=1)', /after the filter/],
    ['(a=${PHONE})', /unknown placeholder \$\{PHONE\}/],
    ['(a=1)', /no \$\{NUMBER\}/],
    ['(&${NUMBER}(a=1))', /inside a simple item/],
  ])('rejects %s with an error naming ldap.filter', (template, why) => {
    let error: unknown;
    try {
      compileFilterTemplate(template);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DirectoryConfigError);
    expect((error as Error).message).toMatch(/^ldap\.filter: /);
    expect((error as Error).message).toMatch(why);
  });
});

describe('the login filter (findByLogin)', () => {
  const login = (filter: string) =>
    compileFilterTemplate(loginFilterSource(filter, { login: 'uid' }), 'login');

  it('a number filter matching the tail (*${NUMBER}): the login is an exact equality, alice never finds malice', () => {
    const filter = login('(&(objectClass=voiceboxUser)(voiceboxMailboxNumber=*${NUMBER}))').build(['alice']);
    expect(filter).toBe('(&(objectClass=voiceboxUser)(uid=alice))');
    const parsed = FilterParser.parseString(filter!);
    expect(parsed.matches({ objectclass: 'voiceboxUser', uid: 'malice' })).toBe(false);
    expect(parsed.matches({ objectclass: 'voiceboxUser', uid: 'alice' })).toBe(true);
  });

  it("the filter's conditions without a number still hold; number items on other attributes go", () => {
    expect(
      login(
        '(&(objectClass=person)(memberOf=cn=voice,dc=example,dc=com)(|(telephoneNumber=*${NUMBER})(mobile=${NUMBER})))',
      ).build(['bob']),
    ).toBe('(&(objectClass=person)(memberOf=cn=voice,dc=example,dc=com)(uid=bob))');
  });

  it('the shipped filter gives the login search it always gave', () => {
    expect(login(DEFAULT_LDAP_FILTER).build(['alice'])).toBe('(&(objectClass=voiceboxUser)(uid=alice))');
  });

  it('a filter that is no AND: the equality alone; a login holding filter syntax is escaped', () => {
    expect(login('(|(voiceboxMailboxNumber=*${NUMBER})(mobile=${NUMBER}))').build(['*)(uid=*'])).toBe(
      '(uid=\\2a\\29\\28uid=\\2a)',
    );
  });
});
