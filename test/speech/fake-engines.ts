// espeak-ng and sox as they fail in the field, for tests: scripts put first on PATH that run
// the real programs, except while a flag file says to misbehave.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the wrapped programs do while the flag of that name is raised. */
export type Misbehaviour =
  /** sox as on a full disk: it cannot open its output and exits before reading a byte */
  | 'sox-fails'
  /** espeak-ng fails at once with a message */
  | 'espeak-fails'
  /** espeak-ng never ends, and a child of its own holds its pipes, as in a wrapper script */
  | 'espeak-hangs';

export interface FakeEngines {
  raise(flag: Misbehaviour): void;
  lower(flag: Misbehaviour): void;
  /** the processes started while 'espeak-hangs' was raised */
  hungPids(): number[];
  /** the arguments of each espeak-ng started, one list per run */
  espeakRuns(): string[][];
  /** PATH as it was; any hung process still running is killed */
  restore(): void;
}

/** Running, as opposed to gone or a zombie nobody has reaped yet. */
export function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export function installFakeEngines(): FakeEngines {
  const bin = mkdtempSync(join(tmpdir(), 'voicebox-fake-bin-'));
  const savedPath = process.env.PATH;
  const flag = (name: Misbehaviour) => join(bin, name);
  const pidFile = join(bin, 'pids');
  const argsFile = join(bin, 'espeak-args');
  const real = (command: string) =>
    execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script(
    'sox',
    `if [ -e ${flag('sox-fails')} ]; then
  echo "sox FAIL formats: can't open output file: No space left on device" >&2
  exit 2
fi
exec ${real('sox')} "$@"`,
  );
  script(
    'espeak-ng',
    `printf '%s\\t' "$@" >> ${argsFile}; echo >> ${argsFile}
if [ -e ${flag('espeak-hangs')} ]; then
  sleep 600 &
  echo $! >> ${pidFile}
  echo $$ >> ${pidFile}
  wait
fi
if [ -e ${flag('espeak-fails')} ]; then
  echo "espeak-ng: cannot write: No space left on device" >&2
  exit 1
fi
exec ${real('espeak-ng')} "$@"`,
  );
  // the renderer passes its environment on, so its programs are looked up here first
  process.env.PATH = `${bin}:${savedPath ?? ''}`;

  const hungPids = () =>
    existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
  return {
    raise: (name) => writeFileSync(flag(name), ''),
    lower: (name) => rmSync(flag(name), { force: true }),
    hungPids,
    espeakRuns: () =>
      existsSync(argsFile)
        ? readFileSync(argsFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => line.split('\t').slice(0, -1))
        : [],
    restore() {
      process.env.PATH = savedPath;
      for (const pid of hungPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
      rmSync(bin, { recursive: true, force: true });
    },
  };
}
