// Alice's greetings on the web page (/greetings): an upload becomes the 8 kHz WAV the phone plays
// (the same file the Greetings port gives a call), a bad file is refused with its reason and
// keeps the greeting she had, delete follows the admin's menu switch, and a forged path, a
// missing CSRF token or a file that is too large changes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE } from '../support/owners.js';
import { webClient, webTest, type WebClient, type WebResponse, type WebTest } from './support.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'web');

/** a spoken greeting as a browser or a phone app might save it: 44.1 kHz stereo WAV */
function spokenWav(dir: string, words = 'Hello, this is Alice. Please leave a message.'): Buffer {
  const raw = join(dir, 'spoken-raw.wav');
  const wav = join(dir, 'spoken.wav');
  execFileSync('espeak-ng', ['-w', raw, words]);
  execFileSync('sox', [raw, '-r', '44100', '-c', '2', wav]);
  return readFileSync(wav);
}

const file = (content: Buffer, filename = 'greeting.wav', contentType = 'audio/wav') => ({
  files: [{ field: 'audio', filename, content, contentType }],
});

/** what sox says of a WAV the page served */
function soxInfo(dir: string, wav: Buffer): { rate: number; channels: number; bits: number } {
  const path = join(dir, `served-${Math.random().toString(36).slice(2)}.wav`);
  writeFileSync(path, wav);
  const field = (flag: string) =>
    Number(execFileSync('sox', ['--info', flag, path], { encoding: 'utf8' }).trim());
  return { rate: field('-r'), channels: field('-c'), bits: field('-b') };
}

const location = (res: WebResponse) => String(res.headers['location'] ?? '');
const uploadLeftovers = (t: WebTest) => {
  const folder = join(t.deps.media.local, 'web-upload');
  return existsSync(folder) ? readdirSync(folder) : [];
};

