// The notifier over a real users file and a real Maildir: her lamp follows her mailbox — on at
// her threshold, off when she enters her messages, reads or deletes them elsewhere — and never
// shows a state her mailbox did not have.
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mailboxOwnerOf } from '../../src/actions/index.js';
import {
  DirectoryUnavailable,
  YamlDirectory,
  type Directory,
  type DirectoryUser,
  type UserSettings,
} from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import {
  MailboxUnavailable,
  MaildirMailboxStore,
  type Mailbox,
  type MailboxOwner,
  type MailboxStore,
} from '../../src/mailbox/index.js';
import {
  LampSender,
  MailboxPoll,
  Notifier,
  smsDispatch,
  UserIndex,
  type NotifierOptions,
  type NotifySite,
  type SmsJob,
} from '../../src/notify/index.js';
import type { Location } from '../../src/phone/index.js';
import { recordingLogger, silentLogger } from '../support/log.js';
import { aliceSettingsIn, exampleUsers } from '../support/owners.js';
import { RecordingLampLink } from './recording-lamp-link.js';

const berlin: Location = {
  countryCode: '49',
  areaCode: '30',
  subscriberBase: '1234',
  outsideLinePrefix: '0',
};
/** Alice's desk phone: her office number +49 30 1234101 */
const ALICE_LAMP = 'sip:101@pbx.example.com';
const T0 = new Date('2026-12-01T10:00:00Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

/**
 * a message from a gateway the site trusts (ixi-UMS's sender template): a voice message (with
 * its audio attached: a gateway's voice message without one is an e-mail) or a fax for Alice
 */
const gatewayMail = (kind: 'voc' | 'fax'): Buffer =>
  Buffer.from(
    [
      `From: +4930555123@${kind}.gw.example.com`,
      'To: alice@example.com',
      `Subject: ${kind === 'fax' ? 'Fax' : 'Voice message'} from +49 30 555123`,
      'Date: Tue, 01 Dec 2026 11:00:00 +0100',
      `Message-ID: <${randomBytes(6).toString('hex')}@gw.example.com>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'A message.',
      '--b1',
      `Content-Type: ${kind === 'fax' ? 'application/pdf' : 'audio/wav'}`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="message.${kind === 'fax' ? 'pdf' : 'wav'}"`,
      '',
      'UklGRiQAAABXQVZF',
      '--b1--',
      '',
    ].join('\r\n'),
  );

interface World {
  dir: string;
  usersFile: string;
  directory: YamlDirectory;
  link: RecordingLampLink;
  lamps: LampSender;
  notifier: Notifier;
  lines: ReturnType<typeof recordingLogger>['lines'];
  /** her Maildir as this process's mailbox store reads it */
  store: MailboxStore;
  /** delivers into Alice's Maildir as the Maildir transport does; arrived at `at` (default T0 + 60 s) */
  deliver(kind: 'voc' | 'fax', at?: Date): Promise<string>;
  /** Alice's lamps as FreeSWITCH took them */
  aliceLamps(): string[];
  alice(): Promise<DirectoryUser>;
  setAlice(change: (s: UserSettings) => UserSettings): Promise<void>;
  now: { value: Date };
}

interface WorldOptions {
  site?: Partial<NotifySite>;
  store?: (maildir: MailboxStore) => MailboxStore;
  /** the directory as this voicebox process sees it (slow, failing) */
  directory?: (file: YamlDirectory) => Directory;
  onSmsDue?: NotifierOptions['onSmsDue'];
  /** another voicebox process: the same users file, Maildir and FreeSWITCH */
  sharing?: World;
}

function world(o: WorldOptions = {}): World {
  const dir = o.sharing?.dir ?? mkdtempSync(join(tmpdir(), 'voicebox-notify-'));
  const usersFile = o.sharing?.usersFile ?? exampleUsers(dir);
  const directory = new YamlDirectory({ file: usersFile });
  const seenBy = o.directory ? o.directory(directory) : directory;
  const root = join(dir, 'maildir');
  const maildir = new MaildirMailboxStore({
    root,
    folder: 'INBOX',
    trash: 'Trash',
    deleteMode: 'expunge',
    trustedSenderDomains: ['gw.example.com'],
  });
  const link = o.sharing?.link ?? new RecordingLampLink();
  const { log, lines } = recordingLogger();
  const lamps = new LampSender(link, { log });
  const now = o.sharing?.now ?? { value: T0 };
  const site: NotifySite = {
    thresholds: { voice: 1, fax: 1, sms: 1 },
    lamp: { enabled: true, domain: 'pbx.example.com', user: 'extension' },
    sms: { enabled: false },
    ...o.site,
  };
  const notifier = new Notifier({
    directory: seenBy,
    mailboxes: o.store ? o.store(maildir) : maildir,
    ownerOf: (user) => mailboxOwnerOf(user, { location: berlin, log }),
    lamp: lamps,
    userByLogin: new UserIndex({ directory: seenBy }).byLogin,
    site,
    location: berlin,
    clock: () => now.value,
    log,
    onSmsDue: o.onSmsDue,
  });
  const inbox = join(root, 'alice', 'new');
  const listed = (): string[] => {
    try {
      return readdirSync(inbox);
    } catch {
      return [];
    }
  };
  const alice = async () => (await directory.findByNumber(['+49 30 1234501']))!;
  return {
    dir,
    usersFile,
    directory,
    link,
    lamps,
    notifier,
    lines,
    store: maildir,
    now,
    async deliver(kind, at = later(60)) {
      const before = new Set(listed());
      await maildirTransport({ root }).send({
        id: randomBytes(4).toString('hex'),
        messageId: '<x@gw.example.com>',
        envelope: { from: 'gw@gw.example.com', to: ['alice@example.com'] },
        raw: gatewayMail(kind),
      });
      const file = join(
        inbox,
        listed().find((f) => !before.has(f))!,
      );
      utimesSync(file, at, at); // its arrival (INTERNALDATE), as the mail server would give it
      return file;
    },
    aliceLamps: () => link.lamps.filter((l) => l.startsWith(`${ALICE_LAMP} `)),
    alice,
    async setAlice(change) {
      await directory.updateSettings(await alice(), change);
    },
  };
}

/** a push from the mail server: "alice's mailbox changed" */
const push = (w: World) => w.notifier.changed({ login: 'alice', source: 'push' });

async function settled(w: World): Promise<void> {
  await w.lamps.idle();
}

describe('the lamp follows her mailbox', () => {
  let w: World;
  beforeEach(() => {
    w = world();
  });

  it('a voice message lights her lamp at the site’s threshold', async () => {
    await w.deliver('voc');
    await w.notifier.changed({ login: 'alice@example.com', source: 'delivery' });
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`]);
    expect(w.link.sent[0]).toEqual({
      'MWI-Messages-Waiting': 'yes',
      'MWI-Message-Account': ALICE_LAMP,
      'MWI-Voice-Message': '1/0 (0/0)',
    });
  });

  it('her own threshold: on at her second voice message, not at the first', async () => {
    await w.setAlice((s) => ({ ...s, notifyThresholds: { voice: 2 } }));
    await w.deliver('voc');
    await push(w);
    await w.deliver('voc');
    await push(w);
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} no 1/0 (0/0)`, `${ALICE_LAMP} yes 2/0 (0/0)`]);
  });

  it('a fax lights it by the fax threshold and names her faxes; a fax threshold of 0 never', async () => {
    await w.deliver('fax');
    await push(w);
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 0/0 (0/0) fax 1/0 (0/0)`]);

    const v = world({ site: { thresholds: { voice: 1, fax: 0, sms: 1 } } });
    await v.deliver('fax');
    await push(v);
    await settled(v);
    expect(v.aliceLamps()).toEqual([`${ALICE_LAMP} no 0/0 (0/0) fax 1/0 (0/0)`]);
  });

  it('goes out when she enters her messages by phone; only messages after that count again', async () => {
    await w.deliver('voc');
    await push(w);
    w.now.value = later(120);
    const alice = await w.alice();
    await w.notifier.seen({ mailbox: alice.mailbox, user: alice.id });
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`, `${ALICE_LAMP} no 1/0 (0/0)`]);
    expect((await aliceSettingsIn(w.usersFile)).notifyResetAt).toBe(later(120).toISOString());

    await push(w); // the old unseen message does not light it again
    await settled(w);
    expect(w.aliceLamps().at(-1)).toBe(`${ALICE_LAMP} no 1/0 (0/0)`);
    await w.deliver('voc', later(180));
    await push(w);
    await settled(w);
    expect(w.aliceLamps().at(-1)).toBe(`${ALICE_LAMP} yes 2/0 (0/0)`);
  });

  it('seen clears what the SMS already told her', async () => {
    await w.setAlice((s) => ({ ...s, smsNotified: { voice: 3 } }));
    const alice = await w.alice();
    await w.notifier.seen({ mailbox: alice.mailbox, user: alice.id });
    expect((await aliceSettingsIn(w.usersFile)).smsNotified).toBeUndefined();
  });

  it('goes out when her unseen voice message is deleted, or read, in a mail program', async () => {
    const first = await w.deliver('voc');
    await push(w);
    unlinkSync(first);
    await push(w);
    const second = await w.deliver('voc');
    await push(w);
    renameSync(second, join(w.dir, 'maildir', 'alice', 'cur', `${second.split('/').pop()!}:2,S`));
    await push(w);
    await settled(w);
    expect(w.aliceLamps()).toEqual([
      `${ALICE_LAMP} yes 1/0 (0/0)`,
      `${ALICE_LAMP} no 0/0 (0/0)`,
      `${ALICE_LAMP} yes 1/0 (0/0)`,
      `${ALICE_LAMP} no 0/1 (0/0)`,
    ]);
  });

  it('a change that leaves the lamp as it is sends it again: another process may have sent another since', async () => {
    await w.deliver('voc');
    await push(w);
    await push(w);
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`, `${ALICE_LAMP} yes 1/0 (0/0)`]);
  });
});

describe('FreeSWITCH down and back', () => {
  it('lamps wait while the link is down, the latest wins, and every lamp is reconciled on up', async () => {
    const w = world();
    w.notifier.start();
    w.link.down();
    await w.deliver('voc');
    await push(w);
    await w.deliver('voc');
    await push(w);
    await settled(w);
    expect(w.link.sent).toEqual([]);

    w.link.up();
    await w.notifier.reconcileAll(); // joins the run `up` started
    await settled(w);
    expect(new Set(w.aliceLamps())).toEqual(new Set([`${ALICE_LAMP} yes 2/0 (0/0)`]));
    // every user with a desk phone is put in step, the unchanged ones too
    expect(w.link.lamps).toContain('sip:102@pbx.example.com no 0/0 (0/0)');
  });

  it('reconcile re-sends a lamp FreeSWITCH already had (it may have restarted)', async () => {
    const w = world();
    await w.deliver('voc');
    await push(w);
    await w.notifier.reconcileAll();
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`, `${ALICE_LAMP} yes 1/0 (0/0)`]);
  });
});

