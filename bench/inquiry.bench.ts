// Remote inquiry against a private lab's Dovecot: how long the owner waits from pressing 1
// in the main menu (her PIN was accepted just before) to the first word of the summary
// ("you have ... voice messages"), for a mailbox of 10, 1,000 and 10,000 messages.
// Measured on the runtime's CallEvent stream: the DTMF that selects messages → the
// `you_have_voice` prompt event.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { loadMenus } from '../dsl/index.js';
import { createActions } from '../src/actions/index.js';
import { readConfig } from '../src/config/index.js';
import { GreetingStore } from '../src/greetings/index.js';
import {
  buildRawMessage,
  composeVoiceMessage,
  MailSpool,
  spoolMailer,
  voiceMessageId,
} from '../src/mail/index.js';
import { ImapMailboxStore } from '../src/mailbox/index.js';
import { hashPin } from '../src/pin/index.js';
import { VoiceboxServer } from '../src/runtime/index.js';
import { labDirectory, privateLab, shortVoice, silent } from './lab.js';
import { ScriptedCaller, Simulator, writeWav } from '../src/sim/index.js';

interface LabState {
  host: string;
  tls: { caCert: string; servername: string };
  ldap: { bindDn: string; bindPassword: string; baseDn: string; servers: Array<{ url: string }> };
  imap: {
    port: number;
    dir: string;
    config: string;
    master: { user: string; password: string; separator: string };
  };
}

const { lab, work, down } = privateLab<LabState>('inquiry');
const voice = shortVoice;
const OWNER = { uid: 'carol', number: '+49 30 1234503', dialed: '503', pin: '1357' };

/** one raw voice message for carol, as the spool would send it (a 0.2 s WAV) */
async function rawVoiceMessage(i: number): Promise<Buffer> {
  const wav = join(work, 'msg.wav');
  writeWav(wav, 200, 0);
  const message = composeVoiceMessage({
    to: { email: 'carol@example.com', name: 'Carol Chen', language: 'en' },
    mailbox: '+49301234503',
    caller: { number: `+4989555${String(i).padStart(4, '0')}` },
    recordedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    durationMs: 200,
    wav: { path: wav },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: voiceMessageId(`bench-${i}`, 'example.com'),
  });
  return (await buildRawMessage(message)).raw;
}

let filled = 0;
/** carol's INBOX up to `count` messages: Maildir files written straight in, then doveadm force-resync */
async function fillTo(count: number): Promise<number> {
  const t0 = performance.now();
  if (filled === 0) {
    // the first message over IMAP: Dovecot creates her Maildir with its own owner and modes
    const imap = new ImapFlow({
      host: lab.host,
      port: lab.imap.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: 'carol', pass: 'carolpw' },
      logger: false,
    });
    await imap.connect();
    await imap.append('INBOX', await rawVoiceMessage(0));
    await imap.logout();
    filled = 1;
  }
  const maildir = join(lab.imap.dir, 'mail', OWNER.uid, 'Maildir');
  const { uid, gid } = statSync(maildir);
  const raw = await rawVoiceMessage(1);
  const template = raw.toString('latin1');
  mkdirSync(join(maildir, 'cur'), { recursive: true });
  const base = Math.floor(Date.now() / 1000);
  for (let i = filled; i < count; i++) {
    // a new Message-ID each; the same audio
    const file = join(maildir, 'cur', `${base}.M${i}P${process.pid}.bench:2,`);
    writeFileSync(file, Buffer.from(template.replace('bench-1', `bench-${i}`), 'latin1'));
    chownSync(file, uid, gid);
  }
  execFileSync('doveadm', ['-c', lab.imap.config, 'force-resync', '-u', OWNER.uid, 'INBOX']);
  filled = count;
  return performance.now() - t0;
}

