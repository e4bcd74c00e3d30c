// The dial policy against toll fraud: what call back and a transfer may dial.
import { describe, expect, it } from 'vitest';
import {
  checkDial,
  classOf,
  DEFAULT_DIAL_POLICY,
  dialPolicyFrom,
  prefixToE164,
} from '../../src/phone/index.js';

const berlin = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  extensionLength: 3,
  outsideLinePrefix: '0',
};
const allowed = (n: string, policy = DEFAULT_DIAL_POLICY) => checkDial(n, policy, berlin).allowed;

describe('the default policy: internal and national, no premium, no international', () => {
  it.each([
    ['+4990012345678', 'premium'],
    ['09001234567', 'premium'],
    ['+491371234567', 'premium'],
    ['+4918012345678', 'premium'],
    ['+4919012345678', 'premium'],
    ['+4911833', 'premium'],
    ['00441234567890', 'international'],
    ['+33123456789', 'international'],
    ['+881612345678', 'international'],
  ])('refuses %s (%s)', (number, cls) => {
    const decision = checkDial(number, DEFAULT_DIAL_POLICY, berlin);
    expect(decision).toMatchObject({ allowed: false, class: cls });
    expect(decision.allowed ? '' : decision.reason).toContain(cls);
  });

  it.each([
    ['501', 'internal', '+49301234501'],
    ['+49301234502', 'internal', '+49301234502'],
    ['030 9876543', 'national', '+49309876543'],
    ['+4989123456', 'national', '+4989123456'],
    ['+491701234567', 'national', '+491701234567'],
  ])('allows %s (%s)', (number, cls, e164) => {
    expect(checkDial(number, DEFAULT_DIAL_POLICY, berlin)).toEqual({ allowed: true, class: cls, e164 });
  });

  it('refuses what is not a phone number, without throwing', () => {
    for (const junk of ['', '*)(uid=*', 'sofia/gateway/x/0900', '+', '1'.repeat(60)]) {
      expect(allowed(junk)).toBe(false);
    }
  });
});

describe('prefix lists', () => {
  it('a deny prefix wins over an allowed class; an allow prefix opens a denied class', () => {
    const policy = dialPolicyFrom(
      { allow: ['internal', 'national'], deny: [], allowPrefixes: ['0044 20'], denyPrefixes: ['0800'] },
      berlin,
    );
    expect(allowed('+498001234567', policy)).toBe(false);
    expect(allowed('+442071234567', policy)).toBe(true);
    expect(allowed('+441611234567', policy)).toBe(false);
  });

  it('prefixes in E.164, national and international form', () => {
    expect(prefixToE164('+49900', berlin)).toBe('+49900');
    expect(prefixToE164('0900', berlin)).toBe('+49900');
    expect(prefixToE164('00 43', berlin)).toBe('+43');
    expect(prefixToE164('900', berlin)).toBeUndefined();
    expect(prefixToE164('abc', berlin)).toBeUndefined();
  });

  it('a bad setting is reported with its key', () => {
    expect(() => dialPolicyFrom({ allow: ['local'], deny: [] }, berlin)).toThrow(
      "dialPolicy.allow: 'local' is not one of internal, national, premium, international",
    );
    expect(() => dialPolicyFrom({ allow: [], deny: [], denyPrefixes: ['x9'] }, berlin)).toThrow(
      /dialPolicy\.denyPrefixes: 'x9'/,
    );
  });

  it('classes as the site sees them', () => {
    expect(classOf('+49301234501', berlin)).toBe('internal');
    expect(classOf('+4990012345', { ...berlin, countryCode: '43', areaCode: '1' })).toBe('international');
  });
});

describe('numbers written to slip past the policy', () => {
  it.each([
    ['+490900123456', '+49900123456'],
    ['+49 0900 123456', '+49900123456'],
    ['004909001234567', '+499001234567'],
    ['+49 0 118 33', '+4911833'],
  ])('%s: the trunk 0 after the country code is dropped, so it is premium and refused', (number, e164) => {
    expect(checkDial(number, DEFAULT_DIAL_POLICY, berlin)).toMatchObject({
      allowed: false,
      class: 'premium',
    });
    expect(checkDial(number, { allow: ['premium'], deny: [] }, berlin)).toEqual({
      allowed: true,
      class: 'premium',
      e164,
    });
  });

  it('a colleague written with the trunk 0 after the country code is still the colleague', () => {
    expect(checkDial('+49 030 1234501', DEFAULT_DIAL_POLICY, berlin)).toEqual({
      allowed: true,
      class: 'internal',
      e164: '+49301234501',
    });
  });

  it.each(['110', '112', '115', '116117', '11833', '118', '19222'])(
    '%s is an emergency, service or premium short number, never an extension',
    (number) => {
      const decision = checkDial(number, DEFAULT_DIAL_POLICY, berlin);
      expect(decision).toMatchObject({ allowed: false, class: 'premium' });
      expect(decision.allowed ? '' : decision.reason).toMatch(/short numbers are denied/);
      // even where the extensions are as long as the short number
      expect(
        checkDial(number, DEFAULT_DIAL_POLICY, { ...berlin, extensionLength: number.length }).allowed,
      ).toBe(false);
    },
  );

  it('an extension has exactly the site extension length: shorter is refused', () => {
    expect(checkDial('50', DEFAULT_DIAL_POLICY, berlin)).toMatchObject({ allowed: false });
    expect(checkDial('501', DEFAULT_DIAL_POLICY, berlin)).toMatchObject({ allowed: true, class: 'internal' });
  });
});
