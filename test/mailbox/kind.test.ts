// The kind of a mail by its sender address template, `$(phonenumber)@$(addrtype).<domain>`:
// ixi-UMS's `voc.`, `fax.`, `sms.` and voicebox's `voice.` — only under a domain the admin trusts,
// and a voice message only when there is audio to play.
import { describe, expect, it } from 'vitest';
import { classifyMessage, kindFromAddress, senderName } from '../../src/mailbox/kind.js';

const none = () => undefined;
const trust = { trustedSenderDomains: ['ums.example.com'] };
const withAudio = { ...trust, hasAudio: true };

describe('the sender address templates', () => {
  it.each([
    ['+4989777888@voc.ums.example.com', 'voice'],
    ['+4989777888@voice.ums.example.com', 'voice'],
    ['+4930555123@fax.ums.example.com', 'fax'],
    ['+491701234567@sms.ums.example.com', 'sms'],
    ['+4989777888@VOC.UMS.Example.com', 'voice'],
  ])('%s under the trusted domain is a %s', (address, kind) => {
    expect(kindFromAddress(address, ['ums.example.com'])).toBe(kind);
    expect(classifyMessage(none, address, undefined, withAudio)).toMatchObject({
      kind,
      senderNumber: address.slice(0, address.indexOf('@')),
    });
  });

  it.each([
    ['an untrusted domain', '+4989777888@voc.attacker.example'],
    ['a look-alike of the trusted one', '+4989777888@voc.ums.example.com.attacker.net'],
    ['a subdomain of it', '+4989777888@voc.sub.ums.example.com'],
    ['an unknown address type', '+4989777888@vox.ums.example.com'],
    ['the gateway domain itself', '+4989777888@ums.example.com'],
  ])('%s is an e-mail without a number', (_what, address) => {
    expect(classifyMessage(none, address, undefined, withAudio)).toEqual({ kind: 'email' });
  });

  it('a voc. (or voice.) mail with audio is a voice message; without audio an e-mail from that number', () => {
    for (const address of ['+4989777888@voc.ums.example.com', '+4989777888@voice.ums.example.com']) {
      expect(classifyMessage(none, address, undefined, withAudio)).toEqual({
        kind: 'voice',
        senderNumber: '+4989777888',
      });
      expect(classifyMessage(none, address, undefined, { ...trust, hasAudio: false })).toEqual({
        kind: 'email',
        senderNumber: '+4989777888',
      });
      expect(classifyMessage(none, address, undefined, trust)).toMatchObject({ kind: 'email' });
    }
  });

  it('a fax or SMS needs no audio', () => {
    expect(classifyMessage(none, '+4930555123@fax.ums.example.com', undefined, trust).kind).toBe('fax');
    expect(classifyMessage(none, '+491701234567@sms.ums.example.com', undefined, trust).kind).toBe('sms');
  });
});

describe('the sender name', () => {
  it('is the display name, but not when it is only the number', () => {
    const c = { kind: 'voice' as const, senderNumber: '+4989777888' };
    expect(senderName(c, 'Bob Berger')).toBe('Bob Berger');
    expect(senderName(c, '+4989777888')).toBe('');
    expect(senderName(c, ' 089 777 888 ')).toBe('');
    expect(senderName({ kind: 'email' }, '')).toBe('');
  });

  it('of a signed message is only the signed caller name', () => {
    const signed = { kind: 'voice' as const, signedAudio: 'x', senderNumber: '+4930111' };
    expect(senderName({ ...signed, signedCallerName: 'Bob Berger' }, 'Der Chef')).toBe('Bob Berger');
    expect(senderName(signed, 'Der Chef')).toBe('');
  });
});
