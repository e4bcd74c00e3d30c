// voicebox's configuration: one YAML file, checked at start (see schema.ts for every key).
import { dirname, resolve } from 'node:path';
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
  /** the folder relative paths were taken from: the config file's, or the working directory */
  base: string;
  freeswitch: {
    listen: { host: string; port: number };
    /** the shared secret the dialplan sets as `voicebox_token` */
    token?: string;
    /** calls (event-socket connections) at once; beyond it new connections are refused */
    maxConnections: number;
    /** bytes received from FreeSWITCH and not yet parsed, across all connections */
    maxBufferedBytes: number;
    /** the connection to mod_event_socket serve keeps (none when unset) */
    inbound?: {
      host: string;
      port: number;
      password: string;
      reconnectMinMs: number;
      reconnectMaxMs: number;
      livenessIntervalMs: number;
      livenessTimeoutMs: number;
    };
  };
  media: { local: string; freeswitch: string };
  /** callers' recordings on the media disk: keepDays 0 = each goes once its message is delivered */
  recordings: { keepDays: number };
  speech: { renderTimeoutMs: number };
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
    /** the last known entries file (LDAP outages) */
    lastKnown: string;
    /** entries kept there; 0 = no such file */
    lastKnownEntries: number;
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
    /** 32 bytes, hex or base64: signs voice messages (default: made once beside the spool) */
    signingKey?: string;
    maildir: string;
    smtp?: {
      host: string;
      port: number;
      secure: boolean;
      starttls: boolean;
      user?: string;
      password?: string;
      /** AUTH without TLS: refused unless set */
      allowPlaintextAuth: boolean;
      timeoutMs: number;
      commandTimeoutMs: number;
      dataTimeoutMs: number;
      /** a PEM file: the CA that signed the server's certificate */
      ca?: string;
      rejectUnauthorized: boolean;
    };
  };
  login: {
    allowed: boolean;
    restriction: 'everywhere' | 'nowhere' | 'listed';
    trustOffice: boolean;
    trustMobile: boolean;
    trustListedNumbers: boolean;
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
    /** a voice message's audio larger than this is not downloaded */
    maxAudioBytes: number;
    /** gateway domains whose `$(phonenumber)@voice.<domain>` (fax., sms.) senders are believed */
    trustedSenderDomains: string[];
    /** at most this much of an e-mail's text is fetched to be read aloud */
    maxTextBytes: number;
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
  /** internal | national | premium | international; prefixes as +49900, 0900 or 0044 */
  dialPolicy: { allow: string[]; deny: string[]; allowPrefixes: string[]; denyPrefixes: string[] };
  transfer: { dialString: string };
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
}

/** The checked tree as typed settings (the schema guarantees the shapes). */
export function typedConfig(tree: ConfigTree, base = process.cwd()): VoiceboxConfig {
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
    base,
    freeswitch: { ...t.freeswitch, listen: { host: host!, port: Number(port) } },
    // FreeSWITCH needs absolute paths (parseConfig made media.local one, against `base`)
    media: {
      local: resolve(base, t.media.local),
      freeswitch: t.media.freeswitch ?? resolve(base, t.media.local),
    },
    menu,
  };
}

export function readConfig(file?: string): VoiceboxConfig {
  return typedConfig(loadConfig(file), file ? dirname(resolve(file)) : process.cwd());
}