describe('one check at a time per user', () => {
  it('changes during a check make one more check, and the last lamp is the mailbox after the last change', async () => {
    let opens = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = world({
      store: (maildir) => ({
        fingerprint: (owner) => maildir.fingerprint(owner),
        async open(owner: MailboxOwner): Promise<Mailbox> {
          opens++;
          if (opens === 1) await gate; // the first check is slow: the mailbox changes under it
          return maildir.open(owner);
        },
      }),
    });
    const first = push(w);
    await w.deliver('voc');
    const more = [push(w), push(w)];
    await w.deliver('voc');
    more.push(push(w), push(w));
    release();
    await Promise.all([first, ...more]);
    await settled(w);
    expect(opens).toBe(2);
    expect(w.aliceLamps().at(-1)).toBe(`${ALICE_LAMP} yes 2/0 (0/0)`);
  });
});

describe('faults cost only what they touch', () => {
  it('her mailbox cannot be read: no lamp (no phantom change), logged; the next change puts it right', async () => {
    let down = true;
    const w = world({
      store: (maildir) => ({
        fingerprint: (owner) => maildir.fingerprint(owner),
        open: (owner) =>
          down
            ? Promise.reject(new MailboxUnavailable('imap.example.com: connection refused'))
            : maildir.open(owner),
      }),
    });
    await w.deliver('voc');
    await push(w);
    await settled(w);
    expect(w.link.sent).toEqual([]);
    expect(w.lines.find((l) => l.msg?.includes('cannot be read'))).toMatchObject({ user: 'alice' });
    down = false;
    await push(w);
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`]);
  });

  it('a lamp number that is no phone number: no lamp for her, logged once; the others keep theirs', async () => {
    const w = world();
    // Bob's lamp number (YAML numbers.lamp) is a typo
    const file = readFileSync(w.usersFile, 'utf8');
    writeFileSync(
      w.usersFile,
      file.replace(
        "numbers: { office: '+49 30 1234102' }",
        "numbers: { office: '+49 30 1234102', lamp: 'desk*phone' }",
      ),
    );
    const bob = (await w.directory.findByNumber(['+49 30 1234502']))!;
    expect(bob.notifyNumbers).toEqual({ lamp: 'desk*phone' });
    await w.notifier.check(bob, 'changed');
    await w.notifier.check(bob, 'changed');
    await w.deliver('voc');
    await push(w);
    await settled(w);
    expect(w.link.lamps).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`]);
    const said = w.lines.filter((l) => l.user === 'bob' && l.key === 'mwiAccount');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ value: 'desk*phone' });
  });

  it('a mail server name nobody in the directory has changes nothing', async () => {
    const w = world();
    await w.notifier.changed({ login: 'nobody', source: 'push' });
    await settled(w);
    expect(w.link.sent).toEqual([]);
  });
});

