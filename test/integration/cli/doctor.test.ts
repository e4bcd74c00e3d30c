// `voicebox doctor` against the lab's real slapd (both), Dovecot and Postfix, as an admin runs it:
// the README's example from the sources as its own process (every check passes, seeded alice
// found and her INBOX opened — read only), and copies of the lab's config that break one thing
// each: IMAP on a port where nothing listens, SMTP AUTH over the submission port with a wrong and a
// right password, a user on the plain port that offers no AUTH. No server of the shared lab is
// stopped or reconfigured, and no seeded user's mail, PIN or settings change (logins only, as
// the mail-only user pia for SMTP AUTH).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { doctor } from '../../../src/cli/doctor.js';
import { Simulator, type SimInboundServer } from '../../../src/sim/index.js';

const lab = inject('lab');
/** what must never be printed: the lab's bind and master passwords, and those the tests set */
const secrets = [lab.ldap.bindPassword, lab.imap.master.password, 'piapw', 'Pia-Wrong-Pw', 'Esl-Lab-Pass'];

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-doctor-it-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Tree = Record<string, Record<string, unknown>>;

/** a copy of the lab's config, changed by `change`, in the test's own folder */
function labConfig(name: string, change: (c: Tree) => void): string {
  const config = load(readFileSync(lab.config, 'utf8')) as Tree;
  change(config);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, dump(config));
  return file;
}

async function runDoctor(config: string, user?: string) {
  let out = '';
  const code = await doctor(
    { out: (s) => (out += s), err: (s) => (out += s), color: false },
    { config, ...(user ? { user } : {}) },
  );
  return { code, out, lines: out.split('\n').filter((l) => l !== '') };
}

const linesOf = (r: { lines: string[] }, area: string) =>
  r.lines.filter((l) => l.slice(5).startsWith(`${area} `));

const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

/** A README command run as its own process from the sources, in `cwd`. */
function runReadmeCommand(command: string, cwd: string): Promise<{ code: number | null; out: string }> {
  const args = command.replace(/^npx voicebox /, '').split(/\s+/);
  const child = spawn(process.execPath, ['--import', tsx, resolve('test/cli/run-from-source.ts'), ...args], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => done({ code, out }));
  });
}

describe("the README's connection test against the lab", () => {
  it('passes every check: both LDAP servers bind and find 501, her INBOX opens as the master user, SMTP greets', async () => {
    const text = readFileSync('README.md', 'utf8');
    const section = text.slice(text.indexOf('### Connection test'));
    const command = /^npx voicebox doctor .*$/m.exec(section)?.[0];
    expect(command).toBe('npx voicebox doctor --config lab/voicebox.yaml --user 501');
    const cwd = join(dir, 'readme');
    mkdirSync(join(cwd, 'lab'), { recursive: true });
    copyFileSync(lab.config, join(cwd, 'lab', 'voicebox.yaml'));
    const r = await runReadmeCommand(command!, cwd);
    expect(r.code, r.out).toBe(0);
    const lines = r.out.split('\n').filter((l) => l !== '');
    for (const server of lab.ldap.servers) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^ok {3}ldap ${server.url} bind as cn=admin,dc=example,… +\\d+ ms$`),
        ),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^ok {3}ldap ${server.url} find 501 +\\d+ ms  — Alice Anders \\(\\+49 30 1234501\\)$`),
        ),
      );
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^ok {3}imap 127.0.0.1:${lab.imap.port} login \\(master user\\), open INBOX +\\d+ ms  — Alice Anders`,
        ),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^ok {3}smtp 127.0.0.1:${lab.smtp.port} EHLO +\\d+ ms  — no mail sent$`),
      ),
    );
    // the README's output, line by line: the same checks in the same order
    const shown = section
      .slice(section.indexOf('```text') + 8, section.indexOf('```', section.indexOf('```text') + 8))
      .split('\n')
      .filter((l) => l !== '');
    const checkOf = (l: string) => l.split(/\s+/).slice(0, 2).join(' ');
    expect(lines.map(checkOf)).toEqual(shown.map(checkOf));
    for (const secret of secrets) expect(r.out).not.toContain(secret);
    // its own process from the sources: Node and tsx start slowly on a busy machine
  }, 180_000);
});

