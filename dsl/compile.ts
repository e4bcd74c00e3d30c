// The checker and compiler: turns the parsed files into the IVR graph, reporting
// every problem it finds on the way (it never stops at the first).
import type {
  Arg,
  Expr,
  FlowDecl,
  Handler,
  IvrFile,
  MenuDecl,
  Name,
  OutcomeHandler,
  SayItem,
  Stmt,
  Target,
} from './ast.js';
import { checkDeclarations, where, type Declarations } from './declarations.js';
import { didYouMean, error, warning, type Diagnostic } from './diagnostics.js';
import {
  assignable,
  comparable,
  describeType,
  elementOf,
  fieldsOf,
  isEnum,
  ordered,
  UNKNOWN,
} from './types.js';
import {
  actions,
  enumTypes,
  globals,
  sayAs,
  type Bundle,
  type FlowGraph,
  type GraphExpr,
  type GraphNode,
  type MenuPrompt,
  type NodeId,
  type SayPart,
  type SourceLoc,
  type TypeName,
} from '../src/graph/index.js';

export interface PromptEntry {
  text: string;
  placeholders: string[];
  loc: SourceLoc;
}

/** language → prompt id → text */
export type PromptCatalogs = Map<string, Map<string, PromptEntry>>;

export interface CompileResult {
  bundle: Bundle;
  diagnostics: Diagnostic[];
}

/** prompts the runtime plays by itself; every language must have them */
export const systemPrompts = ['invalid_choice', 'goodbye', 'technical_problem'];

export const menuDefaults = { timeoutMs: 5000, tries: 3, bargeIn: true };

const transferOutcomes = ['busy', 'no answer', 'failed'];

interface BlockInfo {
  id: NodeId;
  kind: 'menu' | 'step';
  name: Name;
  /** the `for each` a nested menu lives in */
  loop?: NodeId;
  inline: boolean;
}

interface Ctx {
  loop?: NodeId;
  /** where the innermost `for each` is written, to match menus nested in it */
  loopKey?: string;
  menu?: NodeId;
}

function loopKey(loc: SourceLoc): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

type Waiting = 'menu' | 'record' | 'transfer';

class Compiler {
  readonly diagnostics: Diagnostic[] = [];
  readonly nodes = new Map<string, Record<NodeId, GraphNode>>();
  readonly blocks = new Map<string, Map<string, BlockInfo>>();
  readonly vars = new Map<string, { type: TypeName; loc: SourceLoc }>();
  readonly usedPrompts = new Map<string, SourceLoc>();
  /** no diagnostics while inferring variable types */
  private silent = false;
  private flow = '';
  private counter = 0;
  private flowNodes: Record<NodeId, GraphNode> = {};
  private readonly reportedPromptGaps = new Set<string>();

  constructor(
    private readonly decls: Declarations,
    private readonly catalogs: PromptCatalogs,
  ) {}

  report(d: Diagnostic): void {
    if (!this.silent) this.diagnostics.push(d);
  }

  // ------------------------------------------------------------ variables
  /** Variables live for the whole call; their type is that of their assignments. */
  inferVariables(flows: FlowDecl[]): void {
    this.silent = true;
    for (let round = 0; round < 6; round++) {
      const before = [...this.vars.entries()].map(([k, v]) => `${k}:${v.type}`).join(',');
      for (const flow of flows) {
        this.inferIn(flow.body);
        for (const b of flow.blocks) this.inferBlock(b);
      }
      const after = [...this.vars.entries()].map(([k, v]) => `${k}:${v.type}`).join(',');
      if (before === after) break;
    }
    this.silent = false;
  }

  private declare(name: Name, type: TypeName): void {
    const seen = this.vars.get(name.text);
    if (!seen || seen.type === UNKNOWN) this.vars.set(name.text, { type, loc: seen?.loc ?? name.loc });
  }

  private inferBlock(b: MenuDecl | { kind: 'step'; body: Stmt[] }): void {
    if (b.kind === 'step') return this.inferIn(b.body);
    if (b.input) {
      this.declare(b.input.variable, 'digits');
      this.inferHandler(b.input.handler);
    }
    for (const o of b.options) this.inferHandler(o.handler);
    for (const h of [b.invalid, b.silence, b.giveUp]) if (h) this.inferHandler(h);
  }

  private inferHandler(h: Handler): void {
    if (h.kind === 'block') this.inferIn(h.body);
  }

  private inferIn(stmts: Stmt[]): void {
    for (const s of stmts) {
      switch (s.kind) {
        case 'assign':
          if (s.target.length === 1) this.declare(s.target[0]!, this.expr(s.value).type);
          for (const o of s.outcomes) this.inferHandler(o.handler);
          break;
        case 'record':
          this.declare(s.variable, 'audio');
          for (const o of s.outcomes) this.inferHandler(o.handler);
          break;
        case 'forEach':
          this.declare(s.variable, elementOf(this.expr(s.list).type) ?? UNKNOWN);
          this.declare({ text: 'index', loc: s.loc }, 'number');
          this.inferIn(s.body);
          break;
        case 'if':
          this.inferIn(s.then);
          if (s.else) this.inferIn(s.else);
          break;
        case 'menu':
          this.inferBlock(s.menu);
          break;
        case 'call':
        case 'transfer':
          for (const o of s.outcomes) this.inferHandler(o.handler);
          break;
        default:
          break;
      }
    }
  }

  // ----------------------------------------------------------- expressions
  private isBareUnknownName(e: Expr): e is Expr & { kind: 'path' } {
    return (
      e.kind === 'path' &&
      e.parts.length === 1 &&
      !this.vars.has(e.parts[0]!.text) &&
      !(e.parts[0]!.text in globals)
    );
  }

  enumMembers(type: TypeName): string[] {
    const en = enumTypes[type];
    if (!en) return [];
    if (en.members === 'declared profiles') return [...this.decls.profileSet];
    if (en.members === 'declared languages') return [...this.decls.languageSet];
    return [...en.members];
  }

