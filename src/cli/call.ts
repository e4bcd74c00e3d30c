// `voicebox call`: one call through the FreeSWITCH simulator, against the runtime in
// this process (or a running `voicebox serve`), printed as a transcript.
import { join } from 'node:path';
import { Command } from 'commander';
import { ConfigError, readConfig } from '../config/index.js';
import type { CallEvent } from '../runtime/index.js';
import { TOKEN_VARIABLE, VoiceboxServer } from '../runtime/index.js';
import { ScriptedCaller, Simulator } from '../sim/index.js';
import type { Io } from './menus.js';
import { defaultMediaRoot, loadRuntime, logger, logPrepared, menusPath, MenusInvalid } from './runtime.js';
import { buildServices, type Services } from './services.js';

interface CallOptions {
  from: string;
  name: string;
  redirectedFrom?: string;
  dtmf?: string;
  hangupAfter?: string;
  talk: string;
  menu?: string;
  flow?: string;
  media?: string;
  config?: string;
  server?: string;
  json?: boolean;
  verbose?: boolean;
  interactive?: boolean;
}

function line(event: CallEvent): string | undefined {
  switch (event.kind) {
    case 'prompt':
      return `play ${event.prompts.join('+')} ${JSON.stringify(event.text)}`;
    case 'audio':
      return `play ${event.file}`;
    case 'tone':
      return 'tone';
    case 'dtmf':
      return `dtmf ${event.digits}`;
    case 'record':
      return `record ${(event.ms / 1000).toFixed(1)}s ${event.file}${event.hungUp ? ' (caller hung up)' : ''}`;
    case 'transfer':
      return `transfer ${event.target} ${event.outcome}`;
    case 'hangup':
      return `hangup ${event.cause}${event.by === 'caller' ? ' (caller)' : ''}`;
    case 'error':
      return `error ${event.message}${event.at ? ` at ${event.at}` : ''}`;
    case 'profile':
      return `profile ${event.profile} (${event.reason})`;
    case 'listen':
      return undefined;
  }
}

