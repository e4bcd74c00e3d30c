// `voicebox spool list|show|retry|drop`: the outgoing mail waiting in the spool folder
// (mail.spool) and the dead letters the mail server refused for good — read and steered by the
// admin while `serve` runs; `serve` finds entries put back by `retry` at its next scan.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { ConfigError, readConfig, type VoiceboxConfig } from '../config/index.js';
import {
  dropSpoolEntry,
  findSpoolEntry,
  readSpoolFolder,
  retrySpoolEntry,
  type SpoolListing,
} from '../mail/index.js';
import { appendAudit } from './audit.js';
import type { Io } from './menus.js';
import { confirmed, type AdminInput } from './user-admin.js';

/** A mistake of the admin's (no such entry, nothing confirmed): one line, exit 1. */
class SpoolCommandError extends Error {}

// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** `42s`, `5m`, `3h 4m`, `2d 3h` */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

const nextOf = (e: SpoolListing, now: number): string =>
  e.state === 'dead'
    ? '-'
    : (e.nextAttemptAt ?? now) <= now
      ? 'now'
      : `in ${duration((e.nextAttemptAt ?? now) - now)}`;

const errorOf = (e: SpoolListing): string =>
  printable(e.state === 'dead' ? (e.reason ?? e.lastError ?? '') : (e.lastError ?? ''));

