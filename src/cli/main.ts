// The voicebox command line: one entry, one sub-command per task.
import { Command } from 'commander';
import { menuCommands, type Io } from './menus.js';
import { promptsCommand } from './prompts.js';
import { callCommand } from './call.js';
import { serveCommand } from './serve.js';
import { deployCommand } from './deploy.js';
import { configCommand } from './config.js';
import { userCommand } from './user-mail-password.js';
import { migrateCommand } from './migrate.js';
import { notifyCommand } from './notify.js';
import { spoolCommand } from './spool.js';
import { doctorCommand } from './doctor.js';
import { explainCommand } from './explain.js';

export async function run(argv: string[], io?: Partial<Io>): Promise<number> {
  const out: Io = {
    out: io?.out ?? ((s) => process.stdout.write(s)),
    err: io?.err ?? ((s) => process.stderr.write(s)),
    color: io?.color ?? (process.stderr.isTTY === true && !process.env.NO_COLOR),
  };
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('voicebox')
    .description('voice-mail server with remote inquiry for FreeSWITCH')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: out.out, writeErr: out.err })
    .addHelpText('after', '\nExample:\n  $ voicebox validate menus/');
  // errors and --help return an exit code instead of ending the process, at every level
  const tame = (command: Command): Command => {
    command.exitOverride().configureOutput({ writeOut: out.out, writeErr: out.err });
    for (const sub of command.commands) tame(sub);
    return command;
  };
  for (const command of [
    ...menuCommands(out, setExit),
    serveCommand(out, setExit),
    deployCommand(out, setExit),
    configCommand(out, setExit),
    callCommand(out, setExit),
    userCommand(out, setExit),
    migrateCommand(out, setExit),
    notifyCommand(out, setExit),
    spoolCommand(out, setExit),
    doctorCommand(out, setExit),
    explainCommand(out, setExit),
    promptsCommand(),
  ]) {
    program.addCommand(tame(command));
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (typeof code === 'number') return code;
    throw e;
  }
  return exitCode;
}
