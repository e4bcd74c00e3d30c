// `voicebox user mail-password`: her own IMAP password for individual access (the ixi-UMS
// Voice-Mail Server manual §4.3.4), checked by logging in to her mailbox with it before it is
// stored, encrypted with mailbox.imap.passwordKey, in her user data.
import { Command } from 'commander';
import { mailboxOwnerOf, type SiteMailboxStore } from '../actions/index.js';
import { ConfigError, readConfig, type VoiceboxConfig } from '../config/index.js';
import { DirectoryError, type Directory, type DirectoryUser } from '../directory/index.js';
import { encryptPassword, MailboxUnavailable } from '../mailbox/index.js';
import { formats } from '../phone/index.js';
import type { RuntimeLogger } from '../runtime/index.js';
import type { Io } from './menus.js';
import { directoryFrom, mailboxStoreFrom } from './services.js';
import { addUserAdminCommands } from './user-admin.js';

/** Where the password is read from: stdin, without echo at a terminal. */
export interface SecretInput {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event: string): unknown;
  resume(): unknown;
  pause(): unknown;
}

class UserError extends Error {}

/** The password as typed (no echo, ends with Enter) or as piped in (its last line break removed). */
export function readSecret(input: SecretInput, ask: (text: string) => void, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (value: string) => {
      input.removeAllListeners('data');
      input.removeAllListeners('end');
      if (input.isTTY) input.setRawMode?.(false);
      input.pause();
      resolve(value);
    };
    if (input.isTTY) {
      ask(prompt);
      input.setRawMode?.(true);
    }
    input.on('data', (chunk) => {
      const s = chunk.toString();
      if (!input.isTTY) {
        text += s;
        return;
      }
      for (const c of s) {
        if (c === '\r' || c === '\n') {
          ask('\n');
          return finish(text);
        }
        if (c === '\u0003') {
          input.setRawMode?.(false);
          input.pause();
          return reject(new UserError('cancelled: nothing stored'));
        }
        if (c === '\u007f' || c === '\b') text = text.slice(0, -1);
        else text += c;
      }
    });
    input.on('end', () => finish(text.replace(/\r?\n$/, '')));
    input.resume();
  });
}

const looksLikeNumber = (s: string): boolean => /^\+?[0-9][0-9 ()/-]*$/.test(s.trim());

/** her entry: by any format of her mailbox number, else by login or mailbox alias */
async function findUser(directory: Directory, config: VoiceboxConfig, who: string): Promise<DirectoryUser> {
  if (looksLikeNumber(who)) {
    const f = formats(who, config.location);
    const user = f ? await directory.findByNumber(f.all) : undefined;
    if (!user) throw new UserError(`no user with the mailbox number ${who} in the directory`);
    return user;
  }
  if (!directory.users) {
    throw new UserError(`this directory cannot be searched by login: give ${who}'s mailbox number instead`);
  }
  const wanted = who.trim().toLowerCase();
  for await (const user of directory.users()) {
    if (user.login?.toLowerCase() === wanted || user.mailboxAlias?.toLowerCase() === wanted) return user;
  }
  throw new UserError(`no user with the login or mailbox alias ${who} in the directory`);
}

/** warnings while her mailbox is located (a host rule that does not match) go to stderr */
function stderrLogger(io: Io): RuntimeLogger {
  const line = (obj: object, msg?: string) => io.err(`${msg ?? ''} ${JSON.stringify(obj)}\n`);
  const log: RuntimeLogger = { info() {}, debug() {}, warn: line, error: line, child: () => log };
  return log;
}

interface IndividualLogin {
  readonly store: SiteMailboxStore;
  readonly owner: ReturnType<typeof mailboxOwnerOf>;
  readonly passwordKey: string;
  /** her IMAP server, for the prompt */
  readonly host: string;
}

/** Her IMAP login exactly as a call in individual access makes it: the same owner, host and template. */
function individualLogin(config: VoiceboxConfig, user: DirectoryUser, log: RuntimeLogger): IndividualLogin {
  const imap = config.mailbox.type === 'imap' ? config.mailbox.imap : undefined;
  if (!imap)
    throw new UserError('mailbox.type is not imap (with a mailbox.imap section): there is no IMAP login');
  if (!imap.passwordKey) {
    throw new UserError(
      'mailbox.imap.passwordKey is not set: without it a mailbox password cannot be stored encrypted (set 32 bytes, e.g. openssl rand -hex 32)',
    );
  }
  const store: SiteMailboxStore = mailboxStoreFrom({
    ...config,
    mailbox: { ...config.mailbox, imap: { ...imap, access: 'individual' } },
  });
  const owner = mailboxOwnerOf(user, { location: config.location, hostRule: store.hostRule, log });
  return { store, owner, passwordKey: imap.passwordKey, host: owner.imapHost ?? imap.host };
}

