// A company with two sites (the ixi-UMS Voice-Mail Server manual §4.4 "Site": +49 8142 4799 and
// +49 8151 36856): the numbers of both are the company's own.
import { describe, expect, it } from 'vitest';
import {
  canonical,
  checkDial,
  DEFAULT_DIAL_POLICY,
  extension,
  formats,
  isInternal,
  national,
  siteOf,
  sitesOf,
  toE164,
  type Location,
} from '../../src/phone/index.js';

const germering: Location = {
  countryCode: '49',
  areaCode: '8142',
  subscriberBase: '4799',
  extensionLength: 3,
  outsideLinePrefix: '0',
};
const twoSites: Location = {
  ...germering,
  sites: [{ name: 'Starnberg', areaCode: '8151', subscriberBase: '36856', extensionLength: 2 }],
};

describe('a company with two sites', () => {
  it('lists the location first, the further site with what it does not say taken from it', () => {
    expect(sitesOf(twoSites)).toEqual([
      germering,
      { ...germering, areaCode: '8151', subscriberBase: '36856', extensionLength: 2 },
    ]);
    expect(sitesOf(germering)).toEqual([germering]);
  });

  it('knows a number of the second site as internal, in every format a PBX or directory writes', () => {
    for (const n of ['+49 8151 3685612', '+4981513685612', '08151 3685612', '0049 8151 3685612'])
      expect(isInternal(n, twoSites), n).toBe(true);
    // before: only the first site was the company's
    expect(isInternal('+4981513685612', germering)).toBe(false);
    expect(isInternal('+49 8151 999999', twoSites)).toBe(false);
    expect(isInternal('+49 8142 4799555', twoSites)).toBe(true);
  });

  it('gives a user the extension of her own site: the one her office number falls in', () => {
    expect(extension('+49 8151 3685612', twoSites)).toBe('12');
    expect(extension('+49 8142 4799555', twoSites)).toBe('555');
    // the second site's extensions are two digits long
    expect(extension('+49 8151 36856123', twoSites)).toBeUndefined();
    expect(extension('+49 8151 36856', twoSites)).toBeUndefined();
    expect(siteOf('+4981513685612', twoSites)?.areaCode).toBe('8151');
    expect(siteOf('+4989123456', twoSites)).toBeUndefined();
  });

  it('writes a number of the second site with its own area code', () => {
    expect(canonical('08151 3685612', twoSites)).toBe('+49 8151 3685612');
    expect(canonical('08151 3685612', germering)).toBe('+49 81513685612');
    expect(national('+4981513685612', twoSites)).toBe('08151 3685612');
    expect(formats('+49 8151 3685612', twoSites)?.all).toEqual([
      '+49 8151 3685612',
      '+4981513685612',
      '08151 3685612',
      '081513685612',
      '12',
    ]);
  });

  it('keeps a bare extension and a local number at the first site', () => {
    expect(toE164('555', twoSites)).toBe('+4981424799555');
    expect(toE164('12', twoSites)).toBe('+498142479912');
    expect(toE164('123456', twoSites, { outsideLine: 'without' })).toBe('+498142123456');
  });

  it('takes a caller at the other site with her bare extension as internal', () => {
    const longer: Location = {
      ...germering,
      sites: [{ areaCode: '8151', subscriberBase: '36856', extensionLength: 4 }],
    };
    expect(isInternal('1234', longer)).toBe(true);
    expect(isInternal('1234', germering)).toBe(false);
  });

  it('lets the dial policy class a colleague at the other site as internal', () => {
    expect(checkDial('+4981513685612', DEFAULT_DIAL_POLICY, twoSites)).toMatchObject({
      allowed: true,
      class: 'internal',
    });
    expect(checkDial('+4981513685612', DEFAULT_DIAL_POLICY, germering)).toMatchObject({ class: 'national' });
  });

  it('a site in another country: its own country code, the rest from the location', () => {
    const vienna: Location = {
      ...germering,
      sites: [{ countryCode: '43', areaCode: '1', subscriberBase: '53120' }],
    };
    expect(extension('+43 1 53120 77', vienna)).toBe('77');
    expect(canonical('+4315312077', vienna)).toBe('+43 1 5312077');
    expect(national('+4315312077', vienna)).toBeUndefined();
  });
});