describe('one thing broken in a copy of the lab config', () => {
  it('IMAP on a port where nothing listens: IMAP fails with what to do, the others pass, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as { port: number }).port;
    await new Promise((done) => closed.close(done));
    const r = await runDoctor(
      labConfig('imap-closed', (c) => {
        (c['mailbox']!['imap'] as Record<string, unknown>)['port'] = port;
      }),
      '501',
    );
    expect(r.code, r.out).toBe(1);
    expect(r.lines.filter((l) => l.startsWith('FAIL'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^FAIL imap 127.0.0.1:${port} login \\(master user\\), open INBOX +\\d+ ms  — connection refused: is Dovecot \\(the IMAP server\\) running on 127.0.0.1:${port}\\? \\(mailbox.imap.host/port\\)$`,
        ),
      ),
    ]);
    expect(linesOf(r, 'ldap').every((l) => l.startsWith('ok'))).toBe(true);
    expect(linesOf(r, 'smtp')).toEqual([expect.stringMatching(/^ok /)]);
    for (const secret of secrets) expect(r.out).not.toContain(secret);
  });

  it('a master password the server refuses: the master login named, not the password', async () => {
    const r = await runDoctor(
      labConfig('master-wrong', (c) => {
        (c['mailbox']!['imap'] as Record<string, unknown>)['masterPassword'] = 'Master-Wrong-Pw';
      }),
      'alice',
    );
    expect(r.code).toBe(1);
    expect(linesOf(r, 'imap')).toEqual([
      expect.stringMatching(
        /^FAIL .*as alice\*master \(master access\): login refused: the IMAP server refused the master user login: check mailbox.imap.masterUser and masterPassword/,
      ),
    ]);
    expect(r.out).not.toContain('Master-Wrong-Pw');
  });

  it('SMTP AUTH on the submission port (STARTTLS, the lab CA): a wrong password fails, the right one passes', async () => {
    const submission = (password: string) => (c: Tree) => {
      c['mail']!['smtp'] = {
        host: '127.0.0.1',
        port: lab.smtp.submissionPort,
        starttls: true,
        ca: lab.tls.caCert,
        user: 'pia',
        password,
      };
    };
    const wrong = await runDoctor(labConfig('smtp-wrong', submission('Pia-Wrong-Pw')));
    expect(wrong.code).toBe(1);
    expect(linesOf(wrong, 'smtp')).toEqual([
      expect.stringMatching(
        /^FAIL smtp 127.0.0.1:\d+ EHLO, STARTTLS, AUTH as pia +\d+ ms {2}— .*535.*: mail.smtp.user or mail.smtp.password is wrong$/,
      ),
    ]);
    const right = await runDoctor(labConfig('smtp-right', submission('piapw')));
    expect(linesOf(right, 'smtp')).toEqual([
      expect.stringMatching(
        /^ok {3}smtp 127.0.0.1:\d+ EHLO, STARTTLS, AUTH as pia +\d+ ms {2}— no mail sent$/,
      ),
    ]);
    for (const secret of secrets) expect(wrong.out + right.out).not.toContain(secret);
  });

  it('a user set for a server that offers no AUTH fails, as a send would (nodemailer verify() passes it)', async () => {
    const r = await runDoctor(
      labConfig('smtp-no-auth', (c) => {
        c['mail']!['smtp'] = {
          host: '127.0.0.1',
          port: lab.smtp.port,
          user: 'pia',
          password: 'piapw',
          allowPlaintextAuth: true,
        };
      }),
    );
    expect(r.code).toBe(1);
    expect(linesOf(r, 'smtp')).toEqual([
      expect.stringMatching(
        /^FAIL .*— the server offers no AUTH although mail.smtp.user is set: a wrong port/,
      ),
    ]);
  });
});

describe("FreeSWITCH's event socket beside the lab (the simulator)", () => {
  let sim: Simulator;
  let fs: SimInboundServer;
  beforeAll(async () => {
    sim = new Simulator();
    fs = await sim.listenInbound({ port: 0, password: 'Esl-Lab-Pass' });
  });
  afterAll(() => sim.close());

  const withInbound = (password: string) => (c: Tree) => {
    c['freeswitch'] = { inbound: { host: '127.0.0.1', port: fs.port, password } };
  };

  it('the right password: every check passes', async () => {
    const r = await runDoctor(labConfig('esl-right', withInbound('Esl-Lab-Pass')), '501');
    expect(r.code, r.out).toBe(0);
    expect(linesOf(r, 'freeswitch')).toEqual([
      expect.stringMatching(/^ok {3}freeswitch 127.0.0.1:\d+ auth, api status .*is ready$/),
    ]);
  });

  it('a wrong password: FAIL naming freeswitch.inbound.password, the lab still passes', async () => {
    const r = await runDoctor(labConfig('esl-wrong', withInbound('Esl-Wrong-Pass')), '501');
    expect(r.code).toBe(1);
    expect(r.lines.filter((l) => l.startsWith('FAIL'))).toEqual([
      expect.stringMatching(/^FAIL freeswitch .* auth .*freeswitch.inbound.password must be the password/),
    ]);
    expect(r.out).not.toContain('Esl-Wrong-Pass');
  });
});
