// The user-data codec: our KEY=VALUE keys, ixi-UMS's keys (the ixi-UMS Voice-Mail Server manual §5.3.5), nothing unknown lost.
import { describe, expect, it } from 'vitest';
import { decode, defaultSettings, encode } from '../../src/directory/index.js';
import type { UserSettings } from '../../src/directory/index.js';

/** bob in the lab: user data as ixi-UMS left it */
const ixi = [
  'IXIISDNOriginatingAddress=',
  'IXIFaxMaxPages=0',
  'IXIVOCPermTsvc=4',
  'IXI-UMSMobileEnabled=Y',
  'IXI-UMSPINFailureCount=0',
  'IXI-UMSMobilePIN=MTIzNA==',
  'IXI-UMSMobileLevel=M',
  'IXI-UMSMobileAnnouncementFlags=ENEN',
  'IXI-UMSMobileNoMessageProfiles=',
  'ixi-umsMobileIMAPMailbox=inbox',
];

const full = [
  'access=messages',
  'enabled=N',
  'greetingType=personalized',
  'language=de',
  'lockedAt=2025-01-02T03:04:05.000Z',
  'loginRestriction=listed',
  'mailPassword=enc:v1:abc=',
  'pinChangedAt=2025-01-01T00:00:00.000Z',
  'pinHash=scrypt$16384$8$1$c2FsdA==$aGFzaA==',
  'profile.mobile.transferTo=+49 170 1000001',
  'profile.work.messages=N',
  'profile=work',
  'transferAnnouncement=user_and_system',
  'trusted=+49 170 1000001',
  'trusted=+49 30 1234101',
  'vacation=Y',
  'welcomeSentAt=2024-12-24T18:00:00.000Z',
  'wrongPinCount=2',
];

describe('decoding our own keys', () => {
  it('gives the defaults for no user data', () => {
    expect(decode([])).toEqual({ settings: defaultSettings(), unknown: [] });
    expect(defaultSettings()).toEqual({ enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [] });
  });

  it('reads every documented key', () => {
    const { settings, unknown } = decode(full);
    expect(unknown).toEqual([]);
    expect(settings).toEqual<UserSettings>({
      enabled: false,
      language: 'de',
      greetingType: 'personalized',
      transferAnnouncement: 'user_and_system',
      activeProfile: 'work',
      vacation: true,
      profiles: { mobile: { transferTo: '+49 170 1000001' }, work: { messagesAllowed: false } },
      pinHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
      wrongPinCount: 2,
      lockedAt: '2025-01-02T03:04:05.000Z',
      pinChangedAt: '2025-01-01T00:00:00.000Z',
      welcomeSentAt: '2024-12-24T18:00:00.000Z',
      trustedNumbers: ['+49 170 1000001', '+49 30 1234101'],
      loginRestriction: 'listed',
      access: 'messages',
      mailPassword: 'enc:v1:abc=',
    });
  });

  it('reads the lab seed: alice (pin={PLAIN}…) and dave (disabled)', () => {
    const alice = decode(['enabled=Y', 'pin={PLAIN}1234', 'wrongPinCount=0', 'language=de']);
    expect(alice.settings).toMatchObject({ enabled: true, legacyPin: 'MTIzNA==', language: 'de' });
    expect(alice.unknown).toEqual([]);
    expect(decode(['enabled=N']).settings.enabled).toBe(false);
  });

  it('keeps values it does not understand in unknown, and falls back to the default', () => {
    const { settings, unknown } = decode([
      'wrongPinCount=many',
      'enabled=maybe',
      'Enabled=N',
      'no equals sign',
      'color=blue',
      'profile.a.b.c=1',
      'lockedAt=yesterday',
    ]);
    expect(settings).toEqual(defaultSettings());
    expect(unknown).toEqual(
      [
        'Enabled=N',
        'color=blue',
        'enabled=maybe',
        'lockedAt=yesterday',
        'no equals sign',
        'profile.a.b.c=1',
        'wrongPinCount=many',
      ].sort(),
    );
  });

  it('takes one value of a key stored twice (two writers added at once) and writes one back', () => {
    const values = ['language=de', 'language=en'];
    expect(decode(values).settings.language).toBe('de');
    expect(encode(decode(values).settings, values)).toEqual(['language=de']);
  });
});

