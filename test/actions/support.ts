// A voicebox with the shipped menus, a directory, a spool and a transport, answering
// simulated calls over TCP. Prompts play in the text voice (test/support/voice.ts), so tests
// read what the caller heard and script callers by prompt id.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMenus } from '../../dsl/index.js';
import { createActions, type LoginPolicy, type WelcomePolicy } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import type { Directory } from '../../src/directory/index.js';
import type { Bundle } from '../../src/graph/index.js';
import { GreetingStore } from '../../src/greetings/index.js';
import { MailSpool, spoolMailer, type MailQueue, type MailTransport } from '../../src/mail/index.js';
import type { MailboxStore } from '../../src/mailbox/index.js';
import { isInternal, type Location } from '../../src/phone/index.js';
import {
  VoiceboxServer,
  type ActionContext,
  type ActionRegistry,
  type ActionResult,
  type CallEvent,
  type RuntimeLogger,
  type Value,
} from '../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { callEvents } from '../support/calls.js';
import { dialler, nth, prompt, type Dialogue } from '../support/dialogue.js';
import { silentLogger } from '../support/log.js';
import { PIN } from '../support/owners.js';
import { textVoice } from '../support/voice.js';

/** The actions as a server builds them, over the shipped menus and config and a test's own parts. */
export function testActions(o: {
  directory: Directory;
  spool: MailQueue;
  /** the media root: greetings, fetched messages; the wrong-PIN log is `<media>/log/wrong-pin.log` */
  media: string;
  bundle?: Bundle;
  mailboxes?: MailboxStore | undefined;
  /** config.login, over the defaults */
  login?: Partial<LoginPolicy> | undefined;
  /** config.welcome, over the defaults */
  welcome?: Partial<WelcomePolicy> | undefined;
  signingKey?: Uint8Array | undefined;
  now?: (() => Date) | undefined;
  /** default: the shipped config's */
  location?: Location | undefined;
  /** config speech.readMail (default true) */
  readMail?: boolean | undefined;
}): ActionRegistry {
  const config = readConfig();
  const bundle = o.bundle ?? loadMenus(['menus']).bundle;
  const media = { local: o.media, freeswitch: o.media };
  return createActions({
    bundle,
    directory: o.directory,
    mailboxes: o.mailboxes,
    mailer: spoolMailer({
      spool: o.spool,
      domain: 'example.com',
      timeZone: bundle.officeHours?.timeZone ?? 'UTC',
      defaultLanguage: bundle.languages.default,
      signingKey: o.signingKey,
    }),
    greetings: new GreetingStore(media),
    media,
    location: o.location ?? config.location,
    policy: {
      login: { ...config.login, wrongPinLog: join(o.media, 'log', 'wrong-pin.log'), ...o.login },
      welcome: { ...config.welcome, ...o.welcome },
      readMail: o.readMail ?? config.speech.readMail,
    },
    clock: o.now,
    log: silentLogger,
  });
}

/** Calls actions one by one, as a call from `caller` to mailbox 501 would. */
export function actionCaller(
  actions: ActionRegistry,
  caller: string,
  o: { language: string; now: () => Date },
) {
  const ctx: ActionContext = {
    call: { id: 'test', caller, callerName: '', called: '501', callerClass: 'external', time: o.now() },
    language: o.language,
    log: silentLogger,
    onCallEnd() {},
  };
  const run = (name: string, ...args: Value[]): Promise<ActionResult> => actions.get(name)!(args, ctx);
  /** the `user` record of a mailbox */
  const lookup = async (number: string) => ((await run('lookup user', number)) as { value: Value }).value;
  return { run, lookup };
}

/** What a call to {@link startVoicebox}'s server reports. */
export interface BoxCall {
  events: CallEvent[];
  /** the text of each prompt voicebox said, language included (`de:main_menu`) */
  said: string[];
  hangupCause: string | undefined;
}

export interface Voicebox {
  call(caller: ScriptedCaller): Promise<BoxCall>;
  /** A call written as it goes (test/support/README.md); its `said` is prompt ids without the language. */
  dial(dialed: string): Dialogue<BoxCall>;
  spool: MailSpool;
  media: string;
  /** the wrong-PIN log file */
  wrongPinLog: string;
  close(): Promise<void>;
}

