// Small helpers shared by the lab tests (not a test file itself).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client } from 'ldapts';
import type { Entry } from 'ldapts';
import { ImapFlow } from 'imapflow';
import type { LabState } from '../../env/lab.js';
import { ImapMailboxStore, type ImapMailboxOptions } from '../../../src/mailbox/index.js';
import {
  DEFAULT_LDAP_ATTRIBUTES,
  DEFAULT_LDAP_FILTER,
  LdapDirectory,
  type LdapDirectoryConfig,
} from '../../../src/directory/index.js';

/** An LDAP attribute's values as a list: ldapts gives a string for one value, an array for several. */
export function values(entry: Entry | undefined, attribute: string): string[] {
  const v = entry?.[attribute];
  if (v === undefined) return [];
  return [v].flat().map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : x));
}

/** Runs fn with a client bound as the lab's admin; always unbinds (or Node would not exit). */
export async function asLdapAdmin<T>(lab: LabState, url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ url, timeout: 5_000, connectTimeout: 2_000 });
  try {
    await client.bind(lab.ldap.bindDn, lab.ldap.bindPassword);
    return await fn(client);
  } finally {
    await client.unbind();
  }
}

/** The Berlin site of the lab's example config (lab/voicebox.yaml `locations`). */
export const berlin = { countryCode: '49', areaCode: '30', subscriberPrefix: '1234' };

/**
 * What voicebox does with a called number before it searches the directory: any format to E.164.
 * A stand-in for src/phone, so the lab tests pin down the directory side of the contract:
 * `+49 30 1234501`, `+49301234501`, `030 1234501` and extension `501` all become `+49301234501`.
 */
export function toE164(dialled: string): string {
  const n = dialled.replace(/[\s\-/()]/g, '');
  if (n.startsWith('+')) return n;
  if (n.startsWith('00')) return `+${n.slice(2)}`;
  if (n.startsWith('0')) return `+${berlin.countryCode}${n.slice(1)}`;
  return `+${berlin.countryCode}${berlin.areaCode}${berlin.subscriberPrefix}${n}`;
}

/** The lab's throwaway certificate is the only one trusted: TLS is verified, not switched off. */
export function labTls(lab: LabState): { ca: Buffer[]; servername: string } {
  return { ca: [readFileSync(lab.tls.caCert)], servername: lab.tls.servername };
}

/** IMAP client for the plain port, or with `tls` for the implicit-TLS port. */
export function imapClient(lab: LabState, user: string, pass: string, tls = false): ImapFlow {
  return new ImapFlow({
    host: lab.host,
    port: tls ? lab.imap.tlsPort : lab.imap.port,
    secure: tls,
    doSTARTTLS: false,
    ...(tls ? { tls: labTls(lab), servername: lab.tls.servername } : {}),
    auth: { user, pass },
    logger: false,
  });
}

/** Runs fn logged in over IMAP; always logs out. */
export async function withImap<T>(client: ImapFlow, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout();
  }
}

/** Runs a server tool (doveadm, postqueue, ...) and returns its stdout; rejects with its stderr. */
export function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The lab's Dovecot as voicebox reads it: the master user, STARTTLS verified against the lab's certificate. */
export function labMailboxStore(lab: LabState, options: Partial<ImapMailboxOptions> = {}): ImapMailboxStore {
  return new ImapMailboxStore({
    host: lab.host,
    port: lab.imap.port,
    tls: false,
    tlsOptions: labTls(lab),
    access: 'administrative',
    adminMode: 'master',
    masterUser: lab.imap.master.user,
    masterPassword: lab.imap.master.password,
    masterSeparator: lab.imap.master.separator,
    namespace: 'Other Users/',
    pathTemplate: 'user.${MAILBOX}',
    loginTemplate: '$(LOGIN)',
    timeoutMs: 5000,
    folder: 'INBOX',
    trash: 'Deleted Voice Messages',
    deleteMode: 'trash',
    ...options,
  });
}

/** The lab's slapd as voicebox reads it: both servers in fail-over order, the admin bind, no cache. */
export function labDirectory(lab: LabState, options: Partial<LdapDirectoryConfig> = {}): LdapDirectory {
  return new LdapDirectory({
    servers: lab.ldap.servers.map((s) => s.url),
    bindDn: lab.ldap.bindDn,
    bindPassword: lab.ldap.bindPassword,
    baseDn: lab.ldap.baseDn,
    filter: DEFAULT_LDAP_FILTER,
    attributes: DEFAULT_LDAP_ATTRIBUTES,
    cacheTtlMs: 0,
    ...options,
  });
}
