// voicebox's configuration: one YAML file, checked at start (see schema.ts for every key).
import { resolve } from 'node:path';
import {
  loadConfig,
  parseConfig,
  redacted,
  ConfigError,
  type ConfigTree,
  type ConfigProblem,
} from './load.js';

export { loadConfig, parseConfig, redacted, ConfigError, type ConfigTree, type ConfigProblem };
export { schema } from './schema.js';

export interface VoiceboxConfig {
  freeswitch: {
    listen: { host: string; port: number };
    inbound?: { host: string; port: number; password: string };
  };
  media: { local: string; freeswitch: string };
  menus?: string;
  location: {
    countryCode: string;
    areaCode: string;
    subscriberBase: string;
    extensionLength: number;
    outsideLinePrefix: string;
  };
  directory: {
    type: 'yaml' | 'ldap';
    file: string;
    localSettings: string;
    ldap?: {
      servers: string[];
      bindDn?: string;
      bindPassword?: string;
      baseDn?: string;
      ous: string[];
      filter?: string;
      attributes?: Record<string, string>;
      timeoutMs: number;
      cacheTtlMs: number;
      rejectUnauthorized: boolean;
    };
  };
  mail: {
    domain: string;
    fromTemplate?: string;
    spool: string;
    maildir: string;
    smtp?: {
      host: string;
      port: number;
      secure: boolean;
      starttls: boolean;
      user?: string;
      password?: string;
      timeoutMs: number;
    };
  };
  login: {
    allowed: boolean;
    restriction: 'everywhere' | 'nowhere' | 'listed';
    trustOffice: boolean;
    trustMobile: boolean;
    access: 'none' | 'settings' | 'messages';
    maxWrongPins: number;
    notifyLock: boolean;
    wrongPinLog: string;
    pinExpiryDays: number;
    remindDays: number;
    afterExpiry: 'change' | 'refuse';
  };
  mailbox: {
    type: 'maildir' | 'imap';
    folder: string;
    trash: string;
    deleteMode: 'trash' | 'expunge';
    imap?: {
      host: string;
      port: number;
      tls: boolean;
      rejectUnauthorized: boolean;
      access: 'administrative' | 'individual' | 'both';
      adminMode: 'master' | 'namespace' | 'template';
      masterUser?: string;
      masterPassword?: string;
      masterSeparator: string;
      namespace: string;
      pathTemplate: string;
      loginTemplate: string;
      passwordKey?: string;
      timeoutMs: number;
    };
  };
  welcome: { enabled: boolean; minPinLength: number; defaultPin?: string; portalUrl?: string };
  /** the switches the menus read as `config.*` */
  menu: Record<string, string | number | boolean>;
  transfer: { dialString: string };
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
}

/** The checked tree as typed settings (the schema guarantees the shapes). */
export function typedConfig(tree: ConfigTree): VoiceboxConfig {
  const t = tree as unknown as VoiceboxConfig & {
    freeswitch: { listen: string };
    media: { local: string; freeswitch?: string };
  };
  const [host, port] = (t.freeswitch.listen as unknown as string).split(/:(?=\d+$)/);
  const menu = { ...(t.menu as Record<string, string | number | boolean>) };
  // the menus compare durations in milliseconds
  menu.max_message = Number(menu.max_message) * 1000;
  return {
    ...t,
    freeswitch: { ...t.freeswitch, listen: { host: host!, port: Number(port) } },
    // FreeSWITCH needs absolute paths; a relative media folder is taken from where voicebox runs
    media: { local: resolve(t.media.local), freeswitch: t.media.freeswitch ?? resolve(t.media.local) },
    menu,
  };
}

export function readConfig(file?: string): VoiceboxConfig {
  return typedConfig(loadConfig(file));
}
