// The caller side against the lab's real servers: call set-up time (the simulator's
// socket connects → voicebox starts the first prompt) with a cold and a warm LDAP cache,
// and how many voice messages a second the spool hands to Postfix (→ Dovecot).
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { loadMenus } from '../dsl/index.js';
import { createActions } from '../src/actions/index.js';
import { readConfig } from '../src/config/index.js';
import { GreetingStore } from '../src/greetings/index.js';
import {
  composeVoiceMessage,
  MailSpool,
  smtpTransport,
  spoolMailer,
  voiceMessageId,
} from '../src/mail/index.js';
import { VoiceboxServer } from '../src/runtime/index.js';
import { labDirectory, privateLab, shortVoice, silent } from './lab.js';
import { ScriptedCaller, Simulator, writeWav } from '../src/sim/index.js';

interface LabState {
  host: string;
  ldap: { bindDn: string; bindPassword: string; baseDn: string; servers: Array<{ url: string }> };
  smtp: { port: number };
}

const { lab, work, down } = privateLab<LabState>('caller');
const voice = shortVoice;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function setupTimes(cacheTtlMs: number, calls: number): Promise<number[]> {
  const config = readConfig();
  const bundle = loadMenus(['menus']).bundle;
  const directory = labDirectory(lab.ldap, cacheTtlMs);
  const media = mkdtempSync(join(work, 'media-'));
  const transport = smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 });
  const spool = new MailSpool({ dir: join(media, 'spool'), send: transport.send });
  await spool.start();
  // the welcome mail is not what is measured here
  const mediaRoot = { local: media, freeswitch: media };
  const actions = createActions({
    bundle,
    directory,
    mailer: spoolMailer({ spool, domain: 'example.com', timeZone: 'Europe/Berlin', defaultLanguage: 'de' }),
    greetings: new GreetingStore(mediaRoot),
    media: mediaRoot,
    location: config.location,
    policy: { login: config.login, welcome: { ...config.welcome, enabled: false } },
    log: silent,
  });
  let started: number;
  let firstPrompt: (() => void) | undefined;
  const server = new VoiceboxServer({
    bundle,
    voice,
    actions,
    config: config.menu,
    mediaRoot: { local: media, freeswitch: media },
    log: silent,
    port: 0,
    onCall: () => (event) => {
      if (event.kind === 'prompt' && firstPrompt) {
        firstPrompt();
        firstPrompt = undefined;
      }
    },
  });
  const { host, port } = await server.listen();
  const sim = new Simulator();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const heard = new Promise<void>((resolve) => (firstPrompt = resolve));
    started = performance.now();
    const placed = await sim.placeCall(
      new ScriptedCaller({ number: '+4989555000', dialed: '501' }).hangupAt(100),
      {
        target: `${host}:${port}`,
      },
    );
    await heard;
    times.push(performance.now() - started);
    await placed.finished;
  }
  await server.close();
  await sim.close();
  await spool.stop();
  transport.close();
  await directory.close();
  return times.sort((a, b) => a - b);
}

async function spoolThroughput(messages: number): Promise<{ perSecond: number; ms: number }> {
  const dir = mkdtempSync(join(work, 'spool-'));
  const wav = join(dir, 'msg.wav');
  writeWav(wav, 3000, 0);
  const transport = smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 10_000 });
  const spool = new MailSpool({ dir: join(dir, 'spool'), send: transport.send, concurrency: 4 });
  await spool.start();
  const t0 = performance.now();
  for (let i = 0; i < messages; i++) {
    const id = `bench-${Date.now()}-${i}`;
    const message = composeVoiceMessage({
      to: { email: 'carol@example.com', name: 'Carol', language: 'en' },
      mailbox: '+49301234503',
      caller: { number: '+4989555000' },
      recordedAt: new Date(),
      durationMs: 3000,
      wav: { path: wav },
      domain: 'example.com',
      timeZone: 'Europe/Berlin',
      messageId: voiceMessageId(id, 'example.com'),
    });
    await spool.enqueue(message, id);
  }
  await spool.flush();
  const ms = performance.now() - t0;
  await spool.stop();
  transport.close();
  return { perSecond: messages / (ms / 1000), ms };
}

try {
  const cold = await setupTimes(0, 40);
  const warm = await setupTimes(60_000, 40);
  const fmt = (t: number[]) =>
    `p50 ${percentile(t, 50).toFixed(1)} ms, p99 ${percentile(t, 99).toFixed(1)} ms`;
  console.log('caller: call set-up (socket connects → first prompt starts), 40 calls each, lab slapd');
  console.log(`  LDAP cache cold (every call searches): ${fmt(cold)}`);
  console.log(`  LDAP cache warm:                       ${fmt(warm)}`);
  const spool = await spoolThroughput(200);
  console.log(
    `caller: spool → Postfix → Dovecot: 200 voice messages with a 3 s WAV (48 KB) in ${spool.ms.toFixed(0)} ms = ${spool.perSecond.toFixed(1)} messages/s (fsync on enqueue included)`,
  );
} finally {
  down();
}
