import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GreetingStore } from '../../src/greetings/index.js';

describe('greetings', () => {
  const local = mkdtempSync(join(tmpdir(), 'voicebox-greetings-'));
  const store = new GreetingStore({ local, freeswitch: '/fs/media' });
  const recording = join(local, 'rec.wav');
  writeFileSync(recording, 'RIFF....WAVE');

  it('are kept per mailbox, profile and language, and FreeSWITCH gets its own path', async () => {
    expect(store.greeting('+49 30 1234501', 'work', 'de')).toBeUndefined();
    await store.saveGreeting('+49 30 1234501', 'work', 'de', recording);
    expect(store.greeting('+49301234501', 'work', 'de')).toEqual({
      kind: 'audio',
      localPath: join(local, 'greetings', '49301234501', 'work.de.wav'),
      freeswitchPath: '/fs/media/greetings/49301234501/work.de.wav',
    });
    expect(store.greeting('+49 30 1234501', 'work', 'en')).toBeUndefined();
    expect(store.greeting('+49 30 1234501', 'home', 'de')).toBeUndefined();
  });

  it('deletes one profile or everything', async () => {
    await store.saveGreeting('501', 'home', 'de', recording);
    await store.saveGreeting('501', 'home', 'en', recording);
    await store.saveName('501', recording);
    await store.deleteGreeting('501', 'home');
    expect(store.greeting('501', 'home', 'de')).toBeUndefined();
    expect(store.name('501')).toBeDefined();
    await store.deleteAll('501');
    expect(store.name('501')).toBeUndefined();
  });

  it('falls back to one company greeting for every language', () => {
    expect(store.company('de')).toBeUndefined();
    writeFileSync(join(local, 'greetings', 'company.wav'), 'RIFF');
    expect(store.company('de')?.freeswitchPath).toBe('/fs/media/greetings/company.wav');
  });

  it('refuses a mailbox that is not a number', () => {
    expect(() => store.greeting('../../etc', 'work', 'de')).toThrow("'../../etc' is not a mailbox number");
  });
});
