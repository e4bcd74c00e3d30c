// `voicebox deploy`: menus as releases a running serve switches to without dropping a call;
// `--rollback` and `--status` (src/cli/README.md, "Deploying menus").
import { Command } from 'commander';
import { ConfigError, readConfig, type VoiceboxConfig } from '../config/index.js';
import { appendAudit } from './audit.js';
import { askServe, controlSocketPath, type ControlAnswer } from './control.js';
import type { Io } from './menus.js';
import {
  installRelease,
  liveRelease,
  pruneReleases,
  releaseBefore,
  releaseInfo,
  releaseNumbers,
  ReleaseError,
  setLive,
} from './releases.js';
import { menusPath, MenusInvalid } from './runtime.js';

interface DeployOptions {
  config?: string;
  strict?: boolean;
  rollback?: boolean;
  status?: boolean;
}

/** What the running serve said to a switch; undefined when no serve runs for this deploy.dir. */
async function askSwitch(dir: string): Promise<ControlAnswer | undefined> {
  return askServe(controlSocketPath(dir), { op: 'switch' });
}

export function deployCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('deploy')
    .description(
      'install menus as a new release and switch the running serve to it; calls in progress keep the release they started with',
    )
    .argument('[menus]', 'menu folder (default: menus of the config, else the shipped menus)')
    .option('--config <file>', 'YAML settings (deploy.dir: where the releases are)')
    .option('--strict', 'warnings fail too: the menus are not installed')
    .option('--rollback', 'make the release before the live one live again')
    .option('--status', 'list the releases, which is live, and the calls in progress on each')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox deploy menus/ --config /etc/voicebox/voicebox.yaml\n  $ voicebox deploy --status --config /etc/voicebox/voicebox.yaml\n  $ voicebox deploy --rollback --config /etc/voicebox/voicebox.yaml',
    )
    .action(async (menus: string | undefined, opts: DeployOptions) => {
      let config: VoiceboxConfig;
      try {
        config = readConfig(opts.config);
      } catch (e) {
        io.err(
          `voicebox deploy: ${e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message}\n`,
        );
        return setExit(2);
      }
      if ([opts.rollback, opts.status, menus !== undefined].filter(Boolean).length > 1) {
        io.err('voicebox deploy: give menus, --rollback or --status, one of them\n');
        return setExit(1);
      }
      try {
        if (opts.status) setExit(await status(io, config));
        else if (opts.rollback) setExit(await rollback(io, config));
        else setExit(await deploy(io, config, menus, opts.strict ?? false));
      } catch (e) {
        if (e instanceof MenusInvalid) io.err(`${e.report}\nvoicebox deploy: the menus were not installed\n`);
        else io.err(`voicebox deploy: ${(e as Error).message}\n`);
        setExit(1);
      }
    });
}

/**
 * Moves `live` to `to` and has serve switch. Only serve's explicit refusal moves `live` back to
 * `from` (if no other deploy moved it meanwhile); when the answer is lost (a timeout, a broken
 * connection) serve may have switched: it is asked what it runs, and nothing is moved back.
 */
async function goLive(io: Io, dir: string, to: number, from: number | undefined): Promise<boolean> {
  setLive(dir, to);
  let answer: ControlAnswer | undefined;
  try {
    answer = await askSwitch(dir);
  } catch (e) {
    return afterLostAnswer(io, dir, to, (e as Error).message);
  }
  if (answer === undefined) {
    io.out(`release ${to} is live; serve is not running: it runs release ${to} at its next start\n`);
    return true;
  }
  if (answer.ok && 'release' in answer) {
    if (answer.release === String(to)) {
      io.out(`release ${to} is live: serve runs it for new calls; calls in progress keep theirs\n`);
      return true;
    }
    io.err(
      `voicebox deploy: serve switched to release ${answer.release}, not to ${to}: another deploy ran at the same time; ` +
        `nothing was moved back (see voicebox deploy --status)\n`,
    );
    return false;
  }
  const error = 'error' in answer ? answer.error : 'unexpected answer';
  const moved = liveRelease(dir) !== to;
  if (!moved) setLive(dir, from);
  io.err(
    `voicebox deploy: serve could not switch to release ${to}: ${error}\n` +
      (moved
        ? `another deploy moved the live release meanwhile: left as it is (see voicebox deploy --status)\n`
        : from === undefined
          ? 'no release is live now\n'
          : `release ${from} stays live\n`),
  );
  return false;
}

