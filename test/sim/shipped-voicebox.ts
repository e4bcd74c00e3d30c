// voicebox with the shipped menus over the YAML directory (alice, mailbox 501, PIN 2468),
// answering on a free port — for simulator tests that need the whole call as it ships.
// Prompts are 2 s of silence named after the prompt (test/actions/support.ts's voice).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMenus } from '../../dsl/index.js';
import { callerActions, loginActions, settingsActions, UserRecords } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import { YamlDirectory } from '../../src/directory/index.js';
import { GreetingStore } from '../../src/greetings/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import { isInternal } from '../../src/phone/index.js';
import { hashPin } from '../../src/pin/index.js';
import { VoiceboxServer, type CallEvent } from '../../src/runtime/index.js';
import { voice } from '../actions/support.js';

export const PIN = '2468';
const ALICE = '+49 30 1234501';
const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

export interface ShippedVoicebox {
  /** `host:port` for the simulator */
  readonly target: string;
  /** media root: FreeSWITCH's and voicebox's view are the same folder */
  readonly media: string;
  /** what voicebox did on each call, by call uuid */
  readonly events: ReadonlyMap<string, CallEvent[]>;
  close(): Promise<void>;
}

export async function startShippedVoicebox(): Promise<ShippedVoicebox> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-shipped-'));
  const usersFile = join(dir, 'users.yaml');
  copyFileSync('examples/users.yaml', usersFile);
  const directory = new YamlDirectory({ file: usersFile });
  const alice = (await directory.findByNumber([ALICE]))!;
  const pinHash = await hashPin(PIN);
  await directory.updateSettings(alice, (s) => ({
    ...s,
    pinHash,
    welcomeSentAt: '2026-01-01T00:00:00.000Z',
  }));
  const config = readConfig();
  const bundle = loadMenus(['menus']).bundle;
  const mediaRoot = { local: dir, freeswitch: dir };
  const spool = new MailSpool({
    dir: join(dir, 'spool'),
    send: maildirTransport({ root: join(dir, 'maildir') }).send,
    retry: { firstMs: 50, maxMs: 200 },
  });
  await spool.start();
  const users = new UserRecords();
  const greetings = new GreetingStore(mediaRoot);
  const common = {
    bundle,
    directory,
    location: config.location,
    spool,
    mail: { domain: 'example.com' },
    welcome: config.welcome,
    log: silent,
  };
  const actions = new Map([
    ...callerActions({ ...common, greetings }, users),
    ...loginActions(
      { ...common, login: { ...config.login, wrongPinLog: join(dir, 'wrong-pin.log') } },
      users,
    ),
    ...settingsActions(
      { directory, location: config.location, greetings, welcome: config.welcome, log: silent },
      users,
    ),
  ]);
  const events = new Map<string, CallEvent[]>();
  const server = new VoiceboxServer({
    bundle,
    voice,
    actions,
    config: config.menu,
    mediaRoot,
    log: silent,
    port: 0,
    classifyCaller: (n) => (isInternal(n, config.location) ? 'internal' : 'external'),
    onCall: (uuid) => {
      const list: CallEvent[] = [];
      events.set(uuid, list);
      return (e) => list.push(e);
    },
  });
  const { host, port } = await server.listen();
  return {
    target: `${host}:${port}`,
    media: dir,
    events,
    async close() {
      await server.close();
      await spool.stop();
      await directory.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
