// voicebox over the shipped menus with `location.commonNumbers` set, answering simulated calls:
// for the tests of the common voice-box number (unit: the file directory; integration: the lab's LDAP).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMenus } from '../../dsl/index.js';
import { readConfig } from '../../src/config/index.js';
import type { Directory } from '../../src/directory/index.js';
import { MailSpool, type MailTransport } from '../../src/mail/index.js';
import { isInternal } from '../../src/phone/index.js';
import { VoiceboxServer } from '../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { callEvents } from '../support/calls.js';
import { prompt } from '../support/dialogue.js';
import { silentLogger } from '../support/log.js';
import { textVoice } from '../support/voice.js';
import { testActions } from './support.js';

export const COMMON = '+49 30 1234500';
export const STRANGER = '+4989777888';

/** voicebox with these common numbers over `directory`; `close` ends it all (the directory too) */
export async function commonNumberBox(o: {
  directory: Directory;
  transport: MailTransport;
  commonNumbers?: string[];
  /** config.welcome over the defaults (`enabled: false`: the call writes nothing into her entry) */
  welcome?: { enabled: boolean };
}) {
  const config = readConfig();
  const media = mkdtempSync(join(tmpdir(), 'voicebox-common-'));
  const bundle = loadMenus(['menus']).bundle;
  const spool = new MailSpool({
    dir: join(media, 'spool'),
    send: o.transport.send,
    retry: { firstMs: 50, maxMs: 200 },
  });
  await spool.start();
  const location = { ...config.location, commonNumbers: o.commonNumbers ?? [COMMON] };
  const actions = testActions({ directory: o.directory, spool, media, bundle, location, welcome: o.welcome });
  const { events, onCall } = callEvents();
  const server = new VoiceboxServer({
    bundle,
    voice: textVoice,
    actions,
    config: config.menu,
    mediaRoot: { local: media, freeswitch: media },
    log: silentLogger,
    port: 0,
    classifyCaller: (n) => (isInternal(n, config.location) ? 'internal' : 'external'),
    onCall,
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length' });
  return {
    spool,
    /** the media root: greetings/<mailbox digits>/<profile>.<language>.wav */
    media,
    /** the prompts voicebox said, language included; a recording played as `audio:<file>` */
    async call(caller: ScriptedCaller): Promise<string[]> {
      const report = await sim.runCall(caller, { target: `${host}:${port}` });
      return (events.get(report.uuid) ?? []).flatMap((e) =>
        e.kind === 'prompt' ? [e.text] : e.kind === 'audio' ? [`audio:${e.file}`] : [],
      );
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

/** a stranger calls the common number (500), presses 0 in the greeting and speaks */
export const messageToCommon = () =>
  new ScriptedCaller({ number: STRANGER, dialed: '500' })
    .pressWhilePlaying(prompt('standard_greeting'), '0', 500)
    .pressDuring('record', '#', 3000);
