import { describe, expect, it } from 'vitest';
import {
  canonical,
  countryCodeOf,
  extension,
  formats,
  isE164,
  isInternal,
  national,
  toE164,
  type Location,
} from '../../src/phone/index.js';

/** Berlin, company number 030 1234-…, three-digit extensions, 0 for an outside line. */
const berlin: Location = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  extensionLength: 3,
  outsideLinePrefix: '0',
};

/** The site in the ixi-UMS Voice-Mail Server manual §4.4: +49 8142 4799, outside line 0, extension length unknown. */
const germering: Location = {
  countryCode: '49',
  areaCode: '8142',
  subscriberBase: '4799',
  outsideLinePrefix: '0',
};

/** A PBX without outside-line prefix. */
const direct: Location = { ...berlin, outsideLinePrefix: '' };

describe('toE164: every format of the same number', () => {
  it.each([
    '+49 30 1234501',
    '+49301234501',
    '+49 (0)30 1234501',
    '+49-30-1234501',
    '+49.30.1234501',
    '0049301234501',
    '0049 30 1234501',
    '0049 (0)30 1234501',
    '030 1234501',
    '0301234501',
    '030-1234-501',
    '030/1234501',
    '(030) 1234501',
    '(030) 1234 - 501',
    '  030 1234501  ',
    '030\u00a01234501',
    '1234501',
    '501',
    '0030 1234501',
    '00049301234501',
  ])('%s → +49301234501', (raw) => {
    expect(toE164(raw, berlin)).toBe('+49301234501');
  });

  it('numbers elsewhere in the country and abroad', () => {
    expect(toE164('089 1234567', berlin)).toBe('+49891234567');
    expect(toE164('0170 1234567', berlin)).toBe('+491701234567');
    expect(toE164('+33 1 23 45 67 89', berlin)).toBe('+33123456789');
    expect(toE164('0033 1 23 45 67 89', berlin)).toBe('+33123456789');
    expect(toE164('00033 1 23 45 67 89', berlin)).toBe('+33123456789');
    expect(toE164('+1 (212) 555-0123', berlin)).toBe('+12125550123');
    expect(toE164('0043 1 5321234', berlin)).toBe('+4315321234');
  });

  it('outside line plus a national number of another area', () => {
    // 89 is no country code, so "0089…" can only be Munich dialled via the outside line
    expect(toE164('0089 1234567', berlin)).toBe('+49891234567');
  });

  it('a local number and an extension of the manual site', () => {
    expect(toE164('4799555', germering)).toBe('+4981424799555');
    expect(toE164('555', germering)).toBe('+4981424799555');
    expect(toE164('08142 4799555', germering)).toBe('+4981424799555');
  });

  it('without extension length, up to six digits are an extension', () => {
    const noLength: Location = { ...berlin, extensionLength: undefined };
    expect(toE164('123456', noLength)).toBe('+49301234123456');
    expect(toE164('1234567', noLength)).toBe('+49301234567');
    // 4799 + six digits would be 16 digits: not a number
    expect(toE164('123456', germering)).toBeUndefined();
  });

  it('a number longer than the extension length is local', () => {
    expect(toE164('5015', berlin)).toBe('+49305015');
  });

  describe('where the number came from decides the ambiguous cases', () => {
    it('from a directory (without outside line) "0030…" is Greece', () => {
      expect(toE164('0030 210 1234567', berlin, { outsideLine: 'without' })).toBe('+302101234567');
    });

    it('from the PBX (with outside line) "0030…" is Berlin, a short number an extension', () => {
      expect(toE164('0030 1234501', berlin, { outsideLine: 'with' })).toBe('+49301234501');
      expect(toE164('01234501', berlin, { outsideLine: 'with' })).toBe('+49301234501');
      expect(toE164('00033123456789', berlin, { outsideLine: 'with' })).toBe('+33123456789');
      expect(toE164('501', berlin, { outsideLine: 'with' })).toBe('+49301234501');
    });

    it('guessing, "0030…" is Berlin for a Berlin company — but Greece for one in Munich', () => {
      expect(toE164('0030 210 1234567', berlin)).toBe('+49302101234567');
      const munich: Location = { ...berlin, areaCode: '89' };
      expect(toE164('0030 210 1234567', munich)).toBe('+302101234567');
      expect(toE164('0089 1234567', munich)).toBe('+49891234567');
    });

    it('outside-line prefix 9 in front of national and international numbers', () => {
      const nine: Location = { ...berlin, outsideLinePrefix: '9' };
      expect(toE164('9 030 1234501', nine)).toBe('+49301234501');
      expect(toE164('9 0033 123456789', nine)).toBe('+33123456789');
      expect(toE164('501', nine)).toBe('+49301234501');
    });

    it('no outside-line prefix: "0030…" is Greece', () => {
      expect(toE164('0030 210 1234567', direct)).toBe('+302101234567');
      expect(toE164('030 1234501', direct)).toBe('+49301234501');
    });
  });

  it('a North American location: national prefix 1, international 011', () => {
    const newYork: Location = {
      countryCode: '1',
      areaCode: '212',
      subscriberBase: '555',
      extensionLength: 4,
      outsideLinePrefix: '9',
      nationalPrefix: '1',
      internationalPrefix: '011',
    };
    expect(toE164('1 (212) 555-0123', newYork)).toBe('+12125550123');
    expect(toE164('9 1 212 555 0123', newYork)).toBe('+12125550123');
    expect(toE164('011 49 30 1234501', newYork)).toBe('+49301234501');
    expect(toE164('0123', newYork)).toBe('+12125550123');
  });

  describe('garbage and hostile input is undefined, never an exception', () => {
    it.each([
      ['empty', ''],
      ['blank', '   '],
      ['letters', 'abc'],
      ['vanity number', '0800-FLOWERS'],
      ['anonymous', 'anonymous'],
      ['LDAP injection', '*)(uid=*'],
      ['LDAP injection behind digits', '501)(|(uid=*'],
      ['wildcard', '50*'],
      ['NUL byte', '501\u0000'],
      ['newline', '501\n(uid=*)'],
      ['plus inside', '49+301234501'],
      ['two pluses', '++49301234501'],
      ['only punctuation', '()-/'],
      ['only a plus', '+'],
      ['too long: 16 digits', '+4930123450123456'],
      ['too long raw', '0'.repeat(100)],
      ['a huge string', '1'.repeat(100_000)],
      ['unassigned country code', '+999 1234567'],
      ['country code zero', '+0301234501'],
      ['country code without number', '+49'],
      ['too short after country code', '+49 30'],
      ['international prefix alone', '00'],
      ['outside and international prefix alone', '000'],
      ['a stray zero after the international prefix', '000049301234501'],
      ['unicode digits', '٠٣٠١٢٣٤٥٠١'],
      ['full-width digits', '０３０１２３４５０１'],
    ])('%s', (_what, raw) => {
      expect(toE164(raw, berlin)).toBeUndefined();
    });

    it('values that are not strings at all', () => {
      for (const value of [undefined, null, 49301234501, {}, [], Symbol('x')]) {
        expect(toE164(value as unknown as string, berlin)).toBeUndefined();
      }
    });

    it('15 digits are still a number', () => {
      expect(toE164('+493012345012345', berlin)).toBe('+493012345012345');
    });

    it('an extension that would make the number longer than 15 digits', () => {
      const longBase: Location = { ...berlin, subscriberBase: '1234567890', extensionLength: 6 };
      expect(toE164('123456', longBase)).toBeUndefined();
    });
  });
});

