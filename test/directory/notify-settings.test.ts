// A user's own notification settings in her user data (§4.5, §5.3.4): thresholds, lamp and SMS
// switches, the time of her last reset and the SMS already sent — read, written back, and a bad
// value costing only its own key.
import { describe, expect, it } from 'vitest';
import { decode, defaultSettings, encode, planMigration, readUserData } from '../../src/directory/index.js';

describe('notification settings in the user data', () => {
  const stored = [
    'notifyBySms=Y',
    'notifyFax=0',
    'notifyLamp=N',
    'notifyResetAt=2026-12-01T08:30:00.000Z',
    'notifySms=1',
    'notifyVoice=3',
    'smsNotified=voice:2,fax:1,sms:0',
  ];

  it('reads her thresholds, switches, reset time and the SMS already sent', () => {
    const { settings, unknown } = decode(stored);
    expect(settings.notifyThresholds).toEqual({ voice: 3, fax: 0, sms: 1 });
    expect(settings.notifyLamp).toBe(false);
    expect(settings.notifyBySms).toBe(true);
    expect(settings.notifyResetAt).toBe('2026-12-01T08:30:00.000Z');
    expect(settings.smsNotified).toEqual({ voice: 2, fax: 1, sms: 0 });
    expect(unknown).toEqual([]);
  });

  it('writes them back as they were stored', () => {
    expect(encode(decode(stored).settings, stored)).toEqual(stored);
  });

  it('writes what voicebox sets, in the same keys', () => {
    const settings = {
      ...defaultSettings(),
      notifyThresholds: { voice: 2 },
      notifyLamp: true,
      notifyResetAt: '2026-12-02T10:00:00.000Z',
      smsNotified: { voice: 2, sms: 1 },
    };
    const written = encode(settings, []);
    expect(written).toEqual([
      'notifyLamp=Y',
      'notifyResetAt=2026-12-02T10:00:00.000Z',
      'notifyVoice=2',
      'smsNotified=voice:2,sms:1',
    ]);
    expect(decode(written).settings).toMatchObject(settings);
  });

  it('a reset drops the SMS counts and her own values, and keeps what it does not know', () => {
    const before = [...stored, 'MNThrhlds=0;1;0', 'language=de'];
    const {
      notifyThresholds: _t,
      notifyLamp: _l,
      notifyBySms: _s,
      smsNotified: _n,
      ...rest
    } = decode(before).settings;
    const after = encode({ ...rest, notifyResetAt: '2026-12-02T11:00:00.000Z' }, before);
    expect(after).toEqual(['MNThrhlds=0;1;0', 'language=de', 'notifyResetAt=2026-12-02T11:00:00.000Z']);
  });

  it('ignores a bad value of one key, reports it, and keeps it; the other keys still count', () => {
    const values = [
      'notifyVoice=1001',
      'notifyFax=-1',
      'notifySms=two',
      'notifyLamp=maybe',
      'notifyBySms=Y',
      'notifyResetAt=yesterday',
      'smsNotified=voice:2,voice:3',
    ];
    const { settings, unknown, readings } = readUserData(values);
    expect(settings.notifyThresholds).toBeUndefined();
    expect(settings.notifyLamp).toBeUndefined();
    expect(settings.notifyBySms).toBe(true);
    expect(settings.notifyResetAt).toBeUndefined();
    expect(settings.smsNotified).toBeUndefined();
    expect(unknown).toEqual([...values].filter((v) => v !== 'notifyBySms=Y').sort());
    const problem = (value: string) => readings.find((r) => r.value === value)?.problem;
    expect(problem('notifyVoice=1001')).toBe('expected a whole number from 0 to 1000 (0: never)');
    expect(problem('notifyFax=-1')).toBe('expected a whole number from 0 to 1000 (0: never)');
    expect(problem('notifySms=two')).toBe('expected a whole number from 0 to 1000 (0: never)');
    expect(problem('notifyLamp=maybe')).toBe('expected Y or N');
    expect(problem('notifyResetAt=yesterday')).toBe('expected an ISO time');
    expect(problem('smsNotified=voice:2,voice:3')).toBe('expected counts per kind, e.g. voice:2,fax:1,sms:0');
    // and `voicebox migrate` lists them with the key
    expect(planMigration(values).problems.map((p) => `${p.key}=${p.value}`)).toEqual(
      [...values].filter((v) => v !== 'notifyBySms=Y').sort(),
    );
  });

  it('reads one threshold when another is bad', () => {
    expect(decode(['notifyVoice=2', 'notifyFax=x']).settings.notifyThresholds).toEqual({ voice: 2 });
  });

  it('refuses an SMS count or kind it could not read back', () => {
    for (const bad of ['', 'voice', 'voice:', 'mail:1', 'voice:1;fax:2', 'voice:-1', 'voice:1,']) {
      expect(decode([`smsNotified=${bad}`]).settings.smsNotified, bad).toBeUndefined();
    }
  });

  it('replaces a bad stored value when voicebox writes that key', () => {
    const before = ['notifyVoice=lots', 'smsNotified=garbage'];
    const settings = { ...decode(before).settings, notifyThresholds: { voice: 4 }, smsNotified: { fax: 1 } };
    expect(encode(settings, before)).toEqual(['notifyVoice=4', 'smsNotified=fax:1']);
  });

  it('will not write a threshold or count that would not read back', () => {
    const base = defaultSettings();
    expect(() => encode({ ...base, notifyThresholds: { fax: 1001 } }, [])).toThrow(
      'user data notifyFax: "1001" is not a whole number from 0 to 1000 (0: never)',
    );
    expect(() => encode({ ...base, notifyThresholds: { sms: 1.5 } }, [])).toThrow(RangeError);
    expect(() => encode({ ...base, smsNotified: { voice: -1 } }, [])).toThrow(
      'user data smsNotified: voice "-1" is not a count',
    );
  });

  it('writes no SMS counts when none is left', () => {
    expect(encode({ ...defaultSettings(), smsNotified: {} }, ['smsNotified=voice:1'])).toEqual([]);
  });
});

describe("ixi-UMS's notifier values", () => {
  it('are kept as they are, listed as not mapped when they hold something', () => {
    const values = ['MNThrhlds=0;1;0', 'MNDestDev=MWI', 'IXI-UMSMobileEnabled=Y'];
    const plan = planMigration(values);
    expect(plan.kept).toEqual([
      {
        value: 'MNDestDev=MWI',
        reason: 'ixi-UMS notification thresholds/devices: kept, not mapped (format unknown)',
      },
      {
        value: 'MNThrhlds=0;1;0',
        reason: 'ixi-UMS notification thresholds/devices: kept, not mapped (format unknown)',
      },
    ]);
    expect(plan.write).toEqual(['MNDestDev=MWI', 'MNThrhlds=0;1;0', 'enabled=Y']);
    // nothing guessed from them
    expect(decode(values).settings.notifyThresholds).toBeUndefined();
  });

  it('are kept, not listed, when empty', () => {
    const plan = planMigration(['MNThrhlds=', 'MNDestDev=']);
    expect(plan.kept).toEqual([]);
    expect(plan.mapped).toEqual([]);
    expect(plan.write).toEqual(['MNDestDev=', 'MNThrhlds=']);
    expect(plan.changed).toBe(false);
  });
});
