// The compiler's driver: runs the passes in order over the parsed files and assembles
// the bundle. dsl/README.md ("How it is built") lists the passes and what each reads
// and writes.
import type { FlowDecl, IvrFile } from '../ast.js';
import { checkDeclarations, where } from '../declarations.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { Bundle, FlowGraph } from '../../src/graph/index.js';
import { analyse } from './analyses.js';
import { collectBlocks } from './blocks.js';
import { createContext, type PromptCatalogs } from './context.js';
import { lowerFlow } from './flows.js';
import { checkTranslations } from './prompts.js';
import { inferVariables } from './variables.js';

export interface CompileResult {
  bundle: Bundle;
  diagnostics: Diagnostic[];
}

/**
 * Checks and compiles parsed files. It never throws: should the checker itself fail
 * (a bug), the failure becomes an `internal error` diagnostic, not a crash.
 */
export function compileFiles(files: IvrFile[], catalogs: PromptCatalogs): CompileResult {
  try {
    return compileChecked(files, catalogs);
  } catch (e) {
    if (process.env.VOICEBOX_DEBUG === '1') throw e;
    const at = files[0]?.path ?? '';
    return {
      bundle: emptyBundle(files),
      diagnostics: [
        error(
          { file: at, line: 1, col: 1, length: 1 },
          `internal error in the checker: ${(e as Error).message}`,
          'fix the other errors first; if none are left, please report this with the file',
        ),
      ],
    };
  }
}

function emptyBundle(files: IvrFile[]): Bundle {
  return {
    format: 'voicebox-ivr-bundle',
    version: 1,
    files: files.map((f) => f.path),
    languages: { default: 'en', byCallerPrefix: [], otherwise: 'en', offered: ['en'] },
    officeHours: null,
    profiles: { available: [], default: '' },
    variables: {},
    prompts: [],
    flows: {},
  };
}

function compileChecked(files: IvrFile[], catalogs: PromptCatalogs): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // 1. declarations: languages, office hours, profiles
  const decls = checkDeclarations(sorted, new Set(catalogs.keys()), diagnostics);
  const cx = createContext(decls, catalogs);

  // 2. flows and their blocks, by name
  const flows = new Map<string, FlowDecl>();
  for (const file of sorted) {
    for (const flow of file.flows) {
      const seen = flows.get(flow.name.text);
      if (seen) {
        diagnostics.push(
          error(
            flow.name.loc,
            `flow '${flow.name.text}' is defined twice`,
            `the first is at ${where(seen.name.loc)}`,
          ),
        );
        continue;
      }
      flows.set(flow.name.text, flow);
      cx.blocks.set(flow.name.text, collectBlocks(flow, diagnostics));
    }
  }
  // 3. variables' types
  inferVariables(cx, [...flows.values()]);

  // 4. lowering: statements, menus, expressions and prompts, flow by flow
  const graphs: Record<string, FlowGraph> = {};
  for (const flow of flows.values()) graphs[flow.name.text] = lowerFlow(cx, flow);
  // 5. translations of every prompt used
  checkTranslations(cx);
  diagnostics.push(...cx.diagnostics);
  // 6. the whole graph
  diagnostics.push(...analyse(graphs, cx.blocks));

  const variables: Bundle['variables'] = {};
  for (const [name, v] of [...cx.vars.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
    variables[name] = { type: v.type };
  const bundle: Bundle = {
    format: 'voicebox-ivr-bundle',
    version: 1,
    files: sorted.map((f) => f.path),
    languages: decls.languages,
    officeHours: decls.officeHours,
    profiles: decls.profiles,
    variables,
    prompts: [...cx.usedPrompts.keys()].sort(),
    flows: graphs,
  };
  return { bundle, diagnostics };
}
