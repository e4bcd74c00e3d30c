// What an owner hears of her mailbox: every counted prompt of the shipped catalogs for 0, 1, 2
// and 21, and the summary read after she logs in — only the kinds there are, new ones first.
import { describe, expect, it } from 'vitest';
import { summaryWording } from '../../src/graph/index.js';
import {
  createSpeech,
  loadCatalogs,
  saySummary,
  type Language,
  type Renderer,
} from '../../src/speech/index.js';

const catalogs = await loadCatalogs('menus/prompts');
// nothing here is rendered: only the texts are asserted
const speech = createSpeech({ catalogs, renderer: {} as Renderer });
const counted = (id: string, count: number, lang: Language) => speech.promptText(id, lang, { count });

describe('counted prompts of the shipped catalogs', () => {
  it.each([
    ['count_new_voice', 0, 'keine neuen Sprachnachrichten', 'no new voice messages'],
    ['count_new_voice', 1, 'eine neue Sprachnachricht', 'one new voice message'],
    ['count_new_voice', 2, 'zwei neue Sprachnachrichten', 'two new voice messages'],
    ['count_new_voice', 21, 'einundzwanzig neue Sprachnachrichten', 'twenty-one new voice messages'],
    ['count_new_email', 0, 'keine neuen E-Mails', 'no new e-mails'],
    ['count_new_email', 1, 'eine neue E-Mail', 'one new e-mail'],
    ['count_new_email', 2, 'zwei neue E-Mails', 'two new e-mails'],
    ['count_new_email', 21, 'einundzwanzig neue E-Mails', 'twenty-one new e-mails'],
    ['count_new_fax', 0, 'keine neuen Faxe', 'no new faxes'],
    ['count_new_fax', 1, 'ein neues Fax', 'one new fax'],
    ['count_new_fax', 2, 'zwei neue Faxe', 'two new faxes'],
    ['count_new_fax', 21, 'einundzwanzig neue Faxe', 'twenty-one new faxes'],
    ['count_new_sms', 0, 'keine neuen SMS', 'no new text messages'],
    ['count_new_sms', 1, 'eine neue SMS', 'one new text message'],
    ['count_new_sms', 2, 'zwei neue SMS', 'two new text messages'],
    ['count_new_sms', 21, 'einundzwanzig neue SMS', 'twenty-one new text messages'],
    ['count_old_voice', 0, 'keine gehörten Sprachnachrichten', 'no saved voice messages'],
    ['count_old_voice', 1, 'eine gehörte Sprachnachricht', 'one saved voice message'],
    ['count_old_voice', 2, 'zwei gehörte Sprachnachrichten', 'two saved voice messages'],
    ['count_old_voice', 21, 'einundzwanzig gehörte Sprachnachrichten', 'twenty-one saved voice messages'],
    ['count_old_email', 0, 'keine gelesenen E-Mails', 'no old e-mails'],
    ['count_old_email', 1, 'eine gelesene E-Mail', 'one old e-mail'],
    ['count_old_email', 2, 'zwei gelesene E-Mails', 'two old e-mails'],
    ['count_old_email', 21, 'einundzwanzig gelesene E-Mails', 'twenty-one old e-mails'],
    ['count_old_fax', 0, 'keine gelesenen Faxe', 'no old faxes'],
    ['count_old_fax', 1, 'ein gelesenes Fax', 'one old fax'],
    ['count_old_fax', 2, 'zwei gelesene Faxe', 'two old faxes'],
    ['count_old_fax', 21, 'einundzwanzig gelesene Faxe', 'twenty-one old faxes'],
    ['count_old_sms', 0, 'keine gelesenen SMS', 'no old text messages'],
    ['count_old_sms', 1, 'eine gelesene SMS', 'one old text message'],
    ['count_old_sms', 2, 'zwei gelesene SMS', 'two old text messages'],
    ['count_old_sms', 21, 'einundzwanzig gelesene SMS', 'twenty-one old text messages'],
  ])('%s, %d: "%s" / "%s"', (id, n, de, en) => {
    expect(counted(id, n, 'de')).toBe(de);
    expect(counted(id, n, 'en')).toBe(en);
  });

  it('covers every category the summary reads', () => {
    for (const { prompt } of summaryWording.counts)
      for (const lang of ['de', 'en'] as const) expect(catalogs.get(lang)?.counts.has(prompt)).toBe(true);
  });
});

/** the summary as the owner hears it, with the shipped catalogs and the categories in the menus' order */
function summary(counts: Record<string, number>, lang: Language): string {
  const items = summaryWording.counts.map(({ field, prompt, isNew }) => ({
    count: counts[field] ?? 0,
    isNew,
    say: (n: number) => counted(prompt, n, lang),
  }));
  const nothingNew = speech.promptText(summaryWording.nothingNew, lang);
  return speech.promptText('you_have', lang, { items: saySummary(items, nothingNew, lang) });
}

describe('the summary', () => {
  it.each([
    [
      'one category',
      { new_voice: 1 },
      'Sie haben eine neue Sprachnachricht.',
      'You have one new voice message.',
    ],
    [
      'two categories',
      { new_voice: 1, new_email: 2 },
      'Sie haben eine neue Sprachnachricht und zwei neue E-Mails.',
      'You have one new voice message and two new e-mails.',
    ],
    [
      'three categories, new before old',
      { old_voice: 3, new_voice: 2, new_email: 1 },
      'Sie haben zwei neue Sprachnachrichten, eine neue E-Mail und drei gehörte Sprachnachrichten.',
      'You have two new voice messages, one new e-mail and three saved voice messages.',
    ],
    [
      'every kind',
      {
        new_voice: 2,
        new_email: 1,
        new_fax: 1,
        new_sms: 3,
        old_voice: 1,
        old_email: 21,
        old_fax: 2,
        old_sms: 1,
      },
      'Sie haben zwei neue Sprachnachrichten, eine neue E-Mail, ein neues Fax, drei neue SMS, eine gehörte Sprachnachricht, einundzwanzig gelesene E-Mails, zwei gelesene Faxe und eine gelesene SMS.',
      'You have two new voice messages, one new e-mail, one new fax, three new text messages, one saved voice message, twenty-one old e-mails, two old faxes and one old text message.',
    ],
    [
      'old ones only',
      { old_voice: 1, old_email: 2 },
      'Sie haben keine neuen Nachrichten, eine gehörte Sprachnachricht und zwei gelesene E-Mails.',
      'You have no new messages, one saved voice message and two old e-mails.',
    ],
    [
      'one old one only',
      { old_fax: 1 },
      'Sie haben keine neuen Nachrichten und ein gelesenes Fax.',
      'You have no new messages and one old fax.',
    ],
    ['all empty', {}, 'Sie haben keine neuen Nachrichten.', 'You have no new messages.'],
  ])('%s', (_what, counts, de, en) => {
    expect(summary(counts, 'de')).toBe(de);
    expect(summary(counts, 'en')).toBe(en);
  });

  it('says nothing of a kind with no messages, not even "null"', () => {
    expect(summary({ new_voice: 0, new_email: 1, old_voice: 0 }, 'de')).toBe('Sie haben eine neue E-Mail.');
  });

  it('has the sentence for an empty mailbox in every language', () => {
    expect(speech.promptText('no_messages', 'de')).toBe('Sie haben keine Nachrichten.');
    expect(speech.promptText('no_messages', 'en')).toBe('You have no messages.');
  });
});
