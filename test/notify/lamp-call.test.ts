// The lamp end to end, as `voicebox serve` wires it: a caller leaves Alice a message → FreeSWITCH
// (the simulator's inbound side, over the real event-socket link) gets MESSAGE_WAITING yes 1/0
// for her desk phone; she calls in and enters her messages → no.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { buildServices, type Services } from '../../src/cli/services.js';
import { readConfig } from '../../src/config/index.js';
import { InboundLink, OutboundServer } from '../../src/esl/index.js';
import { CallServer, type CallEvent } from '../../src/runtime/index.js';
import { Simulator, type ScriptedCaller } from '../../src/sim/index.js';
import { dialler } from '../support/dialogue.js';
import { silentLogger } from '../support/log.js';
import { aliceWithPin, PIN } from '../support/owners.js';
import { textVoice } from '../support/voice.js';

/** Alice's desk phone: her office number +49 30 1234101, extension 101 */
const ALICE_LAMP = 'sip:101@pbx.example.com';

interface Line {
  dial: ReturnType<typeof dialler<{ events: CallEvent[] }>>;
  sim: Simulator;
  services: Services;
  dir: string;
  close(): Promise<void>;
}

/** voicebox as `serve` builds it (notify.lamp.domain set), FreeSWITCH's inbound socket simulated */
async function serveWithLamps(): Promise<Line> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-lamp-call-'));
  const { directory } = await aliceWithPin(dir);
  await directory.close();
  const config = readConfig();
  config.directory.file = join(dir, 'users.yaml');
  config.directory.localSettings = join(dir, 'local-settings.json');
  config.mail.maildir = join(dir, 'maildir');
  config.mail.spool = join(dir, 'spool');
  config.login.wrongPinLog = join(dir, 'wrong-pin.log');
  config.notify.lamp.domain = 'pbx.example.com';
  config.notify.log = join(dir, 'notifier.log');
  const media = join(dir, 'media');
  mkdirSync(media);
  const mediaRoot = { local: media, freeswitch: media };
  const bundle = loadMenus(['menus']).bundle;

  const sim = new Simulator({ missingFiles: 'default-length' });
  const freeswitch = await sim.listenInbound({ port: 0, password: 'ClueCon' });
  const link = new InboundLink({
    host: '127.0.0.1',
    port: freeswitch.port,
    password: 'ClueCon',
    events: ['MESSAGE_QUERY'],
  });
  // arrivals count in whole seconds (INTERNALDATE): a reset in the second of the delivery would
  // still count that message, so voicebox's clock runs a second ahead of the mail store's here
  const services = await buildServices(config, bundle, mediaRoot, silentLogger, {
    lampLink: link,
    linkEvents: link,
    clock: () => new Date(Date.now() + 1_000),
  });
  const up = once(link, 'up');
  link.start();
  await up;
  await services.notifier!.idle(); // the reconcile every connection starts with

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
    log: silentLogger,
    dialString: config.transfer.dialString,
    recordings: services.recordings,
    onCall: (uuid) => (e) => (events.get(uuid) ?? events.set(uuid, []).get(uuid)!).push(e),
  });
  const server = new OutboundServer({
    port: 0,
    logger: silentLogger,
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
    // the message handed on, and what it changed reached FreeSWITCH
    await services.spool.flush();
    await services.notifier!.idle();
    return { events: events.get(placed.uuid) ?? [] };
  };
  return {
    dial: dialler(call),
    sim,
    services,
    dir,
    async close() {
      await server.close();
      await link.close();
      await sim.close();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('the lamp of a message left by phone', () => {
  let line: Line | undefined;
  afterEach(async () => {
    await line?.close();
    line = undefined;
  });

  it('lights at the message and goes out when she enters her messages', async () => {
    line = await serveWithLamps();
    const aliceLamps = () =>
      line!.sim.messageWaiting
        .filter((m) => m.account === ALICE_LAMP)
        .map((m) => `${m.waiting} ${m.voiceMessage}`);
    // the reconcile at connection (and the first periodic check: a repeated lamp is harmless)
    expect(aliceLamps().length).toBeGreaterThan(0);
    expect(new Set(aliceLamps())).toEqual(new Set(['no 0/0 (0/0)']));

    await line.dial('501').from('+4930555123').hears('standard_greeting').hearsTone().speaks(3000).hangsUp();
    expect(aliceLamps().at(-1)).toBe('yes 1/0 (0/0)');

    await line
      .dial('501')
      .from('+4989777888')
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types(`${PIN}#`)
      .hears('main_menu')
      .press('1')
      .hears('key_voice_messages')
      .hangsUp();
    expect(aliceLamps().at(-1)).toMatch(/^no /);
    expect(line.sim.messageWaiting.every((m) => m.accepted)).toBe(true);

    // and the notifier log says why, with no message content
    const logged = readFileSync(join(line.dir, 'notifier.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { account: string; state: string; reason: string });
    const hers = logged.filter((l) => l.account === ALICE_LAMP).map((l) => `${l.state} ${l.reason}`);
    expect(hers.slice(-2)).toEqual(['yes arrived', 'no seen']);
    expect(new Set(hers.slice(0, -2))).toEqual(new Set(['no reconcile', 'no changed']));
  });

  it('is sent to a phone that registers (FreeSWITCH asks), and only for an account voicebox keeps', async () => {
    line = await serveWithLamps();
    await line.dial('501').from('+4930555123').hears('standard_greeting').hearsTone().speaks(3000).hangsUp();
    await line.services.notifier!.idle();
    const from = line.sim.lamps.length;
    // a phone nobody here keeps messages for, then Alice's desk phone after a restart
    line.sim.phoneRegisters('999@pbx.example.com');
    line.sim.phoneRegisters('101@PBX.example.com');
    const lamp = await line.sim.waitForLamp((l) => l.account === ALICE_LAMP, { from });
    expect([lamp.waiting, lamp.voice?.new, lamp.voice?.old]).toEqual([true, 1, 0]);
    expect(line.sim.lamps.slice(from).map((l) => l.account)).toEqual([ALICE_LAMP]);
    await line.services.notifier!.idle();
    await line.services.notifications.notifierLog.flush();
    const reasons = readFileSync(join(line.dir, 'notifier.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { reason: string }).reason);
    expect(reasons).toContain('asked');
  });
});