/** one line per entry, columns aligned; the last error cut to the terminal's usual width */
export function listLines(entries: readonly SpoolListing[], now: number): string {
  const rows = entries.map((e) => [
    printable(e.id),
    e.state,
    duration(now - e.enqueuedAt),
    String(e.attempts),
    nextOf(e, now),
    printable(e.envelope.to.join(',')),
    errorOf(e).slice(0, 120),
  ]);
  const head = ['ID', 'STATE', 'AGE', 'ATTEMPTS', 'NEXT', 'TO', 'LAST ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

/** everything `show` tells of an entry: never the body or the audio */
export function showText(e: SpoolListing, dir: string, now: number): string {
  const rows: [string, string][] = [
    ['id', printable(e.id)],
    ['state', e.state],
    ['file', `${dir}/${e.state === 'dead' ? 'dead/' : ''}${e.name}.json`],
    ['Message-ID', printable(e.messageId)],
    ['queued', `${iso(e.enqueuedAt)} (${duration(now - e.enqueuedAt)} ago)`],
    ['attempts', String(e.attempts)],
    ...(e.state === 'queued'
      ? [['next attempt', `${iso(e.nextAttemptAt)} (${nextOf(e, now)})`] as [string, string]]
      : [
          ['refused', iso(e.deadAt)] as [string, string],
          ['told', e.notifiedAt === undefined ? 'not yet' : iso(e.notifiedAt)] as [string, string],
        ]),
    ['envelope from', printable(e.envelope.from)],
    [e.state === 'dead' ? 'refused for' : 'to', printable(e.envelope.to.join(', '))],
    ...(e.deliveredTo?.length
      ? [['delivered to', printable(e.deliveredTo.join(', '))] as [string, string]]
      : []),
    ...(e.reason ? [['server reply', printable(e.reason)] as [string, string]] : []),
    ...(e.lastError ? [['last error', printable(e.lastError)] as [string, string]] : []),
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  const headers = Object.entries(e.headers).map(([k, v]) => `  ${k}: ${printable(v)}`);
  return [
    ...rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`),
    'headers:',
    ...(headers.length ? headers : ['  (none)']),
  ].join('\n');
}

interface Common {
  config?: string;
}

/**
 * A change made as another user than the spool's owner (`sudo voicebox spool retry`) would leave
 * entries the running voicebox cannot read: refused before anything changes.
 */
function checkOwner(dir: string, name: string, uid: number | undefined): void {
  if (uid === undefined) return;
  let owner: number;
  try {
    owner = statSync(dir).uid;
  } catch {
    return; // no spool folder: `find` says there is no such entry
  }
  if (owner !== uid)
    throw new SpoolCommandError(
      `the spool ${dir} belongs to uid ${owner}, this command runs as uid ${uid}: run it as the user voicebox runs as, e.g. sudo -u voicebox voicebox spool ${name} …; nothing changed`,
    );
}

export function spoolCommand(
  io: Io,
  setExit: (code: number) => void,
  input: AdminInput = process.stdin,
  /** the user this command runs as (tests); undefined where there are no uids */
  uid: () => number | undefined = () => process.getuid?.(),
): Command {
  const command = new Command('spool').description(
    'the outgoing mail waiting in the spool, and the dead letters the mail server refused for good',
  );

  /** the config, or exit 2; then the action; an admin's mistake is one line and exit 1 */
  const run = async (
    name: string,
    opts: Common,
    action: (config: VoiceboxConfig, dir: string) => Promise<void>,
  ): Promise<void> => {
    let config: VoiceboxConfig;
    try {
      config = readConfig(opts.config);
    } catch (e) {
      io.err(
        `voicebox spool ${name}: ${e instanceof ConfigError ? `bad configuration:\n${e.message}` : (e as Error).message}\n`,
      );
      return setExit(2);
    }
    try {
      await action(config, resolve(config.mail.spool));
    } catch (e) {
      io.err(`voicebox spool ${name}: ${printable((e as Error).message)}\n`);
      setExit(1);
    }
  };

  const find = async (dir: string, id: string): Promise<SpoolListing> => {
    const entry = await findSpoolEntry(dir, id);
    if (!entry) throw new SpoolCommandError(`no entry ${id} in the spool (${dir})`);
    return entry;
  };

  const audit = async (
    config: VoiceboxConfig,
    name: string,
    e: SpoolListing,
    change: Record<string, unknown>,
  ) => {
    const mailbox = e.headers['X-Voicebox-Mailbox'];
    try {
      await appendAudit(resolve(config.admin.auditLog), {
        command: `spool ${name}`,
        ...(mailbox ? { user: mailbox } : {}),
        change: { entry: e.id, ...change },
      });
    } catch (error) {
      throw new SpoolCommandError(
        `done, but the audit log ${config.admin.auditLog} could not be written: ${(error as Error).message}`,
      );
    }
  };

  const configOption = '--config <file>';
  const configHelp =
    'the server settings naming the spool folder (mail.spool; default: the embedded defaults)';

  command
    .command('list')
    .description(
      'one line per entry: id, state (queued/dead), age, attempts, next attempt, recipients, last error',
    )
    .option('--json', 'the entries as JSON (no message bodies)')
    .option(configOption, configHelp)
    .action((opts: Common & { json?: boolean }) =>
      run('list', opts, async (_config, dir) => {
        const entries = await readSpoolFolder(dir);
        if (opts.json) return void io.out(`${JSON.stringify(entries, null, 2)}\n`);
        if (entries.length === 0) return void io.out(`the spool is empty (${dir})\n`);
        io.out(`${listLines(entries, Date.now())}\n`);
      }),
    );

  command
    .command('show')
    .description(
      'one entry in full, with its Subject, From, To and X-Voicebox-* headers (never the body or audio)',
    )
    .argument('<id>', 'the spool id, as `list` shows it')
    .option(configOption, configHelp)
    .action((id: string, opts: Common) =>
      run('show', opts, async (_config, dir) => {
        io.out(`${showText(await find(dir, id), dir, Date.now())}\n`);
      }),
    );

  command
    .command('retry')
    .description('send a dead letter again (attempts start over) or make a waiting one due now')
    .argument('[id]', 'the spool id')
    .option('--all-dead', 'every dead letter')
    .option('--yes', 'do not ask before --all-dead')
    .option(configOption, configHelp)
    .action((id: string | undefined, opts: Common & { allDead?: boolean; yes?: boolean }) =>
      run('retry', opts, async (config, dir) => {
        if ((id === undefined) === (opts.allDead !== true))
          throw new SpoolCommandError('name one entry or give --all-dead, not both');
        checkOwner(dir, 'retry', uid());
        const entries =
          id !== undefined
            ? [await find(dir, id)]
            : (await readSpoolFolder(dir)).filter((e) => e.state === 'dead');
        if (id === undefined) {
          if (entries.length === 0) return void io.out('no dead letters\n');
          await confirmed(io, input, opts.yes, `send ${entries.length} dead letter(s) again`);
        }
        for (const e of entries) {
          await retrySpoolEntry(dir, e);
          await audit(config, 'retry', e, { state: e.state === 'dead' ? 'dead → queued' : 'due now' });
          io.out(
            `  ${printable(e.id)}: ${e.state === 'dead' ? 'queued again, attempts start over' : 'due now'}; a running voicebox sends it at its next scan\n`,
          );
        }
      }),
    );

  command
    .command('drop')
    .description('remove an entry (waiting or dead): it is never sent')
    .argument('<id>', 'the spool id')
    .option('--yes', 'do not ask')
    .option(configOption, configHelp)
    .action((id: string, opts: Common & { yes?: boolean }) =>
      run('drop', opts, async (config, dir) => {
        checkOwner(dir, 'drop', uid());
        const e = await find(dir, id);
        await confirmed(
          io,
          input,
          opts.yes,
          `remove ${printable(e.id)} (${e.state}, to ${printable(e.envelope.to.join(', '))}) for good`,
        );
        await dropSpoolEntry(dir, e);
        await audit(config, 'drop', e, { dropped: e.state, to: e.envelope.to });
        io.out(`  ${printable(e.id)}: removed\n`);
      }),
    );

  command.addHelpText(
    'after',
    '\nExamples:\n' +
      '  $ voicebox spool list --config /etc/voicebox/voicebox.yaml\n' +
      '  $ voicebox spool show fax-c1-12 --config /etc/voicebox/voicebox.yaml\n' +
      '  $ voicebox spool retry --all-dead --yes --config /etc/voicebox/voicebox.yaml\n' +
      '\nExit status: 0 done, 1 no such entry or not confirmed, 2 a bad command line or configuration.',
  );
  return command;
}
