// The admin's page as an admin (Alice, 501, listed in web.admins) and a plain owner (Bob, 502)
// use it: the company greeting uploaded, played and deleted per language; a locked user looked
// up and unlocked; what is refused to a non-admin and to a post without its CSRF token.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { YamlDirectory } from '../../src/directory/index.js';
import { hashPin } from '../../src/pin/index.js';
import { webClient, webTest, type WebTest } from './support.js';

const ALICE_PIN = '2468';
const BOB_PIN = '1357';
const CAROL_LOCKED_AT = '2026-12-01T09:30:00.000Z';

let hashes = { alice: '', bob: '' };
beforeAll(async () => {
  hashes = { alice: await hashPin(ALICE_PIN), bob: await hashPin(BOB_PIN) };
});

/** Alice (the admin), Bob (an owner, no admin) and Carol, locked after three wrong PINs */
function usersFile(dir: string): string {
  const file = join(dir, 'users.yaml');
  writeFileSync(
    file,
    `users:
  alice:
    name: Alice Anders
    email: alice@example.com
    mailbox: '+49 30 1234501'
    numbers: { office: '+49 30 1234101' }
    settings:
      - language=de
      - pinHash=${hashes.alice}
      - welcomeSentAt=2026-01-01T00:00:00.000Z
  bob:
    name: Bob Berger
    email: bob@example.com
    login: bberger
    mailbox: '+49 30 1234502'
    settings:
      - language=en
      - pinHash=${hashes.bob}
      - welcomeSentAt=2026-01-01T00:00:00.000Z
  carol:
    name: Carol Clausen
    email: carol@example.com
    login: cclausen
    mailbox: '+49 30 1234503'
    settings:
      - language=de
      - pinHash=${hashes.bob}
      - welcomeSentAt=2026-01-01T00:00:00.000Z
      - wrongPinCount=3
      - lockedAt=${CAROL_LOCKED_AT}
`,
  );
  return file;
}

/** a web app over that users file, Alice listed in web.admins by her mailbox number */
function adminTest(): Promise<WebTest> {
  return webTest({ web: { admins: ['+49 30 1234501'] }, users: usersFile });
}

async function settingsOf(usersFile: string, number: string) {
  const user = await new YamlDirectory({ file: usersFile }).findByNumber([number]);
  if (!user) throw new Error(`${usersFile} has no user ${number}`);
  return user.settings;
}

/** a 2-second stereo tone at 44.1 kHz, as a sound program would save it */
function toneWav(dir: string): Buffer {
  const file = join(dir, 'company-tone.wav');
  execFileSync('sox', [
    '-n',
    '-r',
    '44100',
    '-c',
    '2',
    '-b',
    '16',
    file,
    'synth',
    '2',
    'sine',
    '440',
    'gain',
    '-6',
  ]);
  return readFileSync(file);
}

function soxInfo(file: string, option: '-r' | '-c' | '-b'): string {
  return execFileSync('sox', ['--info', option, file], { encoding: 'utf8' }).trim();
}

const testid = (id: string) => `data-testid="${id}"`;

