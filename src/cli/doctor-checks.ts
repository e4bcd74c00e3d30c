// The checks of `voicebox doctor`, one function per server or folder. Each does what voicebox
// itself does (the directory's own find functions, the mailbox store's own login, the event
// socket client), bounded by its own time limit, and turns a failure into what to do: the
// setting to look at and the daemon that should answer.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { mailboxOwnerOf } from '../actions/index.js';
import type { VoiceboxConfig } from '../config/index.js';
import type { Directory, DirectoryUser } from '../directory/index.js';
import { InboundClient } from '../esl/index.js';
import { formats } from '../phone/index.js';
import type { RuntimeLogger } from '../runtime/index.js';
import { createRenderer, sameMediaRoot } from '../speech/index.js';
import { configuredDirectory, mailboxStoreFrom } from './services.js';

/** One line of the doctor's report. */
export interface CheckResult {
  /** what is checked: config, ldap, directory, imap, maildir, smtp, freeswitch, media, speech */
  readonly area: string;
  /** the server or folder: `ldap://127.0.0.1:3389`, `127.0.0.1:10143`, `/var/lib/voicebox/media` */
  readonly target: string;
  /** what was done: `bind as cn=voicebox,…`, `login (master user)` */
  readonly step: string;
  /** `skip`: not checked (not configured, nothing to check with) — not a failure */
  readonly status: 'ok' | 'fail' | 'skip';
  readonly ms: number;
  /** what was seen: the error, or for a check that passed a short finding */
  readonly detail?: string;
  /** what to do about a failure: the setting to look at, the daemon that should answer */
  readonly hint?: string;
}

export interface CheckOptions {
  /** a mailbox number or login to look up and open the mailbox of (doctor.user, --user) */
  readonly user?: string;
  /** overrides every check's own limit (milliseconds) */
  readonly timeoutMs?: number;
  /** each result as soon as it is known */
  readonly onResult?: (result: CheckResult) => void;
}

/** A check that did not end within its limit. */
class NoAnswer extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

interface Attempt<T> {
  readonly ms: number;
  readonly value?: T;
  readonly error?: unknown;
}

/**
 * Runs `work` for at most `limitMs`; past that it counts as NoAnswer and whatever `work` handed
 * to `cleanup` is closed, so a hanging server leaves no socket that keeps the process alive.
 */
async function within<T>(
  limitMs: number,
  work: (cleanup: (close: () => unknown) => void) => Promise<T>,
): Promise<Attempt<T>> {
  const started = performance.now();
  const closers: Array<() => unknown> = [];
  let timer: NodeJS.Timeout | undefined;
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const value = await Promise.race([
      work((close) => closers.push(close)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new NoAnswer(limitMs)), limitMs);
      }),
    ]);
    return { ms: elapsed(), value };
  } catch (error) {
    if (error instanceof NoAnswer) {
      for (const close of closers) {
        try {
          await Promise.resolve(close()).catch(() => undefined);
        } catch {
          // closing what hangs is best effort
        }
      }
    }
    return { ms: elapsed(), error };
  } finally {
    clearTimeout(timer);
  }
}

const messageOf = (e: unknown): string =>
  e instanceof Error ? e.message || e.name : typeof e === 'string' ? e : String(e);

/** the error codes on an error and its causes (ECONNREFUSED, CERT_HAS_EXPIRED, ETIMEDOUT, …) */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    // nodemailer puts its own code on an error and keeps Node's as originalCode
    for (const key of ['code', 'originalCode'] as const) {
      const code = (e as Record<string, unknown>)[key];
      if (typeof code === 'string') codes.push(code);
    }
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

const CERTIFICATE =
  /^(?:CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(?:VERIFY|GET_ISSUER)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH)/;

