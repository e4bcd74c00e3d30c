// What `voicebox serve` runs on the embedded defaults — the shipped menus, users.yaml, the
// spool, Maildir delivery — answering simulated calls over TCP, with its log lines kept.
// Prompts are 2 s of silence named after the prompt. Each call resolves once its session has
// ended (the message spooled or not), so a test never guesses when voicebox is done.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMenus } from '../../dsl/index.js';
import { buildServices, type Services } from '../../src/cli/services.js';
import { readConfig, type VoiceboxConfig } from '../../src/config/index.js';
import { OutboundServer } from '../../src/esl/index.js';
import {
  CallServer,
  type CallEvent,
  type CallMedia,
  type RuntimeLogger,
  type Voice,
} from '../../src/runtime/index.js';
import {
  type CallReport,
  type ScriptedCaller,
  Simulator,
  type SimulatorOptions,
} from '../../src/sim/index.js';

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: Record<string, unknown>;
}

function memoryLog(lines: LogLine[], bindings: Record<string, unknown> = {}): RuntimeLogger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, msg: msg ?? '', obj: { ...bindings, ...obj } });
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLog(lines, { ...bindings, ...more }),
  };
}

const voice: Voice = {
  promptText: (id, language) => `${language}:${id}`,
  render: async (text) => ({ freeswitchPath: `silence_stream://2000?${encodeURIComponent(text)}` }),
};

export interface Served {
  readonly dir: string;
  /** Places the call; resolves when the simulator's call and voicebox's session are both over. */
  call(caller: ScriptedCaller): Promise<{ report: CallReport; events: CallEvent[] }>;
  /** Sends what the spool holds now, then lists the voice messages in a user's Maildir. */
  voiceMails(user: string): Promise<string[]>;
  readonly log: LogLine[];
  readonly media: string;
  readonly services: Services;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** changes to the embedded defaults (`dir` is the test's folder) */
  readonly configure?: (config: VoiceboxConfig, dir: string) => void;
  /** the simulator's media (default: a missing file plays 2 s, paths as voicebox sees them) */
  readonly sim?: SimulatorOptions;
  /** the prompts (default: 2 s of silence named after the prompt) */
  readonly voice?: Voice;
  /** stands between the call and FreeSWITCH's channel (a media fault FreeSWITCH would give) */
  readonly media?: (channel: CallMedia) => CallMedia;
}

export async function serveEmbedded(options: ServeOptions = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-served-'));
  copyFileSync('examples/users.yaml', join(dir, 'users.yaml'));
  const config = readConfig();
  config.directory.file = join(dir, 'users.yaml');
  config.directory.localSettings = join(dir, 'local-settings.json');
  config.mail.maildir = join(dir, 'maildir');
  config.mail.spool = join(dir, 'spool');
  config.login.wrongPinLog = join(dir, 'wrong-pin.log');
  options.configure?.(config, dir);
  const media = join(dir, 'media');
  mkdirSync(media);
  const mediaRoot = { local: media, freeswitch: media };
  const bundle = loadMenus(['menus']).bundle;
  const log: LogLine[] = [];
  const logger = memoryLog(log);
  const services = await buildServices(config, bundle, mediaRoot, logger);
  const sessions = new Map<string, { ended: Promise<void>; end: () => void; events: CallEvent[] }>();
  const sessionOf = (uuid: string) => {
    let s = sessions.get(uuid);
    if (!s) {
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      s = { ended, end, events: [] };
      sessions.set(uuid, s);
    }
    return s;
  };
  // what VoiceboxServer serves each call with, as `voicebox serve` builds it; the socket is
  // this one's so that a call's end (its recordings handed on) is seen and its media can be wrapped
  const calls = new CallServer({
    bundle,
    voice: options.voice ?? voice,
    actions: services.actions,
    classifyCaller: services.classifyCaller,
    config: config.menu,
    mediaRoot,
    log: logger,
    dialString: config.transfer.dialString,
    ...(config.freeswitch.token ? { token: config.freeswitch.token } : {}),
    recordings: services.recordings,
    onCall: (uuid) => (e) => sessionOf(uuid).events.push(e),
  });
  const server = new OutboundServer({
    port: 0,
    logger,
    onChannel: async (channel) => {
      try {
        await calls.serve(options.media ? options.media(channel) : channel);
      } finally {
        sessionOf(channel.uuid).end();
      }
    },
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length', ...options.sim });
  return {
    dir,
    log,
    media,
    services,
    async call(caller) {
      const placed = await sim.placeCall(caller, { target: `${host}:${port}` });
      const s = sessionOf(placed.uuid);
      const report = await placed.finished;
      await s.ended;
      return { report, events: s.events };
    },
    async voiceMails(user) {
      await services.spool.flush();
      const folder = join(config.mail.maildir, user, 'new');
      let names: string[];
      try {
        names = readdirSync(folder);
      } catch {
        return [];
      }
      return names
        .map((f) => readFileSync(join(folder, f), 'utf8'))
        .filter((m) => /^X-Voicebox-Type: voice/im.test(m));
    },
    async close() {
      await server.close();
      await sim.close();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