describe('countryCodeOf', () => {
  it.each([
    ['+12125550123', '1'],
    ['+74951234567', '7'],
    ['+201234567890', '20'],
    ['+27211234567', '27'],
    ['+302101234567', '30'],
    ['+33123456789', '33'],
    ['+3531234567', '353'],
    ['+4315321234', '43'],
    ['+41441234567', '41'],
    ['+4202123456789', '420'],
    ['+49301234501', '49'],
    ['+551112345678', '55'],
    ['+5999123456', '599'],
    ['+61212345678', '61'],
    ['+6831234', '683'],
    ['+81312345678', '81'],
    ['+85212345678', '852'],
    ['+80012345678', '800'],
    ['+911234567890', '91'],
    ['+9715012345678', '971'],
    ['+998901234567', '998'],
  ])('%s → %s', (number, code) => {
    expect(countryCodeOf(number)).toBe(code);
  });

  it.each([['+999123'], ['+2101234'], ['+8901234'], ['+0123'], ['49301234501'], [''], ['+49 30 1234501']])(
    '%s has none',
    (number) => {
      expect(countryCodeOf(number)).toBeUndefined();
    },
  );

  it('isE164 wants an assigned code and 4 to 15 digits', () => {
    expect(isE164('+49301234501')).toBe(true);
    expect(isE164('+6831234')).toBe(true);
    expect(isE164('+683123')).toBe(false);
    expect(isE164('+4930123450123456')).toBe(false);
    expect(isE164('0301234501')).toBe(false);
  });
});

