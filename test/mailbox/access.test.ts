// Passwords, templates, hosts, paths and kinds: the pure parts of the adapters.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decryptPassword,
  detectKind,
  encryptPassword,
  fillLoginTemplate,
  fillPathTemplate,
  imapAccessFor,
  imapHostFromAttribute,
  imapPaths,
  MailboxPasswordError,
  MailboxUnavailable,
  senderNumber,
} from '../../src/mailbox/index.js';
import type { ImapMailboxOptions } from '../../src/mailbox/index.js';

const key = randomBytes(32).toString('hex');
const alice = { mailbox: 'alice', email: 'alice@example.com', login: 'aanders' };
const options: ImapMailboxOptions = {
  host: 'imap.example.com',
  port: 143,
  tls: false,
  access: 'administrative',
  adminMode: 'master',
  masterUser: 'master',
  masterPassword: 'masterpw',
  masterSeparator: '*',
  namespace: 'Other Users/',
  pathTemplate: 'user.${MAILBOX}',
  loginTemplate: '$(LOGIN)',
  passwordKey: key,
  timeoutMs: 5000,
  folder: 'INBOX',
  trash: 'Deleted Voice Messages',
  deleteMode: 'trash',
};

describe('stored mailbox passwords (AES-256-GCM)', () => {
  it('round-trips, with a fresh IV each time, in the v1 format', () => {
    const a = encryptPassword('s3cret äöü', key);
    const b = encryptPassword('s3cret äöü', key);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(decryptPassword(a, key)).toBe('s3cret äöü');
    expect(decryptPassword(b, Buffer.from(key, 'hex').toString('base64'))).toBe('s3cret äöü');
  });

  it('fails cleanly with another key, a tampered value or a bad key', () => {
    const stored = encryptPassword('pw', key);
    expect(() => decryptPassword(stored, randomBytes(32).toString('hex'))).toThrow(MailboxPasswordError);
    const [v, iv, tag, ct] = stored.split(':');
    expect(() =>
      decryptPassword([v, iv, tag, `${ct!.startsWith('A') ? 'B' : 'A'}${ct!.slice(1)}`].join(':'), key),
    ).toThrow(MailboxPasswordError);
    expect(() => decryptPassword('cGFzc3dvcmQ=', key)).toThrow(/format/);
    expect(() => encryptPassword('pw', 'too short')).toThrow(/32 bytes/);
  });
});

describe('templates', () => {
  it('fills login names ($(LOGIN), $(MAILBOX), domain/$(LOGIN)); LOGIN defaults to the mailbox', () => {
    expect(fillLoginTemplate('$(LOGIN)', alice)).toBe('aanders');
    expect(fillLoginTemplate('EXAMPLE/$(LOGIN)/$(MAILBOX)', alice)).toBe('EXAMPLE/aanders/alice');
    expect(fillLoginTemplate('$(LOGIN)@example.com', { mailbox: 'bob', email: '' })).toBe('bob@example.com');
    expect(fillLoginTemplate('$(login)', alice)).toBe('$(login)'); // case sensitive, as the manual says
  });

  it('fills full paths', () => {
    expect(fillPathTemplate('user.${MAILBOX}', alice)).toBe('user.alice');
    expect(fillPathTemplate('cyrus.user.$(MAILBOX)', alice)).toBe('cyrus.user.alice');
  });

  it('rewrites an LDAP attribute into an IMAP host, or gives undefined', () => {
    const rule = { pattern: '^cn=([^,]+),o=domain$', replacement: '\\1.domain.net' };
    expect(imapHostFromAttribute('cn=MS01,O=domain', rule)).toBe('MS01.domain.net');
    expect(imapHostFromAttribute('cn=MS01,O=other', rule)).toBeUndefined();
    expect(imapHostFromAttribute(undefined, rule)).toBeUndefined();
    const homeMdb = {
      pattern: '^CN=[^,]+,CN=[^,]+,CN=InformationStore,CN=([^,]+),.*$',
      replacement: '$1.example.com',
    };
    expect(
      imapHostFromAttribute(
        'CN=Mailbox Database,CN=First Storage Group,CN=InformationStore,CN=EXCH01,CN=Servers',
        homeMdb,
      ),
    ).toBe('EXCH01.example.com');
    expect(imapHostFromAttribute('x y', { pattern: '(.*)', replacement: '$1' })).toBeUndefined(); // not a host
  });
});

