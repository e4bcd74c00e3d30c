// voicebox as `serve` builds it, against the lab's real Dovecot and Postfix, with FreeSWITCH's
// inbound side simulated: the lamps it sends are the simulator's (sim.lamps). Several may run over
// one simulator (two voicebox processes). Changes reach them by voicebox's own delivery and by the
// periodic check (notify.watch.pollIntervalMs); the lab's push port is push.test.ts's.
// The owners are the lab's mailboxes of these tests' own (nora, noah: lab/README.md), listed in a
// users file of the tests' own, so no other test's users or mail change under them.
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { loadMenus } from '../../../dsl/index.js';
import { buildServices, type Services } from '../../../src/cli/services.js';
import { readConfig, type VoiceboxConfig } from '../../../src/config/index.js';
import { YamlDirectory, type DirectoryUser } from '../../../src/directory/index.js';
import { InboundLink, OutboundServer } from '../../../src/esl/index.js';
import { CallServer, type CallEvent, type RuntimeLogger } from '../../../src/runtime/index.js';
import type { Lamp, ScriptedCaller, Simulator } from '../../../src/sim/index.js';
import type { LabState } from '../../env/lab.js';
import { dialler } from '../../support/dialogue.js';
import type { LoggedLine } from '../../support/log.js';
import { textVoice } from '../../support/voice.js';
import { imapClient, withImap } from '../lab/support.js';

/** the SIP domain of the lamps in these tests (notify.lamp.domain) */
export const LAMP_DOMAIN = 'pbx.example.com';
/** the gateway domain whose `+4930…@fax.<domain>` senders are faxes (mailbox.trustedSenderDomains) */
export const GATEWAY = 'gw.example.com';
/** the periodic check in these tests: small, so a change made elsewhere shows within a second */
export const POLL_MS = 200;

/** An owner of these tests: a mailbox of the lab's Dovecot (password `<uid>pw`), listed in the users file. */
export interface LabUser {
  readonly uid: string;
  /** her mailbox number (as dialled to leave her a message) */
  readonly mailbox: string;
  /** her office number: her lamp account's */
  readonly office: string;
  /** her mobile number, where her SMS go */
  readonly mobile: string;
  /** her lamp account: her office number's extension at LAMP_DOMAIN */
  readonly lamp: string;
  /** her mobile as the e-mail-to-SMS address writes it ($(MOBILE)) */
  readonly mobileDigits: string;
  /** her settings in the users file before any test changed them */
  readonly settings: readonly string[];
}

// Berlin numbers the lab's seed does not use (it has +49 30 12341xx and 12345xx up to 08); the
// lab's location (lab/lab.sh: +49 30 1234, three-digit extensions) makes the office numbers 121, 122
export const nora: LabUser = {
  uid: 'nora',
  mailbox: '+49 30 1234521',
  office: '+49 30 1234121',
  mobile: '+49 170 1000021',
  lamp: `sip:121@${LAMP_DOMAIN}`,
  mobileDigits: '491701000021',
  // no language of her own: the site's (German)
  settings: ['enabled=Y', 'wrongPinCount=0'],
};
export const noah: LabUser = {
  uid: 'noah',
  mailbox: '+49301234522',
  office: '+49301234122',
  mobile: '+491701000022',
  lamp: `sip:122@${LAMP_DOMAIN}`,
  mobileDigits: '491701000022',
  settings: ['enabled=Y', 'wrongPinCount=0', 'language=en'],
};

/**
 * Writes the users file of these tests (src/directory/README.md, YAML adapter): nora and noah,
 * welcomed long ago (no welcome mail fills their INBOXes), their mail at <uid>@example.com.
 */
export function writeUsersFile(file: string): void {
  const user = (u: LabUser, name: string) =>
    [
      `  ${u.uid}:`,
      `    name: ${name}`,
      `    email: ${u.uid}@example.com`,
      `    login: ${u.uid}`,
      `    mailbox: '${u.mailbox}'`,
      `    numbers: { office: '${u.office}', mobile: '${u.mobile}' }`,
      `    settings:`,
      ...[...u.settings, 'welcomeSentAt=2020-01-01T00:00:00.000Z'].map((s) => `      - ${s}`),
    ].join('\n');
  writeFileSync(file, `users:\n${user(nora, 'Nora Neumann')}\n${user(noah, 'Noah Nowak')}\n`, {
    mode: 0o600,
  });
}

