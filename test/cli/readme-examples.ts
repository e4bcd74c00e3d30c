// The examples of the root README.md, read from it at run time, and a way to run each one as a
// user would: in a shell, in a fresh folder laid out like this one, with the package's bin in
// place of `npx voicebox`. test/cli/readme.test.ts runs them on the embedded defaults;
// test/integration/cli/readme.test.ts runs the one that needs the lab.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repo = resolve('.');
export const bin = join(repo, 'bin', 'voicebox.js');

/** why the `voicebox user …` examples are not run here */
const USER_ADMIN_EXAMPLE =
  "names the site's config in /etc/voicebox; test/cli/user-admin.test.ts runs it, read from the README, on a users file of its own";

/** why the `voicebox deploy …` examples are not run here */
const DEPLOY_EXAMPLE =
  "names the site's config in /etc/voicebox; test/cli/deploy.test.ts and test/cli/serve-deploy.test.ts run deploy, --status and --rollback on releases of their own, with and without a serve running";

/** why the `voicebox spool …` examples are not run here */
const SPOOL_EXAMPLE =
  "names the site's config in /etc/voicebox; test/cli/spool.test.ts runs list, show, retry and drop on a spool folder of its own, test/integration/mail/dead-letter.test.ts list against the lab's Postfix";

/**
 * Examples that are not run by any test, each with why. A command in the README that is neither
 * run nor listed here (or in {@link runInLab}) fails test/cli/readme.test.ts.
 */
export const notRunUnattended: Readonly<Record<string, string>> = {
  'apt-get update':
    'changes the machine as root over the network; the tests need only its result (espeak-ng, sox on PATH)',
  'apt-get install -y espeak-ng sox':
    'changes the machine as root over the network; the tests need only its result (espeak-ng, sox on PATH)',
  'npm ci':
    'would replace node_modules under the test run itself; its prepare script (npm run build) is what ensureBuilt() does',
  'bash test/run':
    'the whole test run, this file included (it would run itself), with apt-get installs and a lab of its own',
  'npx voicebox user show 501 --config /etc/voicebox/voicebox.yaml': USER_ADMIN_EXAMPLE,
  'npx voicebox user unlock 501 --config /etc/voicebox/voicebox.yaml': USER_ADMIN_EXAMPLE,
  'npx voicebox user unlock 501 --new-pin --resend-welcome --config /etc/voicebox/voicebox.yaml':
    USER_ADMIN_EXAMPLE,
  'npx voicebox user unlock --all --yes --config /etc/voicebox/voicebox.yaml': USER_ADMIN_EXAMPLE,
  'printf %s "$PIN" | npx voicebox user pin set 501 --require-change --config /etc/voicebox/voicebox.yaml':
    USER_ADMIN_EXAMPLE,
  'npx voicebox user defaults --from defaults.yaml --config /etc/voicebox/voicebox.yaml': USER_ADMIN_EXAMPLE,
  'npx voicebox deploy menus/ --config /etc/voicebox/voicebox.yaml': DEPLOY_EXAMPLE,
  'npx voicebox deploy --status --config /etc/voicebox/voicebox.yaml': DEPLOY_EXAMPLE,
  'npx voicebox deploy --rollback --config /etc/voicebox/voicebox.yaml': DEPLOY_EXAMPLE,
  'npx voicebox spool list --config /etc/voicebox/voicebox.yaml': SPOOL_EXAMPLE,
  'npx voicebox spool show fax-c1-7 --config /etc/voicebox/voicebox.yaml': SPOOL_EXAMPLE,
  'npx voicebox spool retry fax-c1-7 --config /etc/voicebox/voicebox.yaml': SPOOL_EXAMPLE,
  'npx voicebox spool drop rec-1 --yes --config /etc/voicebox/voicebox.yaml': SPOOL_EXAMPLE,
};

/** Examples the integration project runs (it has the lab), each with where or how. */
export const runInLab: Readonly<Record<string, string>> = {
  'npm run lab:up':
    'test/env/globalSetup.ts brings the lab up with lab/lab.sh up, the script npm run lab:up runs',
  'npx voicebox call 502 --config lab/voicebox.yaml --dtmf 0': 'test/integration/cli/readme.test.ts',
  'npx voicebox migrate --config lab/voicebox.yaml': 'test/integration/cli/migrate.test.ts',
  'npx voicebox migrate --config lab/voicebox.yaml --write': 'test/integration/cli/migrate.test.ts',
  'npx voicebox doctor --config lab/voicebox.yaml --user 501': 'test/integration/cli/doctor.test.ts',
  'npx voicebox explain 501 --config lab/voicebox.yaml --from +442071234567 --at 2026-12-01T21:32':
    'test/integration/cli/explain.test.ts',
};

export interface Readme {
  /** every command: each line of each ```sh block split at `&&`, and each `npx voicebox …` in the prose */
  commands: string[];
  /** the transcript the README shows for the first call, one line each */
  firstCallTranscript: string[];
}