let t: WebTest | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the company greeting', () => {
  it('an admin uploads it for German: it is 8 kHz mono, plays on the page and is audited; then she deletes it', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);

    let admin = await browser.get('/admin');
    expect(admin.status).toBe(200);
    expect(admin.body).toContain(testid('company-de'));
    expect(admin.body).toContain(testid('company-upload-de'));
    expect(admin.body).toContain(testid('company-record-de'));
    expect(admin.body).not.toContain(testid('company-delete-de'));

    const saved = await browser.post('/admin/company/de', undefined, {
      files: [{ field: 'audio', filename: 'firma.wav', content: toneWav(t.dir), contentType: 'audio/wav' }],
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe('/admin?done=company-saved');

    const stored = await t.deps.greetings.company('de');
    expect(stored?.localPath).toMatch(/company\.de\.wav$/);
    expect(soxInfo(stored!.localPath, '-r')).toBe('8000');
    expect(soxInfo(stored!.localPath, '-c')).toBe('1');
    expect(soxInfo(stored!.localPath, '-b')).toBe('16');
    expect(t.audits).toEqual([
      {
        by: '+49 30 1234501',
        action: 'company greeting',
        detail: expect.objectContaining({ language: 'de' }),
      },
    ]);

    admin = await browser.get('/admin?done=company-saved');
    expect(admin.body).toContain(testid('notice'));
    expect(admin.body).toContain('Die Firmenansage ist gespeichert.');
    expect(admin.body).toContain('company.de.wav');
    expect(admin.body).toContain('src="/admin/company/de/audio"');
    expect(admin.body).toContain(testid('company-delete-de'));

    const audio = await browser.get('/admin/company/de/audio');
    expect(audio.status).toBe(200);
    expect(audio.headers['content-type']).toMatch(/^audio\/wav/);
    expect(audio.raw.equals(readFileSync(stored!.localPath))).toBe(true);

    const deleted = await browser.post('/admin/company/de/delete');
    expect(deleted.status).toBe(303);
    expect(deleted.headers.location).toBe('/admin?done=company-deleted');
    expect(await t.deps.greetings.company('de')).toBeUndefined();
    expect((await browser.get('/admin/company/de/audio')).status).toBe(404);
  });

  it('a file that is no audio is refused with the reason, and the old greeting stays', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);
    await browser.get('/admin');
    await browser.post('/admin/company/de', undefined, {
      files: [{ field: 'audio', filename: 'firma.wav', content: toneWav(t.dir), contentType: 'audio/wav' }],
    });
    const before = readFileSync((await t.deps.greetings.company('de'))!.localPath);

    await browser.get('/admin');
    const refused = await browser.post('/admin/company/de', undefined, {
      files: [
        {
          field: 'audio',
          filename: 'firma.wav',
          content: Buffer.from('<html><script>alert(1)</script></html>'),
          contentType: 'audio/wav',
        },
      ],
    });
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toBe('/admin?error=not_audio');
    expect(readFileSync((await t.deps.greetings.company('de'))!.localPath).equals(before)).toBe(true);
    const shown = await browser.get('/admin?error=not_audio');
    expect(shown.body).toContain('Die Datei ist keine Audiodatei (WAV, MP3 oder Ogg).');
  });

  it('where a language has none of its own, the page says the general company.wav plays, and offers no delete for it', async () => {
    t = await adminTest();
    const general = join(t.deps.media.local, 'greetings', 'company.wav');
    mkdirSync(dirname(general), { recursive: true });
    writeFileSync(general, toneWav(t.dir));
    const browser = webClient(t.app, { acceptLanguage: 'en' });
    await browser.login('501', ALICE_PIN);
    const admin = await browser.get('/admin');
    expect(admin.body).toContain('<html lang="en">');
    expect(admin.body).toMatch(
      /data-testid="company-file-de"[^>]*>\s*Playing: <code>company\.wav<\/code> \(the general one for every language\)/,
    );
    expect(admin.body).not.toContain(testid('company-delete-de'));
    const audio = await browser.get('/admin/company/de/audio');
    expect(audio.status).toBe(200);
    expect(audio.raw.equals(readFileSync(general))).toBe(true);
  });

  it("the browser's recorder gets JSON: ok with the page to go to, or the reason in the page's language", async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);
    await browser.get('/admin');
    const json = { accept: 'application/json', 'csrf-token': browser.csrf() };
    const saved = await browser.post('/admin/company/de', undefined, {
      csrf: false,
      headers: json,
      files: [
        { field: 'audio', filename: 'recording.wav', content: toneWav(t.dir), contentType: 'audio/wav' },
      ],
    });
    expect(saved.status).toBe(200);
    expect(JSON.parse(saved.body)).toEqual({ ok: true, location: '/admin?done=company-saved' });
    expect(await t.deps.greetings.company('de')).toBeDefined();

    const refused = await browser.post('/admin/company/de', undefined, {
      csrf: false,
      headers: json,
      files: [
        { field: 'audio', filename: 'recording.wav', content: Buffer.alloc(0), contentType: 'audio/wav' },
      ],
    });
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.body)).toEqual({
      ok: false,
      error: 'Die Datei ist leer, oder in der Aufnahme ist nichts zu hören.',
    });
  });

  it('a language the menus do not speak is no page, and names no file', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);
    await browser.get('/admin');
    expect((await browser.get('/admin/company/xx/audio')).status).toBe(404);
    expect((await browser.get('/admin/company/..%2F..%2Fetc%2Fpasswd/audio')).status).toBe(404);
    const upload = await browser.post('/admin/company/xx', undefined, {
      files: [{ field: 'audio', filename: 'firma.wav', content: toneWav(t.dir), contentType: 'audio/wav' }],
    });
    expect(upload.status).toBe(404);
    expect((await browser.post('/admin/company/xx/delete')).status).toBe(404);
    expect(t.audits).toEqual([]);
  });
});