/**
 * The lab's config (lab/voicebox.yaml) with voicebox's own files in `dir`, the lamps on, and the
 * users file `users` as the directory (the lab's Dovecot and Postfix stay: mailbox.imap, mail.smtp).
 * Every voicebox of these tests is built in the test's own process, so they share the YAML
 * adapter's lock on that file (it locks within one process only): two of them over one file are
 * two voicebox processes over one directory as far as the notifier can tell.
 */
export function labConfig(
  lab: LabState,
  dir: string,
  users: string,
  name: string,
  key: string,
  change: (c: VoiceboxConfig) => void = () => undefined,
): VoiceboxConfig {
  const config = structuredClone(readConfig(lab.config));
  const own = join(dir, name);
  mkdirSync(join(own, 'media'), { recursive: true });
  config.media.local = join(own, 'media');
  config.directory.type = 'yaml';
  config.directory.file = users;
  config.directory.localSettings = join(own, 'local-settings.json');
  config.login.wrongPinLog = join(own, 'wrong-pin.log');
  config.mail.spool = join(own, 'spool');
  // every voicebox that sends or reads voice messages has the same key (mail.signingKey)
  config.mail.signingKey = key;
  config.mailbox.trustedSenderDomains = [GATEWAY];
  config.notify.lamp.domain = LAMP_DOMAIN;
  config.notify.log = join(own, 'notifier.log');
  config.notify.sms.queue = join(own, 'notify-sms');
  config.notify.watch.pollIntervalMs = POLL_MS;
  config.notify.watch.concurrency = 16;
  config.notify.watch.push.port = 0;
  change(config);
  return config;
}

/** A logger that keeps warnings and errors, and tells when a round of the periodic check ended. */
function watchingLogger(): { log: RuntimeLogger; lines: LoggedLine[]; rounds: () => Promise<void> } {
  const lines: LoggedLine[] = [];
  let ended = 0;
  const waiters: Array<{ at: number; resolve: () => void }> = [];
  const keep =
    (level: string) =>
    (obj: object, msg?: string): void => {
      if (msg === 'mailbox check round') {
        ended++;
        for (const w of [...waiters])
          if (ended >= w.at) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        return;
      }
      if (level === 'warn' || level === 'error')
        lines.push({ level, ...(obj as Record<string, unknown>), ...(msg !== undefined ? { msg } : {}) });
    };
  const log: RuntimeLogger = {
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
    debug: keep('debug'),
    child: () => log,
  };
  // two rounds ending from now: the second started after now, so it saw every change made before
  const rounds = () => new Promise<void>((resolve) => waiters.push({ at: ended + 2, resolve }));
  return { log, lines, rounds };
}