/** A failure to reach a server, in an admin's words; undefined when the server did answer. */
export function networkProblem(error: unknown): { detail: string; kind: string } | undefined {
  if (error instanceof NoAnswer) return { detail: error.message, kind: 'timeout' };
  const codes = codesOf(error);
  const text = messageOf(error);
  const has = (...wanted: string[]) =>
    codes.some((c) => wanted.includes(c)) || wanted.some((w) => text.includes(w));
  if (has('ECONNREFUSED')) return { detail: 'connection refused', kind: 'refused' };
  if (has('ENOTFOUND', 'EAI_AGAIN')) return { detail: 'unknown host name', kind: 'dns' };
  if (has('EHOSTUNREACH', 'ENETUNREACH')) return { detail: 'no route to the host', kind: 'unreachable' };
  const certificate = codes.find((c) => CERTIFICATE.test(c));
  if (certificate) return { detail: `certificate not trusted (${certificate})`, kind: 'certificate' };
  if (has('ETIMEDOUT', 'ETIMEOUT', 'ESOCKET_TIMEOUT') || /timed? ?out|no answer/i.test(text))
    return { detail: `no answer (${text})`, kind: 'timeout' };
  if (has('ECONNRESET', 'EPIPE')) return { detail: 'the server closed the connection', kind: 'closed' };
  return undefined;
}

/** What to do when a server could not be reached: the daemon, the address, the settings. */
function reachHint(kind: string, daemon: string, where: string, keys: string, tlsKeys?: string): string {
  switch (kind) {
    case 'refused':
      return `is ${daemon} running on ${where}? (${keys})`;
    case 'dns':
      return `the host of ${where} is not known here: a typo in ${keys}, or DNS`;
    case 'unreachable':
      return `${where} cannot be reached from this host: the network or a firewall (${keys})`;
    case 'certificate':
      return `give the CA that signed the certificate of ${where}${tlsKeys ? ` (${tlsKeys})` : ''} rather than turning verification off`;
    case 'timeout':
      return `a firewall dropping ${where}, or ${daemon} hangs (${keys})`;
    default:
      return `${daemon} on ${where} dropped the connection: a TLS setting that does not match the port? (${keys})`;
  }
}

const looksLikeNumber = (s: string): boolean => /^\+?[0-9][0-9 ()/-]*$/.test(s.trim());

/** her entry, by any format of her mailbox number, else by login or mailbox alias; undefined: none */
export async function findUser(
  directory: Directory,
  config: VoiceboxConfig,
  wanted: string,
): Promise<DirectoryUser | undefined> {
  if (looksLikeNumber(wanted)) {
    const f = formats(wanted, config.location);
    return f ? directory.findByNumber(f.all) : undefined;
  }
  if (!directory.users) return undefined;
  const login = wanted.trim().toLowerCase();
  for await (const user of directory.users()) {
    if (user.login?.toLowerCase() === login || user.mailboxAlias?.toLowerCase() === login) return user;
  }
  return undefined;
}

/** a DN shortened for a line: its first two parts */
function shortDn(dn: string): string {
  const parts = dn.split(/(?<!\\),/);
  return parts.length > 2 ? `${parts.slice(0, 2).join(',')},…` : dn;
}

const userWords = (u: DirectoryUser): string => `${u.name} (${u.mailbox || u.login || u.id})`;

/** Everything the checks share: the config, the options, and the user found so far. */
class Doctor {
  readonly results: CheckResult[] = [];
  /** the user the directory found: whose mailbox is opened */
  user: DirectoryUser | undefined;
  /** why there is no user to open a mailbox with */
  noUser = 'doctor.user is not set (or --user): no mailbox is opened';

  constructor(
    readonly config: VoiceboxConfig,
    readonly options: CheckOptions,
  ) {}

  limit(own: number): number {
    return this.options.timeoutMs ?? own;
  }

  add(result: CheckResult): void {
    this.results.push(result);
    this.options.onResult?.(result);
  }
}

const quiet: RuntimeLogger = { info() {}, debug() {}, warn() {}, error() {}, child: () => quiet };

// ---- the directory ------------------------------------------------------------------------

