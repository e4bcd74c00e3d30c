// voicebox's configuration: one YAML file, checked at start (see schema.ts for every key).
import { dirname, resolve } from 'node:path';
import { switchesFromFile, type MenuSwitches } from '../graph/index.js';
import {
  loadConfig,
  parseConfig,
  redacted,
  ConfigError,
  type ConfigTree,
  type ConfigProblem,
} from './load.js';
import type { CheckedConfig } from './schema.js';

export { loadConfig, parseConfig, redacted, ConfigError, type ConfigTree, type ConfigProblem };
export { schema, type CheckedConfig, type Rule } from './schema.js';
export { exampleConfig } from './example.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * `HOST:PORT` (freeswitch.listen, serve's --listen) as a host and a port; undefined when the
 * text is not of that form. The port's range is left to whoever reports the mistake.
 */
export function listenAddress(value: string): ListenAddress | undefined {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

type Flat<T> = { [K in keyof T]: T[K] } & {};

/**
 * The settings as voicebox uses them: the checked file (its type read off the schema), with the
 * few values made ready to use — the listen address split, the media folders absolute, the
 * menu switches in the menus' units — and the folder relative paths were taken from.
 */
export type VoiceboxConfig = Flat<
  Omit<CheckedConfig, 'freeswitch' | 'media' | 'menu'> & {
    /** the folder relative paths were taken from: the config file's, or the working directory */
    base: string;
    freeswitch: Flat<Omit<CheckedConfig['freeswitch'], 'listen'> & { listen: ListenAddress }>;
    /** both absolute; media.freeswitch defaults to media.local */
    media: { local: string; freeswitch: string };
    /** the switches the menus read as `config.*` (durations in milliseconds) */
    menu: MenuSwitches;
  }
>;

/** The checked settings, ready to use. */
export function typedConfig(checked: CheckedConfig, base = process.cwd()): VoiceboxConfig {
  const listen = listenAddress(checked.freeswitch.listen);
  // the schema's pattern for freeswitch.listen admits only what listenAddress reads
  if (!listen) throw new Error(`freeswitch.listen: '${checked.freeswitch.listen}' is not HOST:PORT`);
  return {
    ...checked,
    base,
    freeswitch: { ...checked.freeswitch, listen },
    // FreeSWITCH needs absolute paths (parseConfig made media.local one, against `base`)
    media: {
      local: resolve(base, checked.media.local),
      freeswitch: checked.media.freeswitch ?? resolve(base, checked.media.local),
    },
    menu: switchesFromFile(checked.menu),
  };
}

export function readConfig(file?: string): VoiceboxConfig {
  return typedConfig(loadConfig(file), file ? dirname(resolve(file)) : process.cwd());
}