describe('the greetings page', () => {
  let t: WebTest;
  let browser: WebClient;
  let speech: Buffer;

  beforeAll(async () => {
    t = await webTest();
    browser = t.client();
    await browser.login();
    speech = spokenWav(t.dir);
  }, 60_000);
  afterAll(() => t.close());

  it('is only for a logged-in owner', async () => {
    const stranger = t.client();
    const res = await stranger.get('/greetings');
    expect(res.status).toBe(303);
    expect(location(res)).toMatch(/^\/login/);
    expect((await stranger.get('/greetings/audio/work/de')).status).toBe(303);
  });

  it('lists every profile of the menus in every language, with upload and record, and her name', async () => {
    const page = await browser.get('/greetings');
    expect(page.status).toBe(200);
    for (const profile of ['work', 'mobile', 'home', 'vacation', 'custom1', 'custom2', 'internal'])
      for (const language of ['de', 'en']) {
        expect(page.body).toContain(`data-testid="greeting-${profile}-${language}"`);
        expect(page.body).toMatch(
          new RegExp(
            `<form[^>]*action="/greetings/${profile}/${language}"[^>]*enctype="multipart/form-data"[^>]*data-testid="upload-${profile}-${language}"`,
          ),
        );
        expect(page.body).toContain(`data-testid="record-${profile}-${language}"`);
        expect(page.body).toContain(`data-record-url="/greetings/${profile}/${language}"`);
      }
    expect(page.body).toContain('data-testid="name"');
    expect(page.body).toContain('data-testid="record-name"');
    expect(page.body).toContain('accept="audio/wav,audio/mpeg,audio/ogg,.wav,.mp3,.ogg"');
    expect(page.body).toContain('<script src="/static/record.js" defer></script>');
    // nothing recorded yet: nothing to play, nothing to delete
    expect(page.body).toContain('Keine Ansage');
    expect(page.body).not.toContain('data-testid="play-work-de"');
    expect(page.body).not.toContain('data-testid="delete-work-de"');
  });

  it('takes an uploaded WAV as the 8 kHz mono greeting callers hear', async () => {
    await browser.get('/greetings');
    const res = await browser.post('/greetings/work/de', {}, file(speech));
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/greetings?done=saved');

    // the file a call gets from the Greetings port
    const stored = await t.deps.greetings.greeting(ALICE, 'work', 'de');
    expect(stored).toBeDefined();
    expect(soxInfo(t.dir, readFileSync(stored!.localPath))).toEqual({ rate: 8000, channels: 1, bits: 16 });
    expect(await t.deps.greetings.greeting(ALICE, 'work', 'en')).toBeUndefined();

    const audio = await browser.get('/greetings/audio/work/de');
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.headers['cache-control']).toBe('no-store');
    expect(audio.raw.equals(readFileSync(stored!.localPath))).toBe(true);

    const page = await browser.get('/greetings?done=saved');
    expect(page.body).toContain('Die Ansage ist gespeichert.');
    expect(page.body).toMatch(/<audio[^>]*src="\/greetings\/audio\/work\/de"[^>]*data-testid="play-work-de"/);
    expect(page.body).toContain('data-testid="delete-work-de"');
    expect(uploadLeftovers(t)).toEqual([]);
  });

  it('takes an MP3 and an Ogg file', async () => {
    await browser.get('/greetings');
    const mp3 = await browser.post(
      '/greetings/home/en',
      {},
      file(readFileSync(join(fixtures, 'greeting.mp3')), 'a.mp3', 'audio/mpeg'),
    );
    expect(location(mp3)).toBe('/greetings?done=saved');
    const ogg = await browser.post(
      '/greetings/mobile/en',
      {},
      file(readFileSync(join(fixtures, 'greeting.ogg')), 'a.ogg', 'audio/ogg'),
    );
    expect(location(ogg)).toBe('/greetings?done=saved');
    for (const profile of ['home', 'mobile']) {
      const stored = await t.deps.greetings.greeting(ALICE, profile, 'en');
      expect(soxInfo(t.dir, readFileSync(stored!.localPath))).toEqual({ rate: 8000, channels: 1, bits: 16 });
    }
  });

  it('refuses a file that is not audio with a clear notice, and keeps the greeting she had', async () => {
    await browser.get('/greetings');
    const before = readFileSync((await t.deps.greetings.greeting(ALICE, 'work', 'de'))!.localPath);
    for (const name of ['page.wav', 'picture.png', 'broken.wav']) {
      const res = await browser.post(
        '/greetings/work/de',
        {},
        file(readFileSync(join(fixtures, name)), name),
      );
      expect(location(res)).toBe('/greetings?error=not_audio');
    }
    const page = await browser.get('/greetings?error=not_audio');
    expect(page.body).toContain('Die Datei ist keine Audiodatei (WAV, MP3 oder Ogg).');
    expect(
      readFileSync((await t.deps.greetings.greeting(ALICE, 'work', 'de'))!.localPath).equals(before),
    ).toBe(true);
    expect(uploadLeftovers(t)).toEqual([]);
  });

  it('says what is missing when the form has no file, an empty one or another field', async () => {
    await browser.get('/greetings');
    expect(location(await browser.post('/greetings/work/en', {}, file(Buffer.alloc(0))))).toBe(
      '/greetings?error=empty',
    );
    const other = await browser.post(
      '/greetings/work/en',
      {},
      {
        files: [{ field: 'picture', filename: 'x.wav', content: speech, contentType: 'audio/wav' }],
      },
    );
    expect(location(other)).toBe('/greetings?error=missing');
    // a form without a file at all (not even multipart)
    expect(location(await browser.post('/greetings/work/en', {}))).toBe('/greetings?error=missing');
    expect(await t.deps.greetings.greeting(ALICE, 'work', 'en')).toBeUndefined();
  });

  it('answers the recorder with JSON', async () => {
    await browser.get('/greetings');
    const json = { accept: 'application/json', 'csrf-token': browser.csrf() };
    const ok = await browser.post(
      '/greetings/custom1/de',
      {},
      { ...file(speech, 'recording.wav'), headers: json },
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, location: '/greetings?done=saved' });
    expect(await t.deps.greetings.greeting(ALICE, 'custom1', 'de')).toBeDefined();

    const bad = await browser.post(
      '/greetings/custom1/de',
      {},
      {
        ...file(readFileSync(join(fixtures, 'page.wav')), 'recording.wav'),
        headers: json,
      },
    );
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body)).toEqual({
      ok: false,
      error: 'Die Datei ist keine Audiodatei (WAV, MP3 oder Ogg).',
    });
  });

  it('refuses an upload without the CSRF token and keeps what she had', async () => {
    await browser.get('/greetings');
    const before = readFileSync((await t.deps.greetings.greeting(ALICE, 'work', 'de'))!.localPath);
    const res = await browser.post(
      '/greetings/work/de',
      {},
      { ...file(readFileSync(join(fixtures, 'greeting.mp3'))), csrf: false },
    );
    expect(res.status).toBe(403);
    expect(
      readFileSync((await t.deps.greetings.greeting(ALICE, 'work', 'de'))!.localPath).equals(before),
    ).toBe(true);
    expect(await t.deps.greetings.greeting(ALICE, 'vacation', 'de')).toBeUndefined();
    const forged = await browser.post(
      '/greetings/vacation/de',
      {},
      {
        ...file(speech),
        csrf: false,
        headers: { 'csrf-token': 'forged' },
      },
    );
    expect(forged.status).toBe(403);
    expect(await t.deps.greetings.greeting(ALICE, 'vacation', 'de')).toBeUndefined();
  });

  it('answers 404 for a profile or language the menus do not have, and writes nothing', async () => {
    await browser.get('/greetings');
    for (const url of [
      '/greetings/audio/nope/de',
      '/greetings/audio/work/fr',
      '/greetings/audio/..%2F..%2Fusers/de',
      '/greetings/audio/work/de%00',
      '/greetings/audio/constructor/de',
    ])
      expect((await browser.get(url)).status, url).toBe(404);
    const nowhere = await browser.post('/greetings/..%2Fcompany/de', {}, file(speech));
    expect(nowhere.status).toBe(404);
    expect((await browser.post('/greetings/work/xx', {}, file(speech))).status).toBe(404);
    expect((await browser.post('/greetings/nope/de/delete')).status).toBe(404);
    expect(existsSync(join(t.deps.media.local, 'greetings', 'company.de.wav'))).toBe(false);
    expect(readdirSync(join(t.deps.media.local, 'greetings', '49301234501')).sort()).toEqual(
      ['custom1.de.wav', 'home.en.wav', 'mobile.en.wav', 'work.de.wav'].sort(),
    );
  });

  it('deletes a greeting: callers no longer get it', async () => {
    await browser.get('/greetings');
    const res = await browser.post('/greetings/custom1/de/delete');
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/greetings?done=deleted');
    expect(await t.deps.greetings.greeting(ALICE, 'custom1', 'de')).toBeUndefined();
    expect((await browser.get('/greetings/audio/custom1/de')).status).toBe(404);
    expect((await browser.get('/greetings?done=deleted')).body).toContain('Die Ansage ist gelöscht.');
  });

  it('keeps her recorded name: upload, listen, delete', async () => {
    await browser.get('/greetings');
    expect((await browser.get('/greetings/name/audio')).status).toBe(404);
    const saved = await browser.post(
      '/greetings/name',
      {},
      file(readFileSync(join(fixtures, 'greeting.ogg')), 'me.ogg', 'audio/ogg'),
    );
    expect(location(saved)).toBe('/greetings?done=name-saved');
    const stored = await t.deps.greetings.name(ALICE);
    expect(stored).toBeDefined();
    const audio = await browser.get('/greetings/name/audio');
    expect(audio.status).toBe(200);
    expect(soxInfo(t.dir, audio.raw)).toEqual({ rate: 8000, channels: 1, bits: 16 });
    const page = await browser.get('/greetings');
    expect(page.body).toContain('data-testid="play-name"');
    expect(page.body).toContain('data-testid="delete-name"');

    expect(location(await browser.post('/greetings/name/delete'))).toBe('/greetings?done=name-deleted');
    expect(await t.deps.greetings.name(ALICE)).toBeUndefined();
  });

  it('is in English for an English browser', async () => {
    const english = webClient(t.app, { acceptLanguage: 'en-GB,en;q=0.9' });
    await english.login();
    const page = await english.get('/greetings?error=too_long');
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain(`The recording is longer than ${t.config.web.maxGreetingSeconds} seconds.`);
    expect(page.body).toContain('data-text-record="Record"');
  });

  it('shows only notices of its own table, never text from the address', async () => {
    const page = await browser.get('/greetings?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E&done=x');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('data-testid="notice"');
    expect(page.body).not.toContain('alert(1)');
  });
});

