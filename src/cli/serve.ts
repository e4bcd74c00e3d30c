// `voicebox serve`: the call server FreeSWITCH's `socket` application connects to.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { load as loadYaml } from 'js-yaml';
import { defaultMenuConfig, VoiceboxServer, type Value } from '../runtime/index.js';
import type { Io } from './menus.js';
import { defaultMediaRoot, loadRuntime, logger, menusPath, MenusInvalid } from './runtime.js';

interface ServeSettings {
  listen: { host: string; port: number };
  menus?: string;
  media: { local?: string; freeswitch?: string };
  dialString?: string;
  logLevel: string;
  menuConfig: Record<string, Value>;
}

const known: Record<string, string[]> = {
  '': ['freeswitch', 'menus', 'media', 'transfer', 'log', 'menu'],
  freeswitch: ['listen'],
  media: ['local', 'freeswitch'],
  transfer: ['dialString'],
  log: ['level'],
};

export class ConfigError extends Error {
  constructor(file: string, key: string, problem: string) {
    super(`${file}: ${key}: ${problem}`);
    this.name = 'ConfigError';
  }
}

function parseListen(value: string, where: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535)
    throw new Error(`${where}: expected HOST:PORT such as 127.0.0.1:8084, got '${value}'`);
  return { host: m[1]!, port: Number(m[2]) };
}

/** The settings `serve` needs; unknown keys are errors that name the key. */
export function readServeConfig(file: string | undefined): ServeSettings {
  const settings: ServeSettings = {
    listen: { host: '127.0.0.1', port: 8084 },
    media: {},
    logLevel: 'info',
    menuConfig: { ...defaultMenuConfig },
  };
  if (!file) return settings;
  let data: unknown;
  try {
    data = loadYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '(file)', (e as Error).message.split('\n')[0]!);
  }
  if (data === null || data === undefined) return settings;
  if (typeof data !== 'object' || Array.isArray(data))
    throw new ConfigError(file, '(file)', 'expected a map of settings');
  const root = data as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    const v = root[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(file, name, 'expected a map');
    for (const key of Object.keys(v)) {
      if (name !== 'menu' && !known[name]?.includes(key))
        throw new ConfigError(file, `${name}.${key}`, `unknown setting (known: ${known[name]?.join(', ')})`);
    }
    return v as Record<string, unknown>;
  };
  for (const key of Object.keys(root))
    if (!known['']!.includes(key))
      throw new ConfigError(file, key, `unknown setting (known: ${known['']!.join(', ')})`);
  const text = (v: unknown, key: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new ConfigError(file, key, 'expected a text');
    return v;
  };
  const listen = text(section('freeswitch').listen, 'freeswitch.listen');
  if (listen) settings.listen = parseListen(listen, `${file}: freeswitch.listen`);
  const menus = text(root.menus, 'menus');
  if (menus) settings.menus = menus;
  const media = section('media');
  settings.media = {
    local: text(media.local, 'media.local'),
    freeswitch: text(media.freeswitch, 'media.freeswitch'),
  };
  const dial = text(section('transfer').dialString, 'transfer.dialString');
  if (dial) {
    if (!dial.includes('{number}'))
      throw new ConfigError(
        file,
        'transfer.dialString',
        'must contain {number}, e.g. sofia/gateway/pbx/{number}',
      );
    settings.dialString = dial;
  }
  const level = text(section('log').level, 'log.level');
  if (level) {
    if (!['debug', 'info', 'warn', 'error'].includes(level))
      throw new ConfigError(file, 'log.level', 'one of debug, info, warn, error');
    settings.logLevel = level;
  }
  for (const [key, value] of Object.entries(section('menu'))) {
    if (!(key in defaultMenuConfig))
      throw new ConfigError(
        file,
        `menu.${key}`,
        `unknown menu switch (known: ${Object.keys(defaultMenuConfig).join(', ')})`,
      );
    const expected = typeof defaultMenuConfig[key];
    if (typeof value !== expected)
      throw new ConfigError(
        file,
        `menu.${key}`,
        `expected a ${expected === 'boolean' ? 'yes/no' : expected}`,
      );
    settings.menuConfig[key] = value as Value;
  }
  return settings;
}

export function serveCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('serve')
    .description(
      'accept calls from FreeSWITCH (dialplan: socket 127.0.0.1:8084 async full) and run the menus',
    )
    .option('--config <file>', 'YAML settings (default: embedded defaults)')
    .option('--listen <host:port>', 'where FreeSWITCH connects (default 127.0.0.1:8084)')
    .option('--menus <path>', 'menu folder (default: the shipped menus)')
    .option('--media <dir>', 'media folder shared with FreeSWITCH (default: ./media)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox serve\n  $ voicebox serve --config /etc/voicebox/voicebox.yaml\n  $ voicebox serve --menus examples/demo --listen 0.0.0.0:8084',
    )
    .action(async (opts: { config?: string; listen?: string; menus?: string; media?: string }) => {
      let settings: ServeSettings;
      try {
        settings = readServeConfig(opts.config);
        if (opts.listen) settings.listen = parseListen(opts.listen, '--listen');
      } catch (e) {
        io.err(`voicebox serve: ${(e as Error).message}\n`);
        return setExit(2);
      }
      const log = logger(settings.logLevel, 'stderr');
      try {
        const local = defaultMediaRoot(opts.media ?? settings.media.local);
        const media = { local: local.local, freeswitch: settings.media.freeswitch ?? local.local };
        const runtime = await loadRuntime({ menus: menusPath(opts.menus ?? settings.menus), media });
        const server = new VoiceboxServer({
          ...runtime,
          actions: new Map(),
          config: settings.menuConfig,
          log,
          host: settings.listen.host,
          port: settings.listen.port,
          ...(settings.dialString ? { dialString: settings.dialString } : {}),
        });
        const address = await server.listen();
        log.info(
          {
            listen: `${address.host}:${address.port}`,
            media: media.local,
            flows: Object.keys(runtime.bundle.flows),
          },
          'voicebox is ready for FreeSWITCH',
        );
        io.out(`voicebox: listening for FreeSWITCH on ${address.host}:${address.port} (Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
        setExit(0);
      } catch (e) {
        if (e instanceof MenusInvalid) io.err(e.report + '\n');
        else io.err(`voicebox serve: ${(e as Error).message}\n`);
        setExit(1);
      }
    });
}
