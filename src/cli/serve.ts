// `voicebox serve`: the call server FreeSWITCH's `socket` application connects to.
import { Command } from 'commander';
import { ConfigError, readConfig, type VoiceboxConfig } from '../config/index.js';
import { VoiceboxServer } from '../runtime/index.js';
import type { Io } from './menus.js';
import { loadRuntime, logger, menusPath, MenusInvalid } from './runtime.js';
import { buildServices } from './services.js';

function listenAddress(value: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535)
    throw new Error(`--listen: expected HOST:PORT such as 127.0.0.1:8084, got '${value}'`);
  return { host: m[1]!, port: Number(m[2]) };
}

export function serveCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description(
      'accept calls from FreeSWITCH (dialplan: socket 127.0.0.1:8084 async full) and run the menus',
    )
    .option('--config <file>', 'YAML settings (default: embedded defaults: example users, Maildir, no SMTP)')
    .option('--listen <host:port>', 'where FreeSWITCH connects (default 127.0.0.1:8084)')
    .option('--menus <path>', 'menu folder (default: the shipped menus)')
    .option('--media <dir>', 'media folder shared with FreeSWITCH (default: ./media)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox serve\n  $ voicebox serve --config /etc/voicebox/voicebox.yaml\n  $ voicebox serve --menus examples/demo --listen 0.0.0.0:8084',
    )
    .action(async (opts: { config?: string; listen?: string; menus?: string; media?: string }) => {
      let config: VoiceboxConfig;
      try {
        config = readConfig(opts.config);
        if (opts.listen) config.freeswitch.listen = listenAddress(opts.listen);
        if (opts.media) config.media = { local: opts.media, freeswitch: opts.media };
      } catch (e) {
        io.err(
          `voicebox serve: ${e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message}\n`,
        );
        return setExit(2);
      }
      const log = logger(config.log.level, 'stderr');
      try {
        const runtime = await loadRuntime({
          menus: menusPath(opts.menus ?? config.menus),
          media: config.media,
        });
        const services = await buildServices(config, runtime.bundle, runtime.mediaRoot, log);
        const server = new VoiceboxServer({
          ...runtime,
          actions: services.actions,
          classifyCaller: services.classifyCaller,
          config: config.menu,
          log,
          host: config.freeswitch.listen.host,
          port: config.freeswitch.listen.port,
          dialString: config.transfer.dialString,
        });
        const address = await server.listen();
        log.info(
          {
            listen: `${address.host}:${address.port}`,
            media: runtime.mediaRoot.local,
            flows: Object.keys(runtime.bundle.flows),
            directory: config.directory.type,
            mail: config.mail.smtp ? 'smtp' : 'maildir',
          },
          'voicebox is ready for FreeSWITCH',
        );
        io.out(`voicebox: listening for FreeSWITCH on ${address.host}:${address.port} (Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
        await services.close();
        setExit(0);
      } catch (e) {
        if (e instanceof MenusInvalid) io.err(e.report + '\n');
        else io.err(`voicebox serve: ${(e as Error).message}\n`);
        setExit(1);
      }
    });
}