export function callCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('call')
    .description('run one call through the FreeSWITCH simulator and print what the caller hears and does')
    .argument('<called>', 'the number the caller dials')
    .option('--from <number>', 'the calling number', '+4930123456')
    .option('--name <name>', "the caller's name as the phone network sends it (default: none)", '')
    .option(
      '--redirected-from <number>',
      'the call was forwarded from this number (a SIP Diversion header, as FreeSWITCH passes it on)',
    )
    .option(
      '--dtmf <keys>',
      'keys the caller presses; groups split by commas go to one menu each, e.g. "*,1234#,1"',
    )
    .option('--hangup-after <seconds>', 'the caller hangs up after this many (simulated) seconds')
    .option('--talk <seconds>', 'how long the caller speaks when recorded, then presses hash', '3')
    .option('--menu <path>', 'menu file or folder (default: the shipped menus)')
    .option('--flow <name>', 'the flow the call starts in (default: voicebox, or the only flow)')
    .option(
      '--media <dir>',
      'media folder for recordings and the TTS cache, from the working directory (default: media.local of --config, else ./media)',
    )
    .option('--config <file>', 'the server settings to call against (default: embedded defaults)')
    .option('--server <host:port>', 'call a running `voicebox serve` instead of an in-process one')
    .option('--json', 'one JSON object a line')
    .option('--no-interactive', 'at a terminal without --dtmf, do not read keys from the keyboard')
    .option('--verbose', 'log lines of the runtime on stderr, at log.level of --config (default info)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox call 100 --menu examples/demo --dtmf 2\n  $ voicebox call +4930123456 --from +4989111 --dtmf 0 --talk 5\n  $ voicebox call 100 --menu examples/demo --hangup-after 2 --json',
    )
    .action(async (called: string, opts: CallOptions) => {
      // `hash` and `star` may stand for # and * (a # is easy to lose in a shell)
      const groups = (opts.dtmf ?? '')
        .split(',')
        .map((g) => g.trim().replace(/hash/g, '#').replace(/star/g, '*'))
        .filter((g) => g !== '');
      const bad = groups.find((g) => !/^[0-9*#]+$/.test(g));
      if (bad !== undefined) {
        io.err(`voicebox call: --dtmf: '${bad}' is not a sequence of keys 0-9, *, # (or star, hash)\n`);
        return setExit(2);
      }
      const print = (event: CallEvent) => {
        if (opts.json) {
          if (event.kind !== 'listen') io.out(JSON.stringify(event) + '\n');
          return;
        }
        const text = line(event);
        if (text) io.out(text + '\n');
      };
      let config;
      try {
        config = readConfig(opts.config);
      } catch (e) {
        io.err(
          `voicebox call: ${e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message}\n`,
        );
        return setExit(2);
      }
      // a running `voicebox serve` with freeswitch.token takes only calls that carry it, as the dialplan sets it
      const token = opts.server ? config.freeswitch.token : undefined;
      const caller = new ScriptedCaller({
        number: opts.from,
        name: opts.name,
        dialed: called,
        ...(token ? { variables: { [TOKEN_VARIABLE]: token } } : {}),
      });
      if (opts.redirectedFrom !== undefined) caller.redirectedFrom(opts.redirectedFrom);
      caller.pressDuring('record', '#', Math.max(0, Number(opts.talk) * 1000));
      if (opts.hangupAfter !== undefined) caller.hangupAt(Math.round(Number(opts.hangupAfter) * 1000));
      const media = opts.media
        ? defaultMediaRoot(opts.media)
        : opts.config
          ? config.media
          : defaultMediaRoot();
      // at a terminal and without --dtmf: the keyboard is the phone's keypad, in real time
      const stdin = process.stdin;
      const interactive = opts.interactive !== false && !opts.dtmf && stdin.isTTY === true && !opts.json;
      // the simulated FreeSWITCH runs here: it finds media.freeswitch paths under media.local
      const toLocalPath = (p: string): string =>
        p.startsWith(`${media.freeswitch}/`) ? join(media.local, p.slice(media.freeswitch.length)) : p;
      const sim = new Simulator({ toLocalPath, missingFiles: 'not-found', realTime: interactive });
      let server: VoiceboxServer | undefined;
      let services: Services | undefined;
      let target = opts.server;
      // each menu the call reaches gets the next group of keys, typed ahead
      let placedCall: { queueDigits(digits: string, source: string): void } | undefined;
      const early: string[] = [];
      let errors = 0;
      try {
        if (!target) {
          const runtime = await loadRuntime({
            menus: menusPath(opts.menu ?? config.menus),
            media,
            speech: config.speech,
          });
          // log.level of --config (the embedded default: info), as `serve` logs
          const log = logger(config.log.level, opts.verbose ? 'stderr' : 'silent');
          logPrepared(log, runtime.prepared);
          services = await buildServices(config, runtime.bundle, runtime.mediaRoot, log);
          const flows = Object.keys(runtime.bundle.flows);
          const flow =
            opts.flow ??
            (flows.includes('voicebox') ? 'voicebox' : flows.length === 1 ? flows[0] : undefined);
          if (!flow || !runtime.bundle.flows[flow]) {
            io.err(`voicebox call: name the flow to start with --flow (one of: ${flows.join(', ')})\n`);
            return setExit(2);
          }
          server = new VoiceboxServer({
            ...runtime,
            actions: services.actions,
            classifyCaller: services.classifyCaller,
            recordings: services.recordings,
            config: config.menu,
            dialString: config.transfer.dialString,
            log,
            port: 0,
            defaultFlow: flow,
            onCall: () => (event) => {
              if (event.kind === 'error') errors++;
              if (event.kind === 'listen') {
                const next = groups.shift();
                if (next && placedCall) placedCall.queueDigits(next, 'inband');
                else if (next) early.push(next);
              }
              print(event);
            },
          });
          const address = await server.listen();
          target = `${address.host}:${address.port}`;
        } else {
          // no runtime events from a remote server: type the groups a second apart
          groups.forEach((g, i) => caller.pressAt(1000 + i * 1000, g));
        }
        const placed = await sim.placeCall(caller, { target });
        placedCall = placed.call;
        for (const digits of early.splice(0)) placed.call.queueDigits(digits, 'inband');
        let stopKeys = () => {};
        if (interactive) {
          io.err('keys 0-9 * # are sent as you type them; q or Ctrl-C hangs up\n');
          stdin.setRawMode(true);
          stdin.resume();
          const onKey = (chunk: Buffer) => {
            for (const ch of chunk.toString('utf8')) {
              if (/[0-9*#]/.test(ch)) placed.call.queueDigits(ch, 'inband');
              else if (ch === 'q' || ch === '\u0003') placed.call.hangup('NORMAL_CLEARING', 'caller');
            }
          };
          stdin.on('data', onKey);
          stopKeys = () => {
            stdin.off('data', onKey);
            stdin.setRawMode(false);
            stdin.pause();
          };
        }
        let report;
        try {
          report = await placed.finished;
        } finally {
          stopKeys();
        }
        if (opts.server) io.out(report.text + '\n');
        setExit(errors > 0 ? 1 : 0);
      } catch (e) {
        if (e instanceof MenusInvalid) {
          io.err(e.report + '\n');
          return setExit(1);
        }
        io.err(`voicebox call: ${(e as Error).message}\n`);
        setExit(1);
      } finally {
        await server?.close();
        // the spool sends what the call left before the command returns
        await services?.spool.flush();
        await services?.close();
        await sim.close();
      }
    });
}
