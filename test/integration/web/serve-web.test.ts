// `voicebox serve` with `web.listen`: the owners' web page in the same process as the calls, on
// the lab's LDAP. Wendy logs in with her directory password (a bind as her own entry) and with
// her phone PIN; a wrong password counts in LDAP towards the phone's lock like a wrong PIN;
// SIGTERM closes the web port with the call port; a web.listen that cannot be bound ends serve
// with an error naming it. Wendy lives in an OU of this file's own (the directory sees nothing
// else), added before and removed after; she has no lab mailbox — nothing here sends mail.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NoSuchObjectError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hashPin } from '../../../src/pin/index.js';
import { asLdapAdmin, values } from '../lab/support.js';
import { connectReply, Peer, reply } from '../../cli/serve-support.js';

const lab = inject('lab');
const ldapUrl = lab.ldap.servers[0].url;
const tag = `serve-web-${randomUUID().slice(0, 8)}`;
const ou = `ou=${tag},${lab.ldap.baseDn}`;
const dn = `uid=wendy,${ou}`;
const PASSWORD = 'wendy-directory-pw';
const PIN = '2468';

/** a port nobody listens on now (taken and given back) */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

interface Serving {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `voicebox serve` from the sources in a folder of its own, with this config */
function serve(config: string): Serving {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-serve-web-'));
  writeFileSync(join(dir, 'voicebox.yaml'), config);
  const child = spawn(
    process.execPath,
    [
      // the folder is serve's own, outside the repository: tsx by its path
      '--import',
      pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href,
      resolve('test/cli/run-from-source.ts'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--media',
      join(dir, 'media'),
      '--config',
      join(dir, 'voicebox.yaml'),
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.stdout!.resume();
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, stderr: () => err, exited };
}

/** resolves with the call port once serve said it is ready for FreeSWITCH (the web page started before) */
function ready(s: Serving): Promise<number> {
  return new Promise((resolveReady, reject) => {
    let out = '';
    s.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening for FreeSWITCH on [^\s]+:(\d+)/.exec(out);
      if (m) resolveReady(Number(m[1]));
    });
    void s.exited.then((code) => reject(new Error(`serve exited (${code}):\n${s.stderr().slice(-3000)}`)));
  });
}

/** resolves once serve's log (pino's JSON lines on stderr) has a line with this message */
async function logged(s: Serving, msg: string): Promise<void> {
  while (!s.stderr().includes(`"msg":"${msg}`)) {
    if (s.child.exitCode !== null) throw new Error(`serve exited before logging ${msg}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** connect: what a port answers now */
function knock(port: number): Promise<string> {
  return new Promise<string>((r) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      r('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
  });
}

/** a call in progress: "FreeSWITCH" connects and completes the handshake, then answers nothing more */
async function heldCall(port: number): Promise<Peer> {
  const peer = await Peer.open(port);
  await peer.nth(0);
  peer.send(connectReply('Caller', '%2B4989777888', '588'));
  await peer.nth(3);
  peer.send(reply('+OK will linger'));
  peer.send(reply('+OK Events Enabled'));
  peer.send(reply('+OK event listener enabled plain'));
  // the call's first command: the call runs
  await peer.nth(4);
  return peer;
}

/** a browser: its cookies, and the CSRF token of the last form it fetched */
class Browser {
  private readonly cookies = new Map<string, string>();
  private token = '';

  constructor(private readonly base: string) {}

  async get(path: string): Promise<{ status: number; body: string; location: string | null }> {
    return this.send(path, { method: 'GET' });
  }

  async post(path: string, fields: Record<string, string>) {
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, _csrf: this.token }).toString(),
    });
  }

  /** GET /login, then POST it: where the answer sends her */
  async login(user: string, secret: string): Promise<string | null> {
    await this.get('/login');
    const answer = await this.post('/login', { user, secret });
    expect(answer.status).toBe(303);
    return answer.location;
  }

  private async send(path: string, init: RequestInit) {
    const response = await fetch(`${this.base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() },
    });
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const body = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body);
    if (csrf) this.token = csrf[1]!;
    return { status: response.status, body, location: response.headers.get('location') };
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** wendy's user data as LDAP holds it now */
async function herUserData(): Promise<string[]> {
  return asLdapAdmin(lab, ldapUrl, async (c) => {
    const { searchEntries } = await c.search(dn, { scope: 'base', attributes: ['voiceboxUserData'] });
    return values(searchEntries[0], 'voiceboxUserData');
  });
}

let web = '';
let webPort = 0;
let callPort = 0;
let running: Serving;
let call: Peer | undefined;

beforeAll(async () => {
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    await c.add(ou, { objectClass: 'organizationalUnit', ou: tag });
    await c.add(dn, {
      objectClass: ['inetOrgPerson', 'voiceboxUser'],
      uid: 'wendy',
      cn: 'Wendy Wagner',
      sn: 'Wagner',
      mail: 'wendy@example.com',
      userPassword: PASSWORD,
      telephoneNumber: '+49 30 1234188',
      voiceboxMailboxNumber: '+49 30 1234588',
      voiceboxUserData: [
        'enabled=Y',
        'language=en',
        `pinHash=${await hashPin(PIN)}`,
        'wrongPinCount=0',
        'welcomeSentAt=2026-01-01T00:00:00.000Z',
      ],
    });
  });
  webPort = await freePort();
  web = `http://127.0.0.1:${webPort}`;
  running = serve(`directory:
  type: ldap
  lastKnownEntries: 0
  ldap:
    servers: [${lab.ldap.servers.map((s) => s.url).join(', ')}]
    bindDn: ${lab.ldap.bindDn}
    bindPassword: ${lab.ldap.bindPassword}
    baseDn: ${lab.ldap.baseDn}
    ous: ['${ou}']
    cacheTtlMs: 0
web:
  listen: 127.0.0.1:${webPort}
  login: both
deploy:
  drainMs: 600000
`);
  callPort = await ready(running);
}, 120_000);

