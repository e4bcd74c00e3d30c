// The user-data codec: our KEY=VALUE keys, ixi-UMS's keys (the ixi-UMS Voice-Mail Server manual §5.3.5), nothing unknown lost.
import { describe, expect, it } from 'vitest';
import { decode, defaultSettings, encode } from '../../src/directory/index.js';
import type { UserSettings } from '../../src/directory/index.js';
import { parseUserOfficeHours } from '../../src/schedule/index.js';
import { MANUAL_DEFAULT_DATA } from './ixi-ums-data.js';

/** what the CLI passes: the directory reads office hours with src/schedule's parser */
const withHours = { parseOfficeHours: parseUserOfficeHours };

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

const manualDefault = [...MANUAL_DEFAULT_DATA];
/** what the manual's data set keeps: ixi-UMS's fax/SMS kernel and notification values */
const manualKept = manualDefault.filter((v) => /^(IXI[A-Z]|MN)/.test(v));

const full = [
  'access=messages',
  'breakProfile=mobile',
  'enabled=N',
  'greetingType=personalized',
  'imapFolder=INBOX/Voice',
  'imapHost=imap2.example.com',
  'imapUser=team-sales',
  'language=de',
  'languageChoice=ask',
  'lockedAt=2025-01-02T03:04:05.000Z',
  'loginRestriction=listed',
  'mailPassword=enc:v1:abc=',
  'menuLanguage=en',
  'offHoursProfile=none',
  'officeHours=Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; closed 12-24, 12-31',
  'pinChangeRequired=Y',
  'pinChangedAt=2025-01-01T00:00:00.000Z',
  'pinHash=scrypt$16384$8$1$c2FsdA==$aGFzaA==',
  'pinNumber=+49 89 5550001',
  'pinNumber=+49 89 5550002',
  'pinReminderSentAt=2025-03-01T08:00:00.000Z',
  'profile.mobile.transferTo=+49 170 1000001',
  'profile.work.messages=N',
  'profile=work',
  'transferAnnouncement=user_and_system',
  'trustMobile=N',
  'trustOffice=Y',
  'trusted=+49 170 1000001',
  'trusted=+49 30 1234101',
  'vacation=Y',
  'welcomeResend=newPin',
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
      officeHours: 'Europe/Berlin; mon-fri 08:00-17:00 break 12:00-13:00; closed 12-24, 12-31',
      offHoursProfile: '',
      breakProfile: 'mobile',
      languageChoice: 'ask',
      menuLanguage: 'en',
      trustOffice: true,
      trustMobile: false,
      pinNumbers: ['+49 89 5550001', '+49 89 5550002'],
      pinChangeRequired: true,
      pinReminderSentAt: '2025-03-01T08:00:00.000Z',
      welcomeResend: 'newPin',
      imapFolder: 'INBOX/Voice',
      imapUser: 'team-sales',
      imapHost: 'imap2.example.com',
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

  it('keeps an invalid value of each new key in unknown, and the site value applies', () => {
    const bad = [
      'breakProfile=a b',
      'imapFolder=',
      'imapHost=imap.example.com/inbox',
      'imapHost=imap example.com',
      'imapHost=imap.example.com:993',
      'imapUser=',
      'languageChoice=always',
      'menuLanguage=English!',
      'offHoursProfile=',
      'officeHours=',
      'pinChangeRequired=soon',
      'pinNumber=',
      'pinReminderSentAt=last week',
      'trustMobile=yes',
      'trustOffice=1',
      'welcomeResend=Y',
    ];
    const { settings, unknown } = decode(bad);
    expect(settings).toEqual(defaultSettings());
    expect(unknown).toEqual([...bad].sort());
    // and nothing of it is lost on write
    expect(encode(settings, bad)).toEqual([...bad].sort());
  });

  it('reads office hours as given (checked where they are used), and `none`', () => {
    expect(decode(['officeHours=none']).settings.officeHours).toBe('none');
    expect(decode(['officeHours=mon-fri 08:00-17:00']).settings.officeHours).toBe('mon-fri 08:00-17:00');
    // not parsed here: src/schedule logs it and the company's hours apply
    expect(decode(['officeHours=Mo-Fr 8-17']).settings.officeHours).toBe('Mo-Fr 8-17');
  });

  it('reads host names and IP addresses as her IMAP server', () => {
    for (const host of ['imap', 'imap2.example.com', '192.0.2.10', '2001:db8::10', '[2001:db8::10]']) {
      expect(decode([`imapHost=${host}`]).settings.imapHost).toBe(host);
    }
  });

  it('reads Y/N in either case', () => {
    expect(decode(['trustOffice=y', 'trustMobile=n', 'pinChangeRequired=y']).settings).toMatchObject({
      trustOffice: true,
      trustMobile: false,
      pinChangeRequired: true,
    });
  });

  it('takes one value of a key stored twice (two writers added at once) and writes one back', () => {
    const values = ['language=de', 'language=en'];
    expect(decode(values).settings.language).toBe('de');
    expect(encode(decode(values).settings, values)).toEqual(['language=de']);
  });
});

