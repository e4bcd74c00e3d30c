// From "an SMS is due" to one queued job: claimed in the directory first, so two processes that
// see the same mailbox queue it once; a bad mobile number costs her SMS and is logged once.
import { describe, expect, it } from 'vitest';
import type { DirectoryUser, UserSettings } from '../../src/directory/index.js';
import { smsDispatch, type SmsJob } from '../../src/notify/index.js';
import type { NotifyCounts } from '../../src/mailbox/index.js';
import { recordingLogger } from '../support/log.js';

const berlin = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  extensionLength: 3,
  outsideLinePrefix: '0',
};

/** One stored user whose settings change atomically (compare-and-set, as the directories do). */
function directory(user: DirectoryUser) {
  let stored = user;
  return {
    get: () => stored,
    async updateSettings(_u: DirectoryUser, change: (s: UserSettings) => UserSettings) {
      await Promise.resolve(); // another writer may run between read and write: re-read, as LDAP does
      for (;;) {
        const before = stored;
        const settings = change(before.settings);
        if (stored !== before) continue;
        stored = { ...before, settings };
        return stored;
      }
    },
  };
}

const alice = (mobile = '+49 170 1000001'): DirectoryUser => ({
  id: 'uid=alice',
  name: 'Alice Anders',
  email: 'alice@example.com',
  mailbox: '+49 30 1234501',
  numbers: { mobile },
  settings: {
    enabled: true,
    profiles: {},
    wrongPinCount: 0,
    trustedNumbers: [],
    language: 'en',
    notifyResetAt: '2026-03-01T08:00:00.000Z',
  },
  rawUserData: [],
});

const counts = (voice: number): NotifyCounts => ({
  summary: {
    newVoice: voice,
    oldVoice: 0,
    newEmail: 0,
    oldEmail: 0,
    newFax: 0,
    oldFax: 0,
    newSms: 0,
    oldSms: 0,
  } as unknown as NotifyCounts['summary'],
  since: { voice, fax: 0, sms: 0 },
  last: { voice: { from: '+49301234102', at: new Date('2026-03-01T09:00:00Z') } },
});

/** her thresholds: an SMS at every voice message */
const policy = { thresholds: { voice: 1, fax: 1, sms: 1 } };

describe('an SMS that is due', () => {
  it('two processes that see the same mailbox queue one SMS, and the claim is stored', async () => {
    const dir = directory(alice());
    const queued: SmsJob[] = [];
    const queue = { enqueue: async (j: SmsJob) => (queued.push(j), true) };
    const { log } = recordingLogger();
    const a = smsDispatch({ directory: dir, queue, location: berlin, defaultLanguage: 'de', log });
    const b = smsDispatch({ directory: dir, queue, location: berlin, defaultLanguage: 'de', log });
    const due = { user: dir.get(), kinds: ['voice'] as const, counts: counts(2), policy };
    await Promise.all([a(due), b(due)]);
    expect(queued.map((j) => j.text)).toEqual(['2 new voice messages, last from +49 30 1234102']);
    expect(dir.get().settings.smsNotified).toEqual({ voice: 2 });
    await a({ ...due, user: dir.get() }); // nothing new since
    expect(queued).toHaveLength(1);
  });

  it('after a reset in between, the old claim is not made', async () => {
    const dir = directory(alice());
    const queued: SmsJob[] = [];
    const { log } = recordingLogger();
    const dispatch = smsDispatch({
      directory: dir,
      queue: { enqueue: async (j) => (queued.push(j), true) },
      location: berlin,
      defaultLanguage: 'de',
      log,
    });
    const seen = dir.get();
    await dir.updateSettings(seen, (s) => ({ ...s, notifyResetAt: '2026-03-01T09:30:00.000Z' }));
    await dispatch({ user: seen, kinds: ['voice'], counts: counts(2), policy });
    expect(queued).toEqual([]);
  });

  it('a mobile number that is no phone number: no claim, nothing queued, logged once with user and key', async () => {
    const dir = directory(alice('ask at reception'));
    const queued: SmsJob[] = [];
    const { log, lines } = recordingLogger();
    const dispatch = smsDispatch({
      directory: dir,
      queue: { enqueue: async (j) => (queued.push(j), true) },
      location: berlin,
      defaultLanguage: 'de',
      log,
    });
    await dispatch({ user: dir.get(), kinds: ['voice'], counts: counts(1), policy });
    await dispatch({ user: dir.get(), kinds: ['voice'], counts: counts(2), policy });
    expect(queued).toEqual([]);
    expect(dir.get().settings.smsNotified).toBeUndefined();
    const warned = lines.filter((l) => l['key'] === 'mobile');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ user: 'uid=alice', key: 'mobile', value: 'ask at reception' });
  });

  it('a queue that cannot write gives the claim back', async () => {
    const dir = directory(alice());
    const { log } = recordingLogger();
    const dispatch = smsDispatch({
      directory: dir,
      queue: { enqueue: () => Promise.reject(new Error('ENOSPC: no space left on device')) },
      location: berlin,
      defaultLanguage: 'de',
      log,
    });
    await expect(dispatch({ user: dir.get(), kinds: ['voice'], counts: counts(1), policy })).rejects.toThrow(
      /ENOSPC/,
    );
    expect(dir.get().settings.smsNotified).toEqual({ voice: 0 });
  });
});

describe('the claim counts against her threshold as stored at that moment', () => {
  it('two processes reading 2 and 3 voice messages at threshold 2 send one SMS, not two', async () => {
    const dir = directory(alice());
    const queued: SmsJob[] = [];
    const { log } = recordingLogger();
    const dispatch = smsDispatch({
      directory: dir,
      queue: { enqueue: async (j) => (queued.push(j), true) },
      location: berlin,
      defaultLanguage: 'en',
      log,
    });
    const atTwo = { thresholds: { voice: 2, fax: 0, sms: 0 } };
    // both read her entry before either claimed: to each, an SMS is due
    const readByA = dir.get();
    const readByB = dir.get();
    await dispatch({ user: readByA, kinds: ['voice'], counts: counts(2), policy: atTwo });
    await dispatch({ user: readByB, kinds: ['voice'], counts: counts(3), policy: atTwo });
    // the third message is one past what she was told: not yet her threshold of 2
    expect(queued.map((j) => j.text)).toEqual(['2 new voice messages, last from +49 30 1234102']);
    expect(dir.get().settings.smsNotified).toEqual({ voice: 2 });
  });

  it('what she was told comes down when her mailbox counts fewer (read elsewhere), so the next message is told', async () => {
    const dir = directory(alice());
    const queued: SmsJob[] = [];
    const { log } = recordingLogger();
    const dispatch = smsDispatch({
      directory: dir,
      queue: { enqueue: async (j) => (queued.push(j), true) },
      location: berlin,
      defaultLanguage: 'en',
      log,
    });
    await dispatch({ user: dir.get(), kinds: ['voice'], counts: counts(1), policy });
    expect(dir.get().settings.smsNotified).toEqual({ voice: 1 });
    // she read it in her mail program: nothing is due, the count told comes down
    await dispatch({ user: dir.get(), kinds: [], counts: counts(0), policy });
    expect(dir.get().settings.smsNotified).toEqual({ voice: 0 });
    await dispatch({ user: dir.get(), kinds: ['voice'], counts: counts(1), policy });
    expect(queued).toHaveLength(2);
  });
});
