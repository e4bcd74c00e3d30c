// `voicebox config`: the sample settings file, and a check of one before serve needs it.
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { dump } from 'js-yaml';
import { ConfigError, exampleConfig, loadConfig, redacted } from '../config/index.js';
import type { Io } from './menus.js';

export function configCommand(io: Io, setExit: (code: number) => void): Command {
  const command = new Command('config').description(
    'the settings file: a commented example with every key and its default, and a check of a file',
  );
  command
    .command('example')
    .description('print a settings file with every key commented out at its default, and what it means')
    .addHelpText('after', '\nExample:\n  $ voicebox config example > voicebox.yaml')
    .action(() => {
      io.out(exampleConfig());
      setExit(0);
    });
  command
    .command('check')
    .description(
      'check a settings file: every mistake with its key and line (exit 1), else the settings in effect, secrets hidden',
    )
    .option('--config <file>', 'the settings file (default: the embedded defaults)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox config check --config /etc/voicebox/voicebox.yaml\n  $ voicebox config check',
    )
    .action((opts: { config?: string }) => {
      let tree;
      try {
        tree = loadConfig(opts.config);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const n = e.problems.length;
        io.err(`${e.message}\n${n} problem${n === 1 ? '' : 's'} in ${e.file}\n`);
        return setExit(1);
      }
      const from = opts.config ? dirname(resolve(opts.config)) : process.cwd();
      io.out(
        `# ${opts.config ? resolve(opts.config) : 'the embedded defaults'}: no problems; relative paths are taken from ${from}\n` +
          '# the settings in effect (secrets shown as ********):\n' +
          dump(redacted(tree), { lineWidth: -1 }),
      );
      setExit(0);
    });
  return command;
}
