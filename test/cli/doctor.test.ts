// `voicebox doctor` without the lab: the embedded defaults in a folder of the test's own, servers
// that refuse (a closed port) or never answer (a port that accepts and stays silent), FreeSWITCH's
// event socket played by the simulator, and the lines and JSON an admin reads. Against the lab's
// real slapd, Dovecot and Postfix: test/integration/cli/doctor.test.ts.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  doctor,
  doctorCommand,
  formatResult,
  withoutSecrets,
  type CheckResult,
} from '../../src/cli/doctor.js';
import { Simulator, type SimInboundServer } from '../../src/sim/index.js';

interface Run {
  code: number;
  out: string;
  err: string;
  /** the report's lines, one per check */
  lines: string[];
}

async function runDoctor(opts: Parameters<typeof doctor>[1]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await doctor({ out: (s) => (out += s), err: (s) => (err += s), color: false }, opts);
  return { code, out, err, lines: out.split('\n').filter((l) => l !== '') };
}

/** the line of one check: `area target step` */
const lineOf = (r: Run, area: string, step: string | RegExp): string => {
  const found = r.lines.find(
    (l) => l.slice(5).startsWith(`${area} `) && (typeof step === 'string' ? l.includes(step) : step.test(l)),
  );
  if (found === undefined) throw new Error(`no ${area} line with ${String(step)} in:\n${r.out}`);
  return found;
};

/** a port where nothing listens: one the system gave out and took back */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  return port;
}