/** One voicebox process: its services, its own link to FreeSWITCH (the simulator) and its calls. */
export interface Voicebox {
  readonly name: string;
  readonly services: Services;
  readonly config: VoiceboxConfig;
  /** warnings and errors it logged */
  readonly logged: LoggedLine[];
  readonly dial: ReturnType<typeof dialler<{ events: CallEvent[] }>>;
  /**
   * Once every change made so far has been seen: a periodic check that started after now has
   * ended, and nothing is left to check or send (the message's delivery included).
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** voicebox as `serve` builds it, its lamps over its own InboundLink to the simulator's inbound side */
export async function startVoicebox(
  sim: Simulator,
  inboundPort: number,
  config: VoiceboxConfig,
  name: string,
): Promise<Voicebox> {
  const media = config.media.local;
  const mediaRoot = { local: media, freeswitch: media };
  const bundle = loadMenus(['menus']).bundle;
  const { log, lines, rounds } = watchingLogger();
  const link = new InboundLink({ host: '127.0.0.1', port: inboundPort, password: 'ClueCon' });
  // voicebox's clock a second ahead of the mail server's: a message delivered in the same second
  // as she enters her messages counts on (arrivals are whole seconds, src/mailbox/README.md), and
  // the scripted caller, unlike a person, logs in within that second
  const services = await buildServices(config, bundle, mediaRoot, log, {
    lampLink: link,
    clock: () => new Date(Date.now() + 1_000),
  });
  const up = once(link, 'up');
  link.start();
  await up;
  await services.notifier?.idle(); // the reconcile every connection starts with

  const ended = new Map<string, Promise<void>>();
  const finish = new Map<string, () => void>();
  const events = new Map<string, CallEvent[]>();
  const calls = new CallServer({
    bundle,
    voice: textVoice,
    actions: services.actions,
    classifyCaller: services.classifyCaller,
    config: config.menu,
    mediaRoot,
    log,
    dialString: config.transfer.dialString,
    recordings: services.recordings,
    onCall: (uuid) => (e) => (events.get(uuid) ?? events.set(uuid, []).get(uuid)!).push(e),
  });
  const server = new OutboundServer({
    port: 0,
    logger: log,
    onChannel: async (channel) => {
      ended.set(channel.uuid, new Promise((r) => finish.set(channel.uuid, r)));
      try {
        await calls.serve(channel);
      } finally {
        finish.get(channel.uuid)?.();
      }
    },
  });
  const { host, port } = await server.listen();
  const call = async (caller: ScriptedCaller) => {
    const placed = await sim.placeCall(caller, { target: `${host}:${port}` });
    await placed.finished;
    await ended.get(placed.uuid);
    // the message handed to Postfix (and its lamp through voicebox's own delivery)
    await services.spool.flush();
    await services.notifier?.idle();
    return { events: events.get(placed.uuid) ?? [] };
  };
  return {
    name,
    services,
    config,
    logged: lines,
    dial: dialler(call),
    async settled() {
      await services.spool.flush();
      await rounds();
      await services.notifier?.idle();
    },
    async close() {
      await server.close();
      await services.close();
      await link.close();
    },
  };
}

/** The lamps her phones got, as `yes 1/0`, in order. */
export function lampsOf(sim: Simulator, user: LabUser): string[] {
  return sim.lamps.filter((l) => l.account === user.lamp).map(shown);
}

/** A lamp as a phone shows it: `yes 1/0`, `no 0/2` (the voice counts new/old). */
export const shown = (l: Lamp): string =>
  `${l.waiting ? 'yes' : 'no'} ${l.voice ? `${l.voice.new}/${l.voice.old}` : '-'}`;

/** Runs fn in her INBOX, logged in as herself (a mail program of hers). */
export function inHerInbox<T>(lab: LabState, user: LabUser, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  return withImap(imapClient(lab, user.uid, `${user.uid}pw`), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return await fn(c);
    } finally {
      lock.release();
    }
  });
}

/** Her entry as the users file `users` holds it now. */
export async function entryOf(users: string, user: LabUser): Promise<DirectoryUser> {
  const directory = new YamlDirectory({ file: users });
  try {
    const found = await directory.findByNumber([user.mailbox]);
    if (!found) throw new Error(`${user.uid} is not in ${users}`);
    return found;
  } finally {
    await directory.close();
  }
}

/** What her mailbox shows of the test's voice messages (From naming `tag`): unseen since her reset, new, old. */
export async function herVoiceMessages(
  lab: LabState,
  user: LabUser,
  tag: string,
  resetAt: string | undefined,
): Promise<{ unseenSinceReset: number; new: number; old: number }> {
  // INTERNALDATE has whole seconds: a message of the reset's second counts (src/mailbox/counts.ts)
  const since = resetAt === undefined ? -Infinity : Math.floor(Date.parse(resetAt) / 1000) * 1000;
  return inHerInbox(lab, user, async (c) => {
    const found = { unseenSinceReset: 0, new: 0, old: 0 };
    const uids = (await c.search({ header: { 'x-voicebox-type': 'voice' }, from: tag }, { uid: true })) || [];
    if (uids.length === 0) return found;
    for await (const m of c.fetch(uids.join(','), { flags: true, internalDate: true }, { uid: true })) {
      const unseen = !m.flags?.has('\\Seen');
      if (!unseen) found.old++;
      else {
        found.new++;
        const at =
          m.internalDate instanceof Date ? m.internalDate.getTime() : Date.parse(String(m.internalDate));
        if (at >= since) found.unseenSinceReset++;
      }
    }
    return found;
  });
}

/** Removes the test's messages (From naming `tag`) from her INBOX. */
export async function removeTestMessages(lab: LabState, user: LabUser, tag: string): Promise<void> {
  await inHerInbox(lab, user, async (c) => {
    const uids = (await c.search({ from: tag }, { uid: true })) || [];
    if (uids.length > 0) await c.messageDelete(uids.join(','), { uid: true });
  });
}
