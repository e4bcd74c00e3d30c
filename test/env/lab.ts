// The lab of real servers (lab/lab.sh) as the integration tests see it: the state file lab.sh
// writes, read and checked once, and a way to run lab.sh itself.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const labScript = fileURLToPath(new URL('../../lab/lab.sh', import.meta.url));
export const labDir = fileURLToPath(new URL('../../lab/', import.meta.url));

export interface LdapServer {
  url: string;
  port: number;
  pid: number;
  /** data dir: lab/ldap/start.sh DIR PORT restarts this server on its old data */
  dir: string;
}

/** What `lab.sh up` writes to its state file (version 1). */
export interface LabState {
  version: 1;
  /** the lab's temp dir; everything below it is removed by `lab.sh down` */
  dir: string;
  /** the generated example voicebox config */
  config: string;
  startedAt: string;
  startMs: number;
  host: string;
  tls: { caCert: string; servername: string };
  ldap: {
    baseDn: string;
    ous: string[];
    bindDn: string;
    bindPassword: string;
    /** [primary, fail-over copy with the same seed] */
    servers: [LdapServer, LdapServer];
  };
  imap: {
    port: number;
    tlsPort: number;
    pid: number;
    dir: string;
    /** for doveadm -c */
    config: string;
    master: { user: string; password: string; separator: string };
  };
  lmtp: { port: number; socket: string };
  smtp: {
    /** plain SMTP, no AUTH */
    port: number;
    /** STARTTLS required, then AUTH */
    submissionPort: number;
    pid: number;
    dir: string;
    /** for postqueue -c / postfix -c */
    configDir: string;
  };
  /** where the lab's Dovecot posts its push notifications (dovecot/voicebox-push.lua) */
  push: { port: number; url: string; token: string };
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabState;
  }
}

export class LabError extends Error {
  override name = 'LabError';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Reads lab.sh's state file; throws a LabError naming what is wrong if it is not a version-1 state. */
export async function readLabState(stateFile: string): Promise<LabState> {
  const parsed: unknown = JSON.parse(await readFile(stateFile, 'utf8'));
  const sections = ['tls', 'ldap', 'imap', 'lmtp', 'smtp', 'push'] as const;
  if (!isRecord(parsed) || parsed['version'] !== 1 || typeof parsed['dir'] !== 'string') {
    throw new LabError(`${stateFile} is not a lab state file of version 1`);
  }
  for (const s of sections) {
    if (!isRecord(parsed[s])) throw new LabError(`${stateFile}: section "${s}" is missing`);
  }
  const ldap = parsed['ldap'];
  if (!isRecord(ldap) || !Array.isArray(ldap['servers']) || ldap['servers'].length !== 2) {
    throw new LabError(`${stateFile}: ldap.servers must list two servers`);
  }
  return parsed as unknown as LabState;
}

export interface LabRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lab.sh up|down|status` with the given environment (LAB_STATE, LAB_DIR, LAB_CONFIG, ...). */
export function runLab(command: 'up' | 'down' | 'status', env: Record<string, string>): Promise<LabRun> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [labScript, command],
      { env: { ...process.env, ...env }, timeout: 120_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
