// Moving a user from ixi-UMS: the plan an admin checks before anything is written — what each
// ixi-UMS value becomes, what stays and why, what is wrong — and never a PIN in it.
import { describe, expect, it } from 'vitest';
import { decode, encode, planMigration, redactValue } from '../../src/directory/index.js';
import { parseUserOfficeHours } from '../../src/schedule/index.js';
import { MANUAL_DEFAULT_DATA } from './ixi-ums-data.js';

/** the directory's default reader of office hours, given explicitly */
const withHours = { parseOfficeHours: parseUserOfficeHours };

const manualDefault = [...MANUAL_DEFAULT_DATA];

const KERNEL = 'ixi-UMS kernel (fax/SMS sending), not a voice-mail setting';

/** every string of the plan an admin sees (everything but `write`) */
function printed(plan: ReturnType<typeof planMigration>): string[] {
  return [
    ...plan.mapped.flatMap((m) => [m.value, ...m.becomes, ...(m.supersededBy ?? [])]),
    ...plan.kept.flatMap((k) => [k.value, k.reason]),
    ...plan.problems.flatMap((p) => [p.key, p.value, p.problem]),
  ];
}

describe("the plan for the manual's default data set", () => {
  const plan = planMigration(manualDefault);

  it('says what each understood value becomes, and which meanings are inferred', () => {
    expect(plan.mapped).toEqual([
      {
        value: 'IXI-UMSMobileAnnouncementFlags=ENEN...',
        becomes: ['language=en', 'menuLanguage=en'],
        inferred: true,
      },
      { value: 'IXI-UMSMobileEnabled=Y', becomes: ['enabled=Y'], inferred: false },
      { value: 'IXI-UMSMobileLevel=M', becomes: ['access=messages'], inferred: true },
      { value: 'IXI-UMSMobileNoMessageProfiles=', becomes: [], inferred: false },
      { value: 'IXI-UMSMobileOH=', becomes: [], inferred: false },
      { value: 'IXI-UMSMobilePIN=***', becomes: ['legacyPin=***'], inferred: false },
      { value: 'IXI-UMSPINFailureCount=0', becomes: ['wrongPinCount=0'], inferred: false },
      { value: 'ixi-umsMobileIMAPMailbox=inbox', becomes: [], inferred: false },
      { value: 'ixi-umsMobileRestrictionFlags=.....', becomes: [], inferred: true },
    ]);
  });

  it("keeps ixi-UMS's fax/SMS values, saying why; the empty notifier values silently", () => {
    expect(plan.kept).toEqual([
      { value: 'IXICostCenter=', reason: KERNEL },
      { value: 'IXIFAXPermTsvc=4', reason: KERNEL },
      { value: 'IXIFaxMaxPages=0', reason: KERNEL },
      { value: 'IXIFaxSenderNumber=', reason: KERNEL },
      { value: 'IXIISDNOriginatingAddress=', reason: KERNEL },
      { value: 'IXIMessageHeader=', reason: KERNEL },
      { value: 'IXIPermSendPriority=', reason: KERNEL },
      { value: 'IXISMSPermTsvc=4', reason: KERNEL },
      { value: 'IXIVOCPermTsvc=4', reason: KERNEL },
    ]);
    expect(plan.problems).toEqual([]);
  });

  it('writes an English user in our keys, the kept values unchanged, the PIN for its first use', () => {
    expect(plan.changed).toBe(true);
    expect(plan.write).toEqual(
      [
        ...plan.kept.map((k) => k.value),
        'MNDestDev=',
        'MNThrhlds=',
        'access=messages',
        'enabled=Y',
        'language=en',
        'legacyPin=MTIzNDU=',
        'menuLanguage=en',
        'wrongPinCount=0',
      ].sort(),
    );
    expect(plan.write).toEqual(encode(decode(manualDefault).settings, manualDefault));
  });

  it('shows no PIN: neither its digits nor its base64', () => {
    for (const text of printed(plan)) {
      expect(text).not.toContain('12345');
      expect(text).not.toContain('MTIzNDU');
    }
  });

  it('has nothing left to do once written', () => {
    const again = planMigration(plan.write);
    expect(again.changed).toBe(false);
    expect(again.mapped).toEqual([]);
    expect(again.write).toEqual(plan.write);
  });
});