  expr(e: Expr, expected?: TypeName): GraphExpr {
    // after a syntax error, parts of the tree can be missing
    if (!e) return { kind: 'literal', type: UNKNOWN, value: '' };
    switch (e.kind) {
      case 'number':
        return { kind: 'literal', type: 'number', value: e.value };
      case 'string': {
        // a "text" may stand for a phone number or digits
        const type = expected === 'phone' || expected === 'digits' ? expected : 'string';
        return { kind: 'literal', type, value: e.value };
      }
      case 'bool':
        return { kind: 'literal', type: 'bool', value: e.value };
      case 'duration':
        return { kind: 'literal', type: 'duration', value: e.ms };
      case 'not': {
        const operand = this.condition(e.operand);
        return { kind: 'not', operand, type: 'bool' };
      }
      case 'binary':
        return this.binary(e);
      case 'call':
        return this.call(e, true);
      case 'path':
        return this.path(e, expected);
    }
  }

  condition(e: Expr, what = 'a condition'): GraphExpr {
    const g = this.expr(e, 'bool');
    if (!assignable(g.type, 'bool')) {
      this.report(
        error(
          e.loc,
          `${what} must be yes/no, but this is ${article(describeType(g.type))}`,
          g.type === 'number' ? 'compare it, e.g. `x > 0`' : 'compare it with `==`, or use a yes/no field',
        ),
      );
    }
    return g;
  }

  private binary(e: Expr & { kind: 'binary' }): GraphExpr {
    if (e.op === 'and' || e.op === 'or') {
      const left = this.condition(e.left, `each side of '${e.op}'`);
      const right = this.condition(e.right, `each side of '${e.op}'`);
      return { kind: 'binary', op: e.op, left, right, type: 'bool' };
    }
    let left: GraphExpr;
    let right: GraphExpr;
    if (this.isBareUnknownName(e.left) && !this.isBareUnknownName(e.right)) {
      right = this.expr(e.right);
      left = this.expr(e.left, right.type);
    } else {
      left = this.expr(e.left);
      right = this.expr(e.right, left.type);
    }
    if (e.op === '==' || e.op === '!=') {
      if (!comparable(left.type, right.type)) {
        this.report(
          error(
            e.loc,
            `cannot compare ${article(describeType(left.type))} with ${article(describeType(right.type))}`,
          ),
        );
      }
    } else if (!ordered(left.type) || !ordered(right.type) || !comparable(left.type, right.type)) {
      this.report(
        error(
          e.loc,
          `'${e.op}' needs two numbers, durations or times, not ${describeType(left.type)} and ${describeType(right.type)}`,
        ),
      );
    }
    return { kind: 'binary', op: e.op, left, right, type: 'bool' };
  }

  private path(e: Expr & { kind: 'path' }, expected?: TypeName): GraphExpr {
    const [head, ...rest] = e.parts;
    if (!head) return { kind: 'literal', type: UNKNOWN, value: '' };
    let g: GraphExpr;
    const v = this.vars.get(head.text);
    if (v) g = { kind: 'var', name: head.text, type: v.type };
    else if (head.text in globals) g = { kind: 'var', name: head.text, type: globals[head.text]! };
    else if (rest.length === 0 && expected && isEnum(expected)) {
      const members = this.enumMembers(expected);
      if (!members.includes(head.text)) {
        const guess = didYouMean(head.text, members);
        this.report(
          error(
            head.loc,
            `unknown ${expected.replace(/_/g, ' ')} '${head.text}'`,
            guess ? `did you mean '${guess}'?` : `it is one of: ${members.join(', ')}`,
          ),
        );
      }
      return { kind: 'literal', type: expected, value: head.text };
    } else {
      const guess = didYouMean(head.text, [...this.vars.keys(), ...Object.keys(globals)]);
      this.report(
        error(
          head.loc,
          `unknown name '${head.text}'`,
          guess ? `did you mean '${guess}'?` : 'assign it first, e.g. `user = lookup user(call.called)`',
        ),
      );
      return { kind: 'literal', type: UNKNOWN, value: head.text };
    }
    for (const part of rest) {
      if (g.type === UNKNOWN) return { kind: 'field', of: g, field: part.text, type: UNKNOWN };
      const fields = fieldsOf(g.type);
      const field = fields?.[part.text];
      if (!field) {
        const guess = fields ? didYouMean(part.text, Object.keys(fields)) : undefined;
        this.report(
          error(
            part.loc,
            `${article(describeType(g.type))} has no '${part.text}'`,
            guess
              ? `did you mean '${guess}'?`
              : fields
                ? `it has: ${Object.keys(fields).join(', ')}`
                : undefined,
          ),
        );
        return { kind: 'field', of: g, field: part.text, type: UNKNOWN };
      }
      g = { kind: 'field', of: g, field: part.text, type: field.type };
    }
    return g;
  }

  /**
   * An action call. In an expression nested in another (`nested`) there is nowhere to
   * handle its outcomes, so an action that has some is an error there.
   */
  call(e: Expr & { kind: 'call' }, nested: boolean): GraphExpr {
    const signature = actions[e.action.text];
    if (!signature) {
      const guess = didYouMean(e.action.text, Object.keys(actions));
      this.report(
        error(
          e.action.loc,
          `unknown action '${e.action.text}'`,
          guess ? `did you mean '${guess}'?` : 'see the list of actions in dsl/README.md',
        ),
      );
      for (const a of e.args) this.expr(a.value);
      return { kind: 'call', action: e.action.text, args: [], type: UNKNOWN };
    }
    const args = this.arguments(e.action, e.args, signature.params, e.loc);
    if (nested && signature.outcomes.length > 0) {
      this.report(
        error(
          e.action.loc,
          `the outcome${signature.outcomes.length > 1 ? 's' : ''} ${signature.outcomes.map((o) => `'${o}'`).join(', ')} of '${e.action.text}' cannot be handled here`,
          `assign it on a line of its own: \`x = ${e.action.text}(...)\` followed by \`on ${signature.outcomes[0]} -> ...\``,
        ),
      );
    }
    return { kind: 'call', action: e.action.text, args, type: signature.result };
  }