describe("reading ixi-UMS's user data (the ixi-UMS Voice-Mail Server manual §5.3.5)", () => {
  it('maps what has a meaning and keeps the rest as unknown', () => {
    const { settings, unknown } = decode(ixi);
    expect(settings).toEqual<UserSettings>({
      enabled: true,
      legacyPin: 'MTIzNA==',
      wrongPinCount: 0,
      access: 'messages',
      profiles: {},
      trustedNumbers: [],
    });
    expect(Buffer.from(settings.legacyPin ?? '', 'base64').toString()).toBe('1234');
    expect(unknown).toEqual(
      [
        'IXIISDNOriginatingAddress=',
        'IXIFaxMaxPages=0',
        'IXIVOCPermTsvc=4',
        'IXI-UMSMobileAnnouncementFlags=ENEN',
        'IXI-UMSMobileNoMessageProfiles=',
        'ixi-umsMobileIMAPMailbox=inbox',
      ].sort(),
    );
  });

  it('reads ixi keys in any case, and a disabled mailbox, a failure count, no login', () => {
    const { settings } = decode([
      'ixi-umsMobileEnabled=N',
      'IXI-UMSPINFAILURECOUNT=3',
      'IXI-UMSMobileLevel=N',
    ]);
    expect(settings).toMatchObject({ enabled: false, wrongPinCount: 3, access: 'none' });
  });

  it('leaves a PIN it cannot read (increased encryption) and an unknown level alone', () => {
    const values = ['IXI-UMSMobilePIN=x9#notbase64', 'IXI-UMSMobilePIN=QUJD', 'IXI-UMSMobileLevel=Q'];
    const { settings, unknown } = decode(values);
    expect(settings.legacyPin).toBeUndefined();
    expect(settings.access).toBeUndefined();
    expect(unknown).toEqual([...values].sort());
    expect(encode(settings, values)).toEqual([...values].sort());
  });

  it('lets our own key win over the ixi key', () => {
    const { settings } = decode([
      'IXI-UMSPINFailureCount=0',
      'wrongPinCount=2',
      'IXI-UMSMobileEnabled=N',
      'enabled=Y',
    ]);
    expect(settings).toMatchObject({ wrongPinCount: 2, enabled: true });
  });

  it('migrates mapped ixi keys to ours on write, keeping every unmapped one', () => {
    const { settings } = decode(ixi);
    const written = encode({ ...settings, wrongPinCount: 1 }, ixi);
    expect(written).toEqual(
      [
        'IXIISDNOriginatingAddress=',
        'IXIFaxMaxPages=0',
        'IXIVOCPermTsvc=4',
        'IXI-UMSMobileAnnouncementFlags=ENEN',
        'IXI-UMSMobileNoMessageProfiles=',
        'ixi-umsMobileIMAPMailbox=inbox',
        'access=messages',
        'enabled=Y',
        'legacyPin=MTIzNA==',
        'wrongPinCount=1',
      ].sort(),
    );
    expect(decode(written).settings).toEqual({ ...settings, wrongPinCount: 1 });
  });

  it('drops the base64 PIN once it is replaced by a hash (X3)', () => {
    const { settings } = decode(ixi);
    const written = encode({ ...settings, legacyPin: undefined, pinHash: 'scrypt$x' }, ixi);
    expect(written.some((v) => /PIN=|legacyPin=/i.test(v))).toBe(false);
    expect(written).toContain('pinHash=scrypt$x');
  });
});

describe('encoding', () => {
  it('round-trips our own format exactly, sorted', () => {
    const shuffled = [...full].reverse();
    expect(encode(decode(shuffled).settings, shuffled)).toEqual([...full].sort());
    expect(decode(encode(decode(full).settings, [])).settings).toEqual(decode(full).settings);
  });

  it('keeps unknown keys on every write', () => {
    const previous = ['color=blue', 'X-Other-Product=1', 'wrongPinCount=0', 'no equals'];
    const written = encode({ ...decode(previous).settings, wrongPinCount: 1 }, previous);
    expect(written).toEqual(['X-Other-Product=1', 'color=blue', 'no equals', 'wrongPinCount=1']);
  });

  it('writes defaults only where they were stored, so a first write stays small', () => {
    expect(encode({ ...defaultSettings(), wrongPinCount: 1 }, [])).toEqual(['wrongPinCount=1']);
    expect(encode(defaultSettings(), ['enabled=Y', 'wrongPinCount=3'])).toEqual([
      'enabled=Y',
      'wrongPinCount=0',
    ]);
  });

  it('replaces an invalid value of a key it writes, and keeps it otherwise', () => {
    expect(encode({ ...defaultSettings(), wrongPinCount: 1 }, ['wrongPinCount=x'])).toEqual([
      'wrongPinCount=1',
    ]);
    expect(encode(defaultSettings(), ['wrongPinCount=x'])).toEqual(['wrongPinCount=x']);
  });

  it('writes trusted numbers once each, profiles per field, removes what was cleared', () => {
    const s: UserSettings = {
      ...defaultSettings(),
      trustedNumbers: ['+49 30 1', '+49 30 1', '+49 30 2'],
      profiles: { home: { transferTo: '+49 30 3', messagesAllowed: true } },
    };
    expect(encode(s, ['trusted=+49 30 9', 'vacation=Y'])).toEqual([
      'profile.home.messages=Y',
      'profile.home.transferTo=+49 30 3',
      'trusted=+49 30 1',
      'trusted=+49 30 2',
    ]);
  });

  it('refuses values that would break the format', () => {
    expect(() => encode({ ...defaultSettings(), language: 'de\nenabled=N' }, [])).toThrow(RangeError);
    expect(() => encode({ ...defaultSettings(), profiles: { 'a.b': { transferTo: '1' } } }, [])).toThrow(
      /profile name/,
    );
    expect(() => encode({ ...defaultSettings(), activeProfile: 'a=b' }, [])).toThrow(/profile name/);
    expect(() => encode({ ...defaultSettings(), wrongPinCount: -1 }, [])).toThrow(/count/);
  });
});
