// What every pass of the compiler shares: the declarations and catalogs it reads, the
// diagnostics it reports, and what the passes build up (blocks, variables, prompts, nodes).
import type { Name } from '../ast.js';
import type { Declarations } from '../declarations.js';
import type { Diagnostic } from '../diagnostics.js';
import type { GraphNode, NodeId, SourceLoc, TypeName } from '../../src/graph/index.js';

export interface PromptEntry {
  text: string;
  placeholders: string[];
  loc: SourceLoc;
}

/** language → prompt id → text */
export type PromptCatalogs = Map<string, Map<string, PromptEntry>>;

/** a named menu or step of a flow, registered before any statement is lowered */
export interface BlockInfo {
  id: NodeId;
  kind: 'menu' | 'step';
  name: Name;
  /** the `for each` a nested menu lives in */
  loop?: NodeId;
  inline: boolean;
}

/** where a statement stands: the `for each` and the menu around it */
export interface Scope {
  loop?: NodeId;
  /** where the innermost `for each` is written, to match menus nested in it */
  loopKey?: string;
  menu?: NodeId;
}

export interface CompileContext {
  readonly decls: Declarations;
  readonly catalogs: PromptCatalogs;
  readonly diagnostics: Diagnostic[];
  /** flow → name → block (blocks pass) */
  readonly blocks: Map<string, Map<string, BlockInfo>>;
  /** name → type and first assignment (variables pass, then the lowering) */
  readonly vars: Map<string, { type: TypeName; loc: SourceLoc }>;
  /** prompt id → where it is first said (the lowering, then the translation check) */
  readonly usedPrompts: Map<string, SourceLoc>;
  /** implicit uses (a menu's default `invalid_choice`) give way to a `say` in the source */
  readonly implicitPrompts: Set<string>;
  /** prompts already reported as unknown, so that no translation gap is reported for them */
  readonly reportedPromptGaps: Set<string>;
  /** no diagnostics while inferring variable types */
  silent: boolean;
  /** the flow being lowered, its node counter and its nodes */
  flow: string;
  counter: number;
  flowNodes: Record<NodeId, GraphNode>;
}

export function createContext(decls: Declarations, catalogs: PromptCatalogs): CompileContext {
  return {
    decls,
    catalogs,
    diagnostics: [],
    blocks: new Map(),
    vars: new Map(),
    usedPrompts: new Map(),
    implicitPrompts: new Set(),
    reportedPromptGaps: new Set(),
    silent: false,
    flow: '',
    counter: 0,
    flowNodes: {},
  };
}

export function report(cx: CompileContext, d: Diagnostic): void {
  if (!cx.silent) cx.diagnostics.push(d);
}

/** the next anonymous node id of the flow being lowered */
export function newId(cx: CompileContext): NodeId {
  return `${cx.flow}#${++cx.counter}`;
}

export function addNode<N extends GraphNode>(cx: CompileContext, node: N): NodeId {
  cx.flowNodes[node.id] = node;
  return node.id;
}

export function loopKey(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}