  private arguments(
    action: Name,
    given: Arg[],
    params: Array<{ name: string; type: TypeName }>,
    loc: SourceLoc,
  ): GraphExpr[] {
    const result: GraphExpr[] = [];
    const byPosition: Array<Arg | undefined> = new Array<Arg | undefined>(params.length).fill(undefined);
    let position = 0;
    let ok = true;
    for (const arg of given) {
      if (arg.name) {
        const index = params.findIndex((p) => p.name === arg.name!.text);
        if (index < 0) {
          const guess = didYouMean(
            arg.name.text,
            params.map((p) => p.name),
          );
          this.report(
            error(
              arg.name.loc,
              `'${action.text}' has no parameter '${arg.name.text}'`,
              guess
                ? `did you mean '${guess}'?`
                : `its parameters: ${params.map((p) => p.name).join(', ') || 'none'}`,
            ),
          );
          ok = false;
          continue;
        }
        if (byPosition[index]) {
          this.report(error(arg.loc, `'${arg.name.text}' is given twice`));
          ok = false;
        }
        byPosition[index] = arg;
        position = index + 1;
      } else {
        if (position >= params.length) {
          this.report(
            error(
              arg.loc,
              `'${action.text}' takes ${params.length} argument${params.length === 1 ? '' : 's'}, but ${given.length} are given`,
              `its parameters: ${signatureText(action.text)}`,
            ),
          );
          ok = false;
          break;
        }
        byPosition[position++] = arg;
      }
    }
    params.forEach((p, i) => {
      const arg = byPosition[i];
      if (!arg) {
        if (ok) {
          this.report(
            error(
              loc,
              `'${action.text}' needs its '${p.name}' argument (${describeType(p.type)})`,
              `call it as ${signatureText(action.text)}`,
            ),
          );
        }
        ok = false;
        result.push({ kind: 'literal', type: UNKNOWN, value: '' });
        return;
      }
      const g = this.expr(arg.value, p.type);
      if (!assignable(g.type, p.type)) {
        this.report(
          error(
            arg.value.loc,
            `'${p.name}' of '${action.text}' must be ${article(describeType(p.type))}, but this is ${article(describeType(g.type))}`,
          ),
        );
      }
      result.push(g);
    });
    for (const a of given) if (!byPosition.includes(a) && ok) this.expr(a.value);
    return result;
  }

  // ------------------------------------------------------------- nodes
  private newId(): NodeId {
    return `${this.flow}#${++this.counter}`;
  }

  private add<N extends GraphNode>(node: N): NodeId {
    this.flowNodes[node.id] = node;
    return node.id;
  }

  compileFlow(
    flow: FlowDecl,
    allFlows: Map<string, FlowDecl>,
  ): { graph: FlowGraph; externalRefs: Set<NodeId> } {
    this.flow = flow.name.text;
    this.counter = 0;
    this.flowNodes = {};
    this.nodes.set(this.flow, this.flowNodes);
    void allFlows;
    const end = this.add({ id: `${this.flow}.end`, kind: 'hangup', loc: { ...flow.loc } });
    const blocks = this.blocks.get(this.flow)!;
    for (const block of flow.blocks) {
      const info = blocks.get(block.name.text)!;
      if (info.id !== `${this.flow}.${block.name.text}` || this.flowNodes[info.id]) continue; // a duplicate
      if (block.kind === 'menu') this.compileMenu(block, {}, info.id, undefined);
      else {
        const entry = this.compileBlock(block.body, end, {}, info.id);
        if (entry !== info.id) {
          // an empty step ends the call
          this.add({ id: info.id, kind: 'hangup', loc: block.loc });
        }
      }
    }
    const firstBlock = flow.blocks[0];
    const entry =
      flow.body.length > 0
        ? this.compileBlock(
            flow.body,
            firstBlock ? `${this.flow}.${firstBlock.name.text}` : end,
            {},
            `${this.flow}.start`,
          )
        : firstBlock
          ? `${this.flow}.${firstBlock.name.text}`
          : end;
    const firstMenu = [...blocks.values()].find((b) => b.kind === 'menu' && !b.inline);
    const graph: FlowGraph = { name: this.flow, entry, nodes: this.flowNodes };
    if (firstMenu) graph.top = firstMenu.id;
    return { graph, externalRefs: new Set() };
  }

  /** Compiles statements back to front, each pointing at the one after it. */
  private compileBlock(stmts: Stmt[], next: NodeId, ctx: Ctx, firstId?: NodeId): NodeId {
    let current = next;
    for (let i = stmts.length - 1; i >= 0; i--) {
      current = this.compileStmt(stmts[i]!, current, ctx, i === 0 ? firstId : undefined);
    }
    return current;
  }

  private compileStmt(s: Stmt, next: NodeId, ctx: Ctx, id = this.newId()): NodeId {
    if (!s) return next;
    const loc = s.loc;
    switch (s.kind) {
      case 'say':
        return this.add({ id, kind: 'say', loc, parts: this.sayParts(s.items), next });
      case 'play':
        return this.add({ id, kind: 'play', loc, audio: this.audio(s.audio), next });
      case 'beep':
        return this.add({ id, kind: 'beep', loc, next });
      case 'wait':
        if (!(s.ms > 0)) this.report(error(loc, 'wait needs a duration such as 2s'));
        return this.add({ id, kind: 'wait', loc, ms: s.ms, next });
      case 'log':
        return this.add({ id, kind: 'log', loc, message: s.message, next });
      case 'goto': {
        const target = this.target(s.target, ctx);
        if (id.includes('#')) return target;
        // a named step that only jumps: keep its name as a node
        return this.add({
          id,
          kind: 'branch',
          loc,
          condition: { kind: 'literal', type: 'bool', value: true },
          then: target,
          else: target,
        });
      }
      case 'if': {
        const condition = this.condition(s.condition);
        const thenId = this.compileBlock(s.then, next, ctx);
        const elseId = s.else ? this.compileBlock(s.else, next, ctx) : next;
        return this.add({ id, kind: 'branch', loc, condition, then: thenId, else: elseId });
      }
      case 'forEach': {
        const list = this.expr(s.list);
        const element = elementOf(list.type);
        if (element === undefined && list.type !== UNKNOWN) {
          this.report(
            error(s.list.loc, `for each needs a list, but this is ${article(describeType(list.type))}`),
          );
        }
        this.checkVariable(s.variable, element ?? UNKNOWN);
        this.checkVariable({ text: 'index', loc: s.loc }, 'number');
        const loopId = id;
        const inner: Ctx = { loop: loopId, loopKey: loopKey(s.loc) };
        const advance = this.add({ id: this.newId(), kind: 'loopControl', loc, loop: loopId, move: 'next' });
        const body = this.compileBlock(s.body, advance, inner);
        return this.add({
          id: loopId,
          kind: 'loop',
          loc,
          variable: s.variable.text,
          index: 'index',
          list,
          body,
          next,
        });
      }
      case 'menu': {
        const info = this.blocks.get(this.flow)!.get(s.menu.name.text);
        const menuId = info && !this.flowNodes[info.id] ? info.id : this.newId();
        this.compileMenu(s.menu, ctx, menuId, next);
        if (id.includes('#')) return menuId;
        return this.add({
          id,
          kind: 'branch',
          loc,
          condition: { kind: 'literal', type: 'bool', value: true },
          then: menuId,
          else: menuId,
        });
      }
      case 'record': {
        this.checkVariable(s.variable, 'audio');
        const terminators = s.terminators.map((k) => this.key(k)).filter((k): k is string => k !== undefined);
        const maxMs = s.maxMs ?? 180_000;
        if (!(maxMs > 0)) this.report(error(loc, 'a recording needs a positive length'));
        const outcomes = this.outcomes(['empty'], [], s.outcomes, next, ctx, 'record', loc);
        return this.add({
          id,
          kind: 'record',
          loc,
          variable: s.variable.text,
          maxMs,
          silenceMs: s.silenceMs ?? 0,
          terminators,
          outcomes,
          next,
        });
      }
      case 'transfer': {
        const to = this.expr(s.to, 'phone');
        if (!assignable(to.type, 'phone')) {
          this.report(
            error(s.to.loc, `${s.mode} needs a phone number, but this is ${article(describeType(to.type))}`),
          );
        }
        const outcomes = this.outcomes(transferOutcomes, ['failed'], s.outcomes, next, ctx, s.mode, loc);
        return this.add({ id, kind: 'transfer', loc, mode: s.mode, to, outcomes, next });
      }
      case 'assign':
        return this.assign(s, next, ctx, id);
      case 'call':
        return this.actionNode(s.call, s.outcomes, next, ctx, id, loc);
    }
  }