async function checkLdap(d: Doctor): Promise<void> {
  const l = d.config.directory.ldap;
  if (!l || l.servers.length === 0) {
    d.add({
      area: 'ldap',
      target: '(none)',
      step: 'servers',
      status: 'fail',
      ms: 0,
      detail: 'directory.type is ldap but no server is listed',
      hint: 'list ldap:// or ldaps:// URLs in directory.ldap.servers',
    });
    return;
  }
  const bindDn = l.bindDn ?? '';
  const limit = d.limit(l.timeoutMs);
  let found = false;
  let searched = false;
  for (const url of l.servers) {
    const bound = await within(limit, async (cleanup) => {
      const client = new Client({
        url,
        timeout: limit,
        connectTimeout: limit,
        ...(url.toLowerCase().startsWith('ldaps:')
          ? { tlsOptions: { rejectUnauthorized: l.rejectUnauthorized } }
          : {}),
      });
      cleanup(() => client.unbind());
      try {
        await client.bind(bindDn, l.bindPassword ?? '');
      } finally {
        await client.unbind().catch(() => undefined);
      }
    });
    const step = bindDn ? `bind as ${shortDn(bindDn)}` : 'bind (anonymous)';
    if (bound.error !== undefined) {
      d.add({
        area: 'ldap',
        target: url,
        step,
        status: 'fail',
        ms: bound.ms,
        ...ldapFailure(bound.error, url),
      });
      continue;
    }
    d.add({ area: 'ldap', target: url, step, status: 'ok', ms: bound.ms });
    if (!d.options.user) continue;
    const wanted = d.options.user;
    searched = true;
    // this server alone, through the directory's own search (filter, attributes, OUs as configured)
    const one = configuredDirectory(
      { ...d.config, directory: { ...d.config.directory, ldap: { ...l, servers: [url] } } },
      { admin: true },
    );
    const search = await within(limit, async (cleanup) => {
      cleanup(() => one.close());
      try {
        return await findUser(one, d.config, wanted);
      } finally {
        await one.close().catch(() => undefined);
      }
    });
    const searchStep = `find ${wanted}`;
    if (search.error !== undefined) {
      const reach = networkProblem(search.error);
      d.add({
        area: 'ldap',
        target: url,
        step: searchStep,
        status: 'fail',
        ms: search.ms,
        detail: reach?.detail ?? messageOf(search.error),
        hint: reach
          ? reachHint(reach.kind, 'slapd', url, 'directory.ldap.timeoutMs')
          : 'check directory.ldap.baseDn, ous, filter and attributes (src/directory/README.md)',
      });
    } else if (search.value === undefined) {
      d.add({
        area: 'ldap',
        target: url,
        step: searchStep,
        status: 'fail',
        ms: search.ms,
        detail: `no user ${wanted} found`,
        hint: `doctor.user must be a mailbox number or login in directory.ldap.baseDn/ous; check directory.ldap.filter and attributes, and that ${url} holds the same entries as the others`,
      });
    } else {
      found = true;
      d.user ??= search.value;
      d.add({
        area: 'ldap',
        target: url,
        step: searchStep,
        status: 'ok',
        ms: search.ms,
        detail: userWords(search.value),
      });
    }
  }
  if (d.options.user && !found)
    d.noUser = searched
      ? `no LDAP server found ${d.options.user}: no mailbox is opened`
      : `no LDAP server let voicebox bind: ${d.options.user} is not looked up, no mailbox is opened`;
}

function ldapFailure(error: unknown, url: string): { detail: string; hint: string } {
  if (error instanceof InvalidCredentialsError)
    return {
      detail: 'invalid credentials (49)',
      hint: 'directory.ldap.bindDn or bindPassword is wrong, or the entry is locked',
    };
  const reach = networkProblem(error);
  if (reach)
    return {
      detail: reach.detail,
      hint: reachHint(
        reach.kind,
        'slapd (the LDAP server)',
        url,
        'directory.ldap.servers',
        'directory.ldap.rejectUnauthorized',
      ),
    };
  return { detail: messageOf(error), hint: 'check directory.ldap.bindDn and bindPassword' };
}

async function checkYaml(d: Doctor): Promise<void> {
  const directory = configuredDirectory(d.config, { admin: true });
  try {
    await checkUsersFile(d, directory);
  } finally {
    await directory.close().catch(() => undefined);
  }
}