async function main() {
  const config = readConfig();
  const bundle = loadMenus(['menus']).bundle;
  const directory = labDirectory(lab.ldap, 60_000);
  const owner = await directory.findByNumber([OWNER.number]);
  const pinHash = await hashPin(OWNER.pin);
  await directory.updateSettings(owner!, (s) => ({ ...s, pinHash, wrongPinCount: 0 }));
  const media = mkdtempSync(join(work, 'media-'));
  const mediaRoot = { local: media, freeswitch: media };
  const spool = new MailSpool({ dir: join(media, 'spool'), send: async () => undefined });
  await spool.start();
  // the mail a call may send is not what is measured here: it goes to a spool that is never sent
  const actions = createActions({
    bundle,
    directory,
    mailer: spoolMailer({
      spool,
      domain: 'example.com',
      timeZone: bundle.officeHours?.timeZone ?? 'UTC',
      defaultLanguage: bundle.languages.default,
    }),
    greetings: new GreetingStore(mediaRoot),
    media: mediaRoot,
    location: config.location,
    policy: { login: config.login, welcome: { ...config.welcome, enabled: false } },
    log: silent,
    mailboxes: new ImapMailboxStore({
      host: lab.host,
      port: lab.imap.port,
      tls: false,
      // STARTTLS, verified against the lab's certificate, as a site would run it
      tlsOptions: { ca: [readFileSync(lab.tls.caCert)], servername: lab.tls.servername },
      access: 'administrative',
      adminMode: 'master',
      masterUser: lab.imap.master.user,
      masterPassword: lab.imap.master.password,
      masterSeparator: lab.imap.master.separator,
      namespace: 'Other Users/',
      pathTemplate: 'user.${MAILBOX}',
      loginTemplate: '$(LOGIN)',
      timeoutMs: 30_000,
      folder: 'INBOX',
      trash: 'Deleted Voice Messages',
      deleteMode: 'trash',
    }),
  });
  let measured: ((ms: number) => void) | undefined;
  const server = new VoiceboxServer({
    bundle,
    voice,
    actions,
    config: config.menu,
    mediaRoot,
    log: silent,
    port: 0,
    onCall: () => {
      let mainMenu = false;
      let selected: number | undefined;
      return (event) => {
        if (process.env.BENCH_DEBUG) console.log(JSON.stringify(event).slice(0, 200));
        if (event.kind === 'prompt' && event.prompts.includes('main_menu')) mainMenu = true;
        else if (event.kind === 'dtmf' && mainMenu && selected === undefined && event.digits === '1')
          selected = performance.now();
        else if (
          event.kind === 'prompt' &&
          event.prompts.includes('you_have_voice') &&
          selected !== undefined
        ) {
          measured?.(performance.now() - selected);
          measured = undefined;
        }
      };
    },
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length' });

  async function oneCall(): Promise<number> {
    const result = new Promise<number>((resolve) => (measured = resolve));
    const caller = new ScriptedCaller({ number: '+4989444666', dialed: OWNER.dialed })
      .pressWhilePlaying(/standard_greeting/, '*', 10)
      .pressWhilePlaying(/enter_pin/, `${OWNER.pin}#`, 10)
      .pressWhilePlaying(/main_menu/, '1', 10)
      .hangupWhilePlaying(/you_have_voice/, 5);
    const placed = await sim.placeCall(caller, { target: `${host}:${port}` });
    const ms = await Promise.race([result, placed.finished.then(() => result)]);
    await placed.finished;
    return ms;
  }

  console.log(
    'inquiry: PIN accepted → first word of the summary (DTMF 1 in the main menu → you_have_voice), lab Dovecot, STARTTLS, master user',
  );
  for (const size of [10, 1_000, 10_000]) {
    const fillMs = await fillTo(size);
    const times: number[] = [];
    for (let i = 0; i < 6; i++) times.push(await oneCall());
    const [first, ...warm] = times;
    warm.sort((a, b) => a - b);
    console.log(
      `  ${String(size).padStart(6)} messages: first call ${first!.toFixed(1)} ms, then median ${warm[Math.floor(warm.length / 2)]!.toFixed(1)} ms, max ${warm.at(-1)!.toFixed(1)} ms  (filled in ${(fillMs / 1000).toFixed(1)} s)`,
    );
  }
  await server.close();
  await sim.close();
  await spool.stop();
  await directory.close();
}

try {
  await main();
} finally {
  down();
}
