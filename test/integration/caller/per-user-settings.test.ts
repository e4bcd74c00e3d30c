// Her own settings in the lab's LDAP user data, heard on a call: her office hours and off-hours
// profile (the greeting of the profile in force), her way of choosing her callers' language, the
// language of her own menus; each with the site's value when her key is absent, and a bad value
// logged with the user, key and value while another user's call at the same moment keeps hers.
// The values are written with an LDAP modify, as an admin or a migration would write them.
// The users are this file's own (every seeded user is read or changed by other files) and are
// gone again afterwards.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { Attribute, Change, NoSuchObjectError } from 'ldapts';
import { smtpTransport } from '../../../src/mail/index.js';
import { hashPin } from '../../../src/pin/index.js';
import type { CallEvent, RuntimeLogger } from '../../../src/runtime/index.js';
import { writeWav } from '../../../src/sim/index.js';
import { startVoicebox, type BoxCall, type Voicebox } from '../../actions/support.js';
import { asLdapAdmin, labDirectory } from '../lab/support.js';

const lab = inject('lab');
const PIN = '2468';
const STRANGER = '+49 89 777888';

/** this file's users, in ou=sales: `ext` is the extension of her mailbox number +49 30 12345<ext> */
const USERS = {
  hanna: { cn: 'Hanna Hoffmann', ext: '61' },
  lena: { cn: 'Lena Lang', ext: '62' },
  mira: { cn: 'Mira Mertens', ext: '63' },
  otto: { cn: 'Otto Ostermann', ext: '64' },
} as const;
type Login = keyof typeof USERS;
const dn = (uid: Login) => `uid=${uid},ou=sales,${lab.ldap.baseDn}`;
const mailboxOf = (uid: Login) => `5${USERS[uid].ext}`;

/** what every one of them has: a German greeting, `work` chosen, the PIN, her welcome mail sent */
let base: string[] = [];

/** her user data, written as a whole: `base` and her own keys of the test */
async function ownData(uid: Login, own: string[]): Promise<void> {
  for (const s of lab.ldap.servers)
    await asLdapAdmin(lab, s.url, (c) =>
      c.modify(
        dn(uid),
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'voiceboxUserData', values: [...base, ...own] }),
        }),
      ),
    );
}

/** no trace of them: other files count and list the lab's users */
async function removeUsers(): Promise<void> {
  for (const s of lab.ldap.servers)
    await asLdapAdmin(lab, s.url, async (c) => {
      for (const uid of Object.keys(USERS) as Login[])
        await c.del(dn(uid)).catch((e: unknown) => {
          if (!(e instanceof NoSuchObjectError)) throw e;
        });
    });
}

beforeAll(async () => {
  base = [
    'enabled=Y',
    'language=de',
    'profile=work',
    `pinHash=${await hashPin(PIN)}`,
    'wrongPinCount=0',
    'welcomeSentAt=2026-01-01T00:00:00.000Z',
  ];
  await removeUsers();
  // both servers, as the seed: the directory tries them in fail-over order
  for (const s of lab.ldap.servers)
    await asLdapAdmin(lab, s.url, async (c) => {
      for (const [uid, u] of Object.entries(USERS))
        await c.add(dn(uid as Login), {
          objectClass: ['inetOrgPerson', 'voiceboxUser'],
          uid,
          cn: u.cn,
          sn: u.cn.split(' ')[1]!,
          mail: `${uid}@example.com`,
          telephoneNumber: `+49 30 12341${u.ext}`,
          voiceboxMailboxNumber: `+49 30 12345${u.ext}`,
          voiceboxUserData: base,
        });
    });
});

afterAll(removeUsers);

/** the server's warnings, every one kept */
function keptWarnings(): RuntimeLogger & { warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  const log = {
    warnings,
    info() {},
    debug() {},
    error() {},
    warn: (obj: object, msg?: string) => void warnings.push({ ...obj, msg }),
    child: () => log,
  };
  return log;
}

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

// Tuesday 2026-12-01 in Berlin; the company (menus) works mon-fri 08:00-17:00, break
// 12:00-13:00, home outside office hours, mobile in breaks; each user chose work
const at = (hhmm: string) => () => new Date(`2026-12-01T${hhmm}:00+01:00`);

/** voicebox over the lab's slapd (no cache: a modify is seen by the next call) and Postfix */
async function voicebox(now: () => Date, o: { language_choice?: string } = {}) {
  const log = keptWarnings();
  box = await startVoicebox({
    directory: labDirectory(lab),
    transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    now,
    menu: { language_choice: o.language_choice ?? 'default' },
    log,
  });
  // hanna and otto recorded a greeting for each profile: what a caller hears says which one
  // answers; lena and mira none: their callers hear the standard greeting, in its language
  for (const uid of ['hanna', 'otto'] as const) {
    const folder = join(box.media, 'greetings', `493012345${USERS[uid].ext}`);
    mkdirSync(folder, { recursive: true });
    for (const profile of ['work', 'home', 'mobile']) writeWav(join(folder, `${profile}.de.wav`), 1500, 200);
  }
  return { box, warnings: log.warnings };
}

const profileOf = (events: CallEvent[]) =>
  events.flatMap((e) => (e.kind === 'profile' ? [{ profile: e.profile, reason: e.reason }] : []));

/** a caller from outside: the greeting he hears, and the profile voicebox put in force */
async function greetingHeard(b: Voicebox, uid: Login) {
  const r = await b.dial(mailboxOf(uid)).from(STRANGER).hearsAudio().hangsUp();
  return { greeting: r.heard.find((h) => h.startsWith('audio:')), profile: profileOf(r.events)[0]?.profile };
}

