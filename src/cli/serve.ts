// `voicebox serve`: the call server FreeSWITCH's `socket` application connects to.
import { Command } from 'commander';
import {
  ConfigError,
  listenAddress,
  readConfig,
  type ListenAddress,
  type VoiceboxConfig,
} from '../config/index.js';
import { InboundLink } from '../esl/index.js';
import { VoiceboxServer } from '../runtime/index.js';
import type { Io } from './menus.js';
import { loadRuntime, logger, logPrepared, mediaFromFlag, menusPath, MenusInvalid } from './runtime.js';
import { connectionLimit } from './file-limit.js';
import { installSafetyNet } from './safety-net.js';
import { buildServices } from './services.js';

const isLoopback = (host: string): boolean =>
  /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' || host === '[::1]' || host === 'localhost';

function listenFlag(value: string): ListenAddress {
  const address = listenAddress(value);
  if (!address || address.port > 65535)
    throw new Error(`--listen: expected HOST:PORT such as 127.0.0.1:8084, got '${value}'`);
  return address;
}

export function serveCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description(
      'accept calls from FreeSWITCH (dialplan: socket 127.0.0.1:8084 async full) and run the menus',
    )
    .option('--config <file>', 'YAML settings (default: embedded defaults: example users, Maildir, no SMTP)')
    .option(
      '--listen <host:port>',
      'where FreeSWITCH connects (default 127.0.0.1:8084); another address than loopback needs freeswitch.token and a firewall (freeswitch/README.md)',
    )
    .option('--menus <path>', 'menu folder (default: the shipped menus)')
    .option(
      '--media <dir>',
      'media folder shared with FreeSWITCH, at the same path for both (default: media.local of the config, else ./media); refused when the config sets another media.freeswitch',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox serve\n  $ voicebox serve --config /etc/voicebox/voicebox.yaml\n  $ voicebox serve --menus examples/demo --listen 127.0.0.1:8085',
    )
    .action(async (opts: { config?: string; listen?: string; menus?: string; media?: string }) => {
      // whatever serve creates (speech cache, mail, logs) is for us and FreeSWITCH's group, not
      // for every account on the host; files with voices, PINs or settings get explicit modes too
      process.umask(0o027);
      let config: VoiceboxConfig;
      try {
        config = readConfig(opts.config);
        if (opts.listen) config.freeswitch.listen = listenFlag(opts.listen);
        if (opts.media) config.media = mediaFromFlag(config.media, opts.media);
      } catch (e) {
        io.err(
          `voicebox serve: ${e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message}\n`,
        );
        return setExit(2);
      }
      const log = logger(config.log.level, 'stderr');
      const { host, port } = config.freeswitch.listen;
      if (!isLoopback(host) && !config.freeswitch.token)
        log.warn(
          { listen: `${host}:${port}` },
          `listening on ${host}:${port} without freeswitch.token: anyone who reaches this port can ` +
            'pose as FreeSWITCH, claim any caller number and reach mailboxes; set freeswitch.token ' +
            '(and voicebox_token in the dialplan) and firewall the port to the FreeSWITCH hosts',
        );
      const safetyNet = installSafetyNet(log);
      try {
        const runtime = await loadRuntime({
          menus: menusPath(opts.menus ?? config.menus),
          media: config.media,
          speech: { renderTimeoutMs: config.speech.renderTimeoutMs },
        });
        logPrepared(log, runtime.prepared);
        // the notifications' way to FreeSWITCH (the lamps); started once calls are served
        const inbound = config.freeswitch.inbound
          ? new InboundLink({ ...config.freeswitch.inbound, events: ['MESSAGE_QUERY'], logger: log })
          : undefined;
        const services = await buildServices(config, runtime.bundle, runtime.mediaRoot, log, {
          lampLink: inbound,
          linkEvents: inbound,
        });
        // what calls before this start left on the media disk (a crash, a kill), then hourly for
        // the retention; what a running call (here or on another node) still uses is too young
        await services.recordings.sweep();
        const sweeps = setInterval(() => void services.recordings.sweep(), 60 * 60_000);
        sweeps.unref();
        const maxConnections = connectionLimit(config.freeswitch.maxConnections, log);
        const server = new VoiceboxServer({
          ...runtime,
          actions: services.actions,
          classifyCaller: services.classifyCaller,
          config: config.menu,
          log,
          host,
          port,
          dialString: config.transfer.dialString,
          ...(config.freeswitch.token ? { token: config.freeswitch.token } : {}),
          maxConnections,
          maxBufferedBytes: config.freeswitch.maxBufferedBytes,
          recordings: services.recordings,
        });
        const address = await server.listen();
        log.info(
          {
            listen: `${address.host}:${address.port}`,
            media: runtime.mediaRoot.local,
            flows: Object.keys(runtime.bundle.flows),
            directory: config.directory.type,
            mail: config.mail.smtp ? 'smtp' : 'maildir',
            token: config.freeswitch.token ? 'required' : 'none',
          },
          'voicebox is ready for FreeSWITCH',
        );
        // the handlers before the line that says we are ready: a stop right after it must be clean
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        io.out(`voicebox: listening for FreeSWITCH on ${address.host}:${address.port} (Ctrl-C stops)\n`);
        // kept from here on, logged on login and loss; each login reconciles every lamp
        inbound?.start();
        await stopped;
        await inbound?.close();
        clearInterval(sweeps);
        await server.close();
        await services.close();
        setExit(0);
      } catch (e) {
        if (e instanceof MenusInvalid) io.err(e.report + '\n');
        else io.err(`voicebox serve: ${(e as Error).message}\n`);
        setExit(1);
      } finally {
        safetyNet.remove();
      }
    });
}
