// One voice-box number for everyone (§4.1.1, §4.1.2): a call forwarded from a user's extension to
// the common number reaches her mailbox, found by the forwarding number the network presented.
// End to end: the simulator presents the Diversion header / Caller-RDNIS as FreeSWITCH does.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerOfForwardedCall } from '../../src/actions/forwarded.js';
import type { ActionKit } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import {
  AmbiguousOfficeNumber,
  DirectoryUnavailable,
  YamlDirectory,
  type Directory,
  type DirectoryUser,
} from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import type { ActionContext } from '../../src/runtime/index.js';
import { ScriptedCaller, writeWav } from '../../src/sim/index.js';
import { prompt } from '../support/dialogue.js';
import { exampleUsers, maildirInbox } from '../support/owners.js';
import { COMMON, commonNumberBox, messageToCommon, STRANGER } from './common-number-box.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function start(commonNumbers: string[] = [COMMON]) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-common-'));
  const maildir = join(dir, 'maildir');
  const box = await commonNumberBox({
    directory: new YamlDirectory({ file: exampleUsers(dir) }),
    transport: maildirTransport({ root: maildir }),
    commonNumbers,
  });
  closers.push(() => box.close());
  const voiceMailsTo = async (user: string) => {
    await box.spool.flush();
    return maildirInbox(maildir, user)
      .map((m) => m.text)
      .filter((m) => /X-Voicebox-Type: voice/i.test(m));
  };
  return { call: box.call, voiceMailsTo };
}

describe('a call forwarded to the common voice-box number', () => {
  it("from Alice's office extension (SIP Diversion): her greeting, the message mailed to her", async () => {
    const box = await start();
    const said = await box.call(messageToCommon().redirectedFrom('101'));
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(said.at(-1)).toBe('de:message_saved');
    expect(await box.voiceMailsTo('alice')).toHaveLength(1);
  });

  it("from Alice's mailbox number (Caller-RDNIS after a dialplan transfer): her mailbox", async () => {
    const box = await start();
    const said = await box.call(messageToCommon().redirectedFrom('+49301234501', 'rdnis'));
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(await box.voiceMailsTo('alice')).toHaveLength(1);
  });

  it('without a forwarding number: as before, no voice box at that number', async () => {
    const box = await start();
    expect(await box.call(messageToCommon())).toEqual(['de:unknown_mailbox de:goodbye']);
  });

  it('forwarded from a number nobody has: no voice box, nobody gets a message', async () => {
    const box = await start();
    expect(await box.call(messageToCommon().redirectedFrom('199'))).toEqual([
      'de:unknown_mailbox de:goodbye',
    ]);
    expect(await box.voiceMailsTo('alice')).toHaveLength(0);
  });

  it('a malformed Diversion header is ignored: the call goes on as not forwarded', async () => {
    const box = await start();
    const forged = messageToCommon().redirectedFrom('101', 'diversion', '<sip:*)(uid=*@pbx>;reason=x');
    expect(await box.call(forged)).toEqual(['de:unknown_mailbox de:goodbye']);
  });

  it('is not routed when the number called is not a common one (the setting off: the default)', async () => {
    const box = await start([]);
    expect(await box.call(messageToCommon().redirectedFrom('101'))).toEqual([
      'de:unknown_mailbox de:goodbye',
    ]);
  });

  it('a forged Diversion of her office number chooses the greeting, never logs anyone in', async () => {
    const box = await start();
    const said = await box.call(
      new ScriptedCaller({ number: STRANGER, dialed: '500' })
        .redirectedFrom('101')
        .pressWhilePlaying(prompt('standard_greeting', 'press_1_or_2'), '*', 300)
        .hangupWhilePlaying(prompt('enter_pin'), 300),
    );
    expect(said[0]).toBe('de:standard_greeting(5 0 1)');
    expect(said).toContain('de:enter_pin');
    expect(said.some((s) => /main_menu|you_have/.test(s))).toBe(false);
  });
});