/** the users file as a directory whose calls a test can hold up or fail */
const wrapped = (file: YamlDirectory, over: Partial<Directory>): Directory => ({
  findByNumber: (formats) => file.findByNumber(formats),
  updateSettings: (user, change) => file.updateSettings(user, change),
  current: (user) => file.current(user),
  users: () => file.users(),
  close: () => file.close(),
  ...over,
});

const ldapTimeout = () =>
  new DirectoryUnavailable([{ server: 'ldap://ldap.example.com', error: 'timeout' }], undefined);

describe('a check reads her entry as stored when it runs', () => {
  it('a change looked up just before she entered her messages does not light her lamp again', async () => {
    let holdNext = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atLookup = new Promise<void>((r) => (reached = r));
    const w = world({
      directory: (file) =>
        wrapped(file, {
          // read now, used later: a directory lookup that takes a while (LDAP)
          findByNumber: async (formats) => {
            const user = await file.findByNumber(formats);
            if (holdNext) {
              holdNext = false;
              reached();
              await gate;
            }
            return user;
          },
        }),
    });
    await w.deliver('voc');
    await push(w);
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`]);

    holdNext = true;
    const pushed = push(w); // a flag changed somewhere; its lookup is slow
    await atLookup;
    w.now.value = later(120);
    await w.notifier.seen(await w.alice()); // meanwhile she enters her messages by phone
    await settled(w);
    expect(w.aliceLamps().at(-1)).toBe(`${ALICE_LAMP} no 1/0 (0/0)`);

    release();
    await pushed;
    await w.notifier.idle();
    expect(w.aliceLamps().at(-1)).toBe(`${ALICE_LAMP} no 1/0 (0/0)`); // nothing arrived since
  });

  it('her entry cannot be read: no lamp, logged, and the change is reported as not handled', async () => {
    const w = world({
      directory: (file) => wrapped(file, { current: () => Promise.reject(ldapTimeout()) }),
    });
    await w.deliver('voc');
    expect(await push(w)).toBe(false);
    await settled(w);
    expect(w.link.sent).toEqual([]);
    expect(w.lines.find((l) => l.msg?.includes('directory did not answer'))).toMatchObject({ user: 'alice' });
  });
});

describe('two voicebox processes, one FreeSWITCH', () => {
  it('a process puts out the lamp the other lit, though it sent "off" itself before', async () => {
    const a = world();
    const b = world({ sharing: a });
    await push(a); // her empty mailbox: off
    await settled(a);
    const message = await a.deliver('voc');
    await b.notifier.changed({ login: 'alice@example.com', source: 'delivery' }); // b delivered it: on
    await settled(b);
    unlinkSync(message); // deleted in a mail program; the mail server's push reaches a
    await push(a);
    await settled(a);
    expect(a.aliceLamps()).toEqual([
      `${ALICE_LAMP} no 0/0 (0/0)`,
      `${ALICE_LAMP} yes 1/0 (0/0)`,
      `${ALICE_LAMP} no 0/0 (0/0)`,
    ]);
  });
});

describe('her SMS follow her mailbox', () => {
  it('after she read the told message in a mail program, the next voice message gets its SMS', async () => {
    const queued: SmsJob[] = [];
    const { log } = recordingLogger();
    let dispatch: NonNullable<NotifierOptions['onSmsDue']> = () => undefined;
    const w = world({ site: { sms: { enabled: true } }, onSmsDue: (due) => dispatch(due) });
    dispatch = smsDispatch({
      directory: w.directory,
      queue: { enqueue: async (job) => (queued.push(job), true) },
      location: berlin,
      defaultLanguage: 'en',
      log,
    });
    const first = await w.deliver('voc', later(60));
    await push(w);
    expect(queued.map((j) => j.text)).toEqual(['1 neue Sprachnachricht, zuletzt von +49 30 555123']);

    renameSync(first, join(w.dir, 'maildir', 'alice', 'cur', `${first.split('/').pop()!}:2,S`));
    await push(w);
    await w.deliver('voc', later(300));
    await push(w);
    expect(queued.map((j) => j.text)).toEqual([
      '1 neue Sprachnachricht, zuletzt von +49 30 555123',
      '1 neue Sprachnachricht, zuletzt von +49 30 555123',
    ]);
    expect((await aliceSettingsIn(w.usersFile)).smsNotified).toEqual({ voice: 1 });
  });
});

describe('the periodic check', () => {
  it('reports a change again when the directory failed to answer for it', async () => {
    let failOnce = true;
    const w = world({
      directory: (file) =>
        wrapped(file, {
          findByNumber: (formats) => {
            if (!failOnce) return file.findByNumber(formats);
            failOnce = false;
            return Promise.reject(ldapTimeout());
          },
        }),
    });
    await w.deliver('voc');
    const alice = await w.alice();
    const poll = new MailboxPoll({
      list: async () => [
        { login: 'alice', owner: mailboxOwnerOf(alice, { location: berlin, log: silentLogger }) },
      ],
      fingerprint: (owner) => w.store.fingerprint(owner),
      onChange: (change) => w.notifier.changed(change),
      intervalMs: 900_000,
      concurrency: 1,
      log: recordingLogger().log,
    });
    await poll.round();
    await settled(w);
    expect(w.link.sent).toEqual([]);
    await poll.round(); // her fingerprint is unchanged, but the change was never handled
    await settled(w);
    expect(w.aliceLamps()).toEqual([`${ALICE_LAMP} yes 1/0 (0/0)`]);
  });
});