/** the prompts as said, with their language: `en:standard_greeting` */
const spoken = (r: BoxCall) =>
  r.events.flatMap((e) =>
    e.kind === 'prompt' && e.text ? e.text.split(/\s(?=[a-z]{2}:\w)/).map((p) => p.replace(/\(.*$/, '')) : [],
  );

describe('her own office hours (officeHours in LDAP)', () => {
  it('mon-fri 10:00-12:00: at 09:00 her callers get home; absent, the company is open: work', async () => {
    const { box } = await voicebox(at('09:00'));
    await ownData('hanna', ['officeHours=mon-fri 10:00-12:00']);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:home.de.wav', profile: 'home' });
    await ownData('hanna', []);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:work.de.wav', profile: 'work' });
  });

  it('none: at 21:32 her callers still get work, which she chose; absent, the company is closed: home', async () => {
    const { box } = await voicebox(at('21:32'));
    await ownData('hanna', ['officeHours=none']);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:work.de.wav', profile: 'work' });
    await ownData('hanna', []);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:home.de.wav', profile: 'home' });
  });
});

describe('her own off-hours profile (offHoursProfile in LDAP)', () => {
  it("at 21:32 mobile, hers, instead of the company's home; none: her choice, work; absent: home", async () => {
    const { box } = await voicebox(at('21:32'));
    await ownData('hanna', ['offHoursProfile=mobile']);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:mobile.de.wav', profile: 'mobile' });
    await ownData('hanna', ['offHoursProfile=none']);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:work.de.wav', profile: 'work' });
    await ownData('hanna', []);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:home.de.wav', profile: 'home' });
  });

  it('with her own office hours: outside hers, her off-hours profile', async () => {
    const { box } = await voicebox(at('09:00'));
    await ownData('hanna', ['officeHours=mon-fri 10:00-12:00', 'offHoursProfile=mobile']);
    expect(await greetingHeard(box, 'hanna')).toEqual({ greeting: 'audio:mobile.de.wav', profile: 'mobile' });
  });
});

describe('bad office hours in LDAP', () => {
  it("the company's apply to her, the log names her, the key and the value; another user's call at the same time keeps his", async () => {
    const { box, warnings } = await voicebox(at('21:32'));
    await ownData('hanna', ['officeHours=mon-fri 8-17']);
    await ownData('otto', ['officeHours=none']);
    const [hanna, otto] = await Promise.all([greetingHeard(box, 'hanna'), greetingHeard(box, 'otto')]);
    expect(hanna).toEqual({ greeting: 'audio:home.de.wav', profile: 'home' });
    expect(otto).toEqual({ greeting: 'audio:work.de.wav', profile: 'work' });
    expect(warnings).toEqual([
      expect.objectContaining({ user: dn('hanna'), key: 'officeHours', value: 'mon-fri 8-17' }),
    ]);
    expect(JSON.stringify(warnings)).not.toMatch(/scrypt\$|pinHash/); // never a PIN
  });
});

describe("her own way of choosing her callers' language (languageChoice in LDAP)", () => {
  it('site default, hers ask: the caller is asked and hears the greeting in what he chose', async () => {
    const { box } = await voicebox(at('10:00'), { language_choice: 'default' });
    await ownData('lena', ['languageChoice=ask']);
    const r = await box
      .dial(mailboxOf('lena'))
      .from(STRANGER)
      .hears('choose_language_prompt')
      .press('2')
      .hears('standard_greeting')
      .hangsUp();
    expect(r.said).toContain('choose_language_prompt');
    expect(spoken(r).slice(0, 2)).toEqual(['de:choose_language_prompt', 'en:standard_greeting']);
  });

  it("absent: the site's rule, default: not asked, her greeting language", async () => {
    const { box } = await voicebox(at('10:00'), { language_choice: 'default' });
    await ownData('lena', []);
    // from London: by the site's `default` her greeting language, German, all the same
    const r = await box.dial(mailboxOf('lena')).from('+44 20 79460000').hears('standard_greeting').hangsUp();
    expect(spoken(r)[0]).toBe('de:standard_greeting');
    expect(r.said).not.toContain('choose_language_prompt');
  });
});

describe('the language of her own menus (menuLanguage in LDAP)', () => {
  /** the owner from outside: * in her greeting, her PIN, then her main menu */
  const logsIn = (b: Voicebox) =>
    b
      .dial(mailboxOf('mira'))
      .from(STRANGER)
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types(`${PIN}#`)
      .hears('main_menu')
      .hangsUp();

  it('German greeting, menuLanguage=en: after login her menus are English, her callers hear German', async () => {
    const { box } = await voicebox(at('10:00'), { language_choice: 'by_caller' });
    await ownData('mira', ['menuLanguage=en']);
    const caller = await box.dial(mailboxOf('mira')).from(STRANGER).hears('standard_greeting').hangsUp();
    expect(spoken(caller)[0]).toBe('de:standard_greeting');
    // she pressed *: from her PIN on, her menus
    expect(spoken(await logsIn(box))).toEqual(['de:standard_greeting', 'en:enter_pin', 'en:main_menu']);
  });

  it('absent: her menus in her greeting language, German', async () => {
    const { box } = await voicebox(at('10:00'), { language_choice: 'by_caller' });
    await ownData('mira', []);
    expect(spoken(await logsIn(box))).toEqual(['de:standard_greeting', 'de:enter_pin', 'de:main_menu']);
  });
});