  private assign(s: Stmt & { kind: 'assign' }, next: NodeId, ctx: Ctx, id: NodeId): NodeId {
    const [head, ...rest] = s.target;
    if (!head) return next;
    let expected: TypeName | undefined;
    let variable = head.text;
    if (rest.length > 0) {
      // only writable context fields, e.g. `call.language = en`
      const root = globals[head.text] ?? this.vars.get(head.text)?.type;
      const field = rest.length === 1 && root ? fieldsOf(root)?.[rest[0]!.text] : undefined;
      if (!field?.writable) {
        this.report(
          error(
            s.loc,
            `cannot change '${s.target.map((t) => t.text).join('.')}'`,
            'assign to a name of your own; of the call, only call.language can be changed',
          ),
        );
      } else expected = field.type;
      variable = s.target.map((t) => t.text).join('.');
    } else if (head.text in globals) {
      this.report(error(head.loc, `'${head.text}' is built in and cannot be replaced`, 'pick another name'));
    } else {
      expected = this.vars.get(head.text)?.type;
    }
    if (s.value.kind === 'call') {
      const signature = actions[s.value.action.text];
      if (signature?.result === 'void') {
        this.report(
          error(
            s.value.action.loc,
            `'${s.value.action.text}' gives no value to assign`,
            'call it on a line of its own',
          ),
        );
      }
      const resultType = signature?.result ?? UNKNOWN;
      if (rest.length === 0) this.checkVariable(head, resultType);
      else if (expected && !assignable(resultType, expected)) {
        this.report(
          error(
            s.value.loc,
            `expected ${article(describeType(expected))}, but this is ${article(describeType(resultType))}`,
          ),
        );
      }
      return this.actionNode(s.value, s.outcomes, next, ctx, id, s.loc, variable);
    }
    const value = this.expr(s.value, expected);
    if (rest.length === 0) this.checkVariable(head, value.type);
    else if (expected && !assignable(value.type, expected))
      this.report(
        error(
          s.value.loc,
          `expected ${article(describeType(expected))}, but this is ${article(describeType(value.type))}`,
        ),
      );
    for (const o of s.outcomes)
      this.report(
        error(o.outcome.loc, `only an action call has outcomes; '${o.outcome.text}' cannot happen here`),
      );
    return this.add({ id, kind: 'assign', loc: s.loc, variable, value, next });
  }

  /** an action call as a statement, its result (if assigned) and its outcome handlers */
  private actionNode(
    call: Expr & { kind: 'call' },
    handlers: OutcomeHandler[],
    next: NodeId,
    ctx: Ctx,
    id: NodeId,
    loc: SourceLoc,
    result?: string,
  ): NodeId {
    const g = this.call(call, false);
    const signature = actions[call.action.text];
    const outcomes = signature
      ? this.outcomes(signature.outcomes, [], handlers, next, ctx, call.action.text, call.action.loc)
      : {};
    const args = g.kind === 'call' ? g.args : [];
    return this.add({
      id,
      kind: 'action',
      loc,
      action: call.action.text,
      args,
      ...(result ? { result } : {}),
      outcomes,
      next,
    });
  }

  private checkVariable(name: Name, type: TypeName): void {
    if (!name) return;
    if (name.text in globals) {
      this.report(error(name.loc, `'${name.text}' is built in and cannot be replaced`, 'pick another name'));
      return;
    }
    const seen = this.vars.get(name.text);
    if (!seen) {
      this.vars.set(name.text, { type, loc: name.loc });
      return;
    }
    if (!assignable(type, seen.type) && seen.type !== UNKNOWN) {
      this.report(
        error(
          name.loc,
          `'${name.text}' is ${article(describeType(seen.type))} (from ${where(seen.loc)}), it cannot also hold ${article(describeType(type))}`,
          'variables keep one type for the whole call; use another name',
        ),
      );
    }
  }

  private audio(e: Expr): GraphExpr {
    const g = this.expr(e, 'audio');
    if (!assignable(g.type, 'audio')) {
      this.report(
        error(
          e.loc,
          `play needs audio (a recording or greeting), but this is ${article(describeType(g.type))}`,
          'use `say` for prompts and values',
        ),
      );
    }
    return g;
  }