describe('the greetings page where the admin hides deleting and uploads are small', () => {
  let t: WebTest;
  let browser: WebClient;

  beforeAll(async () => {
    t = await webTest({ web: { maxUploadBytes: 64 * 1024 }, menu: { allow_delete_greetings: false } });
    browser = t.client();
    await browser.login();
  }, 60_000);
  afterAll(() => t.close());

  it('has no delete button, refuses the delete POST, and keeps the greeting', async () => {
    await browser.get('/greetings');
    const mp3 = readFileSync(join(fixtures, 'greeting.mp3'));
    expect(location(await browser.post('/greetings/work/de', {}, file(mp3, 'a.mp3', 'audio/mpeg')))).toBe(
      '/greetings?done=saved',
    );
    const page = await browser.get('/greetings');
    expect(page.body).toContain('data-testid="play-work-de"');
    expect(page.body).not.toContain('data-testid="delete-work-de"');
    expect((await browser.post('/greetings/work/de/delete')).status).toBe(403);
    expect(await t.deps.greetings.greeting(ALICE, 'work', 'de')).toBeDefined();
  });

  it('refuses a file over web.maxUploadBytes and keeps the greeting she had', async () => {
    const page = await browser.get('/greetings');
    expect(page.body).toContain('data-max-bytes="65536"');
    const before = readFileSync((await t.deps.greetings.greeting(ALICE, 'work', 'de'))!.localPath);
    const large = spokenWav(t.dir);
    expect(large.length).toBeGreaterThan(64 * 1024);
    const res = await browser.post('/greetings/work/de', {}, file(large));
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/greetings?error=too_large');
    expect((await browser.get('/greetings?error=too_large')).body).toContain(
      'Die Datei ist größer als 0,1 MB.',
    );
    expect(
      readFileSync((await t.deps.greetings.greeting(ALICE, 'work', 'de'))!.localPath).equals(before),
    ).toBe(true);
    expect(uploadLeftovers(t)).toEqual([]);
  });

  it('still lets her delete her own name', async () => {
    await browser.get('/greetings');
    await browser.post(
      '/greetings/name',
      {},
      file(readFileSync(join(fixtures, 'greeting.mp3')), 'a.mp3', 'audio/mpeg'),
    );
    expect(await t.deps.greetings.name(ALICE)).toBeDefined();
    expect((await browser.get('/greetings')).body).toContain('data-testid="delete-name"');
    expect(location(await browser.post('/greetings/name/delete'))).toBe('/greetings?done=name-deleted');
    expect(await t.deps.greetings.name(ALICE)).toBeUndefined();
  });
});