/**
 * Her own IMAP password checked by logging in to her mailbox with it, then stored encrypted
 * (mailbox.imap.passwordKey) in her user data; refused, with the server's reason, when her mailbox
 * does not open with it — then nothing is stored. `voicebox user mail-password` and the web page's
 * form both come here. Throws for a site without an IMAP login or a password key, and when the
 * server cannot be reached for another reason than the password.
 */
export async function storeMailPassword(
  config: VoiceboxConfig,
  directory: Directory,
  user: DirectoryUser,
  password: string,
  log: RuntimeLogger,
): Promise<{ stored: true } | { stored: false; why: string }> {
  return checkAndStore(individualLogin(config, user, log), directory, user, password);
}

async function checkAndStore(
  login: IndividualLogin,
  directory: Directory,
  user: DirectoryUser,
  password: string,
): Promise<{ stored: true } | { stored: false; why: string }> {
  // an empty password is no password: no login is tried with it
  if (password === '') return { stored: false, why: 'no password given' };
  const mailPassword = encryptPassword(password, login.passwordKey);
  try {
    const mailbox = await login.store.open({ ...login.owner, mailPassword });
    await mailbox.close();
  } catch (error) {
    if (error instanceof MailboxUnavailable) return { stored: false, why: error.message };
    throw error;
  }
  await directory.updateSettings(user, (s) => ({ ...s, mailPassword }));
  return { stored: true };
}

async function setMailPassword(
  io: Io,
  who: string,
  opts: { config?: string; clear?: boolean },
  input: SecretInput,
): Promise<string> {
  const config = readConfig(opts.config);
  const imap = config.mailbox.type === 'imap' ? config.mailbox.imap : undefined;
  if (!opts.clear) {
    if (!imap)
      throw new UserError('mailbox.type is not imap (with a mailbox.imap section): there is no IMAP login');
    if (!imap.passwordKey) {
      throw new UserError(
        'mailbox.imap.passwordKey is not set: without it a mailbox password cannot be stored encrypted (set 32 bytes, e.g. openssl rand -hex 32)',
      );
    }
  }
  const directory = directoryFrom(config);
  try {
    const user = await findUser(directory, config, who);
    if (opts.clear) {
      await directory.updateSettings(user, ({ mailPassword: _, ...rest }) => rest);
      return `${user.name}: her IMAP password is removed; her mailbox is read with the administrative access again\n`;
    }
    const log = stderrLogger(io);
    const login = individualLogin(config, user, log);
    const { owner, host } = login;
    const password = await readSecret(
      input,
      io.err,
      `IMAP password of ${owner.login ?? owner.mailbox} at ${host}: `,
    );
    if (password === '') throw new UserError('no password given: nothing stored');
    const answer = await checkAndStore(login, directory, user, password);
    if (!answer.stored)
      throw new UserError(
        `her mailbox could not be opened with this password, nothing stored: ${answer.why}`,
      );
    const individual =
      imap?.access === 'administrative'
        ? ' (mailbox.imap.access is administrative: set individual or both to use it)'
        : '';
    return `${user.name}: her IMAP password works and is stored, encrypted${individual}\n`;
  } finally {
    await directory.close();
  }
}

export function userCommand(
  io: Io,
  setExit: (code: number) => void,
  input: SecretInput = process.stdin,
): Command {
  const command = new Command('user').description(
    'a mailbox owner as the admin sees and changes her: settings, lock, PIN, default user data',
  );
  command
    .command('mail-password')
    .description(
      'store her own IMAP password (individual access): read from stdin, never from the command line; stored only when her IMAP server accepts it, encrypted with mailbox.imap.passwordKey',
    )
    .argument('<number|login>', 'her mailbox number (any format), or her login or mailbox alias')
    .option('--config <file>', 'the server settings (default: the embedded defaults)')
    .option(
      '--clear',
      'remove her stored password (her mailbox is read with the administrative access again)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox user mail-password 501 --config /etc/voicebox/voicebox.yaml\n  $ printf %s "$PASSWORD" | voicebox user mail-password alice --config voicebox.yaml\n  $ voicebox user mail-password 501 --clear --config voicebox.yaml',
    )
    .action(async (who: string, opts: { config?: string; clear?: boolean }) => {
      try {
        io.out(await setMailPassword(io, who, opts, input));
        setExit(0);
      } catch (error) {
        if (error instanceof UserError || error instanceof ConfigError || error instanceof DirectoryError) {
          io.err(`voicebox user mail-password: ${error.message}\n`);
          return setExit(1);
        }
        throw error;
      }
    });
  addUserAdminCommands(command, io, setExit, input, readSecret);
  return command;
}
