// The conversations voicebox's transcripts show: callers and owners, one call per shipped
// language (de: Alice and a caller from Germany or Austria; en: Emma and a caller from the UK).
// Each key is the caller's answer to a menu once it has said its prompts, never a time.
import { ALICE, DAVE, EMMA, eMail, ixiMail, voiceMessage, type Owner } from './fixtures.js';
import type { Scenario, ScenarioCall, Script } from './runner.js';

/** Wednesday evening, outside office hours: the `home` profile answers. */
const EVENING = '2027-03-03T21:32:00+01:00';
/** Wednesday morning, inside office hours: the `work` profile answers. */
const MORNING = '2027-03-03T10:15:00+01:00';

const CALLER: Record<string, string> = { de: '+4989777888', en: '+442079460123' };
const FROM_ABROAD: Record<string, string> = { de: '+4315551234', en: '+442079460123' };
const OWNER: Record<string, Owner> = { de: ALICE, en: EMMA };

/** One call per language, made from what differs between them. */
function both(call: (lang: string, owner: Owner) => ScenarioCall): Record<string, ScenarioCall> {
  return { de: call('de', OWNER.de!), en: call('en', OWNER.en!) };
}

/** A caller presses 1 in the greeting and leaves a 3-second message. */
const leavesMessage: Script = (c) => c.at('greeting', '1').talks();

/** The owner presses * in her greeting and gives her PIN. */
const logsIn =
  (owner: Owner): Script =>
  (c) =>
    c.at('greeting', '*').at('pin', `${owner.pin}#`);

const voiceFromBob = voiceMessage({
  from: '+4989123456',
  name: 'Bob Berger',
  at: '2027-03-03T09:12:00+01:00',
});
const mailFromCarol = eMail({
  from: 'Carol Chen <carol@example.org>',
  subject: 'Angebot 2027',
  body: 'Hallo Alice,\n\nanbei das Angebot. Bitte rufen Sie mich unter 089 1234567 zurück.\n\nCarol',
  at: '2027-03-03T11:40:00+01:00',
});
const faxFromIxi = ixiMail({
  kind: 'fax',
  from: '+4989765432',
  subject: 'Fax von +4989765432',
  body: 'Sie haben ein Fax mit 2 Seiten erhalten.',
  at: '2027-03-02T16:10:00+01:00',
});
const smsFromIxi = ixiMail({
  kind: 'sms',
  from: '+491701234567',
  subject: 'SMS von +491701234567',
  body: 'Bin um 18 Uhr da. Gruss, Tom',
  at: '2027-03-03T08:05:00+01:00',
});
const voiceFromIxi = ixiMail({
  kind: 'voc',
  from: '+4930555123',
  subject: 'Sprachnachricht von +4930555123',
  body: 'Sie haben eine Sprachnachricht erhalten.',
  at: '2027-02-27T14:30:00+01:00',
});

/** A transfer to her office colleague, offered with 2 in the greeting, ending as `outcome`. */
const transfer = (outcome: 'answered' | 'busy' | 'failed'): Scenario => ({
  name: `caller-transfer-${outcome === 'answered' ? 'ok' : outcome}`,
  about: `a caller presses 2 to be connected; the line ${outcome === 'answered' ? 'answers' : `is ${outcome}`}`,
  calls: both((lang, owner) => ({
    owner,
    from: CALLER[lang]!,
    at: MORNING,
    settings: (o) => (o === owner ? ['profile.work.transferTo=+49 30 1234199'] : []),
    script: (c) => {
      const asked = c
        .at('greeting', '2')
        .destination('user/+49301234199', outcome === 'answered' ? { outcome, talkMs: 5000 } : { outcome });
      return outcome === 'answered' ? asked : asked.talks();
    },
  })),
});

/** The owner's way to one message of `kind` and every key of its options. */
const kindScenario = (
  name: string,
  kind: string,
  mails: ScenarioCall['mails'],
  voice: boolean,
): Scenario => ({
  name: `owner-kind-${name}`,
  about: `the owner hears one ${kind} and tries the option keys 1, 3, 8, ${voice ? 5 : 9}, 4, 7`,
  calls: both((lang, owner) => ({
    owner,
    from: CALLER[lang]!,
    at: EVENING,
    mails,
    script: (c) => {
      const heard = logsIn(owner)(c)
        .at('main', '1')
        .at('options', '1') // again
        .at('options', '3') // call back
        .at('options', '8') // a spoken reply
        .talks();
      const forwarded = voice
        ? heard
            .at('options', '5') // to a colleague's mailbox, with a comment
            .at('forward_voice', `${(owner === ALICE ? EMMA : ALICE).extension}#`)
            .talks()
        : heard.at('options', '9').at('forward_fax', '0891234567#'); // as a fax
      return forwarded
        .at('options', '4') // the one before
        .at('options', '7') // delete
        .at('main', '#');
    },
  })),
});