  private outcomes(
    possible: string[],
    catchAll: string[],
    given: OutcomeHandler[],
    next: NodeId,
    ctx: Ctx,
    what: string,
    anchor: SourceLoc,
  ): Record<string, NodeId> {
    const result: Record<string, NodeId> = {};
    for (const o of given) {
      if (!possible.includes(o.outcome.text)) {
        const guess = didYouMean(o.outcome.text, possible);
        this.report(
          error(
            o.outcome.loc,
            `'${what}' has no outcome '${o.outcome.text}'`,
            guess
              ? `did you mean '${guess}'?`
              : possible.length
                ? `its outcomes: ${possible.join(', ')}`
                : `'${what}' always succeeds`,
          ),
        );
        continue;
      }
      if (result[o.outcome.text]) {
        this.report(error(o.outcome.loc, `'${o.outcome.text}' is handled twice`));
        continue;
      }
      result[o.outcome.text] = this.handler(o.handler, next, ctx);
    }
    const fallback = catchAll.map((c) => result[c]).find((x) => x !== undefined);
    const missing = possible.filter((p) => !result[p] && !(fallback && p !== catchAll[0]));
    for (const p of possible) if (!result[p] && fallback) result[p] = fallback;
    if (missing.length > 0) {
      this.report(
        error(
          anchor,
          `'${what}' can end with ${missing.map((m) => `'${m}'`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not handled`,
          `add \`on ${missing[0]} -> ...\` after it`,
        ),
      );
    }
    return result;
  }

  private handler(h: Handler, fallThrough: NodeId, ctx: Ctx): NodeId {
    if (!h) return fallThrough;
    if (h.kind === 'goto') return this.target(h.target, ctx);
    return this.compileBlock(h.body, fallThrough, ctx);
  }

  private target(t: Target, ctx: Ctx): NodeId {
    if (!t)
      return this.add({ id: this.newId(), kind: 'hangup', loc: { file: '', line: 0, col: 0, length: 1 } });
    const loc = t.loc;
    switch (t.kind) {
      case 'hangup':
        return this.add({ id: this.newId(), kind: 'hangup', loc });
      case 'back':
        return this.add({ id: this.newId(), kind: 'jump', loc, to: 'back' });
      case 'top':
        if (![...this.blocks.get(this.flow)!.values()].some((b) => b.kind === 'menu' && !b.inline)) {
          this.report(error(loc, `flow '${this.flow}' has no menu for 'top' to go to`));
        }
        return this.add({ id: this.newId(), kind: 'jump', loc, to: 'top' });
      case 'repeat':
        if (ctx.loop)
          return this.add({ id: this.newId(), kind: 'loopControl', loc, loop: ctx.loop, move: 'repeat' });
        if (ctx.menu) return this.add({ id: this.newId(), kind: 'jump', loc, to: 'repeat', menu: ctx.menu });
        this.report(error(loc, "'repeat' is only possible in a menu or a for each"));
        return this.add({ id: this.newId(), kind: 'jump', loc, to: 'repeat' });
      case 'retry':
        if (ctx.menu) return this.add({ id: this.newId(), kind: 'jump', loc, to: 'retry', menu: ctx.menu });
        this.report(error(loc, "'retry' is only possible in a menu's handlers"));
        return this.add({ id: this.newId(), kind: 'jump', loc, to: 'retry' });
      case 'next':
      case 'previous':
      case 'stop':
        if (!ctx.loop) {
          this.report(
            error(
              loc,
              `'${t.kind}' is only possible inside a for each`,
              t.kind === 'next' ? 'to go to another menu, name it: `-> menu_name`' : undefined,
            ),
          );
          return this.add({ id: this.newId(), kind: 'hangup', loc });
        }
        return this.add({ id: this.newId(), kind: 'loopControl', loc, loop: ctx.loop, move: t.kind });
      case 'name': {
        const flowName = t.flow?.text ?? this.flow;
        const flowBlocks = this.blocks.get(flowName);
        if (!flowBlocks) {
          const guess = didYouMean(flowName, this.blocks.keys());
          this.report(
            error(
              t.flow!.loc,
              `unknown flow '${flowName}'`,
              guess ? `did you mean '${guess}'?` : 'is its file imported? add `import "file.ivr"`',
            ),
          );
          return this.add({ id: this.newId(), kind: 'hangup', loc });
        }
        const block = flowBlocks.get(t.name.text);
        if (!block) {
          const guess = didYouMean(t.name.text, flowBlocks.keys());
          this.report(
            error(
              t.name.loc,
              `unknown menu or step '${t.name.text}'${t.flow ? ` in flow '${flowName}'` : ''}`,
              guess
                ? `did you mean '${guess}'?`
                : `flow '${flowName}' has: ${[...flowBlocks.keys()].join(', ') || 'no menus or steps'}`,
            ),
          );
          return this.add({ id: this.newId(), kind: 'hangup', loc });
        }
        if (block.inline && (t.flow || block.loop !== ctx.loopKey)) {
          this.report(
            error(
              t.name.loc,
              `cannot jump into '${t.name.text}' from outside the block it is written in`,
              'move the menu to the top level of the flow',
            ),
          );
        }
        return block.id;
      }
    }
  }

  private key(k: Name): string | undefined {
    if (!k) return undefined;
    const text = k.text;
    if (/^[0-9]$/.test(text)) return text;
    if (text === '*' || text === 'star') return '*';
    if (text === 'hash') return '#';
    if (/^[0-9]+$/.test(text)) {
      this.report(
        error(
          k.loc,
          `'press ${text}': a choice is one key`,
          'for several digits (a PIN, an extension) use `input name 4 to 10 digits`',
        ),
      );
      return undefined;
    }
    this.report(error(k.loc, `key '${text}' cannot be dialled`, 'keys are 0-9, * (or star) and hash'));
    return undefined;
  }

