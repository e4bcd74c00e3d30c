// A bad value of her own costs her only that setting: a language voicebox has no prompts for, a
// line break in a value from the directory. Her callers still reach her mailbox, she still
// logs in; the site's value applies to her, and the log names the user, key and value.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { UserRecords } from '../../src/actions/records.js';
import { readConfig } from '../../src/config/index.js';
import {
  defaultSettings,
  YamlDirectory,
  type DirectoryUser,
  type UserSettings,
} from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import type { RuntimeLogger } from '../../src/runtime/index.js';
import { silentLogger } from '../support/log.js';
import { aliceWithPin, exampleUsers, maildirInbox, PIN } from '../support/owners.js';
import { quickMessage, startVoicebox, type BoxCall, type Voicebox } from './support.js';

const MUNICH = '+49 89 777888';
const LONDON = '+44 20 79460000';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function start(alice: Partial<UserSettings>, site: 'default' | 'by_caller' = 'default') {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-own-values-'));
  const { directory } = await aliceWithPin(dir, (s) => ({ ...s, ...alice }));
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now: () => new Date('2026-12-01T10:00:00+01:00'),
    menu: { language_choice: site },
  });
  return box;
}

/** the prompts as said, with their language: `en:standard_greeting` */
const spoken = (r: BoxCall) =>
  r.events.flatMap((e) =>
    e.kind === 'prompt' && e.text ? e.text.split(/\s(?=[a-z]{2}:\w)/).map((p) => p.replace(/\(.*$/, '')) : [],
  );

describe('her own language without prompts', () => {
  it("language=fr: her callers hear the greeting in the site's language, and can leave a message", async () => {
    const b = await start({ language: 'fr' });
    const r = await b.call(quickMessage('501', LONDON));
    expect(spoken(r)[0]).toBe('de:standard_greeting');
    expect(spoken(r).at(-1)).toBe('de:message_saved');
  });

  it('without a language of her own, or with one voicebox speaks: hers, as before', async () => {
    expect(spoken(await (await start({ language: 'en' })).call(quickMessage('501', MUNICH)))[0]).toBe(
      'en:standard_greeting',
    );
    await box?.close();
    expect(spoken(await (await start({})).call(quickMessage('501', LONDON)))[0]).toBe('de:standard_greeting');
  });

  it('menuLanguage=fr: she logs in and hears her menus in her greeting language', async () => {
    const b = await start({ language: 'en', menuLanguage: 'fr' }, 'by_caller');
    const r = await b
      .dial('501')
      .from(MUNICH)
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types(`${PIN}#`)
      .hears('main_menu')
      .hangsUp();
    expect(spoken(r)).toContain('en:main_menu');
  });

  it('the record logs the user, the key and the value, once, and uses the default', () => {
    const warnings: unknown[][] = [];
    const log: RuntimeLogger = { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args) };
    const bundle = loadMenus(['menus']).bundle;
    const records = new UserRecords(
      readConfig().location,
      { language: 'de', profile: 'work' },
      [bundle.languages.default, bundle.languages.otherwise, ...bundle.languages.offered],
      log,
    );
    const user: DirectoryUser = {
      id: 'uid=alice',
      name: 'Alice',
      email: 'alice@example.com',
      mailbox: '+49 30 1234501',
      numbers: {},
      settings: { ...defaultSettings(), language: 'fr', menuLanguage: 'it' },
      rawUserData: [],
    };
    const rec = records.record(user);
    expect(rec).toMatchObject({ language: 'de', menu_language: 'de' });
    expect(warnings).toEqual([
      [{ user: 'uid=alice', key: 'language', value: 'fr' }, expect.stringContaining('no prompts')],
      [{ user: 'uid=alice', key: 'menuLanguage', value: 'it' }, expect.stringContaining('no prompts')],
    ]);
    expect(
      records.record({ ...user, settings: { ...user.settings, language: 'en', menuLanguage: 'de' } }),
    ).toMatchObject({ language: 'en', menu_language: 'de' });
    expect(warnings).toHaveLength(2);
  });
});

describe('a line break in one of her values from the directory', () => {
  it("her callers still leave messages: the value is kept as it is, the company's office hours apply", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-own-values-'));
    const usersFile = exampleUsers(dir);
    // as a directory may hold it: her welcome mail not sent yet, so every call writes her settings
    const file = load(readFileSync(usersFile, 'utf8')) as { users: Record<string, { settings: string[] }> };
    file.users.alice!.settings.push('officeHours=mon-fri 08:00-17:00\r');
    writeFileSync(usersFile, dump(file));
    const maildir = join(dir, 'maildir');
    box = await startVoicebox({
      directory: new YamlDirectory({ file: usersFile }),
      transport: maildirTransport({ root: maildir }),
      now: () => new Date('2026-12-01T10:00:00+01:00'),
    });
    for (let i = 0; i < 2; i++) {
      const r = await box.call(quickMessage('501', MUNICH));
      expect(spoken(r)).not.toContain('de:technical_problem');
      expect(spoken(r).at(-1)).toBe('de:message_saved');
    }
    await box.spool.flush();
    const voice = maildirInbox(maildir, 'alice').filter((m) => /X-Voicebox-Type: voice/i.test(m.text));
    expect(voice).toHaveLength(2);
    // kept for the admin to correct
    expect(readFileSync(usersFile, 'utf8')).toContain('officeHours=mon-fri 08:00-17:00\\r');
  });
});
