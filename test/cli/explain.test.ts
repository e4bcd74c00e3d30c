// `voicebox explain` as an admin runs it: users of its own in a YAML file, the shipped menus
// (company office hours Mon–Fri 08:00–17:00 Europe/Berlin, break 12:00–13:00).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';

const USERS = `users:
  hanna:
    name: Hanna Hours
    email: hanna@example.com
    login: hhours
    mailbox: '+49 30 1234561'
    settings:
      - language=de
      - profile=work
      - officeHours=Europe/Berlin; mon-thu 07:00-15:00; closed 12-24
      - offHoursProfile=mobile
      - profile.mobile.transferTo=+49 170 1000061
  vera:
    name: Vera Vacation
    email: vera@example.com
    mailbox: '+49 30 1234562'
    settings:
      - language=en
      - profile=work
      - vacation=Y
      - profile.vacation.messages=N
  tom:
    name: Tom Transfer
    email: tom@example.com
    mailbox: '+49 30 1234563'
    settings:
      - language=de
      - profile=work
      - profile.work.transferTo=+44 20 7123 4567
`;

function site() {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-explain-'));
  writeFileSync(join(dir, 'users.yaml'), USERS);
  const config = join(dir, 'voicebox.yaml');
  writeFileSync(config, 'directory:\n  file: users.yaml\nmedia:\n  local: media\n');
  return { dir, config };
}

/** every file under dir with its size and time: what a read-only command must leave as it was */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      const s = statSync(path);
      return `${path} ${s.size} ${s.mtimeMs}`;
    })
    .sort();
}