  private compileMenu(m: MenuDecl, outer: Ctx, id: NodeId, after: NodeId | undefined): void {
    const ctx: Ctx = { loop: outer.loop, loopKey: outer.loopKey, menu: id };
    // a handler that ends without a jump returns to the menu (or, for a menu nested
    // in a step, goes on with the line after it)
    const fallThrough =
      after ?? this.add({ id: this.newId(), kind: 'jump', loc: m.loc, to: 'repeat', menu: id });
    const tries = m.tries?.count ?? menuDefaults.tries;
    if (m.tries && tries < 1) {
      this.report(error(m.tries.loc, 'a menu needs at least 1 try', 'write `tries 3`'));
    } else if (m.tries && tries > 20) {
      this.report(warning(m.tries.loc, `${tries} tries is a long time for a caller`, 'three tries is usual'));
    }
    const timeoutMs = m.timeout?.ms ?? menuDefaults.timeoutMs;
    if (m.timeout && !(timeoutMs >= 1000 && timeoutMs <= 120_000)) {
      this.report(error(m.timeout.loc, 'a menu timeout must be between 1s and 2min'));
    }
    const options: Array<{ key: string; when?: GraphExpr; next: NodeId }> = [];
    const seen = new Map<string, { conditional: boolean; loc: SourceLoc }>();
    for (const o of m.options) {
      const key = this.key(o.key);
      const when = o.when ? this.condition(o.when, 'the condition of a key') : undefined;
      const nextId = this.handler(o.handler, fallThrough, ctx);
      if (key === undefined) continue;
      const before = seen.get(key);
      if (before && !before.conditional) {
        this.report(
          error(
            o.key.loc,
            `key ${key} is already used in menu '${m.name.text}'`,
            `the first 'press ${o.key.text}' is at ${where(before.loc)}; only one can win`,
          ),
        );
        continue;
      }
      seen.set(key, { conditional: o.when !== undefined, loc: o.key.loc });
      options.push(when ? { key, when, next: nextId } : { key, next: nextId });
    }
    let input: (GraphNode & { kind: 'menu' })['input'];
    if (m.input) {
      const i = m.input;
      this.checkVariable(i.variable, 'digits');
      if (i.min < 1 || i.max < i.min || i.max > 32) {
        this.report(
          error(
            i.loc,
            `cannot collect ${i.min} to ${i.max} digits`,
            'the least must be at least 1 and the most at least the least (at most 32)',
          ),
        );
      }
      const terminators = i.terminators.map((k) => this.key(k)).filter((k): k is string => k !== undefined);
      for (const t of terminators) {
        if (seen.has(t))
          this.report(
            error(
              i.loc,
              `key ${t === '#' ? 'hash' : t} both ends the input and is a choice of the menu`,
              'use another key for one of them',
            ),
          );
      }
      for (const key of seen.keys()) {
        if (/[0-9]/.test(key)) {
          this.report(
            error(
              seen.get(key)!.loc,
              `key ${key} is a digit the input '${i.variable.text}' may start with`,
              'use * or hash for choices next to a digit input',
            ),
          );
        }
      }
      input = {
        variable: i.variable.text,
        min: i.min,
        max: i.max,
        terminators,
        next: this.handler(i.handler, fallThrough, ctx),
      };
    }
    if (options.length === 0 && !input && m.options.length === 0) {
      this.report(
        error(
          m.name.loc,
          `menu '${m.name.text}' has no key to press`,
          'add `press 1 -> ...` or an `input`, or make it a step',
        ),
      );
    }
    const retry = this.add({ id: this.newId(), kind: 'jump', loc: m.loc, to: 'retry', menu: id });
    let invalid: NodeId;
    if (m.invalid) invalid = this.handler(m.invalid, fallThrough, ctx);
    else {
      this.usePrompt('invalid_choice', m.loc, true);
      invalid = this.add({
        id: this.newId(),
        kind: 'say',
        loc: m.loc,
        parts: [{ kind: 'prompt', id: 'invalid_choice', args: {} }],
        next: retry,
      });
    }
    const silence = m.silence ? this.handler(m.silence, fallThrough, ctx) : retry;
    let giveUp: NodeId;
    if (m.giveUp) giveUp = this.handler(m.giveUp, fallThrough, ctx);
    else {
      this.usePrompt('goodbye', m.loc, true);
      const hang = this.add({ id: this.newId(), kind: 'hangup', loc: m.loc });
      giveUp = this.add({
        id: this.newId(),
        kind: 'say',
        loc: m.loc,
        parts: [{ kind: 'prompt', id: 'goodbye', args: {} }],
        next: hang,
      });
    }
    const prompts = this.menuPrompts(m.prompts, undefined);
    const retryPrompts = m.retryPrompts ? this.menuPrompts(m.retryPrompts, undefined) : [];
    const node: GraphNode = {
      id,
      kind: 'menu',
      loc: m.loc,
      name: m.name.text,
      timeoutMs,
      tries,
      bargeIn: m.bargeIn?.on ?? menuDefaults.bargeIn,
      prompts,
      retryPrompts,
      options,
      invalid,
      silence,
      giveUp,
    };
    if (input) node.input = input;
    this.add(node);
  }

  private menuPrompts(stmts: Stmt[], when: GraphExpr | undefined): MenuPrompt[] {
    const result: MenuPrompt[] = [];
    const withWhen = (p: MenuPrompt): MenuPrompt => (when ? { when, ...p } : p);
    for (const s of stmts) {
      switch (s.kind) {
        case 'say':
          result.push(withWhen({ say: this.sayParts(s.items) }));
          break;
        case 'play':
          result.push(withWhen({ play: this.audio(s.audio) }));
          break;
        case 'beep':
          result.push(withWhen({ beep: true }));
          break;
        case 'if': {
          const c = this.condition(s.condition);
          const both = (x: GraphExpr): GraphExpr =>
            when ? { kind: 'binary', op: 'and', left: when, right: x, type: 'bool' } : x;
          result.push(...this.menuPrompts(s.then, both(c)));
          if (s.else)
            result.push(...this.menuPrompts(s.else, both({ kind: 'not', operand: c, type: 'bool' })));
          break;
        }
        default:
          break;
      }
    }
    return result;
  }

  /** implicit uses (a menu's default `invalid_choice`) give way to a `say` in the source */
  private readonly implicitPrompts = new Set<string>();

  private usePrompt(id: string, loc: SourceLoc, implicit = false): void {
    if (!this.usedPrompts.has(id) || (!implicit && this.implicitPrompts.has(id))) {
      this.usedPrompts.set(id, loc);
      if (implicit) this.implicitPrompts.add(id);
      else this.implicitPrompts.delete(id);
    }
  }

  private sayParts(items: SayItem[]): SayPart[] {
    const parts: SayPart[] = [];
    for (const item of items) {
      if (!item) continue;
      if (item.kind === 'value') {
        const value = this.expr(item.value);
        const allowed = sayAs[item.as] ?? [];
        if (value.type !== UNKNOWN && !allowed.some((t) => assignable(value.type, t))) {
          this.report(
            error(
              item.value.loc,
              `'say ${item.as}' needs ${allowed.map((t) => article(describeType(t))).join(' or ')}, but this is ${article(describeType(value.type))}`,
            ),
          );
        }
        parts.push({ kind: 'value', as: item.as, value });
        continue;
      }
      parts.push({ kind: 'prompt', id: item.id.text, args: this.promptArgs(item) });
    }
    return parts;
  }

