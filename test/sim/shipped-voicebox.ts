// voicebox with the shipped menus over the YAML directory (alice, mailbox 501, PIN 2468),
// answering on a free port — for simulator tests that need the whole call as it ships.
// Prompts are 2 s of silence named after the prompt (test/support's text voice).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMenus } from '../../dsl/index.js';
import { readConfig } from '../../src/config/index.js';
import { MailSpool, maildirTransport } from '../../src/mail/index.js';
import { isInternal } from '../../src/phone/index.js';
import { VoiceboxServer, type CallEvent } from '../../src/runtime/index.js';
import { testActions } from '../actions/support.js';
import { silentLogger } from '../support/log.js';
import { aliceWithPin } from '../support/owners.js';
import { textVoice } from '../support/voice.js';

export { PIN } from '../support/owners.js';

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
  const { directory } = await aliceWithPin(dir);
  const config = readConfig();
  const bundle = loadMenus(['menus']).bundle;
  const mediaRoot = { local: dir, freeswitch: dir };
  const spool = new MailSpool({
    dir: join(dir, 'spool'),
    send: maildirTransport({ root: join(dir, 'maildir') }).send,
    retry: { firstMs: 50, maxMs: 200 },
  });
  await spool.start();
  const actions = testActions({
    bundle,
    directory,
    spool,
    media: dir,
    login: { wrongPinLog: join(dir, 'wrong-pin.log') },
  });
  const events = new Map<string, CallEvent[]>();
  const server = new VoiceboxServer({
    bundle,
    voice: textVoice,
    actions,
    config: config.menu,
    mediaRoot,
    log: silentLogger,
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