describe('values the plan reports', () => {
  it('reports bad values with key and value; the other settings are still migrated', () => {
    const values = [
      'IXI-UMSMobileAnnouncementFlags=XX..',
      'IXI-UMSMobileNoMessageProfiles=Home,Office',
      'IXI-UMSMobileOH=Mo-Fr 8-17',
      'IXI-UMSMobileEnabled=N',
      'IXI-UMSMobileLevel=M',
    ];
    const plan = planMigration(values, withHours);
    expect(plan.problems).toEqual([
      {
        key: 'IXI-UMSMobileAnnouncementFlags',
        value: 'XX..',
        problem: 'unknown language flag "XX": the greeting language is the system default',
      },
      {
        key: 'IXI-UMSMobileNoMessageProfiles',
        value: 'Home,Office',
        problem: `unknown profile name "Office" (ixi-UMS's are Work, Mobile, Home, Vacation, Custom1, Custom2)`,
      },
      {
        key: 'IXI-UMSMobileOH',
        value: 'Mo-Fr 8-17',
        problem: expect.stringMatching(
          /^format not documented, and not voicebox office hours \(.+\): her office hours are the company's$/,
        ),
      },
    ]);
    expect(plan.write).toEqual(
      [
        'IXI-UMSMobileAnnouncementFlags=XX..',
        'IXI-UMSMobileNoMessageProfiles=Home,Office',
        'IXI-UMSMobileOH=Mo-Fr 8-17',
        'access=messages',
        'enabled=N',
      ].sort(),
    );
  });

  it('maps the good half of a language flag and reports the bad one', () => {
    const plan = planMigration(['IXI-UMSMobileAnnouncementFlags=DEQQ']);
    expect(plan.mapped).toEqual([
      { value: 'IXI-UMSMobileAnnouncementFlags=DEQQ', becomes: ['language=de'], inferred: true },
    ]);
    expect(plan.problems).toEqual([
      {
        key: 'IXI-UMSMobileAnnouncementFlags',
        value: 'DEQQ',
        problem: 'unknown language flag "QQ": the menu language is the system default',
      },
    ]);
    expect(plan.write).toEqual(['IXI-UMSMobileAnnouncementFlags=DEQQ', 'language=de']);
  });

  it('says why each value it does not map stays', () => {
    const plan = planMigration([
      'IXI-UMSMobilePIN=v2$Zm9vYmFy',
      'IXI-UMSMobileLevel=P',
      'IXI-UMSMobileAnnouncementFlags=ENENY..',
      'ixi-umsMobileRestrictionFlags=..YN.',
      'ixi-umsMobileRestrictionFlags=YES',
      'IXI-UMSSomethingNew=1',
      'voiceboxRev=4f1c',
      'color=blue',
      'no equals',
    ]);
    expect(plan.kept).toEqual([
      {
        value: 'IXI-UMSMobileAnnouncementFlags=ENENY..',
        reason: 'the flags after the two languages ("Y..") are not documented: not mapped',
      },
      {
        value: 'IXI-UMSMobileLevel=P',
        reason: 'level "P" is not known (only N and M are): her access is the system default',
      },
      {
        value: 'IXI-UMSMobilePIN=***',
        reason:
          'not a PIN voicebox can read (ixi-UMS 6.60 and later encrypt it): give her a new one with welcomeResend=newPin',
      },
      { value: 'IXI-UMSSomethingNew=1', reason: 'an ixi-UMS key voicebox does not know' },
      { value: 'color=blue', reason: 'not a voicebox key' },
      {
        value: 'ixi-umsMobileRestrictionFlags=..YN.',
        reason:
          'office or mobile with PIN "N" is not mapped: voicebox always allows her own office and mobile number with a PIN',
      },
      {
        value: 'ixi-umsMobileRestrictionFlags=YES',
        reason: 'not five flags of ".", "Y", "N" (the format voicebox infers): not mapped',
      },
      { value: 'no equals', reason: 'not KEY=VALUE' },
      { value: 'voiceboxRev=4f1c', reason: 'the revision of the user data (voicebox writes it)' },
    ]);
    // the parts that are understood are mapped all the same
    expect(plan.mapped.map((m) => m.becomes)).toEqual([
      ['language=en', 'menuLanguage=en'],
      ['loginRestriction=listed'],
    ]);
    expect(printed(plan).join('\n')).not.toContain('Zm9vYmFy');
  });

  it('reports wrong values of our own keys, masking secrets', () => {
    const plan = planMigration(
      ['officeHours=Mo-Fr 8-17', 'trustOffice=yes', 'legacyPin=12#45', 'mailPassword=', 'language=de'],
      withHours,
    );
    expect(plan.problems).toEqual([
      { key: 'legacyPin', value: '***', problem: 'expected a PIN in base64' },
      { key: 'mailPassword', value: '***', problem: 'expected a password' },
      {
        key: 'officeHours',
        value: 'Mo-Fr 8-17',
        problem: expect.stringMatching(/^part 1 "Mo-Fr 8-17": .+: her office hours are the company's$/),
      },
      { key: 'trustOffice', value: 'yes', problem: 'expected Y or N' },
    ]);
    expect(plan.changed).toBe(false);
    expect(printed(plan).join('\n')).not.toContain('12#45');
  });

  it('shows our own value winning over an ixi-UMS one', () => {
    const plan = planMigration(['IXI-UMSMobileAnnouncementFlags=DEDE', 'language=en']);
    expect(plan.mapped).toEqual([
      {
        value: 'IXI-UMSMobileAnnouncementFlags=DEDE',
        becomes: ['language=de', 'menuLanguage=de'],
        inferred: true,
        supersededBy: ['language=en'],
      },
    ]);
    expect(plan.write).toEqual(['language=en', 'menuLanguage=de']);
  });

  it('maps every documented key of a fully set ixi-UMS user', () => {
    const plan = planMigration(
      [
        'IXI-UMSMobileNoMessageProfiles=Home;Vacation',
        'IXI-UMSMobileOH=Europe/Berlin; mon-fri 08:00-17:00',
        'ixi-umsMobileRestrictionFlags=YNY..',
        'ixi-umsMobileIMAPMailbox=Voice',
        'IXI-UMSMobileLevel=N',
      ],
      withHours,
    );
    expect(plan.mapped).toEqual([
      { value: 'IXI-UMSMobileLevel=N', becomes: ['access=none'], inferred: true },
      {
        value: 'IXI-UMSMobileNoMessageProfiles=Home;Vacation',
        becomes: ['profile.home.messages=N', 'profile.vacation.messages=N'],
        inferred: true,
      },
      {
        value: 'IXI-UMSMobileOH=Europe/Berlin; mon-fri 08:00-17:00',
        becomes: ['officeHours=Europe/Berlin; mon-fri 08:00-17:00'],
        inferred: true,
      },
      { value: 'ixi-umsMobileIMAPMailbox=Voice', becomes: ['imapFolder=INBOX/Voice'], inferred: false },
      {
        value: 'ixi-umsMobileRestrictionFlags=YNY..',
        becomes: ['trustOffice=Y', 'trustMobile=N', 'loginRestriction=listed'],
        inferred: true,
      },
    ]);
    expect(plan.kept).toEqual([]);
    expect(plan.problems).toEqual([]);
  });
});

describe('redactValue', () => {
  it('masks PINs and passwords, whatever the case of the key', () => {
    expect(redactValue('IXI-UMSMobilePIN=MTIzNDU=')).toBe('IXI-UMSMobilePIN=***');
    expect(redactValue('ixi-umsmobilepin=MTIzNDU=')).toBe('ixi-umsmobilepin=***');
    expect(redactValue('legacyPin=MTIzNA==')).toBe('legacyPin=***');
    expect(redactValue('pinHash=scrypt$1$2')).toBe('pinHash=***');
    expect(redactValue('pin={PLAIN}1234')).toBe('pin=***');
    expect(redactValue('mailPassword=enc:v1:x')).toBe('mailPassword=***');
  });
  it('leaves other values as they are', () => {
    for (const v of [
      'language=en',
      'wrongPinCount=3',
      'pinNumber=+49 89 1',
      'pinChangedAt=2025-01-01',
      'x',
    ]) {
      expect(redactValue(v)).toBe(v);
    }
  });
});

describe('redactValue for keys the manual does not name', () => {
  it('masks any key whose name sounds secret (ixi-UMS 6.60 keeps an encrypted IMAP password)', () => {
    for (const key of [
      'IXI-UMSMobileIMAPPassword',
      'ixi-umsImapPwd',
      'IXISecret',
      'IXI-UMSMobilePINv2',
      'apiKey',
      'IXIToken',
    ])
      expect(redactValue(`${key}=enc:AAECAw==`)).toBe(`${key}=***`);
  });

  it('shows the PIN numbers (phone numbers), PIN times, counts and switches as they are', () => {
    for (const v of [
      'pinNumber=+49 170 1000001',
      'pinChangeRequired=Y',
      'pinReminderSentAt=2026-12-01T09:00:00.000Z',
      'wrongPinCount=2',
      'IXI-UMSPINFailureCount=1',
    ])
      expect(redactValue(v)).toBe(v);
  });

  it('masks them in the plan too, as values kept and as problems', () => {
    const plan = planMigration(['IXI-UMSMobileIMAPPassword=enc:AAECAw==']);
    expect(plan.kept).toEqual([
      { value: 'IXI-UMSMobileIMAPPassword=***', reason: 'an ixi-UMS key voicebox does not know' },
    ]);
    expect(printed(plan).join('\n')).not.toContain('AAECAw');
  });
});

describe('the site: languages without prompts, and mappings that open her login', () => {
  const site = { languages: ['de', 'en'] };

  it("reports a language the menus have no prompts for: her calls use the site's", () => {
    const plan = planMigration(['IXI-UMSMobileAnnouncementFlags=FRDE', 'menuLanguage=it'], undefined, site);
    expect(plan.problems).toEqual([
      {
        key: 'IXI-UMSMobileAnnouncementFlags',
        value: 'FRDE',
        problem: "no prompts in fr: the site's language applies",
      },
      { key: 'menuLanguage', value: 'it', problem: "no prompts in it: the site's language applies" },
    ]);
    // written all the same: once the menus speak French, she hears it
    expect(plan.write).toEqual(['language=fr', 'menuLanguage=it']);
    expect(planMigration(['IXI-UMSMobileAnnouncementFlags=ENDE'], undefined, site).problems).toEqual([]);
    expect(planMigration(['IXI-UMSMobileAnnouncementFlags=FRFR']).problems).toEqual([]); // no site: not checked
  });

  it('lists each mapped value that loosens her login, but not one her own key overrides', () => {
    const plan = planMigration(
      ['ixi-umsMobileRestrictionFlags=YYN..', 'IXI-UMSMobileLevel=M', 'trustMobile=N'],
      undefined,
      site,
    );
    expect(plan.opens).toEqual([
      {
        value: 'IXI-UMSMobileLevel=M',
        becomes: 'access=messages',
        opens: 'her messages by phone (remote inquiry)',
        inferred: true,
      },
      {
        value: 'ixi-umsMobileRestrictionFlags=YYN..',
        becomes: 'trustOffice=Y',
        opens: 'PIN-less login from her office number',
        inferred: true,
      },
      {
        value: 'ixi-umsMobileRestrictionFlags=YYN..',
        becomes: 'loginRestriction=everywhere',
        opens: 'login with her PIN from any number',
        inferred: true,
      },
    ]);
    expect(planMigration(['ixi-umsMobileRestrictionFlags=YYN..']).opens.map((o) => o.becomes)).toEqual([
      'trustOffice=Y',
      'trustMobile=Y',
      'loginRestriction=everywhere',
    ]);
    expect(planMigration(['ixi-umsMobileRestrictionFlags=NNY..']).opens).toEqual([]);
  });
});