describe("reading ixi-UMS's user data (the ixi-UMS Voice-Mail Server manual §5.3.5)", () => {
  it("reads the manual's default data set as an English user with remote inquiry, everything else the system's", () => {
    const { settings, unknown } = decode(manualDefault);
    expect(settings).toEqual<UserSettings>({
      enabled: true,
      legacyPin: 'MTIzNDU=',
      wrongPinCount: 0,
      access: 'messages',
      language: 'en',
      menuLanguage: 'en',
      profiles: {},
      trustedNumbers: [],
    });
    expect(Buffer.from(settings.legacyPin ?? '', 'base64').toString()).toBe('12345');
    expect(unknown).toEqual([...manualKept].sort());
  });

  it("reads the lab's bob as English: greeting and menu (he was greeted in German before)", () => {
    const { settings, unknown } = decode(ixi);
    expect(settings).toEqual<UserSettings>({
      enabled: true,
      legacyPin: 'MTIzNA==',
      wrongPinCount: 0,
      access: 'messages',
      language: 'en',
      menuLanguage: 'en',
      profiles: {},
      trustedNumbers: [],
    });
    expect(Buffer.from(settings.legacyPin ?? '', 'base64').toString()).toBe('1234');
    expect(unknown).toEqual(['IXIISDNOriginatingAddress=', 'IXIFaxMaxPages=0', 'IXIVOCPermTsvc=4'].sort());
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

  describe('IXI-UMSMobileAnnouncementFlags: greeting language, then menu language', () => {
    const flags = (v: string) => decode([`IXI-UMSMobileAnnouncementFlags=${v}`]);
    it('maps two letters each to a language tag, in any case', () => {
      expect(flags('DEFR...').settings).toMatchObject({ language: 'de', menuLanguage: 'fr' });
      expect(flags('enit').settings).toMatchObject({ language: 'en', menuLanguage: 'it' });
      expect(flags('ENEN...').unknown).toEqual([]);
    });
    it('reads `..` as the system default', () => {
      const both = flags('.....');
      expect(both.settings).toEqual(defaultSettings());
      expect(both.unknown).toEqual([]);
      const menuOnly = flags('..EN...').settings;
      expect(menuOnly.language).toBeUndefined();
      expect(menuOnly.menuLanguage).toBe('en');
    });
    it('maps the languages but keeps the value when the flags after them are set', () => {
      const r = flags('ENDEY..');
      expect(r.settings).toMatchObject({ language: 'en', menuLanguage: 'de' });
      expect(r.unknown).toEqual(['IXI-UMSMobileAnnouncementFlags=ENDEY..']);
    });
    it('keeps an unknown language flag as it is: that language is the system default, the other still applies', () => {
      const r = decode(['IXI-UMSMobileAnnouncementFlags=XX..', 'IXI-UMSMobileLevel=M']);
      expect(r.settings.language).toBeUndefined();
      expect(r.settings.access).toBe('messages');
      expect(r.unknown).toEqual(['IXI-UMSMobileAnnouncementFlags=XX..']);
      expect(flags('DEXX').settings).toMatchObject({ language: 'de' });
      expect(flags('DEXX').settings.menuLanguage).toBeUndefined();
      expect(flags('EN').unknown).toEqual(['IXI-UMSMobileAnnouncementFlags=EN']);
    });
  });

  describe('IXI-UMSMobileNoMessageProfiles: profiles in which no message may be left', () => {
    const profiles = (v: string) => decode([`IXI-UMSMobileNoMessageProfiles=${v}`]);
    it("maps ixi-UMS's profile names to ours, with , ; or space between them", () => {
      expect(profiles('Home,Vacation').settings.profiles).toEqual({
        home: { messagesAllowed: false },
        vacation: { messagesAllowed: false },
      });
      expect(profiles('work; CUSTOM1 custom2 Mobile').settings.profiles).toEqual({
        custom1: { messagesAllowed: false },
        custom2: { messagesAllowed: false },
        mobile: { messagesAllowed: false },
        work: { messagesAllowed: false },
      });
      expect(profiles('').settings.profiles).toEqual({});
    });
    it('keeps the whole value when a name is unknown', () => {
      const r = profiles('Home,Office');
      expect(r.settings.profiles).toEqual({});
      expect(r.unknown).toEqual(['IXI-UMSMobileNoMessageProfiles=Home,Office']);
    });
    it('lets her own profile switch win', () => {
      const r = decode(['IXI-UMSMobileNoMessageProfiles=Home,Work', 'profile.home.messages=Y']);
      expect(r.settings.profiles).toEqual({
        home: { messagesAllowed: true },
        work: { messagesAllowed: false },
      });
    });
  });

  describe('ixi-umsMobileIMAPMailbox: her folder (§5.3.3 "a subfolder Voice of the inbox: enter Voice")', () => {
    const folder = (v: string) => decode([`ixi-umsMobileIMAPMailbox=${v}`]).settings.imapFolder;
    it('reads the inbox as the site folder', () => {
      for (const v of ['inbox', 'INBOX', 'Inbox', '']) expect(folder(v)).toBeUndefined();
    });
    it('reads a subfolder of the inbox, with / between folders', () => {
      expect(folder('Voice')).toBe('INBOX/Voice');
      expect(folder('Voice/2024')).toBe('INBOX/Voice/2024');
      expect(folder('inbox/Voice')).toBe('INBOX/Voice');
      expect(folder('INBOX.Voice')).toBe('INBOX/Voice');
      expect(folder('INBOX.Voice.Old')).toBe('INBOX/Voice/Old');
    });
  });

  describe('IXI-UMSMobileOH: office hours (format not documented)', () => {
    it('takes a value written as voicebox office hours', () => {
      const r = decode(['IXI-UMSMobileOH=Europe/Berlin; mon-fri 07:00-15:00'], withHours);
      expect(r.settings.officeHours).toBe('Europe/Berlin; mon-fri 07:00-15:00');
      expect(r.unknown).toEqual([]);
      expect(decode(['IXI-UMSMobileOH=none'], withHours).settings.officeHours).toBe('none');
    });
    it("keeps any other value: her office hours are the company's", () => {
      const r = decode(['IXI-UMSMobileOH=1111100;0800;1700', 'IXI-UMSMobileEnabled=N'], withHours);
      expect(r.settings.officeHours).toBeUndefined();
      expect(r.settings.enabled).toBe(false);
      expect(r.unknown).toEqual(['IXI-UMSMobileOH=1111100;0800;1700']);
    });
    it("reads office hours with the schedule's parser by default, as every adapter does", () => {
      const values = ['IXI-UMSMobileOH=Europe/Berlin; mon-fri 07:00-15:00'];
      expect(decode(values).settings.officeHours).toBe('Europe/Berlin; mon-fri 07:00-15:00');
      expect(encode(decode(values).settings, values)).toEqual([
        'officeHours=Europe/Berlin; mon-fri 07:00-15:00',
      ]);
    });
    it('keeps every value when a reader that refuses everything is given', () => {
      const values = ['IXI-UMSMobileOH=Europe/Berlin; mon-fri 07:00-15:00'];
      const none = { parseOfficeHours: () => ({ ok: false as const, error: 'no' }) };
      expect(decode(values, none)).toEqual({ settings: defaultSettings(), unknown: values });
      expect(encode(defaultSettings(), values, none)).toEqual(values);
    });
  });

  describe('ixi-umsMobileRestrictionFlags: login rules (inferred from the order of §5.3.2)', () => {
    const flags = (v: string) => decode([`ixi-umsMobileRestrictionFlags=${v}`]);
    it('reads office and mobile without PIN, and the restriction', () => {
      expect(flags('YN...').settings).toMatchObject({ trustOffice: true, trustMobile: false });
      expect(flags('..Y..').settings.loginRestriction).toBe('listed');
      expect(flags('..n..').settings.loginRestriction).toBe('everywhere');
      expect(flags('yyYYY').settings).toMatchObject({
        trustOffice: true,
        trustMobile: true,
        loginRestriction: 'listed',
      });
      expect(flags('yyYYY').unknown).toEqual([]);
    });
    it('reads dots as the system default', () => {
      expect(flags('.....')).toEqual({ settings: defaultSettings(), unknown: [] });
    });
    it('keeps the value when office or mobile WITH a PIN is refused (voicebox always allows them)', () => {
      const r = flags('..YN.');
      expect(r.settings.loginRestriction).toBe('listed');
      expect(r.unknown).toEqual(['ixi-umsMobileRestrictionFlags=..YN.']);
    });
    it('keeps a value of another length or other characters, mapping nothing', () => {
      for (const v of ['....', '......', 'YNX..']) {
        expect(flags(v)).toEqual({
          settings: defaultSettings(),
          unknown: [`ixi-umsMobileRestrictionFlags=${v}`],
        });
      }
    });
  });

  it('lets our own key win over the ixi key', () => {
    const { settings } = decode([
      'IXI-UMSPINFailureCount=0',
      'wrongPinCount=2',
      'IXI-UMSMobileEnabled=N',
      'enabled=Y',
      'IXI-UMSMobileAnnouncementFlags=ENEN',
      'language=de',
      'ixi-umsMobileRestrictionFlags=YY...',
      'trustMobile=N',
      'ixi-umsMobileIMAPMailbox=Voice',
      'imapFolder=INBOX/Sprache',
    ]);
    expect(settings).toMatchObject({
      wrongPinCount: 2,
      enabled: true,
      language: 'de',
      menuLanguage: 'en',
      trustOffice: true,
      trustMobile: false,
      imapFolder: 'INBOX/Sprache',
    });
  });

  it('migrates mapped ixi keys to ours on write, keeping every unmapped one', () => {
    const { settings } = decode(ixi);
    const written = encode({ ...settings, wrongPinCount: 1 }, ixi);
    expect(written).toEqual(
      [
        'IXIISDNOriginatingAddress=',
        'IXIFaxMaxPages=0',
        'IXIVOCPermTsvc=4',
        'access=messages',
        'enabled=Y',
        'language=en',
        'legacyPin=MTIzNA==',
        'menuLanguage=en',
        'wrongPinCount=1',
      ].sort(),
    );
    expect(decode(written).settings).toEqual({ ...settings, wrongPinCount: 1 });
  });

  it("migrates the manual's data set with every mapping, and reads back the same", () => {
    const values = [
      ...manualDefault.filter(
        (v) =>
          !/^(IXI-UMSMobileNoMessageProfiles|IXI-UMSMobileOH|ixi-umsMobileRestrictionFlags|ixi-umsMobileIMAPMailbox)=/.test(
            v,
          ),
      ),
      'IXI-UMSMobileNoMessageProfiles=Home,Vacation',
      'IXI-UMSMobileOH=mon-fri 08:00-17:00',
      'ixi-umsMobileRestrictionFlags=YNY..',
      'ixi-umsMobileIMAPMailbox=Voice',
    ];
    const { settings } = decode(values, withHours);
    const written = encode(settings, values, withHours);
    expect(written).toEqual(
      [
        ...manualKept,
        'access=messages',
        'enabled=Y',
        'imapFolder=INBOX/Voice',
        'language=en',
        'legacyPin=MTIzNDU=',
        'loginRestriction=listed',
        'menuLanguage=en',
        'officeHours=mon-fri 08:00-17:00',
        'profile.home.messages=N',
        'profile.vacation.messages=N',
        'trustMobile=N',
        'trustOffice=Y',
        'wrongPinCount=0',
      ].sort(),
    );
    expect(decode(written, withHours).settings).toEqual(settings);
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

  it('round-trips each new key on its own', () => {
    for (const value of full) {
      expect(encode(decode([value]).settings, []), value).toEqual([value]);
    }
    expect(encode(decode(['breakProfile=none']).settings, [])).toEqual(['breakProfile=none']);
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
    expect(encode({ ...defaultSettings(), pinChangeRequired: false }, [])).toEqual([]);
    expect(encode({ ...defaultSettings(), pinChangeRequired: false }, ['pinChangeRequired=Y'])).toEqual([
      'pinChangeRequired=N',
    ]);
  });

  it('replaces an invalid value of a key it writes, and keeps it otherwise', () => {
    expect(encode({ ...defaultSettings(), wrongPinCount: 1 }, ['wrongPinCount=x'])).toEqual([
      'wrongPinCount=1',
    ]);
    expect(encode(defaultSettings(), ['wrongPinCount=x'])).toEqual(['wrongPinCount=x']);
  });

  it('writes trusted and PIN numbers once each, profiles per field, removes what was cleared', () => {
    const s: UserSettings = {
      ...defaultSettings(),
      trustedNumbers: ['+49 30 1', '+49 30 1', '+49 30 2'],
      pinNumbers: ['+49 89 1', '+49 89 1'],
      profiles: { home: { transferTo: '+49 30 3', messagesAllowed: true } },
    };
    expect(encode(s, ['trusted=+49 30 9', 'vacation=Y', 'pinNumber=+49 89 9'])).toEqual([
      'pinNumber=+49 89 1',
      'profile.home.messages=Y',
      'profile.home.transferTo=+49 30 3',
      'trusted=+49 30 1',
      'trusted=+49 30 2',
    ]);
  });

  it('writes no empty text, and `none` for no off-hours or break profile', () => {
    expect(
      encode({ ...defaultSettings(), imapFolder: '', officeHours: '', offHoursProfile: '' }, []),
    ).toEqual(['offHoursProfile=none']);
  });

  it('refuses values that would break the format or not read back', () => {
    expect(() => encode({ ...defaultSettings(), language: 'de\nenabled=N' }, [])).toThrow(RangeError);
    expect(() => encode({ ...defaultSettings(), profiles: { 'a.b': { transferTo: '1' } } }, [])).toThrow(
      /profile name/,
    );
    expect(() => encode({ ...defaultSettings(), activeProfile: 'a=b' }, [])).toThrow(/profile name/);
    expect(() => encode({ ...defaultSettings(), wrongPinCount: -1 }, [])).toThrow(/count/);
    expect(() => encode({ ...defaultSettings(), breakProfile: 'lunch break' }, [])).toThrow(/profile name/);
    expect(() => encode({ ...defaultSettings(), imapHost: 'imap.example.com:993' }, [])).toThrow(/host name/);
    expect(() => encode({ ...defaultSettings(), pinReminderSentAt: 'today' }, [])).toThrow(/ISO time/);
    expect(() => encode({ ...defaultSettings(), officeHours: 'mon\r\nfri' }, [])).toThrow(/one line/);
  });

  it('never names a secret in its error', () => {
    expect(() => encode({ ...defaultSettings(), legacyPin: '12#45' }, [])).toThrow(RangeError);
    try {
      encode({ ...defaultSettings(), legacyPin: '12#45' }, []);
    } catch (e) {
      expect(String(e)).not.toContain('12#45');
    }
  });
});

describe('a line break or control character in one value', () => {
  // each of these came from the directory; written back by `encode` it would have ended her calls
  const broken = [
    'officeHours=mon-fri 08:00-17:00\r',
    'imapFolder=INBOX/Voice\nenabled=N',
    'imapUser=alice\u0000',
    'pinNumber=+49 170 1000001\r',
    'trusted=+49 30 1234102\n',
    'profile.work.transferTo=+49 30 1234\u0007',
    'mailPassword=s3cr\net',
    'ixi-umsMobileIMAPMailbox=Voice\r\nOld',
  ];

  it('is invalid for every text key: kept as it is, the setting left to the site', () => {
    const { settings, unknown } = decode(['language=de', ...broken], withHours);
    expect(settings).toEqual({ ...defaultSettings(), language: 'de' });
    expect(unknown).toEqual([...broken].sort());
  });

  it('is written back unchanged, beside her other settings, and never throws', () => {
    const values = ['language=de', ...broken];
    const { settings } = decode(values, withHours);
    const written = encode({ ...settings, welcomeSentAt: '2026-12-01T09:00:00.000Z' }, values, withHours);
    expect(written).toEqual([...broken, 'language=de', 'welcomeSentAt=2026-12-01T09:00:00.000Z'].sort());
  });

  it('is replaced when a new value of that key is written', () => {
    const values = ['officeHours=mon-fri 08:00-17:00\r'];
    expect(encode({ ...defaultSettings(), officeHours: 'mon-fri 08:00-17:00' }, values, withHours)).toEqual([
      'officeHours=mon-fri 08:00-17:00',
    ]);
  });
});
