// A voicebox with the shipped menus, a directory, a spool and a transport, answering
// simulated calls over TCP. Prompts are rendered as 2 s of silence named after the
// prompt, so tests read what the caller heard.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMenus } from '../../dsl/index.js';
import { callerActions } from '../../src/actions/index.js';
import { readConfig } from '../../src/config/index.js';
import type { Directory } from '../../src/directory/index.js';
import { GreetingStore } from '../../src/greetings/index.js';
import { MailSpool, type MailTransport } from '../../src/mail/index.js';
import { isInternal } from '../../src/phone/index.js';
import { VoiceboxServer, type CallEvent, type Voice } from '../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';

export const voice: Voice = {
  promptText: (id, language, values) =>
    `${language}:${id}${Object.keys(values).length ? `(${Object.values(values).join(',')})` : ''}`,
  render: async (text) => ({ freeswitchPath: `silence_stream://2000?${encodeURIComponent(text)}` }),
};

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

export interface Voicebox {
  call(
    caller: ScriptedCaller,
  ): Promise<{ events: CallEvent[]; said: string[]; hangupCause: string | undefined }>;
  spool: MailSpool;
  media: string;
  close(): Promise<void>;
}

export async function startVoicebox(o: {
  directory: Directory;
  transport: MailTransport;
  menu?: Record<string, string | number | boolean>;
  now?: () => Date;
}): Promise<Voicebox> {
  const config = readConfig();
  const bundle = loadMenus(['menus']).bundle;
  const media = mkdtempSync(join(tmpdir(), 'voicebox-media-'));
  const spool = new MailSpool({
    dir: join(media, 'spool'),
    send: o.transport.send,
    retry: { firstMs: 50, maxMs: 200 },
  });
  await spool.start();
  const mediaRoot = { local: media, freeswitch: media };
  const actions = callerActions({
    bundle,
    directory: o.directory,
    location: config.location,
    greetings: new GreetingStore(mediaRoot),
    spool,
    mail: { domain: 'example.com' },
    welcome: config.welcome,
    log: silent,
    ...(o.now ? { now: o.now } : {}),
  });
  const events = new Map<string, CallEvent[]>();
  const server = new VoiceboxServer({
    bundle,
    voice,
    actions,
    config: { ...config.menu, ...(o.menu ?? {}) },
    mediaRoot,
    log: silent,
    port: 0,
    classifyCaller: (n) => (isInternal(n, config.location) ? 'internal' : 'external'),
    ...(o.now ? { now: o.now } : {}),
    onCall: (uuid) => {
      const list: CallEvent[] = [];
      events.set(uuid, list);
      return (e) => list.push(e);
    },
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length' });
  return {
    spool,
    media,
    async call(caller) {
      const report = await sim.runCall(caller, { target: `${host}:${port}` });
      const list = events.get(report.uuid) ?? [];
      return {
        events: list,
        said: list.flatMap((e) => (e.kind === 'prompt' ? [e.text] : [])),
        hangupCause: report.hangupCause,
      };
    },
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
    .pressWhilePlaying(/standard_greeting|silence_stream/, '0', 500)
    .pressDuring('record', '#', seconds * 1000);
}