/** a server that takes the connection and never says a word: a hung daemon */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-doctor-'));
  copyFileSync(resolve('examples/users.yaml'), join(dir, 'users.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** a config file in the test's folder: the embedded defaults with these lines */
function configFile(yaml: string): string {
  const file = join(dir, 'voicebox.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('the report', () => {
  const ok: CheckResult = {
    area: 'ldap',
    target: 'ldap://127.0.0.1:3389',
    step: 'bind as cn=voicebox,…',
    status: 'ok',
    ms: 12,
  };

  it('says ok with the time, FAIL with what was seen and what to do, skip without a time', () => {
    expect(formatResult(ok)).toBe('ok   ldap ldap://127.0.0.1:3389 bind as cn=voicebox,…    12 ms');
    expect(
      formatResult({
        area: 'imap',
        target: '127.0.0.1:10143',
        step: 'login (master user)',
        status: 'fail',
        ms: 5003,
        detail: 'connection refused',
        hint: 'is Dovecot running on 127.0.0.1:10143? (mailbox.imap.host/port)',
      }),
    ).toBe(
      'FAIL imap 127.0.0.1:10143 login (master user)  5003 ms  — connection refused: is Dovecot running on 127.0.0.1:10143? (mailbox.imap.host/port)',
    );
    expect(
      formatResult({
        area: 'freeswitch',
        target: 'inbound event socket',
        step: 'auth, api status',
        status: 'skip',
        ms: 0,
        detail: 'not configured (the lamps need it)',
      }),
    ).toBe('skip freeswitch inbound event socket auth, api status  — not configured (the lamps need it)');
  });

  it('hides a configured secret wherever a server put it in its answer', () => {
    const shown = withoutSecrets(
      {
        ...ok,
        status: 'fail',
        detail: 'bind failed for password Hunter2-secret',
        hint: 'retry Hunter2-secret',
      },
      ['Hunter2-secret'],
    );
    expect(JSON.stringify(shown)).not.toContain('Hunter2');
    expect(shown.detail).toBe('bind failed for password ********');
  });
});

describe('on the embedded defaults', () => {
  it('passes: the users file, the Maildir, the media folder, espeak-ng and sox; FreeSWITCH not configured is no failure', async () => {
    const r = await runDoctor({ config: configFile('# the defaults\n'), user: '501' });
    expect(r.code, r.out).toBe(0);
    expect(lineOf(r, 'config', 'read')).toMatch(/^ok {3}/);
    expect(lineOf(r, 'directory', 'read the users file')).toMatch(/^ok .*— 3 users$/);
    expect(lineOf(r, 'directory', 'find 501')).toMatch(/^ok .*Alice Anders \(\+49 30 1234501\)$/);
    expect(lineOf(r, 'maildir', 'writable')).toMatch(/^ok /);
    expect(lineOf(r, 'media', 'writable')).toMatch(/^ok /);
    expect(lineOf(r, 'speech', 'espeak-ng --version')).toMatch(/^ok /);
    expect(lineOf(r, 'speech', 'sox --version')).toMatch(/^ok /);
    expect(lineOf(r, 'speech', 'render a word')).toMatch(/^ok .*bytes of WAV$/);
    expect(lineOf(r, 'freeswitch', 'auth')).toBe(
      'skip freeswitch inbound event socket auth, api status  — not configured (the lamps need it: freeswitch.inbound)',
    );
    expect(r.lines.at(-1)).toMatch(/^all \d+ checks passed$/);
  });

  it('finds a user by login as well, and names one it cannot find (exit 1)', async () => {
    const byLogin = await runDoctor({ config: configFile(''), user: 'alice' });
    expect(lineOf(byLogin, 'directory', 'find alice')).toMatch(/^ok .*Alice Anders/);
    const nobody = await runDoctor({ config: configFile(''), user: '599' });
    expect(nobody.code).toBe(1);
    expect(lineOf(nobody, 'directory', 'find 599')).toMatch(
      /^FAIL .*— no user 599 found: doctor.user \(or --user\) must be a mailbox number or login of directory.file$/,
    );
  });

  it('takes the user from doctor.user', async () => {
    const r = await runDoctor({ config: configFile('doctor:\n  user: "502"\n') });
    expect(lineOf(r, 'directory', 'find 502')).toMatch(/^ok .*Bob/);
  });

  it('prints the results as JSON with --json', async () => {
    const r = await runDoctor({ config: configFile(''), json: true });
    const report = JSON.parse(r.out) as { ok: boolean; results: CheckResult[] };
    expect(report.ok).toBe(true);
    expect(report.results.map((x) => `${x.area} ${x.status}`)).toContain('freeswitch skip');
    expect(report.results.every((x) => typeof x.ms === 'number')).toBe(true);
  });

  it('a config with errors: its errors and exit 2, nothing else checked', async () => {
    const r = await runDoctor({ config: configFile('mailbox:\n  type: pop3\n') });
    expect(r.code).toBe(2);
    expect(r.lines[0]).toMatch(/^FAIL config .* read .*— 1 error\(s\)/);
    expect(r.out).toContain('mailbox.type');
    expect(r.out).not.toMatch(/^ok|directory/m);
  });

  it('a users file that is no users file fails with its key', async () => {
    writeFileSync(join(dir, 'users.yaml'), 'people: []\n');
    const r = await runDoctor({ config: configFile('') });
    expect(r.code).toBe(1);
    expect(lineOf(r, 'directory', 'read the users file')).toMatch(/^FAIL .*users:.*directory.file/);
  });
});

describe('a server that is not there', () => {
  it('names IMAP, LDAP and SMTP on a closed port with the daemon, the address and the settings', async () => {
    const port = await closedPort();
    const r = await runDoctor({
      config: configFile(
        [
          'directory:',
          '  type: ldap',
          '  ldap:',
          `    servers: [ldap://127.0.0.1:${port}]`,
          '    bindDn: cn=voicebox,dc=example,dc=com',
          '    bindPassword: Bind-Secret-41',
          '    baseDn: dc=example,dc=com',
          'mailbox:',
          '  type: imap',
          '  imap:',
          '    host: 127.0.0.1',
          `    port: ${port}`,
          '    masterUser: master',
          '    masterPassword: Master-Secret-42',
          'mail:',
          '  smtp:',
          '    host: 127.0.0.1',
          `    port: ${port}`,
          '    starttls: true',
          '    user: voicebox',
          '    password: Smtp-Secret-43',
          'freeswitch:',
          '  inbound:',
          `    port: ${port}`,
          '    password: Esl-Secret-44',
        ].join('\n'),
      ),
      user: '501',
    });
    expect(r.code).toBe(1);
    expect(lineOf(r, 'ldap', 'bind as cn=voicebox,dc=example,…')).toMatch(
      new RegExp(
        `^FAIL .* ms  — connection refused: is slapd \\(the LDAP server\\) running on ldap://127.0.0.1:${port}\\? \\(directory.ldap.servers\\)$`,
      ),
    );
    expect(lineOf(r, 'imap', 'connect')).toMatch(
      new RegExp(
        `^FAIL imap 127.0.0.1:${port} connect .*— connection refused: is Dovecot \\(the IMAP server\\) running on 127.0.0.1:${port}\\? \\(mailbox.imap.host/port\\)$`,
      ),
    );
    // without the directory there is no one to log in as
    expect(lineOf(r, 'imap', 'login (master user)')).toMatch(/^skip .*no mailbox is opened$/);
    expect(lineOf(r, 'smtp', 'EHLO, STARTTLS')).toMatch(
      /^FAIL .*— connection refused: is Postfix \(the SMTP server\) running on .*\(mail.smtp.host\/port\)$/,
    );
    expect(lineOf(r, 'freeswitch', 'auth')).toMatch(
      /^FAIL .*— connection refused: is FreeSWITCH \(mod_event_socket\) running on .*freeswitch.inbound.host\/port/,
    );
    // never a password, in the lines or in the JSON
    const json = await runDoctor({ config: join(dir, 'voicebox.yaml'), user: '501', json: true });
    for (const secret of ['Bind-Secret-41', 'Master-Secret-42', 'Smtp-Secret-43', 'Esl-Secret-44']) {
      expect(r.out).not.toContain(secret);
      expect(json.out).not.toContain(secret);
    }
  });

  it('a server that accepts and never answers names itself within the time limit', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      const r = await runDoctor({
        config: configFile(
          [
            'mailbox:',
            '  type: imap',
            '  imap:',
            `    host: 127.0.0.1`,
            `    port: ${silent.port}`,
            'mail:',
            '  smtp:',
            '    host: 127.0.0.1',
            `    port: ${silent.port}`,
            'freeswitch:',
            '  inbound:',
            `    port: ${silent.port}`,
          ].join('\n'),
        ),
        timeout: 300,
      });
      expect(r.code).toBe(1);
      for (const area of ['imap', 'smtp', 'freeswitch']) {
        expect(lineOf(r, area, /./)).toMatch(/^FAIL .*— no answer/);
      }
      expect(lineOf(r, 'imap', 'connect')).toMatch(
        /— no answer within 300 ms: a firewall dropping 127.0.0.1:\d+, or Dovecot \(the IMAP server\) hangs/,
      );
      // three hung servers cost three limits (and the local checks), not the servers' own timeouts
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await silent.close();
    }
  });
  it('a mailbox server that never answers the login names itself within the limit too', async () => {
    const silent = await silentServer();
    try {
      const r = await runDoctor({
        config: configFile(
          [
            'mailbox:',
            '  type: imap',
            '  imap:',
            '    host: 127.0.0.1',
            `    port: ${silent.port}`,
            '    masterUser: master',
            '    masterPassword: Master-Secret-45',
          ].join('\n'),
        ),
        user: '501',
        timeout: 300,
      });
      expect(r.code).toBe(1);
      expect(lineOf(r, 'imap', 'login (master user), open INBOX')).toMatch(
        /^FAIL .*— no answer.*: a firewall dropping 127.0.0.1:\d+, or Dovecot \(the IMAP server\) hangs/,
      );
      expect(r.out).not.toContain('Master-Secret-45');
    } finally {
      await silent.close();
    }
  });
});