  private promptArgs(item: SayItem & { kind: 'prompt' }): Record<string, GraphExpr> {
    const id = item.id.text;
    this.usePrompt(id, item.id.loc);
    const entry = this.catalogEntry(id, item.id);
    const args: Record<string, GraphExpr> = {};
    const placeholders = entry?.placeholders ?? [];
    item.args.forEach((a, i) => {
      const name =
        a.name?.text ?? (item.args.length === 1 && placeholders.length === 1 ? placeholders[0]! : undefined);
      const g = this.expr(a.value);
      if (!name) {
        this.report(
          error(
            a.loc,
            `name the placeholder this value fills, e.g. \`${id}(${placeholders[i] ?? 'count'}: ...)\``,
          ),
        );
        return;
      }
      if (entry && !placeholders.includes(name)) {
        this.report(
          error(
            a.name?.loc ?? a.loc,
            `prompt '${id}' has no placeholder {${name}}`,
            placeholders.length
              ? `its placeholders: ${placeholders.map((p) => `{${p}}`).join(', ')}`
              : `its text has no placeholders: "${entry.text}"`,
          ),
        );
      }
      args[name] = g;
    });
    if (entry) {
      for (const p of placeholders) {
        if (!(p in args))
          this.report(
            error(item.id.loc, `prompt '${id}' needs a value for {${p}}`, `write \`say ${id}(${p}: ...)\``),
          );
      }
    }
    return args;
  }

  /** the catalog entry in the default language, reporting a prompt unknown everywhere */
  private catalogEntry(id: string, name: Name): PromptEntry | undefined {
    for (const lang of [this.decls.languages.default, ...this.decls.languageSet]) {
      const entry = this.catalogs.get(lang)?.get(id);
      if (entry) return entry;
    }
    const known = new Set<string>();
    for (const c of this.catalogs.values()) for (const k of c.keys()) known.add(k);
    const guess = didYouMean(id, known);
    this.report(
      error(
        name.loc,
        `unknown prompt '${id}'`,
        guess
          ? `did you mean '${guess}'? or add '${id}' to the prompt catalogs`
          : `add '${id}: "..."' to each prompts/<language>.yaml`,
      ),
    );
    this.reportedPromptGaps.add(id);
    return undefined;
  }

  /** every used prompt must exist in every language the menus speak */
  checkTranslations(): void {
    for (const id of systemPrompts)
      if (!this.usedPrompts.has(id)) this.usedPrompts.set(id, { file: '', line: 0, col: 0, length: 1 });
    const languages = [...this.decls.languageSet].filter((l) => this.catalogs.has(l)).sort();
    for (const [id, loc] of [...this.usedPrompts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (this.reportedPromptGaps.has(id)) continue;
      for (const lang of languages) {
        if (this.catalogs.get(lang)!.has(id)) continue;
        const anchor = loc.file ? loc : this.anyCatalogLoc(lang);
        this.report(
          error(
            anchor,
            `prompt '${id}' has no ${lang} translation`,
            `add '${id}: "..."' to prompts/${lang}.yaml`,
          ),
        );
      }
    }
  }

  private anyCatalogLoc(lang: string): SourceLoc {
    const first = this.catalogs.get(lang)?.values().next().value;
    return first
      ? { ...first.loc, line: 1, col: 1 }
      : { file: `prompts/${lang}.yaml`, line: 1, col: 1, length: 1 };
  }
}

function article(type: string): string {
  if (type === 'yes/no') return 'yes/no';
  return /^[aeio]|^u(?!s)/.test(type) ? `an ${type}` : `a ${type}`;
}

function signatureText(action: string): string {
  const s = actions[action];
  if (!s) return action;
  return `${action}(${s.params.map((p) => `${p.name}: ${p.type}`).join(', ')})`;
}

/** Registers every menu and step name of a flow, including menus nested in statements. */
function collectBlocks(flow: FlowDecl, out: Diagnostic[]): Map<string, BlockInfo> {
  const blocks = new Map<string, BlockInfo>();
  const flowName = flow.name.text;
  const register = (kind: 'menu' | 'step', name: Name, inline: boolean, loop: NodeId | undefined) => {
    const seen = blocks.get(name.text);
    if (seen) {
      out.push(
        error(
          name.loc,
          `flow '${flowName}' already has a ${seen.kind} '${name.text}'`,
          `the first is at ${where(seen.name.loc)}; rename one`,
        ),
      );
      return;
    }
    if (name.text === 'start' || name.text === 'end') {
      out.push(error(name.loc, `'${name.text}' is reserved`, 'pick another name'));
    }
    blocks.set(name.text, { id: `${flowName}.${name.text}`, kind, name, inline, loop });
  };
  const scan = (stmts: Stmt[], loop: string | undefined) => {
    for (const s of stmts) {
      if (s.kind === 'menu') {
        register('menu', s.menu.name, true, loop);
        scanMenu(s.menu, loop);
      } else if (s.kind === 'forEach') scan(s.body, loopKey(s.loc));
      else if (s.kind === 'if') {
        scan(s.then, loop);
        if (s.else) scan(s.else, loop);
      } else if (s.kind === 'assign' || s.kind === 'call' || s.kind === 'record' || s.kind === 'transfer') {
        for (const o of s.outcomes) if (o.handler.kind === 'block') scan(o.handler.body, loop);
      }
    }
  };
  const scanMenu = (m: MenuDecl, loop: string | undefined) => {
    for (const h of [...m.options.map((o) => o.handler), m.input?.handler, m.invalid, m.silence, m.giveUp]) {
      if (h?.kind === 'block') scan(h.body, loop);
    }
  };
  scan(flow.body, undefined);
  for (const b of flow.blocks) {
    register(b.kind, b.name, false, undefined);
    if (b.kind === 'menu') scanMenu(b, undefined);
    else scan(b.body, undefined);
  }
  return blocks;
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
  const decls = checkDeclarations(sorted, new Set(catalogs.keys()), diagnostics);
  const compiler = new Compiler(decls, catalogs);

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
      compiler.blocks.set(flow.name.text, collectBlocks(flow, diagnostics));
    }
  }
  compiler.inferVariables([...flows.values()]);

  const graphs: Record<string, FlowGraph> = {};
  for (const flow of flows.values()) graphs[flow.name.text] = compiler.compileFlow(flow, flows).graph;
  compiler.checkTranslations();
  diagnostics.push(...compiler.diagnostics);
  diagnostics.push(...analyse(graphs, compiler.blocks));

  const variables: Bundle['variables'] = {};
  for (const [name, v] of [...compiler.vars.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))
    variables[name] = { type: v.type };
  const bundle: Bundle = {
    format: 'voicebox-ivr-bundle',
    version: 1,
    files: sorted.map((f) => f.path),
    languages: decls.languages,
    officeHours: decls.officeHours,
    profiles: decls.profiles,
    variables,
    prompts: [...compiler.usedPrompts.keys()].sort(),
    flows: graphs,
  };
  return { bundle, diagnostics };
}

