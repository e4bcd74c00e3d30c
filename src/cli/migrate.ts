// `voicebox migrate`: every user's ixi-UMS data read from the directory, shown as what voicebox
// understands, keeps and cannot use — then, with --write, written in voicebox's keys, one atomic
// update per user. The plan comes from src/directory/migration.ts and is redacted there: no PIN
// or password reaches the output, and the values to write are never printed.
import { Command } from 'commander';
import type { VoiceboxConfig } from '../config/index.js';
import {
  DirectoryConfigError,
  DirectoryUnavailable,
  REVISION,
  planMigration,
  type DirectoryUser,
  type MigrationPlan,
} from '../directory/index.js';
import { loadMenus } from '../../dsl/index.js';
import { formats } from '../phone/index.js';
import type { Io } from './menus.js';
import { menusPath } from './runtime.js';
import { adminDirectory } from './services.js';

interface MigrateOptions {
  config?: string;
  user?: string;
  write?: boolean;
  dryRun?: boolean;
}

/** What one user's block adds to the totals at the end. */
interface Tally {
  users: number;
  withIxi: number;
  mapped: number;
  inferred: number;
  kept: number;
  problems: number;
  /** users with a mapping that loosens their login (PIN-less, any number, remote inquiry) */
  opening: number;
  wouldChange: number;
  written: number;
  unchanged: number;
  failed: number;
}

/**
 * The languages the site's menus speak (`menus` in the config, else the shipped menus): every
 * language they declare has every prompt. Menus that do not compile are the concern of
 * `voicebox validate`: then no language is checked.
 */
function menuLanguages(config: VoiceboxConfig): string[] | undefined {
  try {
    const { bundle } = loadMenus([menusPath(config.menus)]);
    const rules = bundle.languages;
    return [
      ...new Set([
        rules.default,
        rules.otherwise,
        ...rules.offered,
        ...rules.byCallerPrefix.map((r) => r.language),
      ]),
    ];
  } catch {
    return undefined;
  }
}

const digits = (s: string): string => s.replace(/\D/g, '');

/** Directory text as printed: a control character (an escape sequence in a name) shows as `?`. */
// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** `--user`: a number in any format the site dials (501, 030 1234501, +49 30 1234501), a login or a DN. */
function userMatcher(wanted: string, config: VoiceboxConfig): (u: DirectoryUser) => boolean {
  const asNumber = /^[+0-9][0-9 ()/-]*$/.test(wanted.trim()) ? formats(wanted, config.location) : undefined;
  const numberDigits = new Set((asNumber?.all ?? []).map(digits).filter((d) => d !== ''));
  const name = wanted.trim().toLowerCase();
  return (u) =>
    numberDigits.has(digits(u.mailbox)) || u.login?.toLowerCase() === name || u.id.toLowerCase() === name;
}

/** ixi-UMS's keys: IXI…, IXI-UMS…, ixi-ums… and the notifier's MN… (the manual §5.3.5). */
const isIxiValue = (value: string): boolean => /^(ixi|mn)[^=]*=/i.test(value);

function who(u: DirectoryUser): string {
  const where = u.login !== undefined && u.login !== u.id ? `${u.id}, login ${u.login}` : u.id;
  return printable(`${u.name} — mailbox ${u.mailbox || '(none)'} — ${where}`);
}

/** Rows of two columns, the first padded to the widest (at most 48 wide, longer ones stand alone). */
function table(cells: Array<[string, string]>, indent = '    '): string {
  const rows = cells.map(([a, b]) => [printable(a), printable(b)] as const);
  const width = Math.min(48, Math.max(...rows.map(([a]) => a.length)));
  return rows
    .map(([a, b]) =>
      a.length > width
        ? `${indent}${a}\n${indent}${' '.repeat(width)}  ${b}`
        : `${indent}${a.padEnd(width)}  ${b}`,
    )
    .join('\n');
}

/** One block a person can check: what is understood, kept and wrong. */
function block(u: DirectoryUser, plan: MigrationPlan, kept: MigrationPlan['kept']): string {
  const lines = [who(u)];
  if (plan.mapped.length > 0) {
    lines.push('  ixi-UMS value → voicebox keys (* inferred: the manual does not spell out the format)');
    lines.push(
      table(
        plan.mapped.map((m) => [
          m.value,
          `→ ${m.becomes.length > 0 ? m.becomes.join(', ') : "(nothing: the site's setting)"}${m.inferred ? ' *' : ''}` +
            (m.supersededBy !== undefined && m.supersededBy.length > 0
              ? ` (not used: ${m.supersededBy.join(', ')} is already set)`
              : ''),
        ]),
      ),
    );
  }
  if (kept.length > 0) {
    lines.push('  kept as it is:');
    lines.push(table(kept.map((k) => [k.value, k.reason])));
  }
  if (plan.problems.length > 0) {
    lines.push("  problems (the site's setting applies instead):");
    lines.push(table(plan.problems.map((p) => [`${p.key}=${p.value}`, p.problem])));
  }
  for (const o of plan.opens)
    lines.push(printable(`  opens: ${o.opens} (${o.becomes}${o.inferred ? ', inferred' : ''})`));
  return lines.join('\n');
}

