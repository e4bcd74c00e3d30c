// `voicebox notify reset`: an admin resets a user's (or every user's) notification counters, as
// entering the message menu by phone does — `notifyResetAt` becomes now, the SMS already sent are
// forgotten — one atomic update per user. With --settings her own thresholds and switches go too,
// so the site's apply (the ixi-UMS Voice-Mail Server manual §4.5.2).
import { Command } from 'commander';
import type { VoiceboxConfig } from '../config/index.js';
import {
  DirectoryConfigError,
  DirectoryUnavailable,
  type Directory,
  type DirectoryUser,
  type UserSettings,
} from '../directory/index.js';
import { formats } from '../phone/index.js';
import type { Io } from './menus.js';
import { appendAudit, changedKeys } from './audit.js';
import { adminDirectory } from './services.js';
import { AdminError, confirmed, type AdminInput } from './user-admin.js';

interface ResetOptions {
  config?: string;
  all?: boolean;
  settings?: boolean;
  yes?: boolean;
}

/** A mistake of the admin's (no such user, a directory that cannot list): exit 1, no stack. */
class ResetError extends Error {}

/**
 * Her settings after a reset at `now`: counting starts again, no SMS counted as sent; with
 * `ownSettings`, her thresholds and switches are removed as well.
 */
export function resetNotifications(s: UserSettings, now: string, ownSettings: boolean): UserSettings {
  const { smsNotified: _told, ...rest } = s;
  if (!ownSettings) return { ...rest, notifyResetAt: now };
  const { notifyThresholds: _t, notifyLamp: _l, notifyBySms: _s, ...kept } = rest;
  return { ...kept, notifyResetAt: now };
}

/** Directory text as printed: a control character (an escape sequence in a name) shows as `?`. */
// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

const who = (u: DirectoryUser): string => printable(`${u.name} (${u.mailbox || u.login || u.id})`);

const looksLikeNumber = (s: string): boolean => /^\+?[0-9][0-9 ()/-]*$/.test(s.trim());

/** her entry: by any format of her mailbox number, else by login, mailbox alias or DN */
async function findUser(
  directory: Directory,
  config: VoiceboxConfig,
  wanted: string,
): Promise<DirectoryUser> {
  if (looksLikeNumber(wanted)) {
    const f = formats(wanted, config.location);
    const user = f ? await directory.findByNumber(f.all) : undefined;
    if (!user) throw new ResetError(`no user with the mailbox number ${wanted} in the directory`);
    return user;
  }
  if (!directory.users) {
    throw new ResetError(
      `this directory cannot be searched by login: give ${wanted}'s mailbox number instead`,
    );
  }
  const name = wanted.trim().toLowerCase();
  for await (const user of directory.users()) {
    if (
      user.login?.toLowerCase() === name ||
      user.mailboxAlias?.toLowerCase() === name ||
      user.id.toLowerCase() === name
    )
      return user;
  }
  throw new ResetError(`no user with the login, mailbox alias or DN ${wanted} in the directory`);
}

async function usersToReset(
  directory: Directory,
  config: VoiceboxConfig,
  wanted: string | undefined,
): Promise<DirectoryUser[]> {
  if (wanted !== undefined) return [await findUser(directory, config, wanted)];
  if (!directory.users) throw new ResetError(`the ${config.directory.type} directory cannot list its users`);
  // the whole list first, then one write per user: no listing runs while the entries change
  const all: DirectoryUser[] = [];
  for await (const user of directory.users()) all.push(user);
  return all;
}

export function notifyCommand(
  io: Io,
  setExit: (code: number) => void,
  input: AdminInput = process.stdin,
): Command {
  const command = new Command('notify').description('the message-waiting lamp and the SMS notifications');
  command
    .command('reset')
    .description(
      "reset a user's notification counters, as entering her messages by phone does: only messages arriving from now on count, and an SMS goes out again at her threshold",
    )
    .argument('[number|login]', 'her mailbox number (any format), or her login, mailbox alias or DN')
    .option('--all', 'every user of the directory (asks first, unless --yes)')
    .option('--yes', 'reset every user without asking (for scripts)')
    .option(
      '--settings',
      "also remove her own notification settings (thresholds, lamp, SMS): the site's notify settings apply",
    )
    .option('--config <file>', 'the server settings naming the directory (default: the embedded defaults)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ voicebox notify reset 501 --config /etc/voicebox/voicebox.yaml\n' +
        '  $ voicebox notify reset --all --settings --yes --config /etc/voicebox/voicebox.yaml\n' +
        '\nThe reset is written to the directory only; it does not reach FreeSWITCH. A running voicebox\n' +
        'turns her lamp off at its next check of her mailbox (notify.watch.pollIntervalMs, or the\n' +
        "mail server's next push).\n" +
        '\nExit status: 0 when every user was reset, 1 when a user could not be found or written (the\n' +
        'others are still reset) or the directory could not be reached, 2 for a bad command line or\n' +
        'configuration.',
    )
    .action(async (wanted: string | undefined, opts: ResetOptions) => {
      const name = 'voicebox notify reset';
      if ((wanted === undefined) === (opts.all !== true)) {
        io.err(`${name}: name one user (her number or login) or give --all, not both\n`);
        return setExit(2);
      }
      const admin = adminDirectory(name, opts.config, io.err);
      if (!admin) return setExit(2);
      if (opts.all) {
        try {
          await confirmed(io, input, opts.yes, "This resets every user's notification counters");
        } catch (e) {
          if (!(e instanceof AdminError)) throw e;
          await admin.directory.close();
          io.err(`${name}: ${e.message}\n`);
          return setExit(1);
        }
      }
      const { config, directory } = admin;
      const ownSettings = opts.settings === true;
      let reset = 0;
      let failed = 0;
      try {
        const users = await usersToReset(directory, config, wanted);
        for (const user of users) {
          const now = new Date().toISOString();
          try {
            let before: UserSettings = user.settings;
            let after: UserSettings = user.settings;
            await directory.updateSettings(user, (s) => {
              before = s;
              after = resetNotifications(s, now, ownSettings);
              return after;
            });
            reset++;
            await appendAudit(config.admin.auditLog, {
              command: 'notify reset',
              user: user.mailbox || user.login || user.id,
              change: changedKeys({ ...before }, { ...after }),
            }).catch((e: Error) => {
              throw new Error(`reset, but the audit log could not be written: ${e.message}`);
            });
            io.out(
              `  ${who(user)}: reset${ownSettings ? "; her own notification settings removed, the site's apply" : ''}\n`,
            );
          } catch (e) {
            // one user who cannot be written stops nobody else's reset
            failed++;
            io.out(`  ${who(user)}: failed: ${printable((e as Error).message)}\n`);
          }
        }
      } catch (e) {
        const why =
          e instanceof DirectoryUnavailable
            ? `the directory cannot be reached: ${e.message}`
            : e instanceof DirectoryConfigError
              ? `the directory cannot be read: ${e.message}`
              : (e as Error).message;
        io.err(`${name}: ${why}\n`);
        return setExit(1);
      } finally {
        await directory.close();
      }
      const users = (n: number) => `${n} ${n === 1 ? 'user' : 'users'}`;
      io.out(
        `Reset: ${users(reset)}${failed > 0 ? `, failed: ${users(failed)}` : ''}\n` +
          (reset > 0
            ? 'Lamps: a running voicebox turns them off at its next check of each mailbox; this command does not reach FreeSWITCH.\n'
            : ''),
      );
      setExit(failed > 0 ? 1 : 0);
    });
  return command;
}