async function checkUsersFile(d: Doctor, directory: Directory): Promise<void> {
  const file = d.config.directory.file;
  const read = await within(d.limit(5000), async () => {
    let count = 0;
    for await (const _ of directory.users?.() ?? []) count++;
    return count;
  });
  if (read.error !== undefined) {
    d.add({
      area: 'directory',
      target: file,
      step: 'read the users file',
      status: 'fail',
      ms: read.ms,
      detail: messageOf(read.error),
      hint: 'directory.file: a readable YAML file with users: at the top (examples/users.yaml)',
    });
    d.noUser = 'the users file could not be read: no mailbox is opened';
    return;
  }
  d.add({
    area: 'directory',
    target: file,
    step: 'read the users file',
    status: 'ok',
    ms: read.ms,
    detail: `${read.value} users`,
  });
  if (!d.options.user) return;
  const wanted = d.options.user;
  const search = await within(d.limit(5000), () => findUser(directory, d.config, wanted));
  if (search.error !== undefined || search.value === undefined) {
    d.add({
      area: 'directory',
      target: file,
      step: `find ${wanted}`,
      status: 'fail',
      ms: search.ms,
      detail: search.error !== undefined ? messageOf(search.error) : `no user ${wanted} found`,
      hint: 'doctor.user (or --user) must be a mailbox number or login of directory.file',
    });
    d.noUser = `${wanted} is not in the users file: no mailbox is opened`;
    return;
  }
  d.user = search.value;
  d.add({
    area: 'directory',
    target: file,
    step: `find ${wanted}`,
    status: 'ok',
    ms: search.ms,
    detail: userWords(search.value),
  });
}

// ---- the mailboxes ------------------------------------------------------------------------

const MODE_WORDS: Record<string, string> = {
  master: 'master user',
  namespace: 'Other Users namespace',
  template: 'path template',
  individual: 'her own password',
};

/** The server's greeting, without logging in: what can be checked without a user. */
function greeting(
  host: string,
  port: number,
  tls: ConnectionOptions | undefined,
  cleanup: (c: () => unknown) => void,
) {
  return new Promise<string>((resolve, reject) => {
    const socket: Socket = tls ? tlsConnect({ host, port, ...tls }) : netConnect({ host, port });
    cleanup(() => socket.destroy());
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const line = text.split(/\r?\n/)[0];
      if (text.includes('\n') && line !== undefined) {
        socket.end();
        if (/^\* (OK|PREAUTH)/i.test(line)) resolve(line);
        else reject(new Error(`not an IMAP greeting: ${line.slice(0, 80)}`));
      }
    });
    socket.on('error', reject);
    socket.on('end', () => reject(new Error('the server closed the connection before its greeting')));
  });
}

async function checkImap(d: Doctor): Promise<void> {
  const imap = d.config.mailbox.imap;
  if (!imap) {
    d.add({
      area: 'imap',
      target: '(none)',
      step: 'settings',
      status: 'fail',
      ms: 0,
      detail: 'mailbox.type is imap but there is no mailbox.imap section',
      hint: 'set mailbox.imap.host and port (and the access mode)',
    });
    return;
  }
  const where = `${imap.host}:${imap.port}`;
  const limit = d.limit(imap.timeoutMs);
  const keys = 'mailbox.imap.host/port';
  const mode = imap.access === 'individual' ? 'individual' : imap.adminMode;
  if (!d.user) {
    const hello = await within(limit, (cleanup) =>
      greeting(
        imap.host,
        imap.port,
        imap.tls ? { rejectUnauthorized: imap.rejectUnauthorized } : undefined,
        cleanup,
      ),
    );
    if (hello.error !== undefined) {
      const reach = networkProblem(hello.error);
      d.add({
        area: 'imap',
        target: where,
        step: 'connect',
        status: 'fail',
        ms: hello.ms,
        detail: reach?.detail ?? messageOf(hello.error),
        hint: reach
          ? reachHint(reach.kind, 'Dovecot (the IMAP server)', where, keys, 'mailbox.imap.rejectUnauthorized')
          : `is ${where} an IMAP port? (${keys}, mailbox.imap.tls)`,
      });
    } else d.add({ area: 'imap', target: where, step: 'connect', status: 'ok', ms: hello.ms });
    d.add({
      area: 'imap',
      target: where,
      step: `login (${MODE_WORDS[mode]})`,
      status: 'skip',
      ms: 0,
      detail: d.noUser,
    });
    return;
  }
  const user = d.user;
  let step = `login (${MODE_WORDS[mode]})`;
  let server = where;
  const opened = await within(limit, async (cleanup) => {
    // her login exactly as a call makes it, every wait of it within this check's limit
    const store = mailboxStoreFrom({
      ...d.config,
      mailbox: { ...d.config.mailbox, imap: { ...imap, timeoutMs: limit } },
    });
    const owner = mailboxOwnerOf(user, { location: d.config.location, hostRule: store.hostRule, log: quiet });
    server = `${owner.imapHost ?? imap.host}:${imap.port}`;
    step = `login (${MODE_WORDS[imap.access === 'both' && owner.mailPassword ? 'individual' : mode]}), open ${owner.folder ?? d.config.mailbox.folder}`;
    const mailbox = await store.open(owner);
    cleanup(() => mailbox.close());
    await mailbox.close();
    return owner;
  });
  if (opened.error === undefined) {
    d.add({ area: 'imap', target: server, step, status: 'ok', ms: opened.ms, detail: userWords(user) });
    return;
  }
  d.add({
    area: 'imap',
    target: server,
    step,
    status: 'fail',
    ms: opened.ms,
    ...imapFailure(opened.error, server, mode),
  });
}

