// npm run lab:up / lab:status / lab:down as a developer uses them, on a second lab of its own
// (own state file and dir) that runs beside the one the integration tests share.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readConfig } from '../../../src/config/index.js';
import { readLabState, runLab } from '../../env/lab.js';
import type { LabRun, LabState } from '../../env/lab.js';

const shared = inject('lab');

let root = '';
let env: Record<string, string> = {};

function npmRun(script: 'lab:up' | 'lab:down' | 'lab:status'): Promise<LabRun> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', script],
      { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Still running (a zombie waiting for PID 1 to reap it does not count). */
async function alive(pid: number): Promise<boolean> {
  try {
    return !/^State:\s+Z/m.test(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

const pidsOf = (s: LabState) => [s.ldap.servers[0].pid, s.ldap.servers[1].pid, s.imap.pid, s.smtp.pid];
const portsOf = (s: LabState) => [
  s.ldap.servers[0].port,
  s.ldap.servers[1].port,
  s.imap.port,
  s.imap.tlsPort,
  s.lmtp.port,
  s.smtp.port,
  s.smtp.submissionPort,
];

describe('npm run lab:up / lab:status / lab:down', () => {
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'voicebox-lab-cli-'));
    await chmod(root, 0o755);
    env = {
      LAB_STATE: join(root, 'state.json'),
      LAB_DIR: join(root, 'lab'),
      LAB_CONFIG: join(root, 'voicebox.yaml'),
    };
  });
  afterAll(async () => {
    await runLab('down', env); // in case a test failed before its own lab:down
    await rm(root, { recursive: true, force: true });
  });

  let first: LabState;

  it('status says the lab is not running before lab:up (exit 3)', async () => {
    const r = await npmRun('lab:status');
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('not running');
  });

  it('lab:up starts a second lab on other ports and prints them', async () => {
    const r = await npmRun('lab:up');
    expect(r.code, r.stderr).toBe(0);
    first = await readLabState(env['LAB_STATE'] ?? '');
    for (const port of portsOf(first)) expect(r.stdout).toContain(String(port));
    expect(portsOf(first).filter((p) => portsOf(shared).includes(p))).toEqual([]);
    for (const pid of pidsOf(first)) expect(await alive(pid)).toBe(true);
  });

  it('writes an example voicebox config that voicebox accepts and that points at the lab', async () => {
    const config = readConfig(first.config);
    expect(config.directory.type).toBe('ldap');
    expect(config.directory.ldap).toMatchObject({
      servers: first.ldap.servers.map((s) => s.url),
      bindDn: first.ldap.bindDn,
      bindPassword: first.ldap.bindPassword,
      baseDn: 'dc=example,dc=com',
    });
    expect(config.mailbox.imap).toMatchObject({
      host: '127.0.0.1',
      port: first.imap.port,
      masterUser: 'master',
    });
    expect(config.mail.smtp).toMatchObject({ host: '127.0.0.1', port: first.smtp.port });
  });

  it('lab:up again leaves the running lab alone', async () => {
    const r = await npmRun('lab:up');
    expect(r.code, r.stderr).toBe(0);
    expect(pidsOf(await readLabState(env['LAB_STATE'] ?? ''))).toEqual(pidsOf(first));
  });

  it('status reports every server up (exit 0)', async () => {
    const r = await npmRun('lab:status');
    expect(r.code).toBe(0);
    expect(r.stdout.match(/ up$/gm)).toHaveLength(4);
  });

  it('lab:down stops every process and removes dir, state and config', async () => {
    const r = await npmRun('lab:down');
    expect(r.code, r.stderr).toBe(0);
    for (const pid of pidsOf(first)) expect(await alive(pid)).toBe(false);
    expect([first.dir, env['LAB_STATE'] ?? '', first.config].filter((p) => existsSync(p))).toEqual([]);
    expect((await npmRun('lab:down')).code).toBe(0);
  });
});