describe('a user looked up and unlocked', () => {
  it('Carol, locked after three wrong PINs, is shown locked; unlock clears the lock in the file and is recorded', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);

    const found = await browser.get('/admin?q=%2B49%2030%201234503');
    expect(found.status).toBe(200);
    expect(found.body).toContain(testid('user-report'));
    expect(found.body).toContain('Carol Clausen');
    expect(found.body).toContain(testid('lock-state'));
    expect(found.body).toContain(CAROL_LOCKED_AT);
    expect(found.body).toContain(testid('unlock'));
    expect(found.body).not.toContain(hashes.bob);
    expect(found.body).not.toMatch(/scrypt\$/);

    const unlocked = await browser.post('/admin/unlock', { user: '+49 30 1234503' });
    expect(unlocked.status).toBe(303);
    expect(unlocked.headers.location).toBe('/admin?q=%2B49%2030%201234503&done=unlocked');
    const carol = await settingsOf(t.usersFile, '+49 30 1234503');
    expect(carol.lockedAt).toBeUndefined();
    expect(carol.wrongPinCount).toBe(0);
    expect(t.audits).toEqual([expect.objectContaining({ by: '+49 30 1234501', action: 'unlock' })]);

    const after = await browser.get(unlocked.headers.location as string);
    expect(after.body).toContain('Die Anmeldung ist entsperrt.');
    expect(after.body).not.toContain(testid('unlock'));
  });

  it('an unlock without its CSRF token is refused and Carol stays locked', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);
    await browser.get('/admin?q=%2B49%2030%201234503');
    const refused = await browser.post('/admin/unlock', { user: '+49 30 1234503' }, { csrf: false });
    expect(refused.status).toBe(403);
    const carol = await settingsOf(t.usersFile, '+49 30 1234503');
    expect(carol.lockedAt).toBe(CAROL_LOCKED_AT);
    expect(carol.wrongPinCount).toBe(3);
    expect(t.audits).toEqual([]);
  });

  it('a lookup that finds nobody shows why, escaped: markup in the query never becomes markup', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);
    const found = await browser.get(`/admin?q=${encodeURIComponent('<script>alert(1)</script>')}`);
    expect(found.status).toBe(200);
    expect(found.body).toContain(testid('lookup-error'));
    expect(found.body).not.toContain('<script>alert(1)</script>');
    expect(found.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(found.body).not.toContain(testid('user-report'));
  });

  it('a query text in ?done= or ?error= is never shown: only the page’s own notices', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('501', ALICE_PIN);
    const page = await browser.get(`/admin?error=${encodeURIComponent('<b>hacked</b>')}&done=toString`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('hacked');
    expect(page.body).not.toContain(testid('notice'));
  });
});

describe('an owner who is no admin', () => {
  it('Bob gets 403 on the page, the audio and every post, and nothing changes', async () => {
    t = await adminTest();
    const browser = t.client();
    await browser.login('502', BOB_PIN);
    const box = await browser.get('/box');
    expect(box.body).not.toContain('href="/admin"');

    expect((await browser.get('/admin')).status).toBe(403);
    expect((await browser.get('/admin?q=%2B49%2030%201234503')).status).toBe(403);
    expect((await browser.get('/admin/company/de/audio')).status).toBe(403);

    await browser.get('/box');
    const posts = [
      await browser.post('/admin/company/de', undefined, {
        files: [{ field: 'audio', filename: 'firma.wav', content: toneWav(t.dir), contentType: 'audio/wav' }],
      }),
      await browser.post('/admin/company/de/delete'),
      await browser.post('/admin/unlock', { user: '+49 30 1234503' }),
    ];
    expect(posts.map((p) => p.status)).toEqual([403, 403, 403]);
    expect(await t.deps.greetings.company('de')).toBeUndefined();
    const carol = await settingsOf(t.usersFile, '+49 30 1234503');
    expect(carol.lockedAt).toBe(CAROL_LOCKED_AT);
    expect(t.audits).toEqual([]);
  });
});