/** a user without a mailbox number of her own (LDAP: no mailbox attribute), welcome mail sent */
const umsUser = (login: string, name: string, office: string): DirectoryUser => ({
  id: `uid=${login}`,
  login,
  name,
  email: `${login}@example.com`,
  mailbox: '',
  numbers: { office },
  settings: {
    enabled: true,
    profiles: {},
    wrongPinCount: 0,
    trustedNumbers: [],
    welcomeSentAt: '2026-01-01T00:00:00.000Z',
  },
  rawUserData: [],
});
const ANNA = umsUser('anna', 'Anna', '+49 30 1234107');
const BERT = umsUser('bert', 'Bert', '+49 30 1234108');

/** users found by their office number only; `lookups` may fail instead */
function officeDirectory(users: DirectoryUser[], o: { lookups?: () => Promise<never> } = {}): Directory {
  const byOffice = (formats: string[]) => users.find((u) => formats.includes(u.numbers.office ?? ''));
  return {
    findByNumber: () => o.lookups?.() ?? Promise.resolve(undefined),
    findByOfficeNumber: (formats) => o.lookups?.() ?? Promise.resolve(byOffice(formats)),
    updateSettings: (user, change) => Promise.resolve({ ...user, settings: change(user.settings) }),
    close: () => Promise.resolve(),
  };
}

/** the lines a log got, for what an admin reads */
function recordingLog() {
  const lines: string[] = [];
  const at = () => (obj: object, msg?: string) => void lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  const log = { info: at(), warn: at(), error: at(), debug: at(), child: () => log };
  return { log, lines };
}

function forwardedTo500(directory: Directory) {
  const kit = {
    location: { ...readConfig().location, commonNumbers: ['500'] },
    directory,
  } as unknown as ActionKit;
  const { log, lines } = recordingLog();
  const ctx = (redirectedFrom?: string) =>
    ({
      call: { called: '500', ...(redirectedFrom ? { redirectedFrom } : {}) },
      log,
    }) as unknown as ActionContext;
  const owner = (redirectedFrom?: string) => ownerOfForwardedCall(kit, ctx(redirectedFrom), '500');
  return { owner, lines };
}

describe('the "UMS number": a user without her own mailbox number', () => {
  it('found by her office number, her mailbox is her office number: unique, the number her callers dialled', async () => {
    const { owner } = forwardedTo500(officeDirectory([ANNA, BERT]));
    expect((await owner('107'))?.mailbox).toBe('+49 30 1234107');
    expect((await owner('108'))?.mailbox).toBe('+49 30 1234108');
    expect(await owner('109')).toBeUndefined();
    expect(await owner()).toBeUndefined();
  });

  it("Anna's greeting is for Anna's callers only: Bert's callers hear his number, not her voice", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-common-'));
    const box = await commonNumberBox({
      directory: officeDirectory([ANNA, BERT]),
      transport: maildirTransport({ root: join(dir, 'maildir') }),
    });
    closers.push(() => box.close());
    // Anna's own greeting for every profile, kept by her mailbox (her office number)
    const folder = join(box.media, 'greetings', '49301234107');
    mkdirSync(folder, { recursive: true });
    for (const profile of ['work', 'mobile', 'home', 'vacation', 'custom1', 'custom2', 'internal'])
      writeWav(join(folder, `${profile}.de.wav`), 1500, 200);
    // the caller hangs up on whatever greeting she hears: a recording or the standard one
    const hangUp = (from: string) =>
      new ScriptedCaller({ number: STRANGER, dialed: '500' })
        .redirectedFrom(from)
        .hangupWhilePlaying(/\.wav$|standard_greeting/, 300);

    const toAnna = await box.call(hangUp('107'));
    expect(toAnna[0]).toMatch(/^audio:.*49301234107\/\w+\.de\.wav$/);
    const toBert = await box.call(hangUp('108'));
    expect(toBert[0]).toBe('de:standard_greeting(1 0 8)');
    expect(toBert.some((s) => s.startsWith('audio:'))).toBe(false);
  });
});