describe("FreeSWITCH's inbound event socket (the simulator)", () => {
  let sim: Simulator;
  let fs: SimInboundServer;
  beforeAll(async () => {
    sim = new Simulator();
    fs = await sim.listenInbound({ port: 0, password: 'Esl-Right-Pass' });
  });
  afterAll(() => sim.close());

  it('logs in and asks `api status`', async () => {
    const r = await runDoctor({
      config: configFile(`freeswitch:\n  inbound:\n    port: ${fs.port}\n    password: Esl-Right-Pass\n`),
    });
    expect(lineOf(r, 'freeswitch', 'auth, api status')).toMatch(
      new RegExp(`^ok {3}freeswitch 127.0.0.1:${fs.port} auth, api status .*— FreeSWITCH .* is ready$`),
    );
    expect(r.out).not.toContain('Esl-Right-Pass');
  });

  it('a wrong password names freeswitch.inbound.password', async () => {
    const r = await runDoctor({
      config: configFile(`freeswitch:\n  inbound:\n    port: ${fs.port}\n    password: Esl-Wrong-Pass\n`),
    });
    expect(r.code).toBe(1);
    expect(lineOf(r, 'freeswitch', 'auth')).toMatch(
      /^FAIL .*— the event socket refused the password: freeswitch.inbound.password must be the password of FreeSWITCH's event_socket.conf.xml$/,
    );
    expect(r.out).not.toContain('Esl-Wrong-Pass');
  });
});

describe('the media folder under both names', () => {
  it('is the same folder when media.freeswitch is a mount (here: a link) of media.local', async () => {
    mkdirSync(join(dir, 'media'));
    symlinkSync(join(dir, 'media'), join(dir, 'fs-media'));
    const r = await runDoctor({
      config: configFile(`media:\n  local: media\n  freeswitch: ${join(dir, 'fs-media')}\n`),
    });
    expect(lineOf(r, 'media', 'the same folder as media.local')).toMatch(/^ok /);
  });

  it('fails when media.freeswitch is another folder of this host', async () => {
    mkdirSync(join(dir, 'media'));
    mkdirSync(join(dir, 'elsewhere'));
    const r = await runDoctor({
      config: configFile(`media:\n  local: media\n  freeswitch: ${join(dir, 'elsewhere')}\n`),
    });
    expect(r.code).toBe(1);
    expect(lineOf(r, 'media', 'the same folder as media.local')).toMatch(
      /^FAIL .*is not seen here: media.freeswitch must be the same folder as media.local/,
    );
  });

  it('cannot be checked from here when media.freeswitch is not on this host: no failure', async () => {
    mkdirSync(join(dir, 'media'));
    const r = await runDoctor({
      config: configFile(`media:\n  local: media\n  freeswitch: /nonexistent-freeswitch-host/media\n`),
    });
    expect(r.code).toBe(0);
    expect(lineOf(r, 'media', 'the same folder')).toMatch(/^skip .*not on this host/);
  });
});

describe('the command line', () => {
  it('refuses a --timeout that is no number of milliseconds', async () => {
    let err = '';
    const command = doctorCommand(
      { out: () => undefined, err: (s) => (err += s), color: false },
      () => undefined,
    )
      .exitOverride()
      .configureOutput({ writeErr: (s) => (err += s) });
    await expect(command.parseAsync(['--timeout', 'soon'], { from: 'user' })).rejects.toThrow();
    expect(err).toContain("'soon' is not 1 to 600000 ms");
  });
});
