// The voicebox menu language: parse, check and compile .ivr files into the IVR graph.
export { parse, type ParseResult } from './parser.js';
export {
  compileFiles,
  systemPrompts,
  menuDefaults,
  type PromptCatalogs,
  type PromptEntry,
  type CompileResult,
} from './compile/index.js';
export { successors } from '../src/graph/index.js';
export { loadMenus, loadCatalogs, type LoadedMenus, type LoadOptions } from './load.js';
export { formatDiagnostic, compareDiagnostics, type Diagnostic, type Severity } from './diagnostics.js';
export { toDot, toMermaid, exprText, type DrawOptions } from './draw.js';
export { keywords } from './lexer.js';
export type * from './ast.js';
