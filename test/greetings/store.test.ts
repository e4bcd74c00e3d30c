import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
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
    expect(await store.greeting('+49 30 1234501', 'work', 'de')).toBeUndefined();
    await store.saveGreeting('+49 30 1234501', 'work', 'de', recording);
    expect(await store.greeting('+49301234501', 'work', 'de')).toEqual({
      kind: 'audio',
      localPath: join(local, 'greetings', '49301234501', 'work.de.wav'),
      freeswitchPath: '/fs/media/greetings/49301234501/work.de.wav',
    });
    expect(await store.greeting('+49 30 1234501', 'work', 'en')).toBeUndefined();
    expect(await store.greeting('+49 30 1234501', 'home', 'de')).toBeUndefined();
  });

  it('deletes one profile or everything', async () => {
    await store.saveGreeting('501', 'home', 'de', recording);
    await store.saveGreeting('501', 'home', 'en', recording);
    await store.saveName('501', recording);
    await store.deleteGreeting('501', 'home');
    expect(await store.greeting('501', 'home', 'de')).toBeUndefined();
    expect(await store.name('501')).toBeDefined();
    await store.deleteAll('501');
    expect(await store.name('501')).toBeUndefined();
  });

  it('falls back to one company greeting for every language', async () => {
    expect(await store.company('de')).toBeUndefined();
    writeFileSync(join(local, 'greetings', 'company.wav'), 'RIFF');
    expect((await store.company('de'))?.freeswitchPath).toBe('/fs/media/greetings/company.wav');
  });

  it('refuses a mailbox that is not a number', async () => {
    await expect(store.greeting('../../etc', 'work', 'de')).rejects.toThrow(
      "'../../etc' is not a mailbox number",
    );
  });
});

describe('greetings and names on disk', () => {
  it('are for FreeSWITCH to play and nobody else to hear: 0640 files in 0750 folders', async () => {
    const local = mkdtempSync(join(tmpdir(), 'voicebox-greetings-'));
    const store = new GreetingStore({ local, freeswitch: local });
    // FreeSWITCH (or a careless umask) may leave the recording readable to all
    const recording = join(local, 'rec.wav');
    writeFileSync(recording, 'RIFF....WAVE');
    chmodSync(recording, 0o666);
    await store.saveGreeting('501', 'work', 'de', recording);
    await store.saveName('501', recording);
    const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
    expect(mode((await store.greeting('501', 'work', 'de'))!.localPath)).toBe('640');
    expect(mode((await store.name('501'))!.localPath)).toBe('640');
    expect(mode(join(local, 'greetings', '501'))).toBe('750');
    expect(mode(join(local, 'greetings'))).toBe('750');
  });
});

describe('a media folder set up for FreeSWITCH (setgid, its group)', () => {
  it('passes its group on to new greeting folders', async () => {
    const local = mkdtempSync(join(tmpdir(), 'voicebox-greetings-'));
    chmodSync(local, 0o2770);
    const store = new GreetingStore({ local, freeswitch: local });
    const recording = join(local, 'rec.wav');
    writeFileSync(recording, 'RIFF....WAVE');
    await store.saveName('501', recording);
    expect((statSync(join(local, 'greetings')).mode & 0o7777).toString(8)).toBe('2750');
    expect((statSync(join(local, 'greetings', '501')).mode & 0o7777).toString(8)).toBe('2750');
  });
});