describe('canonical, national, extension', () => {
  it('the company number in the ixi-UMS canonical format', () => {
    expect(canonical('+49301234501', berlin)).toBe('+49 30 1234501');
    expect(canonical('501', berlin)).toBe('+49 30 1234501');
    expect(canonical('555', germering)).toBe('+49 8142 4799555');
  });

  it('other numbers: the area is known only for the own area', () => {
    expect(canonical('+49301111111', berlin)).toBe('+49 30 1111111');
    expect(canonical('+49891234567', berlin)).toBe('+49 891234567');
    expect(canonical('+33123456789', berlin)).toBe('+33 123456789');
    expect(canonical('+12125550123', berlin)).toBe('+1 2125550123');
  });

  it('national format', () => {
    expect(national('+49301234501', berlin)).toBe('030 1234501');
    expect(national('+49891234567', berlin)).toBe('0891234567');
    expect(national('+33123456789', berlin)).toBeUndefined();
  });

  it('a country without an area code', () => {
    const copenhagen: Location = {
      countryCode: '45',
      areaCode: '',
      subscriberBase: '3312',
      extensionLength: 4,
      outsideLinePrefix: '',
      nationalPrefix: '',
    };
    expect(toE164('3312 0101', copenhagen)).toBe('+4533120101');
    expect(toE164('0101', copenhagen)).toBe('+4533120101');
    expect(canonical('0101', copenhagen)).toBe('+45 33120101');
    expect(extension('+45 3312 0101', copenhagen)).toBe('0101');
  });

  it('the extension of the company’s own numbers only', () => {
    expect(extension('+49301234501', berlin)).toBe('501');
    expect(extension('+49 30 1234501', berlin)).toBe('501');
    expect(extension('0301234501', berlin)).toBe('501');
    expect(extension('+4981424799555', germering)).toBe('555');
    expect(extension('+49301111111', berlin)).toBeUndefined();
    expect(extension('+33123456789', berlin)).toBeUndefined();
    // the switchboard number has no extension
    expect(extension('+49301234', berlin)).toBeUndefined();
    // longer than an extension: another company whose number happens to start alike
    expect(extension('+4930123450199', berlin)).toBeUndefined();
    expect(extension('garbage', berlin)).toBeUndefined();
  });

  it('formats: everything a directory may store, for an LDAP OR-filter', () => {
    expect(formats('501', berlin)).toEqual({
      e164: '+49301234501',
      canonical: '+49 30 1234501',
      national: '030 1234501',
      nationalCompact: '0301234501',
      extension: '501',
      all: ['+49 30 1234501', '+49301234501', '030 1234501', '0301234501', '501'],
    });
  });

  it('formats of a number abroad', () => {
    expect(formats('+33 1 23 45 67 89', berlin)).toEqual({
      e164: '+33123456789',
      canonical: '+33 123456789',
      all: ['+33 123456789', '+33123456789'],
    });
  });

  it('formats of garbage is undefined', () => {
    expect(formats('*)(uid=*', berlin)).toBeUndefined();
  });

  it('formats never contain LDAP filter metacharacters', () => {
    for (const raw of ['501', '+49 (0)30 1234501', '(030) 1234-501', '0033 1 23 45 67 89']) {
      for (const value of formats(raw, berlin)?.all ?? []) expect(value).toMatch(/^[+0-9 ]+$/);
    }
  });
});

describe('isInternal', () => {
  it.each([
    ['501', true],
    ['5', true],
    ['+49301234501', true],
    ['+49 30 1234501', true],
    ['0301234501', true],
    ['+49301234', true],
    ['+49301111111', false],
    ['0301111111', false],
    ['+33123456789', false],
    ['', false],
    ['anonymous', false],
    ['*)(uid=*', false],
  ])('%s → %s', (raw, internal) => {
    expect(isInternal(raw, berlin)).toBe(internal);
  });

  it('a short number with the outside-line prefix is not an extension', () => {
    expect(isInternal('0110', berlin)).toBe(false);
  });

  it('without extension length, up to six digits count as an extension', () => {
    expect(isInternal('123456', germering)).toBe(true);
    expect(isInternal('1234567', germering)).toBe(false);
  });

  it('not a string', () => {
    expect(isInternal(undefined as unknown as string, berlin)).toBe(false);
  });
});
