// What the SMS says, and to which number it goes.
import { describe, expect, it } from 'vitest';
import {
  gsmLength,
  lastSender,
  mobileE164,
  SMS_MAX_GSM_CHARACTERS,
  smsJob,
  smsJobId,
  SmsNumberError,
  smsText,
} from '../../src/notify/index.js';
import type { DirectoryUser } from '../../src/directory/index.js';

const berlin = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  extensionLength: 3,
  outsideLinePrefix: '0',
};
const text = (counts: Parameters<typeof smsText>[0]['counts'], language: string, lastFrom?: string) =>
  smsText({ counts, language, lastFrom, location: berlin });

describe('the SMS text', () => {
  it('counts and the last caller, grouped as people read it, in English and German', () => {
    expect(text({ voice: 2 }, 'en', '+49301234567')).toBe('2 new voice messages, last from +49 30 1234567');
    expect(text({ voice: 2 }, 'de', '+49301234567')).toBe(
      '2 neue Sprachnachrichten, zuletzt von +49 30 1234567',
    );
  });

  it('one message is singular', () => {
    expect(text({ voice: 1 }, 'en')).toBe('1 new voice message');
    expect(text({ voice: 1 }, 'de')).toBe('1 neue Sprachnachricht');
    expect(text({ fax: 1 }, 'en')).toBe('1 new fax');
    expect(text({ fax: 1 }, 'de')).toBe('1 neues Fax');
    expect(text({ fax: 2 }, 'de')).toBe('2 neue Faxe');
    expect(text({ sms: 1 }, 'de')).toBe('1 neue SMS');
    expect(text({ sms: 3 }, 'en')).toBe('3 new SMS');
  });

  it('kinds due together are combined, voice first', () => {
    expect(text({ fax: 1, voice: 3 }, 'en', '+4917612345678')).toBe(
      '3 new voice messages and 1 new fax, last from +49 17612345678',
    );
    expect(text({ voice: 3, fax: 1, sms: 2 }, 'de')).toBe(
      '3 neue Sprachnachrichten, 1 neues Fax und 2 neue SMS',
    );
  });

  it('names no sender it cannot read as a number: anonymous, a name, an e-mail address', () => {
    for (const from of ['', 'anonymous', 'Bob Berger', 'bob@example.com', undefined]) {
      expect(text({ voice: 1 }, 'en', from)).toBe('1 new voice message');
    }
  });

  it('the language: German for de-AT, English for anything it has no words for', () => {
    expect(text({ voice: 1 }, 'de-AT')).toBe('1 neue Sprachnachricht');
    expect(text({ voice: 1 }, 'fr')).toBe('1 new voice message');
  });

  it('the longest text fits one SMS of 160 GSM characters, in both languages', () => {
    const longest = { voice: 99_999, fax: 99_999, sms: 99_999 };
    const farAway = '+998712345678901'; // 15 digits, a 3-digit country code: the longest number there is
    for (const language of ['de', 'en']) {
      const t = text(longest, language, farAway);
      expect(t).toContain('+998 712345678901');
      expect(gsmLength(t)).toBeLessThanOrEqual(SMS_MAX_GSM_CHARACTERS);
    }
  });

  it('gsmLength: umlauts are GSM, € counts twice, a curly quote forces UCS-2', () => {
    expect(gsmLength('Grüße')).toBe(5);
    expect(gsmLength('5 €')).toBe(4);
    expect(gsmLength('“hi”')).toBeUndefined();
  });

  it('the last sender is the one of the latest message among the kinds told', () => {
    const last = {
      voice: { from: '+49301234102', at: new Date('2026-01-01T10:00:00Z') },
      fax: { from: '+49301234999', at: new Date('2026-01-01T11:00:00Z') },
    };
    expect(lastSender({ last }, ['voice', 'fax'])).toBe('+49301234999');
    expect(lastSender({ last }, ['voice'])).toBe('+49301234102');
    expect(lastSender({ last }, ['sms'])).toBeUndefined();
  });
});

describe('her mobile number', () => {
  it('E.164 by the site: international, national, with punctuation', () => {
    expect(mobileE164('+49 170 1000001', berlin)).toEqual({ e164: '+491701000001' });
    expect(mobileE164('0170 / 100 00 01', berlin)).toEqual({ e164: '+491701000001' });
    expect(mobileE164('0043 664 1234567', berlin)).toEqual({ e164: '+436641234567' });
  });

  it('anything else is a problem: letters, too short, too long, an extension, the company range', () => {
    for (const bad of [
      'call me',
      '0170 abc',
      '+49 1',
      '+49 170 1000001 1000001 1',
      '501',
      '+49 30 1234501',
    ]) {
      expect(mobileE164(bad, berlin)).toHaveProperty('problem');
    }
  });

  const user = (
    mobile: string | undefined,
    settings: Partial<DirectoryUser['settings']> = {},
  ): DirectoryUser => ({
    id: 'uid=alice,ou=sales,dc=example,dc=com',
    name: 'Alice Anders',
    email: 'alice@example.com',
    mailbox: '+49 30 1234501',
    numbers: mobile === undefined ? {} : { mobile },
    notifyNumbers: { sender: '+49 30 1234599' },
    settings: { enabled: true, profiles: {}, wrongPinCount: 0, trustedNumbers: [], ...settings },
    rawUserData: [],
  });

  it('a job carries her number, the sender, her language and an id from the claim', () => {
    const job = smsJob({
      user: user('0170 1000001', {
        language: 'de',
        menuLanguage: 'en',
        notifyResetAt: '2026-01-01T00:00:00.000Z',
      }),
      counts: { voice: 2 },
      lastFrom: '+49301234102',
      defaultLanguage: 'de',
      location: berlin,
    });
    expect(job).toMatchObject({
      user: 'uid=alice,ou=sales,dc=example,dc=com',
      to: '+491701000001',
      from: '+49301234599',
      text: '2 new voice messages, last from +49 30 1234102',
      language: 'en',
    });
    expect(job.id).toBe(smsJobId(job.user, { voice: 2 }, '2026-01-01T00:00:00.000Z'));
    expect(job.id).toMatch(/^[0-9a-f]{16}-voice-2-1767225600000$/);
  });

  it('a user without a usable mobile number gets an error naming her and the key', () => {
    for (const mobile of [undefined, 'none', '501']) {
      let error: unknown;
      try {
        smsJob({ user: user(mobile), counts: { voice: 1 }, defaultLanguage: 'de', location: berlin });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SmsNumberError);
      expect(error).toMatchObject({ user: 'uid=alice,ou=sales,dc=example,dc=com', key: 'mobile' });
    }
  });
});