afterAll(async () => {
  call?.socket.destroy();
  if (running && running.child.exitCode === null && running.child.signalCode === null) {
    running.child.kill('SIGTERM');
    await running.exited;
  }
  await asLdapAdmin(lab, ldapUrl, async (c) => {
    for (const entry of [dn, ou]) {
      try {
        await c.del(entry);
      } catch (e) {
        if (!(e instanceof NoSuchObjectError)) throw e;
      }
    }
  });
});

describe('voicebox serve with web.listen: the web page on the lab directory', () => {
  it('she logs in with her directory password and sees her voice box', async () => {
    const browser = new Browser(web);
    expect(await browser.login('588', PASSWORD), running.stderr()).toBe('/box');
    const box = await browser.get('/box');
    expect(box.status).toBe(200);
    expect(box.body).toContain('Wendy Wagner');
    expect(box.body).not.toContain(PASSWORD);
  });

  it('a wrong directory password is refused and counted in LDAP like a wrong PIN', async () => {
    const browser = new Browser(web);
    expect(await browser.login('588', 'not-her-password')).not.toBe('/box');
    expect(await herUserData()).toContain('wrongPinCount=1');
    expect(running.stderr()).not.toContain('not-her-password');
  });

  it('her phone PIN logs her in as well', async () => {
    const browser = new Browser(web);
    expect(await browser.login('588', PIN), running.stderr()).toBe('/box');
    expect((await browser.get('/box')).status).toBe(200);
  });

  it('by her login name, found in the directory by an exact search on it', async () => {
    const browser = new Browser(web);
    expect(await browser.login('wendy', PASSWORD), running.stderr()).toBe('/box');
    expect((await browser.get('/box')).body).toContain('Wendy Wagner');
    // a part of her login is no login: the search is an equality, never a substring
    expect(await new Browser(web).login('wend', PASSWORD)).not.toBe('/box');
  });

  it('SIGTERM closes the web port with the call port, before the calls in progress end', async () => {
    call = await heldCall(callPort);
    running.child.kill('SIGTERM');
    await logged(running, 'stopping: no new calls');
    // serve still waits for the call, and the page takes no new login meanwhile
    expect(running.child.exitCode).toBeNull();
    expect(await knock(webPort)).toBe('ECONNREFUSED');
    expect(await knock(callPort)).toBe('ECONNREFUSED');
    call.socket.destroy();
    expect(await running.exited).toBe(0);
    expect(running.stderr()).not.toContain(PASSWORD);
  });
});

describe('a web.listen that cannot be bound', () => {
  let taken: Server;
  afterAll(async () => {
    await new Promise((r) => taken?.close(r));
  });

  it('ends serve with an error that names web.listen', async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as AddressInfo;
    const failing = serve(`web:\n  listen: 127.0.0.1:${port}\n`);
    expect(await failing.exited).toBe(1);
    expect(failing.stderr()).toContain(`web.listen 127.0.0.1:${port}`);
  }, 60_000);
});