function imapFailure(error: unknown, where: string, mode: string): { detail: string; hint: string } {
  const text = messageOf(error);
  const reach = networkProblem(error);
  if (reach && !/login refused|cannot be opened/.test(text))
    return {
      detail: reach.detail,
      hint: reachHint(
        reach.kind,
        'Dovecot (the IMAP server)',
        where,
        'mailbox.imap.host/port',
        'mailbox.imap.rejectUnauthorized',
      ),
    };
  if (/login refused/.test(text))
    return {
      detail: text,
      hint:
        mode === 'individual'
          ? 'her stored IMAP password no longer works: voicebox user mail-password'
          : `the IMAP server refused the ${MODE_WORDS[mode]} login: check mailbox.imap.masterUser and masterPassword${mode === 'master' ? ', masterSeparator, and that the server allows master users (Dovecot: auth_master_user_separator, passdb master)' : ''}`,
    };
  if (/cannot be opened|cannot be read/.test(text))
    return {
      detail: text,
      hint: 'mailbox.folder, or her imapFolder in her user data, names a folder she does not have; in namespace mode the folder must be shared with mailbox.imap.masterUser',
    };
  if (/passwordKey|no mailbox password/.test(text))
    return {
      detail: text,
      hint: 'set mailbox.imap.passwordKey, and her password with voicebox user mail-password',
    };
  if (/masterUser and masterPassword/.test(text))
    return { detail: text, hint: 'set mailbox.imap.masterUser and masterPassword for administrative access' };
  return { detail: text, hint: `check mailbox.imap (access, adminMode, tls) against the server on ${where}` };
}