export const scenarios: readonly Scenario[] = [
  {
    name: 'caller-greeting-standard',
    about: 'a caller hears the standard greeting and leaves a message',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: leavesMessage,
    })),
  },
  {
    name: 'caller-greeting-own',
    about: "a caller hears the owner's recorded greeting of the profile in force and leaves a message",
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      recorded: [`home.${owner.language}`],
      script: leavesMessage,
    })),
  },
  {
    name: 'caller-greeting-personalized',
    about: "a caller hears the personalized greeting with the owner's recorded name",
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      recorded: ['name'],
      settings: (o) => (o === owner ? ['greetingType=personalized'] : []),
      script: leavesMessage,
    })),
  },
  {
    name: 'caller-greeting-company',
    about: 'a caller hears the company greeting (the owner recorded none) and leaves a message',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      recorded: [`company.${lang}`],
      script: leavesMessage,
    })),
  },
  transfer('answered'),
  transfer('busy'),
  transfer('failed'),
  {
    name: 'caller-messages-off',
    about: 'the profile in force takes no messages: a caller presses 1 to leave one',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      settings: (o) => (o === owner ? ['profile.home.messages=N'] : []),
      script: (c) => c.at('greeting', '1'),
    })),
  },
  {
    name: 'caller-unknown-mailbox',
    about: 'a caller from abroad dials a mailbox nobody owns',
    calls: both((lang, owner) => ({
      owner: { ...owner, name: 'nobody' },
      dialed: '599',
      from: FROM_ABROAD[lang]!,
      at: EVENING,
      script: (c) => c,
    })),
  },
  {
    name: 'caller-disabled-mailbox',
    about: 'a caller from abroad dials a mailbox that is switched off',
    calls: both((lang) => ({
      owner: DAVE,
      from: FROM_ABROAD[lang]!,
      at: EVENING,
      script: (c) => c,
    })),
  },
  {
    name: 'owner-login',
    about: 'the owner presses * in her greeting, gives her PIN and leaves again',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) => logsIn(owner)(c).at('main', '#'),
    })),
  },
  {
    name: 'owner-from-abroad',
    about:
      "the owner calls from the other language's country: the greeting follows the caller's number, everything after her PIN is in her own language",
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang === 'de' ? 'en' : 'de']!,
      at: EVENING,
      script: (c) => logsIn(owner)(c).at('main', '#'),
    })),
  },
  {
    name: 'owner-wrong-pin',
    about: 'the owner mistypes her PIN once, then gives it right',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) => c.at('greeting', '*').at('pin', '9999#').at('pin', `${owner.pin}#`).at('main', '#'),
    })),
  },
  {
    name: 'owner-pin-expired',
    about: 'the PIN is older than the 90 days the site allows: the owner sets a new one first',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      config: { login: { pinExpiryDays: 90 } },
      settings: (o) => (o === owner ? ['pinChangedAt=2026-10-01T09:00:00.000Z'] : []),
      script: (c) => logsIn(owner)(c).at('new_pin', '8642#').at('confirm_new_pin', '8642#').at('main', '#'),
    })),
  },
  {
    name: 'owner-summary-0',
    about: 'the owner has no messages at all',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) => logsIn(owner)(c).at('main', '1').at('main', '#'),
    })),
  },
  {
    name: 'owner-summary-1',
    about: 'one message of each kind: voice, e-mail, fax, SMS; the owner hangs up at the first',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      mails: [voiceFromBob, mailFromCarol, faxFromIxi, smsFromIxi],
      script: (c) => logsIn(owner)(c).at('main', '1').at('categories', '1').hangsUpAt('options'),
    })),
  },
  {
    name: 'owner-categories',
    about:
      'a new and a heard voice message and an e-mail: the owner picks the voice messages, steps to the heard one and past it, then the e-mails',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      mails: [
        voiceFromBob,
        voiceMessage({ from: '+4940555987', at: '2027-03-02T13:02:00+01:00', seen: true }),
        mailFromCarol,
      ],
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '1')
          .at('categories', '1')
          .at('options', '6') // the next one: the heard voice message
          .at('options', '6') // no more voice messages: the choice again
          .at('categories', '2')
          .at('options', '#') // past the e-mail
          .at('categories', '*')
          .at('main', '#'),
    })),
  },
  {
    name: 'owner-summary-many',
    about: 'several new and read messages of each kind; the owner hangs up at the first',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      mails: [
        voiceFromBob,
        voiceMessage({ from: '+4940555987', at: '2027-03-03T13:02:00+01:00' }),
        voiceMessage({
          from: '+4989123456',
          name: 'Bob Berger',
          at: '2027-03-01T17:45:00+01:00',
          seen: true,
        }),
        voiceFromIxi,
        mailFromCarol,
        eMail({
          from: 'IT-Service <it@example.com>',
          subject: 'Wartung am Samstag',
          body: 'Am Samstag ist das Netz von 8 bis 12 Uhr nicht erreichbar.',
          at: '2027-03-02T09:00:00+01:00',
        }),
        eMail({
          from: 'Carol Chen <carol@example.org>',
          subject: 'Termin',
          body: 'Passt Ihnen Freitag?',
          at: '2027-02-25T10:00:00+01:00',
          seen: true,
        }),
        faxFromIxi,
        ixiMail({
          kind: 'fax',
          from: '+4969111222',
          subject: 'Fax',
          body: 'Ein Fax.',
          at: '2027-03-03T07:30:00+01:00',
        }),
        smsFromIxi,
        ixiMail({
          kind: 'sms',
          from: '+491609876543',
          subject: 'SMS',
          body: 'Ruf mich an.',
          at: '2027-03-03T12:00:00+01:00',
        }),
      ],
      script: (c) => logsIn(owner)(c).at('main', '1').at('categories', '1').hangsUpAt('options'),
    })),
  },
  kindScenario('voice', 'voice message', [voiceFromBob], true),
  kindScenario('email', 'e-mail', [mailFromCarol], false),
  kindScenario('fax', 'fax', [faxFromIxi], false),
  kindScenario('sms', 'SMS', [smsFromIxi], false),
  kindScenario('ixi-voice', 'ixi-UMS voice message', [voiceFromIxi], true),
  {
    name: 'owner-settings-profile',
    about: 'the owner hears her profile and chooses Mobile',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '2')
          .at('main', '1')
          .at('choose_profile', '2')
          .at('main', '*')
          .at('main', '#'),
    })),
  },
  {
    name: 'owner-settings-greetings',
    about: 'the owner records a greeting, keeps it, hears it, and deletes it',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '2')
          .at('main', '2')
          .at('greetings', '1')
          .talks()
          .at('keep_greeting', '1')
          .at('greetings', '2')
          .at('greetings', '3')
          .at('delete_greeting', '1') // yes, delete it
          .at('greetings', '*')
          .at('main', '*')
          .at('main', '#'),
    })),
  },
  {
    name: 'owner-settings-greeting-other',
    about: 'the owner records a greeting for the home profile in her other language and hears it',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '2')
          .at('main', '2')
          .at('greetings', '6')
          .at('choose_greeting_profile', '3') // home
          .at('choose_greeting_language', lang === 'de' ? '2' : '1') // the language she does not speak to callers
          .at('greetings', '1')
          .talks()
          .at('keep_greeting', '1')
          .at('greetings', '2')
          .at('greetings', '*')
          .at('main', '*')
          .at('main', '#'),
    })),
  },
  {
    name: 'owner-settings-greeting-internal',
    about: 'the owner records the greeting her colleagues inside the company hear',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '2')
          .at('main', '2')
          .at('greetings', '6')
          .at('choose_greeting_profile', '7') // internal callers
          .at('choose_greeting_language', lang === 'de' ? '1' : '2') // her own language
          .at('greetings', '1')
          .talks()
          .at('keep_greeting', '1')
          .at('greetings', '*')
          .at('main', '*')
          .at('main', '#'),
    })),
  },
  {
    name: 'owner-settings-transfer-clear',
    about: 'the owner hears her transfer number and removes it',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      settings: (o) => (o === owner ? ['profile.work.transferTo=+49 30 1234199'] : []),
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '2')
          .at('main', '5')
          .at('transfer_options', '2')
          .at('confirm_clear_transfer', '1')
          .at('main', '*')
          .at('main', '#'),
    })),
  },
  {
    name: 'owner-settings-pin',
    about: 'the owner changes her PIN',
    calls: both((lang, owner) => ({
      owner,
      from: CALLER[lang]!,
      at: EVENING,
      script: (c) =>
        logsIn(owner)(c)
          .at('main', '2')
          .at('main', '4')
          .at('change_pin', '8642#')
          .at('confirm_pin', '8642#')
          .at('main', '*')
          .at('main', '#'),
    })),
  },
];
