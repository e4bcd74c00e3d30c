// The last known directory entries: kept when a lookup succeeds, used (and said so in the log)
// only while no directory server answers, never for a login; owner-only, bounded, no PINs.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DirectoryUnavailable,
  LastKnownDirectory,
  YamlDirectory,
  type Directory,
  type DirectoryUser,
  type UserSettings,
} from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import { vacationActive } from '../../src/schedule/index.js';
import { ownerCalls, quickMessage, startVoicebox, type Voicebox } from '../actions/support.js';
import { aliceWithPin, maildirInbox, PIN } from '../support/owners.js';

const ALICE = ['+49 30 1234501', '+49301234501', '030 1234501', '501'];
const BOB = ['+49 30 1234502', '+49301234502', '030 1234502', '502'];

/** a directory whose servers can be switched off */
class Switchable implements Directory {
  down = false;
  lookups = 0;
  updates = 0;
  constructor(private readonly inner: Directory) {}
  private check(): void {
    if (this.down)
      throw new DirectoryUnavailable(
        [
          { server: 'ldap://a', error: 'ECONNREFUSED' },
          { server: 'ldap://b', error: 'ECONNREFUSED' },
        ],
        new Error('ECONNREFUSED'),
      );
  }
  async findByNumber(formats: string[]): Promise<DirectoryUser | undefined> {
    this.lookups++;
    this.check();
    return this.inner.findByNumber(formats);
  }
  async updateSettings(user: DirectoryUser, change: (s: UserSettings) => UserSettings) {
    this.updates++;
    this.check();
    return this.inner.updateSettings(user, change);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function logger() {
  const lines: string[] = [];
  const put = (o: object, m?: string) => lines.push(`${m ?? ''} ${JSON.stringify(o)}`);
  return { lines, warn: put, error: put, info: put, debug: put, child: () => logger() };
}

async function setup(o: { maxEntries?: number; now?: () => Date } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-last-known-'));
  // a PIN and a trusted number that must never reach the snapshot; her welcome mail not yet
  // sent, as the call during an outage below needs
  const { directory: yaml } = await aliceWithPin(dir, (s) => {
    const next: UserSettings = { ...s, wrongPinCount: 2 };
    delete next.welcomeSentAt;
    return next;
  });
  const servers = new Switchable(yaml);
  const file = join(dir, 'data', 'last-known.json');
  const log = logger();
  const directory = new LastKnownDirectory(servers, { file, log, ...o });
  return { dir, file, servers, directory, log };
}

describe('LastKnownDirectory', () => {
  it('keeps what a message needs, owner-only, without PIN, counters, trusted or phone numbers', async () => {
    const { file, directory } = await setup();
    await directory.findByNumber(ALICE);
    await directory.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('alice@example.com');
    expect(text).toContain('Alice Anders');
    expect(text).not.toMatch(/scrypt|pinHash|legacyPin|wrongPinCount|trusted|mailPassword|1234101/);
    // her mobile only as the transfer target of her profile "mobile", which a caller needs
    const [entry] = (JSON.parse(text) as { entries: Array<Record<string, unknown>> }).entries;
    expect(Object.keys(entry!).sort()).toEqual(['at', 'email', 'id', 'keys', 'mailbox', 'name', 'settings']);
    expect(text.match(/1000001/g)).toHaveLength(1);
    expect(text).toContain('"transferTo":"+49 170 1000001"');
  });

  it('during an outage: the last known entry, said so in the log, marked and read-only', async () => {
    const at = new Date('2026-12-01T09:00:00.000Z');
    const { directory, servers, log } = await setup({ now: () => at });
    const live = (await directory.findByNumber(ALICE))!;
    servers.down = true;
    const kept = (await directory.findByNumber(['501']))!;
    expect(kept).toMatchObject({
      id: live.id,
      name: 'Alice Anders',
      email: 'alice@example.com',
      mailbox: live.mailbox,
      lastKnown: at.toISOString(),
    });
    expect(kept.settings).toMatchObject({ enabled: true, language: 'de', activeProfile: 'work' });
    expect(kept.settings.pinHash).toBeUndefined();
    expect(kept.settings.trustedNumbers).toEqual([]);
    expect(log.lines).toContainEqual(
      expect.stringContaining(
        `directory unavailable: using the last known entry for ${live.mailbox} from 2026-12-01T09:00:00.000Z`,
      ),
    );
    // no login, no settings from it: that needs the live directory
    const updates = servers.updates;
    await expect(directory.updateSettings(kept, (s) => s)).rejects.toBeInstanceOf(DirectoryUnavailable);
    expect(servers.updates).toBe(updates);
    // a number never found before: the outage as it is
    await expect(directory.findByNumber(BOB)).rejects.toBeInstanceOf(DirectoryUnavailable);
  });

  it('keeps her own office hours, off-hours and break profiles and language rule; no PIN numbers', async () => {
    const { directory, servers } = await setup();
    const alice = (await servers.findByNumber(ALICE))!;
    await servers.updateSettings(alice, (s) => ({
      ...s,
      officeHours: 'Europe/Berlin; mon-fri 10:00-12:00',
      offHoursProfile: 'mobile',
      breakProfile: '',
      languageChoice: 'ask',
      pinNumbers: ['+49 89 777888'],
      trustOffice: true,
      pinChangeRequired: true,
    }));
    await directory.findByNumber(ALICE);
    servers.down = true;
    const kept = (await directory.findByNumber(ALICE))!;
    // which profile answers her callers, and in which language, as when the directory answered
    expect(kept.settings).toMatchObject({
      officeHours: 'Europe/Berlin; mon-fri 10:00-12:00',
      offHoursProfile: 'mobile',
      breakProfile: '',
      languageChoice: 'ask',
    });
    expect(kept.settings.pinNumbers).toBeUndefined();
    expect(kept.settings.trustOffice).toBeUndefined();
    expect(kept.settings.pinChangeRequired).toBeUndefined();
  });

  it('keeps her vacation dates: a vacation that is over does not answer again during an outage', async () => {
    const { directory, servers } = await setup();
    const alice = (await servers.findByNumber(ALICE))!;
    await servers.updateSettings(alice, (s) => ({
      ...s,
      vacation: true,
      vacationFrom: '2026-11-20',
      vacationUntil: '2026-11-30',
    }));
    await directory.findByNumber(ALICE);
    servers.down = true;
    const kept = (await directory.findByNumber(ALICE))!;
    expect(kept.settings).toMatchObject({
      vacation: true,
      vacationFrom: '2026-11-20',
      vacationUntil: '2026-11-30',
    });
    // on 2 December her callers hear her usual profile, as when the directory answered
    expect(vacationActive(kept.settings, new Date('2026-12-02T10:00:00Z'), 'Europe/Berlin')).toBe(false);
    expect(vacationActive(kept.settings, new Date('2026-11-25T10:00:00Z'), 'Europe/Berlin')).toBe(true);
  });

  it('is written when an entry is new or changed, not on every lookup; survives a restart', async () => {
    const { file, directory, servers } = await setup();
    await directory.findByNumber(ALICE);
    await directory.flush();
    const first = statSync(file).mtimeMs;
    for (let i = 0; i < 5; i++) await directory.findByNumber(ALICE);
    await directory.flush();
    expect(statSync(file).mtimeMs).toBe(first);
    // she changes her profile: written again
    const alice = (await servers.findByNumber(ALICE))!;
    await servers.updateSettings(alice, (s) => ({ ...s, activeProfile: 'mobile' }));
    await directory.findByNumber(ALICE);
    await directory.close();

    const again = new Switchable(new YamlDirectory({ file: join(file, '..', '..', 'users.yaml') }));
    again.down = true;
    const restarted = new LastKnownDirectory(again, { file });
    expect((await restarted.findByNumber(ALICE))?.settings.activeProfile).toBe('mobile');
  });

  it('keeps at most maxEntries, dropping the one taken longest ago', async () => {
    const { directory, servers } = await setup({ maxEntries: 1 });
    await directory.findByNumber(ALICE);
    await directory.findByNumber(BOB);
    servers.down = true;
    await expect(directory.findByNumber(ALICE)).rejects.toBeInstanceOf(DirectoryUnavailable);
    expect((await directory.findByNumber(BOB))?.name).toBe('Bob Berger');
  });

  it('a damaged file is logged and ignored; other errors are not hidden', async () => {
    const { file, servers } = await setup();
    await import('node:fs/promises').then((fs) => fs.mkdir(join(file, '..'), { recursive: true }));
    writeFileSync(file, '{"version":1,"entries":[{"id":');
    const log = logger();
    const directory = new LastKnownDirectory(servers, { file, log });
    expect(log.lines.join('\n')).toContain('last known directory entries not readable');
    expect((await directory.findByNumber(ALICE))?.name).toBe('Alice Anders');
    const failing = new LastKnownDirectory(
      {
        findByNumber: () => Promise.reject(new Error('bad filter')),
        updateSettings: () => Promise.reject(new Error('no')),
        close: async () => {},
      },
      { file },
    );
    await expect(failing.findByNumber(ALICE)).rejects.toThrow('bad filter');
  });
});

describe('a call while no directory server answers', () => {
  let box: Voicebox | undefined;
  afterEach(async () => {
    await box?.close();
    box = undefined;
  });

  it('the caller leaves a message for an owner seen before; her login needs the live directory', async () => {
    const { dir, directory, servers } = await setup();
    const maildir = join(dir, 'maildir');
    // the welcome mail is on (it needs to store a PIN): it must not stand in the way
    box = await startVoicebox({
      directory,
      transport: maildirTransport({ root: maildir }),
      welcome: { enabled: true },
    });
    const inbox = () => maildirInbox(maildir, 'alice').map((m) => m.text);
    await directory.findByNumber(ALICE);
    servers.down = true;

    const r = await box.call(quickMessage('501', '+4930555777'));
    expect(r.said.at(-1)).toBe('de:message_saved');
    await box.spool.flush();
    expect(inbox().filter((m) => /X-Voicebox-Type: voice/i.test(m) && m.includes('4930555777'))).toHaveLength(
      1,
    );

    // star and the PIN: no login from the copy, the caller hears the apology
    const login = await box.call(ownerCalls('+4989777888', [PIN]));
    expect(login.said).not.toContain('de:enter_pin');
    expect(login.said).not.toContain('de:main_menu');
    expect(login.said.at(-1)).toBe('de:technical_problem');

    // bob was never looked up: the apology as before
    expect((await box.call(quickMessage('502'))).said).toEqual(['de:technical_problem']);
  });
});
