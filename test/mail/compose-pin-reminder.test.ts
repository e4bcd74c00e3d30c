// The PIN-expiry reminder (R3) and the welcome mail sent again (C10), as the owner reads them.
import { describe, expect, it } from 'vitest';
import {
  composePinReminder,
  composeWelcomeMail,
  mailIds,
  type PinReminderInput,
} from '../../src/mail/index.js';

const reminder = (over: Partial<PinReminderInput> = {}): PinReminderInput => ({
  to: { email: 'alice@example.com', name: 'Alice Anders' },
  mailbox: '+49 30 1234501',
  language: 'de',
  // 23:30 UTC is already the next day in Berlin
  expiresAt: new Date('2026-12-07T23:30:00Z'),
  timeZone: 'Europe/Berlin',
  afterExpiry: 'change',
  from: { address: 'voicebox@example.com', name: 'voicebox' },
  messageId: 'voicebox.pin-reminder.alice.1@example.com',
  ...over,
});

describe('the PIN-expiry reminder', () => {
  it('in German: the day in the site’s zone, how to change it by phone, what happens after', () => {
    const m = composePinReminder(reminder());
    expect(m.subject).toBe('Ihre PIN läuft am Dienstag, 8. Dezember 2026 ab');
    expect(m.text).toBe(
      [
        'Hallo Alice Anders,',
        'die PIN Ihrer Voicebox +49 30 1234501 läuft am Dienstag, 8. Dezember 2026 ab.',
        'So ändern Sie sie per Telefon: Rufen Sie Ihre Voicebox an, drücken Sie während der Ansage die ' +
          'Stern-Taste und geben Sie Ihre PIN ein. Drücken Sie im Hauptmenü die 2 für die Einstellungen ' +
          'und dann die 4, um die PIN zu ändern.',
        'Nach diesem Tag werden Sie bei der nächsten Anmeldung gebeten, eine neue PIN zu wählen.',
      ].join('\n\n') + '\n',
    );
    expect(m.headers).toMatchObject({ 'X-Voicebox-Type': 'pin-reminder' });
  });

  it('in English, with the portal, and a site that refuses an expired PIN', () => {
    const m = composePinReminder(
      reminder({ language: 'en', portalUrl: 'https://voicebox.example.com/', afterExpiry: 'refuse' }),
    );
    expect(m.subject).toBe('Your PIN expires on Tuesday, 8 December 2026');
    expect(m.text).toContain(
      'You can also change your PIN in your web browser: https://voicebox.example.com/',
    );
    expect(m.text).toContain('you cannot log in by phone until your administrator gives you a new PIN');
  });

  it('in German, a site that refuses an expired PIN: after that day, not after changing it', () => {
    const m = composePinReminder(reminder({ afterExpiry: 'refuse' }));
    expect(m.text).toContain(
      'Nach diesem Tag ist die Anmeldung per Telefon nicht mehr möglich, bis Ihr Administrator Ihnen eine neue PIN gibt.',
    );
    expect(m.text).not.toContain('Danach');
  });

  it('one id per PIN: the time it was set', () => {
    const a = mailIds.pinReminder('uid=alice,ou=people', new Date(1000), 'example.com');
    expect(a).toEqual({
      spoolId: 'pin-reminder-uid_alice_ou_people-1000',
      messageId: 'voicebox.pin-reminder.uid_alice_ou_people.1000@example.com',
    });
    expect(mailIds.pinReminder('uid=alice,ou=people', new Date(2000), 'example.com').spoolId).not.toBe(
      a.spoolId,
    );
  });
});

describe('the welcome mail sent again', () => {
  const welcome = {
    to: { email: 'a@example.com', name: 'A' },
    mailbox: '501',
    from: { address: 'v@example.com' },
  };

  it('without a PIN voicebox knows: unchanged, and how to have it reset', () => {
    expect(composeWelcomeMail({ ...welcome, language: 'de', resent: true }).text).toContain(
      'Ihre PIN ist unverändert. Falls Sie sie vergessen haben, bitten Sie Ihren Administrator, Ihnen eine neue PIN zu schicken.',
    );
    expect(composeWelcomeMail({ ...welcome, language: 'en', resent: true }).text).toContain(
      'Your PIN has not changed. If you have forgotten it, ask your administrator to send you a new one.',
    );
  });

  it('a new spool id for each request, the first one unchanged', () => {
    expect(mailIds.welcome('alice', 'example.com').spoolId).toBe('welcome-alice');
    expect(mailIds.welcome('alice', 'example.com', new Date(5000))).toEqual({
      spoolId: 'welcome-alice-5000',
      messageId: 'voicebox.welcome.alice.5000@example.com',
    });
  });
});
