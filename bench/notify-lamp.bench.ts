// How fast the message-waiting lamp follows a mailbox, on a lab of its own (real slapd, Postfix,
// Dovecot), voicebox as `serve` builds it, FreeSWITCH's inbound side simulated:
//   delivery  a caller leaves Alice a message (the call ends) → voicebox's spool → SMTP → Postfix →
//             LMTP → Dovecot → its push (dovecot/voicebox-push.lua) and voicebox's own delivery →
//             the notifier reads her mailbox → MESSAGE_WAITING yes written to FreeSWITCH
//   seen      a mail program sets \Seen on it over IMAP → Dovecot's push → MESSAGE_WAITING no
// The periodic check is off: only the push and voicebox's own delivery carry the changes.
// env: LAMP_ROUNDS (40). Needs root and slapd, dovecot, postfix (bash test/run installs them).
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { loadMenus } from '../dsl/index.js';
import { buildServices } from '../src/cli/services.js';
import { readConfig } from '../src/config/index.js';
import { InboundLink, OutboundServer } from '../src/esl/index.js';
import { CallServer } from '../src/runtime/index.js';
import { ScriptedCaller, Simulator, type Lamp } from '../src/sim/index.js';
import { privateLab, shortVoice, silent } from './lab.js';

interface LabState {
  host: string;
  config: string;
  imap: { port: number };
  push: { port: number; token: string };
}

const ROUNDS = Number(process.env['LAMP_ROUNDS'] ?? 40);
/** Alice's desk phone: her office number +49 30 1234101, extension 101 */
const ALICE = 'sip:101@pbx.example.com';

const { lab, work, down } = privateLab<LabState>('notify-lamp');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const fmt = (t: number[]) => {
  const s = [...t].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
};

/** A lamp of Alice's from `from` on that matches; gives up after 30 s naming what came. */
function lamp(sim: Simulator, match: (l: Lamp) => boolean, from: number): Promise<Lamp> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    sim.waitForLamp((l) => l.account === ALICE && match(l), { from }).finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const got = sim.lamps
          .slice(from)
          .map((l) => `${l.waiting ? 'yes' : 'no'} ${l.voice?.new}/${l.voice?.old}`);
        reject(new Error(`no lamp within 30 s; got: ${got.join(', ') || 'none'}`));
      }, 30_000);
    }),
  ]);
}

async function main(): Promise<void> {
  const config = readConfig(lab.config);
  config.media.local = join(work, 'media');
  mkdirSync(config.media.local, { recursive: true });
  config.mail.spool = join(work, 'spool');
  config.notify.lamp.domain = 'pbx.example.com';
  config.notify.log = join(work, 'notifier.log');
  config.notify.thresholds = { voice: 1, fax: 1, sms: 1 };
  config.notify.watch.pollIntervalMs = 0;
  config.notify.watch.push = { port: lab.push.port, listen: '127.0.0.1', token: lab.push.token };
  const media = { local: config.media.local, freeswitch: config.media.local };
  const bundle = loadMenus(['menus']).bundle;

  const sim = new Simulator({ missingFiles: 'default-length' });
  const freeswitch = await sim.listenInbound({ port: 0, password: 'ClueCon' });
  const link = new InboundLink({ host: '127.0.0.1', port: freeswitch.port, password: 'ClueCon' });
  const services = await buildServices(config, bundle, media, silent, { lampLink: link });
  const up = once(link, 'up');
  link.start();
  await up;
  await services.notifier?.idle();

  const calls = new CallServer({
    bundle,
    voice: shortVoice,
    actions: services.actions,
    classifyCaller: services.classifyCaller,
    config: config.menu,
    mediaRoot: media,
    log: silent,
    dialString: config.transfer.dialString,
    recordings: services.recordings,
  });
  const server = new OutboundServer({
    port: 0,
    logger: silent,
    onChannel: (channel) => calls.serve(channel),
  });
  const { host, port } = await server.listen();
  const imap = new ImapFlow({
    host: lab.host,
    port: lab.imap.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'alice', pass: 'alicepw' },
    logger: false,
  });
  await imap.connect();
  await imap.mailboxOpen('INBOX');

  const delivered: number[] = [];
  const seen: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      // a message of 2 s: the caller hangs up while recording, which saves it
      let from = sim.lamps.length;
      const caller = new ScriptedCaller({ number: `+4989555${String(i).padStart(4, '0')}`, dialed: '501' });
      const placed = await sim.placeCall(caller.hangupDuring('record', 2000), { target: `${host}:${port}` });
      await placed.finished;
      const left = Date.now();
      const on = await lamp(sim, (l) => l.waiting, from);
      delivered.push(on.at - left);

      from = sim.lamps.length;
      await imap.noop();
      const unseen = (await imap.search({ seen: false }, { uid: true })) || [];
      if (unseen.length === 0) throw new Error('the message left is not in her INBOX');
      const read = Date.now();
      await imap.messageFlagsAdd(unseen.join(','), ['\\Seen'], { uid: true });
      const off = await lamp(sim, (l) => !l.waiting, from);
      seen.push(off.at - read);
    }
  } finally {
    await imap.logout();
    await server.close();
    await services.close();
    await link.close();
    await sim.close();
  }
  console.log(
    `notify-lamp: ${ROUNDS} rounds, lab Postfix + Dovecot with its push, the periodic check off, simulated FreeSWITCH`,
  );
  console.log(`  message left (call ended) → MESSAGE_WAITING yes written: ${fmt(delivered)}`);
  console.log(`  \\Seen set by another IMAP client → MESSAGE_WAITING no written: ${fmt(seen)}`);
}

try {
  await main();
} finally {
  down();
}