/** The switch was asked but its answer lost: what serve runs now decides what deploy reports. */
async function afterLostAnswer(io: Io, dir: string, to: number, error: string): Promise<boolean> {
  const status = await askServe(controlSocketPath(dir), { op: 'status' }, 10_000).catch(() => undefined);
  const runs = status?.ok && 'live' in status ? status.live : undefined;
  if (runs === String(to)) {
    io.out(
      `release ${to} is live: serve runs it for new calls; calls in progress keep theirs (its answer to the switch was lost: ${error})\n`,
    );
    return true;
  }
  io.err(
    `voicebox deploy: no answer from serve to the switch to release ${to} (${error}); ` +
      (runs === undefined ? 'what serve runs now is unknown' : `serve runs release ${runs} for new calls`) +
      `; release ${to} stays named live, serve runs it at its next switch or start (see voicebox deploy --status)\n`,
  );
  return false;
}

async function deploy(
  io: Io,
  config: VoiceboxConfig,
  menus: string | undefined,
  strict: boolean,
): Promise<number> {
  const dir = config.deploy.dir;
  const source = menusPath(menus ?? config.menus);
  const info = installRelease(dir, source, { strict });
  const from = liveRelease(dir);
  io.out(`installed release ${info.release} (sha256 ${info.sha256.slice(0, 12)}) from ${info.source}\n`);
  const ok = await goLive(io, dir, info.release, from);
  await appendAudit(config.admin.auditLog, {
    command: 'deploy',
    change: { release: info.release, from: from ?? null, sha256: info.sha256, source: info.source, live: ok },
  });
  const removed = pruneReleases(dir, config.deploy.keep);
  if (removed.length > 0)
    io.out(`removed old releases: ${removed.join(', ')} (deploy.keep ${config.deploy.keep})\n`);
  return ok ? 0 : 1;
}

async function rollback(io: Io, config: VoiceboxConfig): Promise<number> {
  const dir = config.deploy.dir;
  const live = liveRelease(dir);
  if (live === undefined) {
    io.err(`voicebox deploy: no release is live in ${dir}: nothing to roll back\n`);
    return 1;
  }
  const target = releaseBefore(dir, live);
  if (target === undefined) {
    io.err(`voicebox deploy: no release before ${live} in ${dir} to roll back to\n`);
    return 1;
  }
  releaseInfo(dir, target); // refuse a damaged one before anything moves
  const ok = await goLive(io, dir, target, live);
  await appendAudit(config.admin.auditLog, {
    command: 'deploy --rollback',
    change: { release: target, from: live, live: ok },
  });
  return ok ? 0 : 1;
}

async function status(io: Io, config: VoiceboxConfig): Promise<number> {
  const dir = config.deploy.dir;
  const live = liveRelease(dir);
  const answer = await askServe(controlSocketPath(dir), { op: 'status' }, 10_000).catch((e: Error) => ({
    ok: false as const,
    error: e.message,
  }));
  const calls = new Map<string, number>();
  if (answer?.ok && 'releases' in answer) for (const r of answer.releases) calls.set(r.id, r.calls);
  const numbers = releaseNumbers(dir);
  if (numbers.length === 0) io.out(`no releases in ${dir} (serve runs the menus folder as release 0)\n`);
  for (const n of numbers) {
    let line: string;
    try {
      const info = releaseInfo(dir, n);
      line = `${info.createdAt}  ${info.sha256.slice(0, 12)}  ${info.by}  ${info.source}`;
    } catch (e) {
      line = e instanceof ReleaseError ? `damaged: ${e.message}` : String(e);
    }
    const running = calls.has(String(n)) ? `  calls ${calls.get(String(n))}` : '';
    io.out(`${n === live ? '*' : ' '} ${String(n).padStart(4)}  ${line}${running}\n`);
  }
  if (calls.has('0')) io.out(`     0  the menus folder compiled at serve's start  calls ${calls.get('0')}\n`);
  if (answer === undefined) io.out('serve is not running\n');
  else if (answer.ok && 'live' in answer)
    io.out(
      `serve runs release ${answer.live} for new calls${answer.draining ? ' (stopping: draining its calls)' : ''}\n`,
    );
  else io.out(`serve did not answer: ${'error' in answer ? answer.error : '?'}\n`);
  return 0;
}