/** a folder voicebox writes to: writable now, or creatable (voicebox makes it when it first writes) */
async function checkWritable(
  d: Doctor,
  area: string,
  folder: string,
  key: string,
  what: string,
): Promise<void> {
  const probe = await within(d.limit(5000), async () => {
    if (!existsSync(folder)) {
      let parent = dirname(folder);
      while (!existsSync(parent) && parent !== dirname(parent)) parent = dirname(parent);
      accessSync(parent, constants.W_OK);
      return `does not exist yet; voicebox makes it (${parent} is writable)`;
    }
    const file = join(folder, `.voicebox-doctor-${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(file, 'voicebox doctor\n', { flag: 'wx' });
    await unlink(file);
    return undefined;
  });
  d.add({
    area,
    target: folder,
    step: 'writable',
    status: probe.error === undefined ? 'ok' : 'fail',
    ms: probe.ms,
    ...(probe.error === undefined
      ? probe.value
        ? { detail: probe.value }
        : {}
      : {
          detail: messageOf(probe.error),
          hint: `${what} must be writable by the account running voicebox (${key})`,
        }),
  });
}

// ---- outgoing mail ------------------------------------------------------------------------

async function checkSmtp(d: Doctor): Promise<void> {
  const smtp = d.config.mail.smtp;
  if (!smtp) {
    // the mailboxes on the same Maildir: already checked
    if (d.config.mailbox.type === 'imap')
      await checkWritable(
        d,
        'maildir',
        d.config.mail.maildir,
        'mail.maildir',
        'where messages go without mail.smtp',
      );
    return;
  }
  const where = `${smtp.host}:${smtp.port}`;
  const limit = d.limit(smtp.timeoutMs);
  const done: string[] = [];
  const steps = [
    smtp.secure ? 'TLS' : undefined,
    'EHLO',
    smtp.starttls ? 'STARTTLS' : undefined,
    smtp.user ? `AUTH as ${smtp.user}` : undefined,
  ].filter((s) => s !== undefined);
  // as the transport sends (src/mail/smtp.ts): nodemailer's verify() would log in without TLS and
  // pass a server that offers no AUTH, both of which voicebox refuses when it sends
  const verified = await within(limit, async (cleanup) => {
    let tls: ConnectionOptions = { rejectUnauthorized: smtp.rejectUnauthorized };
    if (smtp.ca) tls = { ...tls, ca: [readFileSync(smtp.ca)] };
    const connection = new SMTPConnection({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.starttls,
      ignoreTLS: !smtp.starttls,
      tls,
      connectionTimeout: limit,
      greetingTimeout: limit,
      socketTimeout: limit,
      dnsTimeout: limit,
      logger: false,
    });
    cleanup(() => connection.close());
    const failed = new Promise<never>((_, reject) => connection.on('error', reject));
    try {
      await Promise.race([
        failed,
        new Promise<void>((resolve, reject) => connection.connect((e) => (e ? reject(e) : resolve()))),
      ]);
      done.push(...(smtp.secure ? ['TLS'] : []), 'EHLO', ...(smtp.starttls ? ['STARTTLS'] : []));
      if (!smtp.user) return;
      if (!connection.secure && !smtp.allowPlaintextAuth)
        throw new SmtpRefused(
          'the session is not encrypted, and voicebox sends no password in the clear',
          'set mail.smtp.starttls (port 587) or mail.smtp.secure (port 465)',
        );
      if (!connection.allowsAuth)
        throw new SmtpRefused(
          'the server offers no AUTH although mail.smtp.user is set',
          'a wrong port (mail.smtp.port: the submission port offers AUTH), or a server that does not allow it; voicebox sends nothing without logging in',
        );
      await Promise.race([
        failed,
        new Promise<void>((resolve, reject) =>
          connection.login({ user: smtp.user ?? '', pass: smtp.password ?? '' }, (e) =>
            e ? reject(e) : resolve(),
          ),
        ),
      ]);
      done.push(`AUTH as ${smtp.user}`);
    } finally {
      connection.quit();
      connection.close();
    }
  });
  if (verified.error === undefined) {
    d.add({
      area: 'smtp',
      target: where,
      step: steps.join(', '),
      status: 'ok',
      ms: verified.ms,
      detail: 'no mail sent',
    });
    return;
  }
  // connecting covers the greeting, EHLO and STARTTLS: nodemailer does them as one
  const connecting = done.length === 0;
  d.add({
    area: 'smtp',
    target: where,
    step: connecting ? steps.filter((s) => !s.startsWith('AUTH')).join(', ') : steps.join(', '),
    status: 'fail',
    ms: verified.ms,
    ...smtpFailure(verified.error, where, connecting && smtp.starttls),
  });
}

class SmtpRefused extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function smtpFailure(error: unknown, where: string, inStarttls: boolean): { detail: string; hint: string } {
  if (error instanceof SmtpRefused) return { detail: error.message, hint: error.hint };
  const codes = codesOf(error);
  const reach = networkProblem(error);
  if (reach && reach.kind !== 'closed')
    return {
      detail: reach.detail,
      hint: reachHint(reach.kind, 'Postfix (the SMTP server)', where, 'mail.smtp.host/port', 'mail.smtp.ca'),
    };
  if (codes.includes('EAUTH'))
    return { detail: messageOf(error), hint: 'mail.smtp.user or mail.smtp.password is wrong' };
  if (inStarttls && codes.includes('ETLS'))
    return {
      detail: messageOf(error),
      hint: 'the server does not offer STARTTLS, which mail.smtp.starttls requires: the submission port (587) usually does',
    };
  if (codes.includes('EREADFILE') || /ENOENT|EACCES/.test(messageOf(error)))
    return { detail: messageOf(error), hint: 'mail.smtp.ca: a readable PEM file' };
  return {
    detail: messageOf(error),
    hint: `check mail.smtp (port, secure, starttls) against the server on ${where}`,
  };
}

// ---- FreeSWITCH ---------------------------------------------------------------------------

async function checkFreeswitch(d: Doctor): Promise<void> {
  const inbound = d.config.freeswitch.inbound;
  if (!inbound) {
    d.add({
      area: 'freeswitch',
      target: 'inbound event socket',
      step: 'auth, api status',
      status: 'skip',
      ms: 0,
      detail: 'not configured (the lamps need it: freeswitch.inbound)',
    });
    return;
  }
  const where = `${inbound.host}:${inbound.port}`;
  const limit = d.limit(inbound.livenessTimeoutMs);
  let authed = false;
  const status = await within(limit, async (cleanup) => {
    const client = new InboundClient({
      host: inbound.host,
      port: inbound.port,
      password: inbound.password,
      connectTimeoutMs: limit,
      commandTimeoutMs: limit,
      reconnect: false,
    });
    cleanup(() => client.close());
    try {
      await client.connect();
      authed = true;
      return await client.api('status');
    } finally {
      await client.close();
    }
  });
  if (status.error === undefined) {
    const lines = (status.value ?? '').split('\n');
    const ready = lines.find((l) => /is ready/.test(l)) ?? lines.find((l) => /^UP /.test(l)) ?? '';
    d.add({
      area: 'freeswitch',
      target: where,
      step: 'auth, api status',
      status: 'ok',
      ms: status.ms,
      ...(ready ? { detail: ready.trim() } : {}),
    });
    return;
  }
  const text = messageOf(status.error);
  const reach = networkProblem(status.error);
  const wrongPassword = !authed && /^auth\b|wrong event-socket password|-ERR invalid/i.test(text);
  d.add({
    area: 'freeswitch',
    target: where,
    step: authed ? 'auth, api status' : 'auth',
    status: 'fail',
    ms: status.ms,
    ...(wrongPassword
      ? {
          detail: 'the event socket refused the password',
          hint: "freeswitch.inbound.password must be the password of FreeSWITCH's event_socket.conf.xml",
        }
      : reach
        ? {
            detail: reach.detail,
            hint: reachHint(
              reach.kind,
              'FreeSWITCH (mod_event_socket)',
              where,
              "freeswitch.inbound.host/port, event_socket.conf.xml's listen-ip/listen-port",
            ),
          }
        : { detail: text, hint: `check freeswitch.inbound against mod_event_socket on ${where}` }),
  });
}

// ---- media and speech ---------------------------------------------------------------------

async function checkMedia(d: Doctor): Promise<void> {
  const { local, freeswitch } = d.config.media;
  // voicebox makes its folders below media.local as it needs them
  if (!existsSync(local)) {
    await checkWritable(d, 'media', local, 'media.local', 'the media folder');
    return;
  }
  const probe = await within(d.limit(5000), async () => {
    const name = `.voicebox-doctor-${process.pid}-${randomBytes(4).toString('hex')}`;
    const file = join(local, name);
    await writeFile(file, 'voicebox doctor\n', { flag: 'wx' });
    try {
      if (freeswitch === local) return 'same';
      if (!existsSync(freeswitch)) return 'elsewhere';
      // the same file under FreeSWITCH's name: the same folder, not merely one of that name
      const there = statSync(join(freeswitch, name), { throwIfNoEntry: false });
      return there !== undefined && there.ino === statSync(file).ino ? 'same' : 'different';
    } finally {
      await unlink(file).catch(() => undefined);
    }
  });
  d.add({
    area: 'media',
    target: local,
    step: 'writable',
    status: probe.error === undefined ? 'ok' : 'fail',
    ms: probe.ms,
    ...(probe.error !== undefined
      ? {
          detail: messageOf(probe.error),
          hint: 'media.local must exist and be writable by the account running voicebox (and readable by FreeSWITCH: freeswitch/README.md)',
        }
      : {}),
  });
  if (freeswitch === local || probe.error !== undefined) return;
  d.add({
    area: 'media',
    target: freeswitch,
    step: 'the same folder as media.local',
    status: probe.value === 'elsewhere' ? 'skip' : probe.value === 'same' ? 'ok' : 'fail',
    ms: probe.ms,
    ...(probe.value === 'elsewhere'
      ? { detail: 'not on this host: check on the FreeSWITCH host that it is media.local, shared' }
      : probe.value === 'same'
        ? {}
        : {
            detail: `a file written in ${local} is not seen here`,
            hint: 'media.freeswitch must be the same folder as media.local (a shared disk or a mount)',
          }),
  });
}

function version(command: string, limit: number): Promise<Attempt<string>> {
  return within(
    limit,
    (cleanup) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(command, ['--version'], { timeout: limit }, (error, stdout, stderr) => {
          if (error) reject(error);
          else resolve(`${stdout}${stderr}`.trim().split('\n')[0] ?? '');
        });
        cleanup(() => child.kill());
      }),
  );
}

async function checkSpeech(d: Doctor): Promise<void> {
  let ready = true;
  for (const [command, pkg] of [
    ['espeak-ng', 'espeak-ng'],
    ['sox', 'sox'],
  ] as const) {
    const v = await version(command, d.limit(5000));
    if (v.error === undefined) {
      d.add({
        area: 'speech',
        target: command,
        step: '--version',
        status: 'ok',
        ms: v.ms,
        detail: (v.value ?? '').replace(/\s+/g, ' '),
      });
      continue;
    }
    ready = false;
    const missing = codesOf(v.error).includes('ENOENT');
    d.add({
      area: 'speech',
      target: command,
      step: '--version',
      status: 'fail',
      ms: v.ms,
      detail: missing ? 'not found on PATH' : messageOf(v.error),
      hint: `apt-get install --no-install-recommends ${pkg} (every prompt is spoken with it)`,
    });
  }
  if (!ready) return;
  // a render of its own, in a folder of its own: the media folder's cache stays as it is
  const folder = mkdtempSync(join(tmpdir(), 'voicebox-doctor-'));
  try {
    const limit = d.limit(d.config.speech.renderTimeoutMs);
    const rendered = await within(limit, async () => {
      const renderer = createRenderer({ mediaRoot: sameMediaRoot(folder), timeoutMs: limit, concurrency: 1 });
      const audio = await renderer.render('Test', 'de');
      return statSync(audio.localPath).size;
    });
    d.add({
      area: 'speech',
      target: 'espeak-ng',
      step: 'render a word',
      status: rendered.error === undefined ? 'ok' : 'fail',
      ms: rendered.ms,
      ...(rendered.error === undefined
        ? { detail: `${rendered.value} bytes of WAV` }
        : {
            detail: messageOf(rendered.error),
            hint: 'espeak-ng and sox run but make no audio: try espeak-ng -v de Test --stdout | sox -t wav - -n stat (speech.renderTimeoutMs)',
          }),
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Every check after the config's, one after another, in the order the report lists them. */
export async function runChecks(config: VoiceboxConfig, options: CheckOptions = {}): Promise<CheckResult[]> {
  const d = new Doctor(config, options);
  if (config.directory.type === 'ldap') await checkLdap(d);
  else await checkYaml(d);
  if (config.mailbox.type === 'imap') await checkImap(d);
  else
    await checkWritable(
      d,
      'maildir',
      config.mail.maildir,
      'mail.maildir',
      config.mail.smtp
        ? 'the Maildir the mailboxes are read from'
        : 'the Maildir messages go to and are read from',
    );
  await checkSmtp(d);
  await checkFreeswitch(d);
  await checkMedia(d);
  await checkSpeech(d);
  return d.results;
}