// ------------------------------------------------------------------ graph checks

export function successors(node: GraphNode): NodeId[] {
  switch (node.kind) {
    case 'say':
    case 'play':
    case 'beep':
    case 'wait':
    case 'log':
    case 'assign':
      return [node.next];
    case 'action':
    case 'record':
    case 'transfer':
      return [...Object.values(node.outcomes), node.next];
    case 'branch':
      return [node.then, node.else];
    case 'menu':
      return [
        ...node.options.map((o) => o.next),
        ...(node.input ? [node.input.next] : []),
        node.invalid,
        node.silence,
        node.giveUp,
      ];
    case 'loop':
      return [node.body, node.next];
    case 'loopControl':
    case 'jump':
    case 'hangup':
      return [];
  }
}

function waits(node: GraphNode): Waiting | undefined {
  return node.kind === 'menu' || node.kind === 'record' || node.kind === 'transfer' ? node.kind : undefined;
}

function analyse(
  flows: Record<string, FlowGraph>,
  blocks: Map<string, Map<string, BlockInfo>>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const all = new Map<NodeId, GraphNode>();
  for (const f of Object.values(flows)) for (const n of Object.values(f.nodes)) all.set(n.id, n);

  // reachability: every flow may be where a call starts
  const reached = new Set<NodeId>();
  const stack = Object.values(flows).map((f) => f.entry);
  while (stack.length) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    const node = all.get(id);
    if (node) stack.push(...successors(node));
  }
  for (const flowBlocks of blocks.values()) {
    for (const b of flowBlocks.values()) {
      if (!reached.has(b.id) && all.has(b.id)) {
        out.push(
          warning(
            b.name.loc,
            `${b.kind} '${b.name.text}' is never reached`,
            'jump to it from somewhere, or delete it',
          ),
        );
      }
    }
  }

  // cycles that never wait for the caller (Tarjan's strongly connected components)
  const index = new Map<NodeId, number>();
  const low = new Map<NodeId, number>();
  const onStack = new Set<NodeId>();
  const sccStack: NodeId[] = [];
  let counter = 0;
  const busy = (id: NodeId) => {
    const n = all.get(id);
    return n !== undefined && waits(n) === undefined;
  };
  const strongConnect = (root: NodeId) => {
    // iterative, so a long flow cannot overflow the stack
    const work: Array<{ id: NodeId; edges: NodeId[]; i: number }> = [];
    const push = (id: NodeId) => {
      index.set(id, counter);
      low.set(id, counter);
      counter++;
      sccStack.push(id);
      onStack.add(id);
      work.push({ id, edges: successors(all.get(id)!).filter(busy), i: 0 });
    };
    push(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      if (frame.i < frame.edges.length) {
        const w = frame.edges[frame.i++]!;
        if (!index.has(w)) push(w);
        else if (onStack.has(w)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.id, Math.min(low.get(parent.id)!, low.get(frame.id)!));
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: NodeId[] = [];
        let w: NodeId;
        do {
          w = sccStack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.id);
        const selfLoop = component.length === 1 && successors(all.get(frame.id)!).includes(frame.id);
        if (component.length > 1 || selfLoop) {
          const nodes = component
            .map((c) => all.get(c)!)
            .sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col);
          const at = nodes[0]!;
          out.push(
            error(
              at.loc,
              'this loop never waits for the caller: it would run forever',
              'put a menu or a recording in the loop, or let it end',
            ),
          );
        }
      }
    }
  };
  for (const id of [...all.keys()].sort()) if (busy(id) && !index.has(id)) strongConnect(id);

  // unbounded retries: menus (and recordings) a silent caller goes round forever
  const silentNext = (id: NodeId, seen: Set<NodeId>): NodeId[] => {
    // from a node, follow what happens without caller input to the next waiting node
    const result: NodeId[] = [];
    const todo = [id];
    while (todo.length) {
      const cur = todo.pop()!;
      if (seen.has(cur)) continue;
      seen.add(cur);
      const n = all.get(cur);
      if (!n) continue;
      if (waits(n) === 'menu' || waits(n) === 'record') {
        result.push(cur);
        continue;
      }
      if (n.kind === 'jump') {
        if (n.to === 'repeat' && n.menu) result.push(n.menu);
        if (n.to === 'top') {
          const flow = Object.values(flows).find((f) => f.nodes[n.id]);
          if (flow?.top) result.push(flow.top);
        }
        continue;
      }
      todo.push(...successors(n));
    }
    return result;
  };
  const silentEdges = new Map<NodeId, NodeId[]>();
  for (const n of all.values()) {
    if (n.kind === 'menu')
      silentEdges.set(n.id, [...silentNext(n.silence, new Set()), ...silentNext(n.giveUp, new Set())]);
    if (n.kind === 'record' && n.outcomes.empty)
      silentEdges.set(n.id, silentNext(n.outcomes.empty, new Set()));
  }
  const color = new Map<NodeId, number>();
  const reportedCycles = new Set<string>();
  const visit = (start: NodeId) => {
    const path: NodeId[] = [];
    const walk = (id: NodeId) => {
      color.set(id, 1);
      path.push(id);
      for (const next of silentEdges.get(id) ?? []) {
        if (color.get(next) === 1) {
          const cycle = path.slice(path.indexOf(next));
          const key = [...cycle].sort().join(',');
          if (!reportedCycles.has(key)) {
            reportedCycles.add(key);
            const names = [...cycle, next].map((c) => {
              const n = all.get(c)!;
              return n.kind === 'menu' ? n.name : 'recording';
            });
            const first = all.get(cycle[0]!)!;
            out.push(
              error(
                first.loc,
                `unbounded retry loop: a caller who never presses a key goes round ${names.join(' → ')} forever`,
                'let silence or give up end the call, or use `-> retry`, which counts tries',
              ),
            );
          }
        } else if (!color.has(next)) walk(next);
      }
      path.pop();
      color.set(id, 2);
    };
    walk(start);
  };
  for (const id of [...silentEdges.keys()].sort()) if (!color.has(id)) visit(id);
  return out;
}

export { enumTypes };