/** The README as it is now (the lead edits it; it is read at run time, never copied into a test). */
export function readReadme(path = join(repo, 'README.md')): Readme {
  const text = readFileSync(path, 'utf8');
  const fence = /^```([\w-]*)\n([\s\S]*?)^```$/gm;
  const commands: string[] = [];
  const blocks: Array<{ lang: string; body: string; at: number }> = [];
  let prose = '';
  let last = 0;
  for (const m of text.matchAll(fence)) {
    blocks.push({ lang: m[1] ?? '', body: m[2] ?? '', at: m.index });
    prose += text.slice(last, m.index);
    last = m.index + m[0].length;
  }
  prose += text.slice(last);

  for (const block of blocks.filter((b) => b.lang === 'sh')) {
    for (const line of block.body.replace(/\\\n/g, ' ').split('\n')) {
      // a comment starts at a # after a blank (`--dtmf 3,1,#` keeps its #)
      const command = line.replace(/\s+#(\s.*)?$/, '').trim();
      if (command === '') continue;
      commands.push(...command.split('&&').map((c) => c.trim()));
    }
  }
  for (const m of prose.matchAll(/`(npx voicebox [^`]+)`/g)) commands.push(m[1]!);

  // the block right after the sh block that holds the first `npx voicebox call`
  const first = blocks.findIndex((b) => b.lang === 'sh' && /npx voicebox call /.test(b.body));
  const transcript = blocks[first + 1];
  if (first < 0 || transcript === undefined || transcript.lang !== '')
    throw new Error('README.md: no transcript block after the first `npx voicebox call` example');
  return { commands, firstCallTranscript: transcript.body.split('\n').filter((l) => l.trim() !== '') };
}

/**
 * A transcript line of the README as a pattern: `...` and `…` stand for what is left out, and an
 * id shortened with `…` (`54c9…`) for any id.
 */
export function transcriptPattern(line: string): RegExp {
  const parts = line.split(/[0-9a-f]*…|\.\.\./);
  return new RegExp('^' + parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

/** A fresh working folder: what a checkout has that the examples name; no users, mail or media yet. */
export function freshFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-readme-'));
  for (const shipped of ['menus', 'examples'])
    cpSync(join(repo, shipped), join(dir, shipped), { recursive: true });
  return dir;
}

/** The command line for bash, with this package's bin wherever the README says `npx voicebox`. */
export function shellLine(command: string): string {
  const voicebox = `${quote(process.execPath)} ${quote(bin)}`;
  const line = command.replace(/(^|[|;&]\s*)npx voicebox\b/g, `$1${voicebox}`);
  // never the registry: a `voicebox` there is not this package
  if (/\bnpx\b/.test(line)) throw new Error(`not run: npx in a place this test does not know: ${command}`);
  return line;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1' };
  delete e['VOICEBOX_MEDIA'];
  return e;
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs one README command in bash (pipefail: a failing voicebox before a pipe fails the example). */
export function runExample(command: string, cwd: string): Promise<Ran> {
  return finished(spawnShell(command, cwd));
}

/**
 * `exec`: the command replaces the shell, so a signal sent to the child reaches it.
 * `ownNetwork`: as root, in a network namespace of its own (a loopback nobody else uses), so an
 * example that listens on a fixed port (serve's 8084) does not meet another test run's server.
 */
export function spawnShell(
  command: string,
  cwd: string,
  o: { exec?: boolean; ownNetwork?: boolean } = {},
): ChildProcess {
  const line = `${o.exec ? 'exec ' : ''}${shellLine(command)}`;
  const args = ['-o', 'pipefail', '-c', line];
  const isolated = o.ownNetwork === true && process.getuid?.() === 0;
  return isolated
    ? spawn('unshare', ['--net', '--', 'bash', '-o', 'pipefail', '-c', `ip link set lo up && ${line}`], {
        cwd,
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn('bash', args, { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** At a terminal: the command under util-linux `script`, which gives it a pseudo-terminal. */
export function spawnAtTerminal(command: string, cwd: string): ChildProcess {
  return spawn('script', ['--quiet', '--return', '--flush', '--command', shellLine(command), '/dev/null'], {
    cwd,
    env: env(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export function finished(child: ChildProcess): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((resolveRan, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolveRan({ code, signal, stdout, stderr }));
  });
}

/** Resolves with all of stdout once it matches, or with null if the process ends first. */
export function waitForOutput(child: ChildProcess, match: RegExp): Promise<string | null> {
  return new Promise((resolveOut) => {
    let seen = '';
    const onData = (d: Buffer): void => {
      seen += d.toString('utf8');
      if (match.test(seen)) {
        child.stdout?.off('data', onData);
        resolveOut(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.on('close', () => resolveOut(match.test(seen) ? seen : null));
  });
}
