// Whose thresholds apply, which phone shows her lamp, when it is on, when an SMS is due.
import { describe, expect, it } from 'vitest';
import type { UserSettings } from '../../src/directory/index.js';
import type { MessageSummary } from '../../src/mailbox/index.js';
import {
  lampAccount,
  lampFor,
  notifyPolicyFor,
  smsDue,
  type NotifyCounts,
  type NotifySite,
} from '../../src/notify/index.js';
import type { Location } from '../../src/phone/index.js';

const berlin: Location = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  outsideLinePrefix: '0',
};

const site = (over: Partial<NotifySite> = {}): NotifySite => ({
  thresholds: { voice: 1, fax: 1, sms: 1 },
  lamp: { enabled: true, domain: 'pbx.example.com', user: 'extension' },
  sms: { enabled: false },
  ...over,
});

const her = (settings: Partial<UserSettings> = {}) => ({
  settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [], ...settings },
});

const EMPTY: MessageSummary = {
  newVoice: 0,
  oldVoice: 0,
  newEmail: 0,
  oldEmail: 0,
  newFax: 0,
  oldFax: 0,
  newSms: 0,
  oldSms: 0,
  total: 0,
};

function counts(
  since: Partial<Record<'voice' | 'fax' | 'sms', number>>,
  summary: Partial<MessageSummary> = {},
): NotifyCounts {
  return {
    summary: { ...EMPTY, ...summary },
    since: { voice: 0, fax: 0, sms: 0, ...since },
    last: {},
  };
}

describe('notifyPolicyFor: hers over the site’s', () => {
  it('takes the site’s thresholds and switches when she has none', () => {
    expect(notifyPolicyFor(her(), site())).toEqual({
      thresholds: { voice: 1, fax: 1, sms: 1 },
      lamp: true,
      sms: false,
    });
  });

  it('takes each of her thresholds and switches where she has one', () => {
    const policy = notifyPolicyFor(
      her({ notifyThresholds: { voice: 3, sms: 0 }, notifyLamp: false, notifyBySms: true }),
      site(),
    );
    expect(policy).toEqual({ thresholds: { voice: 3, fax: 1, sms: 0 }, lamp: false, sms: true });
  });

  it('a threshold of hers that is no count costs only that threshold, and says so', () => {
    const told: unknown[][] = [];
    const policy = notifyPolicyFor(
      her({ notifyThresholds: { voice: -2, fax: 2.5, sms: 4 } }),
      site({ thresholds: { voice: 2, fax: 5, sms: 1 } }),
      (...a) => told.push(a),
    );
    expect(policy.thresholds).toEqual({ voice: 2, fax: 5, sms: 4 });
    expect(told.map(([key, value]) => [key, value])).toEqual([
      ['notifyVoice', -2],
      ['notifyFax', 2.5],
    ]);
  });
});

describe('lampFor', () => {
  const policy = (thresholds = { voice: 2, fax: 1, sms: 0 }, lamp = true) => ({
    thresholds,
    lamp,
    sms: false,
  });

  it('is off below the threshold and on at it; the voice counts are the mailbox’s', () => {
    expect(lampFor(counts({ voice: 1 }, { newVoice: 3, oldVoice: 4 }), policy(), 'sip:101@pbx')).toEqual({
      account: 'sip:101@pbx',
      waiting: false,
      voice: { new: 3, old: 4 },
    });
    expect(lampFor(counts({ voice: 2 }, { newVoice: 2 }), policy(), 'sip:101@pbx').waiting).toBe(true);
  });

  it('a kind with threshold 0 never lights it', () => {
    expect(lampFor(counts({ sms: 9 }, { newSms: 9 }), policy(), 'a').waiting).toBe(false);
  });

  it('a fax lights it by the fax threshold and carries the fax counts; no fax, no fax header', () => {
    const lamp = lampFor(counts({ fax: 1 }, { newFax: 1, oldFax: 2 }), policy(), 'a');
    expect(lamp).toMatchObject({ waiting: true, fax: { new: 1, old: 2 } });
    expect(lampFor(counts({ voice: 2 }), policy(), 'a')).not.toHaveProperty('fax');
  });

  it('stays off when she does not want the lamp', () => {
    expect(lampFor(counts({ voice: 5 }), policy(undefined, false), 'a').waiting).toBe(false);
  });
});

describe('lampAccount', () => {
  const office = { numbers: { office: '+49 30 1234101' } };

  it('is her office extension at the site’s domain', () => {
    expect(lampAccount(office, site(), berlin)).toBe('sip:101@pbx.example.com');
  });

  it('her lamp number (mwiAccount) wins over her office number', () => {
    expect(lampAccount({ ...office, notifyNumbers: { lamp: '030 1234555' } }, site(), berlin)).toBe(
      'sip:555@pbx.example.com',
    );
  });

  it('as stored without spaces, or in E.164, as notify.lamp.user says', () => {
    const as = (user: 'number' | 'e164') =>
      lampAccount(office, site({ lamp: { enabled: true, domain: 'pbx.example.com', user } }), berlin);
    expect(as('number')).toBe('sip:+49301234101@pbx.example.com');
    expect(as('e164')).toBe('sip:+49301234101@pbx.example.com');
    expect(
      lampAccount(
        { numbers: { office: '030 1234-101' } },
        site({ lamp: { enabled: true, domain: 'pbx.example.com', user: 'number' } }),
        berlin,
      ),
    ).toBe('sip:0301234101@pbx.example.com');
  });

  it('no lamp without a domain or without a number, and nothing to report', () => {
    const told: unknown[] = [];
    expect(
      lampAccount(office, site({ lamp: { enabled: true, domain: '', user: 'extension' } }), berlin),
    ).toBe(undefined);
    expect(lampAccount({ numbers: {} }, site(), berlin, (...a) => told.push(a))).toBe(undefined);
    expect(told).toEqual([]);
  });

  it('a lamp number that is no phone number: no lamp for her, reported with key and value', () => {
    const told: unknown[][] = [];
    expect(
      lampAccount(
        { numbers: { office: '101' }, notifyNumbers: { lamp: 'desk*phone' } },
        site(),
        berlin,
        (...a) => told.push(a),
      ),
    ).toBe(undefined);
    expect(told).toEqual([['mwiAccount', 'desk*phone', 'not a phone number']]);
  });

  it('an extension asked for a number outside the company: no lamp, reported', () => {
    const told: unknown[][] = [];
    expect(
      lampAccount({ numbers: { office: '+49 89 777888' } }, site(), berlin, (...a) => told.push(a)),
    ).toBe(undefined);
    expect(told[0]?.[0]).toBe('office');
  });
});

describe('smsDue', () => {
  const policy = { thresholds: { voice: 2, fax: 1, sms: 0 }, lamp: true, sms: true };

  it('is due when the count since her reset is a threshold past what an SMS told her', () => {
    expect(smsDue(counts({ voice: 1, fax: 1 }), policy, {})).toEqual(['fax']);
    expect(smsDue(counts({ voice: 2, fax: 1 }), policy, { smsNotified: { fax: 1 } })).toEqual(['voice']);
    expect(smsDue(counts({ voice: 3 }), policy, { smsNotified: { voice: 2 } })).toEqual([]);
    expect(smsDue(counts({ voice: 4 }), policy, { smsNotified: { voice: 2 } })).toEqual(['voice']);
  });

  it('never for a kind with threshold 0, nor when she does not want SMS', () => {
    expect(smsDue(counts({ sms: 5 }), policy, {})).toEqual([]);
    expect(smsDue(counts({ voice: 5 }), { ...policy, sms: false }, {})).toEqual([]);
  });
});