describe('voicebox explain', () => {
  it('names her own office hours, the window that did not match and her off-hours profile', async () => {
    const { config } = site();
    // a Friday: her own hours are Monday to Thursday
    const r = await voicebox('explain', 'hhours', '--config', config, '--at', '2026-12-04 10:00');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('user      Hanna Hours (hhours), mailbox +49 30 1234561\n');
    expect(r.out).toContain(
      'call      from an external caller without a number, Fri 2026-12-04 10:00 Europe/Berlin\n',
    );
    expect(r.out).toContain('profile   mobile\n          because: a day without work hours\n');
    expect(r.out).toContain(
      'office hours: her own, Fri 2026-12-04 10:00 Europe/Berlin: no work hours that day → closed-day',
    );
    expect(r.out).toContain('off-hours profile: mobile (her own)');
    expect(r.out).toContain('she chose: work');
    expect(r.out).toContain('transfer  +49 170 1000061 allowed\n');
  });

  it('the same user on a Thursday morning: open, her choice; on her holiday: closed', async () => {
    const { config } = site();
    const open = await voicebox('explain', '+49 30 1234561', '--config', config, '--at', '2026-12-03T08:30');
    expect(open.code, open.err).toBe(0);
    expect(open.out).toContain('profile   work\n          because: her own choice\n');
    expect(open.out).toContain('her own, Thu 2026-12-03 08:30 Europe/Berlin: 07:00-15:00 → open');
    expect(open.out).toContain('transfer  none\n          no transfer target in the profile work\n');
    const holiday = await voicebox('explain', 'hhours', '--config', config, '--at', '2026-12-24 09:00');
    expect(holiday.out).toContain('because: a holiday');
    expect(holiday.out).toContain('closed 12-24 → holiday');
  });

  it('vacation wins over office hours, and its profile takes no messages', async () => {
    const { config } = site();
    const r = await voicebox('explain', '1234562', '--config', config, '--at', '2026-12-02 10:00');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      'profile   vacation\n          because: she is on vacation\n          she chose: work\n',
    );
    expect(r.out).toContain('message   cannot be left\n          the profile vacation takes no messages\n');
  });

  it('an internal caller gets the internal profile', async () => {
    const { config } = site();
    const r = await voicebox(
      'explain',
      '1234562',
      '--config',
      config,
      '--from',
      '123',
      '--at',
      '2026-12-02 10:00',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('call      from 123 (internal)');
    expect(r.out).toMatch(/profile {3}\S+\n {10}because: an internal caller/);
  });

  it('a transfer target the dial policy refuses is named with the reason', async () => {
    const { config } = site();
    const r = await voicebox('explain', '1234563', '--config', config, '--at', '2026-12-02 10:00');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/transfer {2}\+44 ?20 ?7123 ?4567 refused\n {10}refused by the dial policy: \S/);
  });

  it('the greeting: her recording in the language a caller from abroad gets, else hers in her own', async () => {
    const { dir, config } = site();
    // Tom's mailbox key is its digits: +49 30 1234563
    const key = join(dir, 'media', 'greetings', '49301234563');
    mkdirSync(key, { recursive: true });
    writeFileSync(join(key, 'work.de.wav'), 'RIFF');
    const fromLondon = await voicebox(
      'explain',
      '1234563',
      '--config',
      config,
      '--from',
      '+442071234567',
      '--at',
      '2026-12-02 10:00',
    );
    expect(fromLondon.code, fromLondon.err).toBe(0);
    expect(fromLondon.out).toContain(`greeting  her recording: ${join(key, 'work.de.wav')}\n`);
    expect(fromLondon.out).toContain('none recorded for work in en: hers in de');
    writeFileSync(join(key, 'work.en.wav'), 'RIFF');
    const again = await voicebox(
      'explain',
      '1234563',
      '--config',
      config,
      '--from',
      '+442071234567',
      '--at',
      '2026-12-02 10:00',
      '--json',
    );
    const e = JSON.parse(again.out) as {
      greeting: { file: string; language: string };
      language: { language: string };
    };
    expect(e.greeting.file).toBe(join(key, 'work.en.wav'));
    expect(e.language.language).toBe('en');
  });

  it('writes nothing', async () => {
    const { dir, config } = site();
    const before = snapshot(dir);
    const r = await voicebox('explain', 'hhours', '--config', config);
    expect(r.code, r.err).toBe(0);
    expect(snapshot(dir)).toEqual(before);
    expect(readFileSync(join(dir, 'users.yaml'), 'utf8')).toBe(USERS);
  });

  it('an unknown user, a malformed --from or --at: one line, exit 1; a bad config: exit 2', async () => {
    const { dir, config } = site();
    const cases: Array<[string[], number, RegExp]> = [
      [['nobody'], 1, /^voicebox explain: no user 'nobody'\n$/],
      [['1234599'], 1, /^voicebox explain: no user '1234599'\n$/],
      [['1234561', '--from', 'call me'], 1, /^voicebox explain: --from 'call me' is not a phone number\n$/],
      [
        ['1234561', '--at', 'tomorrow'],
        1,
        /^voicebox explain: --at 'tomorrow': write ISO 8601 or YYYY-MM-DD HH:MM/,
      ],
    ];
    for (const [args, code, err] of cases) {
      const r = await voicebox('explain', ...args, '--config', config);
      expect(r.out).toBe('');
      expect(r.err).toMatch(err);
      expect(r.code).toBe(code);
    }
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'location:\n  countryCode: forty-nine\n');
    const r = await voicebox('explain', '1234561', '--config', bad);
    expect(r.err).toMatch(/^voicebox explain: bad configuration:/);
    expect(r.code).toBe(2);
  });

  it('never prints her PIN hash or mail password', async () => {
    const { dir, config } = site();
    writeFileSync(
      join(dir, 'users.yaml'),
      USERS.replace(
        '      - language=de\n      - profile=work\n      - officeHours',
        '      - pinHash=scrypt$SECRETHASH\n      - mailPassword=SECRETPW\n      - language=de\n      - profile=work\n      - officeHours',
      ),
    );
    const r = await voicebox('explain', 'hhours', '--config', config, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toMatch(/SECRET/);
  });
});