describe('access modes', () => {
  it('master: <login>*master with the master password; individual: her own; both picks by stored password', () => {
    expect(imapAccessFor(options, alice)).toEqual({
      mode: 'master',
      host: 'imap.example.com',
      user: 'aanders*master',
      password: 'masterpw',
    });
    const withPassword = {
      ...alice,
      mailPassword: encryptPassword('alicepw', key),
      imapHost: 'mx2.example.com',
    };
    expect(imapAccessFor({ ...options, access: 'individual' }, withPassword)).toEqual({
      mode: 'individual',
      host: 'mx2.example.com',
      user: 'aanders',
      password: 'alicepw',
    });
    expect(imapAccessFor({ ...options, access: 'both' }, withPassword).mode).toBe('individual');
    expect(imapAccessFor({ ...options, access: 'both', adminMode: 'namespace' }, alice)).toMatchObject({
      mode: 'namespace',
      user: 'master',
    });
  });

  it('says what is missing, never a password', () => {
    expect(() => imapAccessFor({ ...options, access: 'individual' }, alice)).toThrow(MailboxUnavailable);
    const wrongKey = { ...alice, mailPassword: encryptPassword('alicepw', randomBytes(32)) };
    expect(() => imapAccessFor({ ...options, access: 'individual' }, wrongKey)).toThrow(
      /another passwordKey/,
    );
    expect(() => imapAccessFor({ ...options, masterPassword: undefined }, alice)).toThrow(/masterPassword/);
  });

  it('builds folder and trash paths in the server’s separator for every mode', () => {
    const dot = { delimiter: '.', personalPrefix: 'INBOX.' };
    const owner = { ...alice, folder: 'Inbox/Voice' };
    expect(imapPaths(options, owner, 'master', dot)).toEqual({
      folder: 'INBOX.Voice',
      trash: 'INBOX.Deleted Voice Messages',
    });
    expect(imapPaths(options, alice, 'master', { delimiter: '/', personalPrefix: '' })).toEqual({
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
    });
    expect(
      imapPaths(options, owner, 'namespace', {
        delimiter: '/',
        personalPrefix: '',
        otherPrefix: 'Other Users/',
      }),
    ).toEqual({
      folder: 'Other Users/alice/INBOX/Voice',
      trash: 'Other Users/alice/Deleted Voice Messages',
    });
    expect(imapPaths(options, alice, 'template', dot)).toEqual({
      folder: 'user.alice',
      trash: 'user.alice.Deleted Voice Messages',
    });
  });
});

describe('kinds', () => {
  it('X-Voicebox-Type first, then the sender’s subdomain under a trusted gateway domain', () => {
    const trusted = ['example.com'];
    expect(detectKind('voice', 'carol@example.com')).toBe('voice');
    expect(detectKind(undefined, '+4930555@voice.example.com', trusted)).toBe('voice');
    expect(detectKind(undefined, '+4930555@fax.example.com', trusted)).toBe('fax');
    expect(detectKind(undefined, '+4930555@voice.example.com')).toBe('email');
    expect(detectKind('sms', 'x@example.com')).toBe('sms');
    expect(detectKind('welcome', '+4930555@voice.example.com', trusted)).toBe('email');
    expect(detectKind(undefined, 'carol@example.com', trusted)).toBe('email');
  });

  it('the sender number from X-Voicebox-Caller or a trusted gateway’s phone address', () => {
    expect(senderNumber('+49301234102', 'x@voice.example.com')).toBe('+49301234102');
    expect(senderNumber('anonymous', 'anonymous@voice.example.com', ['example.com'])).toBeUndefined();
    expect(senderNumber(undefined, '+4930555@fax.example.com', ['example.com'])).toBe('+4930555');
    expect(senderNumber(undefined, '+4930555@fax.example.com')).toBeUndefined();
    expect(senderNumber(undefined, '4930555@example.com')).toBeUndefined();
  });
});