export function migrateCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('migrate')
    .description(
      "read every user's ixi-UMS data from the directory and show what voicebox makes of it; --write stores it in voicebox's keys",
    )
    .option('--config <file>', 'the server settings naming the directory (default: the embedded defaults)')
    .option('--user <number|login>', 'only this user: her mailbox number, login or DN')
    .option('--dry-run', 'show what would be written, change nothing (the default)')
    .option(
      '--write',
      "write each user's data in voicebox's keys (one atomic update per user; other keys are kept)",
    )
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ voicebox migrate --config /etc/voicebox/voicebox.yaml\n' +
        '  $ voicebox migrate --config /etc/voicebox/voicebox.yaml --user 507\n' +
        '  $ voicebox migrate --config /etc/voicebox/voicebox.yaml --write\n' +
        "\nExit status: 0 when every user was read (and written), 1 when a user's data could not be\n" +
        'read or written (the others go on) or the directory could not be reached, 2 for a bad\n' +
        'configuration. Problems in the data are\n' +
        "reported, not fatal: the user keeps the site's setting for that value.",
    )
    .action(async (opts: MigrateOptions) => {
      if (opts.write && opts.dryRun) {
        io.err('voicebox migrate: --dry-run and --write exclude each other; leave out one\n');
        return setExit(2);
      }
      const admin = adminDirectory('voicebox migrate', opts.config, io.err);
      if (!admin) return setExit(2);
      const { config, directory } = admin;
      const write = opts.write === true;
      const wanted = opts.user !== undefined ? userMatcher(opts.user, config) : () => true;
      const t: Tally = {
        users: 0,
        withIxi: 0,
        mapped: 0,
        inferred: 0,
        kept: 0,
        problems: 0,
        opening: 0,
        wouldChange: 0,
        written: 0,
        unchanged: 0,
        failed: 0,
      };
      try {
        if (directory.users === undefined) {
          io.err(`voicebox migrate: the ${config.directory.type} directory cannot list its users\n`);
          return setExit(1);
        }
        io.out(
          write
            ? "Writing each user's ixi-UMS data in voicebox's keys.\n\n"
            : "Dry run: what voicebox makes of each user's ixi-UMS data. Nothing is written (--write does).\n\n",
        );
        const site = { languages: menuLanguages(config) };
        for await (const user of directory.users()) {
          if (!wanted(user)) continue;
          t.users++;
          let plan: MigrationPlan;
          try {
            plan = planMigration(user.rawUserData, undefined, site);
          } catch (e) {
            // one user's data that cannot be planned stops nobody else's
            t.failed++;
            io.out(`${who(user)}\n  failed: ${printable((e as Error).message)}\n\n`);
            continue;
          }
          // the revision token is voicebox's own bookkeeping (src/directory/README.md), not the user's data
          const kept = plan.kept.filter((k) => !k.value.startsWith(REVISION));
          const hasIxi =
            plan.mapped.length > 0 || plan.problems.length > 0 || user.rawUserData.some(isIxiValue);
          if (!hasIxi) {
            io.out(`${who(user)}\n  no ixi-UMS data\n\n`);
            continue;
          }
          t.withIxi++;
          t.mapped += plan.mapped.length;
          t.inferred += plan.mapped.filter((m) => m.inferred).length;
          t.kept += kept.length;
          t.problems += plan.problems.length;
          if (plan.opens.length > 0) t.opening++;
          if (plan.changed) t.wouldChange++;
          io.out(block(user, plan, kept) + '\n');
          if (!write) {
            io.out(
              plan.changed ? '  would be written\n\n' : "  nothing to write: already in voicebox's keys\n\n",
            );
            continue;
          }
          if (!plan.changed) {
            t.unchanged++;
            io.out('  unchanged\n\n');
            continue;
          }
          try {
            // the codec writes the mapped values in voicebox's keys and keeps every other value
            await directory.updateSettings(user, (s) => s);
            t.written++;
            io.out('  written\n\n');
          } catch (e) {
            t.failed++;
            io.out(`  failed: ${printable((e as Error).message)}\n\n`);
          }
        }
      } catch (e) {
        const why =
          e instanceof DirectoryUnavailable
            ? `the directory cannot be reached: ${e.message}`
            : e instanceof DirectoryConfigError
              ? `the directory cannot be read: ${e.message}`
              : (e as Error).message;
        io.err(`voicebox migrate: ${why}\n`);
        return setExit(1);
      } finally {
        await directory.close();
      }
      if (opts.user !== undefined && t.users === 0) {
        io.err(`voicebox migrate: no user with the mailbox number, login or DN '${opts.user}'\n`);
        return setExit(1);
      }
      const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;
      io.out(
        `Users: ${t.users}, with ixi-UMS data: ${t.withIxi}\n` +
          `Values: ${t.mapped} mapped (${t.inferred} inferred), ${t.kept} kept, ${n(t.problems, 'problem')}\n` +
          `Users whose login it opens: ${t.opening} (the "opens:" lines: check them before --write)\n` +
          (write
            ? `Written: ${t.written}, unchanged: ${t.unchanged}, failed: ${t.failed}\n`
            : `Users that would change: ${t.wouldChange} (run again with --write to write them)\n` +
              (t.failed > 0 ? `Failed: ${t.failed}\n` : '')),
      );
      setExit(t.failed > 0 ? 1 : 0);
    });
}