describe('a forwarded call while the directory cannot be asked', () => {
  it('no directory server answers the forwarding number: logged, the common number decides', async () => {
    const unavailable = () =>
      Promise.reject(new DirectoryUnavailable([{ server: 'ldap://a', error: 'timeout' }], undefined));
    const { owner, lines } = forwardedTo500(officeDirectory([ANNA], { lookups: unavailable }));
    expect(await owner('107')).toBeUndefined();
    expect(lines.some((l) => l.includes('directory unavailable') && l.includes('107'))).toBe(true);
  });

  it('at call level: the caller is not told of a technical problem; the common number answers', async () => {
    const reception = { ...umsUser('reception', 'Reception', '+49 30 1234100'), mailbox: COMMON };
    const directory: Directory = {
      // the forwarding number cannot be looked up; the common number's own entry (a last known
      // one, when the directory keeps them) still answers
      findByNumber: (formats) =>
        formats.includes(COMMON)
          ? Promise.resolve(reception)
          : Promise.reject(new DirectoryUnavailable([{ server: 'ldap://a', error: 'timeout' }], undefined)),
      findByOfficeNumber: () =>
        Promise.reject(new DirectoryUnavailable([{ server: 'ldap://a', error: 'timeout' }], undefined)),
      updateSettings: (user, change) => Promise.resolve({ ...user, settings: change(user.settings) }),
      close: () => Promise.resolve(),
    };
    const box = await commonNumberBox({
      directory,
      transport: maildirTransport({ root: mkdtempSync(join(tmpdir(), 'voicebox-common-')) }),
    });
    closers.push(() => box.close());
    const said = await box.call(
      new ScriptedCaller({ number: STRANGER, dialed: '500' })
        .redirectedFrom('107')
        .hangupWhilePlaying(prompt('standard_greeting'), 300),
    );
    expect(said[0]).toBe('de:standard_greeting(5 0 0)');
    expect(said.join(' ')).not.toMatch(/technical_problem/);
  });
});

describe('an office number several users share (a team line)', () => {
  const TEAM = (dir: string) => {
    const file = join(dir, 'users.yaml');
    writeFileSync(
      file,
      [
        'users:',
        '  anna:',
        '    name: Anna',
        '    email: anna@example.com',
        "    mailbox: '+49 30 1234601'",
        "    numbers: { office: '+49 30 1234150' }",
        '  bert:',
        '    name: Bert',
        '    email: bert@example.com',
        "    mailbox: '+49 30 1234602'",
        "    numbers: { office: '+49 30 1234150' }",
        '  carla:',
        '    name: Carla',
        '    email: carla@example.com',
        "    mailbox: '+49 30 1234603'",
        "    numbers: { office: '+49 30 1234151' }",
        '',
      ].join('\n'),
    );
    return new YamlDirectory({ file });
  };

  it('the YAML directory finds nobody by it and says how many have it', async () => {
    const directory = TEAM(mkdtempSync(join(tmpdir(), 'voicebox-team-')));
    const error = await directory.findByOfficeNumber(['+49 30 1234150']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousOfficeNumber);
    expect((error as AmbiguousOfficeNumber).count).toBe(2);
    expect((error as Error).message).not.toMatch(/anna|bert|1234150/i);
    expect((await directory.findByOfficeNumber(['+49 30 1234151']))?.login).toBe('carla');
  });

  it('a call forwarded from it reaches nobody of the team: logged with the count', async () => {
    const { owner, lines } = forwardedTo500(TEAM(mkdtempSync(join(tmpdir(), 'voicebox-team-'))));
    expect(await owner('150')).toBeUndefined();
    expect(lines.some((l) => l.includes('ambiguous office number') && l.includes('"count":2'))).toBe(true);
    expect((await owner('151'))?.login).toBe('carla');
  });
});
