// Her own office hours and off-hours and break profiles (§4.7.6), heard on a call: the greeting of
// the profile in force is the one a caller hears. Without them, the company's; a value that cannot
// be used is logged with the key and the value, and the company's apply to her.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserSettings } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import type { RuntimeLogger } from '../../src/runtime/index.js';
import { writeWav } from '../../src/sim/index.js';
import { aliceWithPin } from '../support/owners.js';
import { startVoicebox, type Voicebox } from './support.js';

const STRANGER = '+49 89 777888';
const OFFICE = '+49 30 1234101'; // her desk phone, trusted below: no PIN
const ALICE_KEY = '49301234501';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** the server's log, every line kept (children included) */
function keptLog(lines: { level: string; obj: Record<string, unknown>; msg: string }[] = []): RuntimeLogger {
  const put = (level: string) => (obj: object, msg?: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
  return {
    info: put('info'),
    warn: put('warn'),
    error: put('error'),
    debug: put('debug'),
    child: () => keptLog(lines),
  };
}

// Tuesday 2026-12-01 in Berlin; the company works mon-fri 08:00-17:00, break 12:00-13:00,
// home outside office hours, mobile in breaks; Alice chose work
const at = (hhmm: string) => () => new Date(`2026-12-01T${hhmm}:00+01:00`);

async function start(alice: (s: UserSettings) => UserSettings, now: () => Date) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-own-hours-'));
  const { directory } = await aliceWithPin(dir, alice);
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now,
    login: { trustOffice: true },
    log: keptLog(lines),
  });
  // a greeting of hers for each profile: what a caller hears says which one answers
  const folder = join(box.media, 'greetings', ALICE_KEY);
  mkdirSync(folder, { recursive: true });
  for (const profile of ['work', 'home', 'mobile']) writeWav(join(folder, `${profile}.de.wav`), 1500, 200);
  return { box, warnings: () => lines.filter((l) => l.level === 'warn') };
}

const own = (settings: Partial<UserSettings>) => (s: UserSettings) => ({ ...s, ...settings });

/** the greeting a caller from outside hears */
async function greetingHeard(b: Voicebox): Promise<string | undefined> {
  const r = await b.dial('501').from(STRANGER).hearsAudio().hangsUp();
  return r.heard.find((h) => h.startsWith('audio:'));
}

describe('her own office hours', () => {
  it('mon-fri 10:00-12:00: at 09:00 her callers get home; without them, the company is open: work', async () => {
    expect(
      await greetingHeard((await start(own({ officeHours: 'mon-fri 10:00-12:00' }), at('09:00'))).box),
    ).toBe('audio:home.de.wav');
    await box?.close();
    expect(await greetingHeard((await start(own({}), at('09:00'))).box)).toBe('audio:work.de.wav');
  });

  it('none: at 21:32 her callers still get work, which she chose; the company is closed: home', async () => {
    expect(await greetingHeard((await start(own({ officeHours: 'none' }), at('21:32'))).box)).toBe(
      'audio:work.de.wav',
    );
    await box?.close();
    expect(await greetingHeard((await start(own({}), at('21:32'))).box)).toBe('audio:home.de.wav');
  });

  it('her own time zone: 10:00-12:00 in New York is 16:00-18:00 in Berlin', async () => {
    const hours = own({ officeHours: 'America/New_York; mon-fri 10:00-12:00' });
    expect(await greetingHeard((await start(hours, at('17:30'))).box)).toBe('audio:work.de.wav');
  });

  it('asked by phone, she hears the profile her own hours put in force, and why', async () => {
    const { box } = await start(
      own({ officeHours: 'mon-fri 10:00-12:00', offHoursProfile: 'mobile' }),
      at('09:00'),
    );
    await box
      .dial('501')
      .from(OFFICE)
      .hears('standard_greeting') // her desk phone is internal: the internal profile, none recorded
      .press('*')
      .hears('main_menu')
      .press('2')
      .hears('key_profiles')
      .press('1')
      .hears('profile_in_force_off_hours(de:profile_mobile,de:profile_work)')
      .hangsUp();
  });
});

describe('her own off-hours and break profiles', () => {
  it("outside office hours mobile, hers, instead of the company's home; absent: home", async () => {
    expect(await greetingHeard((await start(own({ offHoursProfile: 'mobile' }), at('21:32'))).box)).toBe(
      'audio:mobile.de.wav',
    );
  });

  it("in the break home, hers, instead of the company's mobile; none: her choice", async () => {
    expect(await greetingHeard((await start(own({ breakProfile: 'home' }), at('12:30'))).box)).toBe(
      'audio:home.de.wav',
    );
    await box?.close();
    expect(await greetingHeard((await start(own({ breakProfile: '' }), at('12:30'))).box)).toBe(
      'audio:work.de.wav',
    );
    await box?.close();
    expect(await greetingHeard((await start(own({}), at('12:30'))).box)).toBe('audio:mobile.de.wav');
  });
});

describe('a value that cannot be used', () => {
  it("bad office hours: the company's apply, and the log names the key and the value, once per call", async () => {
    const { box, warnings } = await start(own({ officeHours: 'mon-fri 8-17' }), at('21:32'));
    expect(await greetingHeard(box)).toBe('audio:home.de.wav');
    expect(warnings()).toEqual([
      expect.objectContaining({
        obj: expect.objectContaining({
          user: expect.any(String),
          key: 'officeHours',
          value: 'mon-fri 8-17',
          error: expect.stringContaining('a range is HH:MM-HH:MM'),
        }),
      }),
    ]);
  });

  it("a profile the menus do not offer: the company's, and the log says which", async () => {
    const { box, warnings } = await start(own({ offHoursProfile: 'beach' }), at('21:32'));
    expect(await greetingHeard(box)).toBe('audio:home.de.wav');
    expect(warnings().map((w) => w.obj)).toEqual([
      expect.objectContaining({ key: 'offHoursProfile', value: 'beach' }),
    ]);
  });
});