export async function startVoicebox(o: {
  directory: Directory;
  transport: MailTransport;
  menu?: Record<string, string | number | boolean>;
  now?: () => Date;
  /** config.login, over the defaults */
  login?: Partial<LoginPolicy>;
  /** config.welcome, over the defaults */
  welcome?: Partial<{ enabled: boolean; minPinLength: number; defaultPin: string }>;
  /** the owners' mailboxes, for remote inquiry */
  mailboxes?: MailboxStore;
  /** signs the voice messages left (mail.signingKey); give the mailbox store the same key */
  signingKey?: Uint8Array;
  /** the server's log (default: silent) */
  log?: RuntimeLogger;
  /** the compiled menus (default: the shipped ones) */
  bundle?: Bundle;
  /** config.location (default: the shipped config's) */
  location?: Location;
  /** config speech.readMail (default true) */
  readMail?: boolean;
}): Promise<Voicebox> {
  const config = readConfig();
  const bundle = o.bundle ?? loadMenus(['menus']).bundle;
  const media = mkdtempSync(join(tmpdir(), 'voicebox-media-'));
  const spool = new MailSpool({
    dir: join(media, 'spool'),
    send: o.transport.send,
    retry: { firstMs: 50, maxMs: 200 },
  });
  await spool.start();
  const mediaRoot = { local: media, freeswitch: media };
  const actions = testActions({ ...o, bundle, spool, media });
  const { events, onCall } = callEvents();
  const server = new VoiceboxServer({
    bundle,
    voice: textVoice,
    actions,
    config: { ...config.menu, ...(o.menu ?? {}) },
    mediaRoot,
    log: o.log ?? silentLogger,
    port: 0,
    classifyCaller: (n) => (isInternal(n, o.location ?? config.location) ? 'internal' : 'external'),
    ...(o.now ? { now: o.now } : {}),
    onCall,
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length' });
  const call = async (caller: ScriptedCaller): Promise<BoxCall> => {
    const report = await sim.runCall(caller, { target: `${host}:${port}` });
    const list = events.get(report.uuid) ?? [];
    return {
      events: list,
      said: list.flatMap((e) => (e.kind === 'prompt' ? [e.text] : [])),
      hangupCause: report.hangupCause,
    };
  };
  return {
    spool,
    media,
    wrongPinLog: join(media, 'log', 'wrong-pin.log'),
    call,
    dial: dialler(call),
    async close() {
      await server.close();
      await sim.close();
      await spool.stop();
      o.transport.close();
      await o.directory.close();
    },
  };
}

/** a caller who presses 0 during the greeting and speaks for `seconds` */
export function quickMessage(called: string, from = '+4930555123', seconds = 3): ScriptedCaller {
  return new ScriptedCaller({ number: from, dialed: called })
    .pressWhilePlaying(prompt('standard_greeting'), '0', 500)
    .pressDuring('record', '#', seconds * 1000);
}

/** the owner calls her mailbox 501 and presses * during the greeting; `pins` at the 1st, 2nd, ... enter_pin */
export function ownerCalls(
  from: string,
  pins: string[] = [],
  then: (c: ScriptedCaller) => ScriptedCaller = (c) => c,
): ScriptedCaller {
  let c = new ScriptedCaller({ number: from, dialed: '501' }).pressWhilePlaying(
    prompt('standard_greeting', 'press_1_or_2'),
    '*',
    300,
  );
  pins.forEach((pin, i) => (c = c.pressWhilePlaying(nth(prompt('enter_pin'), i + 1), `${pin}#`, 300)));
  return then(c);
}

/** Alice from an external number: * in her greeting, her PIN, 1 for her messages. */
export const aliceAsksForMessages = (b: Voicebox) =>
  b
    .dial('501')
    .from('+4989777888')
    .hears('standard_greeting')
    .press('*')
    .hears('enter_pin')
    .types(`${PIN}#`)
    .hears('main_menu')
    .press('1');
