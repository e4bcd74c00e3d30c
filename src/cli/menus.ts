// `voicebox validate | compile | graph`: the admin's tools for the menu language.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { formatDiagnostic, loadMenus, toDot, toMermaid, type LoadedMenus } from '../../dsl/index.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

function report(loaded: LoadedMenus, io: Io, strict: boolean): number {
  let errors = 0;
  let warnings = 0;
  for (const d of loaded.diagnostics) {
    if (d.severity === 'error') errors++;
    else warnings++;
    io.err(formatDiagnostic(d, { sources: loaded.sources, color: io.color }) + '\n');
  }
  if (errors || warnings) {
    io.err(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

export function menuCommands(io: Io, setExit: (code: number) => void): Command[] {
  const validate = new Command('validate')
    .description('check menu files (.ivr) and their prompt catalogs; exit 1 on errors')
    .argument('<paths...>', '.ivr files or folders of them')
    .option('--prompts <dir>', 'folder of the prompt catalogs (default: prompts/ beside the menus)')
    .option('--strict', 'warnings fail too')
    .addHelpText(
      'after',
      '\nExample:\n  $ voicebox validate menus/\n  $ voicebox validate --strict menus/voicebox.ivr',
    )
    .action((paths: string[], opts: { prompts?: string; strict?: boolean }) => {
      const loaded = loadMenus(paths, { prompts: opts.prompts });
      const code = report(loaded, io, opts.strict ?? false);
      if (code === 0) {
        const flows = Object.keys(loaded.bundle.flows).length;
        const nodes = Object.values(loaded.bundle.flows).reduce((n, f) => n + Object.keys(f.nodes).length, 0);
        io.out(
          `ok: ${loaded.bundle.files.length} files, ${flows} flows, ${nodes} nodes, ${loaded.bundle.prompts.length} prompts\n`,
        );
      }
      setExit(code);
    });

  const compile = new Command('compile')
    .description('check and compile menus into one JSON bundle for the runtime (same input, same bytes)')
    .argument('<paths...>', '.ivr files or folders of them')
    .option('-o, --output <file>', 'where to write the bundle (default: standard output)')
    .option('--prompts <dir>', 'folder of the prompt catalogs')
    .option('--strict', 'warnings fail too')
    .addHelpText('after', '\nExample:\n  $ voicebox compile menus/ -o bundle.json')
    .action((paths: string[], opts: { output?: string; prompts?: string; strict?: boolean }) => {
      const loaded = loadMenus(paths, { prompts: opts.prompts });
      const code = report(loaded, io, opts.strict ?? false);
      if (code === 0) {
        const json = JSON.stringify(loaded.bundle, null, 2) + '\n';
        if (opts.output) writeFileSync(opts.output, json);
        else io.out(json);
      }
      setExit(code);
    });

  const graph = new Command('graph')
    .description('draw the call flow as Graphviz DOT, a Mermaid flowchart, or SVG (needs Graphviz)')
    .argument('<paths...>', '.ivr files or folders of them')
    .addOption(
      new Option('--format <format>', 'output format').choices(['dot', 'mermaid', 'svg']).default('dot'),
    )
    .option(
      '--menu <name>',
      'only this flow or menu (e.g. voicebox, or voicebox.greeting) and what follows it',
    )
    .option('-o, --output <file>', 'where to write the picture (default: standard output)')
    .option('--prompts <dir>', 'folder of the prompt catalogs')
    .addHelpText(
      'after',
      '\nExamples:\n  $ voicebox graph menus/voicebox.ivr --format dot | dot -Tsvg > voicebox.svg\n  $ voicebox graph menus/ --menu inquiry.messages --format mermaid\n  $ voicebox graph menus/ --format svg -o flows.svg',
    )
    .action(
      (
        paths: string[],
        opts: { format: 'dot' | 'mermaid' | 'svg'; menu?: string; output?: string; prompts?: string },
      ) => {
        const loaded = loadMenus(paths, { prompts: opts.prompts });
        if (report(loaded, io, false) !== 0) return setExit(1);
        let text: string;
        try {
          text =
            opts.format === 'mermaid'
              ? toMermaid(loaded.bundle, { menu: opts.menu })
              : toDot(loaded.bundle, { menu: opts.menu });
        } catch (e) {
          io.err(`voicebox graph: ${(e as Error).message}\n`);
          return setExit(1);
        }
        if (opts.format === 'svg') {
          const dot = spawnSync('dot', ['-Tsvg'], {
            input: text,
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          });
          if (dot.error) {
            io.err(
              'voicebox graph: --format svg needs Graphviz `dot`, which is not installed.\n  Install it (Debian: apt-get install graphviz), or use --format dot or --format mermaid.\n',
            );
            return setExit(1);
          }
          if (dot.status !== 0) {
            io.err(`voicebox graph: dot failed: ${dot.stderr}\n`);
            return setExit(1);
          }
          text = dot.stdout;
        }
        if (opts.output) writeFileSync(opts.output, text);
        else io.out(text);
        setExit(0);
      },
    );
  return [validate, compile, graph];
}
