// Lowering of statements: each statement becomes a node of the graph that points at the
// one after it, so a block is lowered back to front. Outcome handlers and jumps too.
import type { Expr, Handler, OutcomeHandler, Stmt } from '../ast.js';
import { didYouMean, error } from '../diagnostics.js';
import { article, assignable, describeType, elementOf, fieldsOf, UNKNOWN } from '../types.js';
import {
  actionSignature,
  globals,
  type NodeId,
  type SourceLoc,
  type TypeName,
} from '../../src/graph/index.js';
import { addNode, loopKey, newId, report, type CompileContext, type Scope } from './context.js';
import { audio, call, condition, expr } from './expressions.js';
import { introFlag, lowerMenu } from './menus.js';
import { sayParts } from './prompts.js';
import { key, target } from './targets.js';
import { checkVariable } from './variables.js';

const transferOutcomes = ['busy', 'no answer', 'failed'];

/** Lowers statements back to front, each pointing at the one after it; returns the first. */
export function lowerBlock(
  cx: CompileContext,
  stmts: Stmt[],
  next: NodeId,
  scope: Scope,
  firstId?: NodeId,
): NodeId {
  let current = next;
  for (let i = stmts.length - 1; i >= 0; i--) {
    current = lowerStatement(cx, stmts[i]!, current, scope, i === 0 ? firstId : undefined);
  }
  return current;
}

/** where a handler leads: its jump, or its block and then `fallThrough` */
export function lowerHandler(cx: CompileContext, h: Handler, fallThrough: NodeId, scope: Scope): NodeId {
  if (!h) return fallThrough;
  if (h.kind === 'goto') return target(cx, h.target, scope);
  return lowerBlock(cx, h.body, fallThrough, scope);
}

function lowerStatement(cx: CompileContext, s: Stmt, next: NodeId, scope: Scope, id = newId(cx)): NodeId {
  if (!s) return next;
  const loc = s.loc;
  switch (s.kind) {
    case 'say':
      return addNode(cx, { id, kind: 'say', loc, parts: sayParts(cx, s.items), next });
    case 'play':
      return addNode(cx, { id, kind: 'play', loc, audio: audio(cx, s.audio), next });
    case 'beep':
      return addNode(cx, { id, kind: 'beep', loc, next });
    case 'wait':
      if (!(s.ms > 0)) report(cx, error(loc, 'wait needs a duration such as 2s'));
      return addNode(cx, { id, kind: 'wait', loc, ms: s.ms, next });
    case 'log':
      return addNode(cx, { id, kind: 'log', loc, message: s.message, next });
    case 'goto': {
      const to = target(cx, s.target, scope);
      if (id.includes('#')) return to;
      // a named step that only jumps: keep its name as a node
      return addNode(cx, {
        id,
        kind: 'branch',
        loc,
        condition: { kind: 'literal', type: 'bool', value: true },
        then: to,
        else: to,
      });
    }
    case 'if': {
      const test = condition(cx, s.condition);
      const thenId = lowerBlock(cx, s.then, next, scope);
      const elseId = s.else ? lowerBlock(cx, s.else, next, scope) : next;
      return addNode(cx, { id, kind: 'branch', loc, condition: test, then: thenId, else: elseId });
    }
    case 'forEach': {
      const list = expr(cx, s.list);
      const element = elementOf(list.type);
      if (element === undefined && list.type !== UNKNOWN) {
        report(
          cx,
          error(s.list.loc, `for each needs a list, but this is ${article(describeType(list.type))}`),
        );
      }
      checkVariable(cx, s.variable, element ?? UNKNOWN);
      checkVariable(cx, { text: 'index', loc: s.loc }, 'number');
      const loopId = id;
      const inner: Scope = { loop: loopId, loopKey: loopKey(s.loc) };
      const advance = addNode(cx, { id: newId(cx), kind: 'loopControl', loc, loop: loopId, move: 'next' });
      const body = lowerBlock(cx, s.body, advance, inner);
      return addNode(cx, {
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
      const info = cx.blocks.get(cx.flow)!.get(s.menu.name.text);
      const menuId = info && !cx.flowNodes[info.id] ? info.id : newId(cx);
      lowerMenu(cx, s.menu, scope, menuId, next, lowerHandler);
      // coming to the menu where it is written: it says its intro (a jump to it does not)
      const entry = s.menu.intro
        ? addNode(cx, {
            id: newId(cx),
            kind: 'assign',
            loc: s.menu.intro.loc,
            variable: introFlag(menuId),
            value: { kind: 'literal', type: 'bool', value: true },
            next: menuId,
          })
        : menuId;
      if (id.includes('#')) return entry;
      return addNode(cx, {
        id,
        kind: 'branch',
        loc,
        condition: { kind: 'literal', type: 'bool', value: true },
        then: entry,
        else: entry,
      });
    }
    case 'record': {
      checkVariable(cx, s.variable, 'audio');
      const terminators = s.terminators.map((k) => key(cx, k)).filter((k): k is string => k !== undefined);
      const max = s.max ? expr(cx, s.max, 'duration') : undefined;
      if (s.max && max && !assignable(max.type, 'duration'))
        report(
          cx,
          error(
            s.max.loc,
            `a recording's length is a duration, but this is ${article(describeType(max.type))}`,
          ),
        );
      // a literal is kept as milliseconds; a length the admin sets is read when the call records
      const maxMs = max === undefined ? 180_000 : max.kind === 'literal' ? Number(max.value) : max;
      if (typeof maxMs === 'number' && !(maxMs > 0))
        report(cx, error(loc, 'a recording needs a positive length'));
      // `full` (cut off at the longest length) may be left out: the flow goes on with the message
      const full = s.outcomes.find((o) => o.outcome.text === 'full');
      const outcomes = lowerOutcomes(
        cx,
        ['empty'],
        [],
        s.outcomes.filter((o) => o !== full),
        next,
        scope,
        'record',
        loc,
      );
      if (full) outcomes['full'] = lowerHandler(cx, full.handler, next, scope);
      return addNode(cx, {
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
      const to = expr(cx, s.to, 'phone');
      if (!assignable(to.type, 'phone')) {
        report(
          cx,
          error(s.to.loc, `${s.mode} needs a phone number, but this is ${article(describeType(to.type))}`),
        );
      }
      const outcomes = lowerOutcomes(cx, transferOutcomes, ['failed'], s.outcomes, next, scope, s.mode, loc);
      return addNode(cx, { id, kind: 'transfer', loc, mode: s.mode, to, outcomes, next });
    }
    case 'assign':
      return assign(cx, s, next, scope, id);
    case 'call':
      return actionNode(cx, s.call, s.outcomes, next, scope, id, loc);
  }
}

function assign(
  cx: CompileContext,
  s: Stmt & { kind: 'assign' },
  next: NodeId,
  scope: Scope,
  id: NodeId,
): NodeId {
  const [head, ...rest] = s.target;
  if (!head) return next;
  let expected: TypeName | undefined;
  let variable = head.text;
  if (rest.length > 0) {
    // only writable context fields, e.g. `call.language = en`
    const root = globals[head.text] ?? cx.vars.get(head.text)?.type;
    const field = rest.length === 1 && root ? fieldsOf(root)?.[rest[0]!.text] : undefined;
    if (!field?.writable) {
      report(
        cx,
        error(
          s.loc,
          `cannot change '${s.target.map((t) => t.text).join('.')}'`,
          'assign to a name of your own; of the call, only call.language can be changed',
        ),
      );
    } else expected = field.type;
    variable = s.target.map((t) => t.text).join('.');
  } else if (head.text in globals) {
    report(cx, error(head.loc, `'${head.text}' is built in and cannot be replaced`, 'pick another name'));
  } else {
    expected = cx.vars.get(head.text)?.type;
  }
  if (s.value.kind === 'call') {
    const signature = actionSignature(s.value.action.text);
    if (signature?.result === 'void') {
      report(
        cx,
        error(
          s.value.action.loc,
          `'${s.value.action.text}' gives no value to assign`,
          'call it on a line of its own',
        ),
      );
    }
    const resultType = signature?.result ?? UNKNOWN;
    if (rest.length === 0) checkVariable(cx, head, resultType);
    else if (expected && !assignable(resultType, expected)) {
      report(
        cx,
        error(
          s.value.loc,
          `expected ${article(describeType(expected))}, but this is ${article(describeType(resultType))}`,
        ),
      );
    }
    return actionNode(cx, s.value, s.outcomes, next, scope, id, s.loc, variable);
  }
  const value = expr(cx, s.value, expected);
  if (rest.length === 0) checkVariable(cx, head, value.type);
  else if (expected && !assignable(value.type, expected))
    report(
      cx,
      error(
        s.value.loc,
        `expected ${article(describeType(expected))}, but this is ${article(describeType(value.type))}`,
      ),
    );
  for (const o of s.outcomes)
    report(
      cx,
      error(o.outcome.loc, `only an action call has outcomes; '${o.outcome.text}' cannot happen here`),
    );
  return addNode(cx, { id, kind: 'assign', loc: s.loc, variable, value, next });
}

/** an action call as a statement, its result (if assigned) and its outcome handlers */
function actionNode(
  cx: CompileContext,
  callExpr: Expr & { kind: 'call' },
  handlers: OutcomeHandler[],
  next: NodeId,
  scope: Scope,
  id: NodeId,
  loc: SourceLoc,
  result?: string,
): NodeId {
  const g = call(cx, callExpr, false);
  const signature = actionSignature(callExpr.action.text);
  const outcomes = signature
    ? lowerOutcomes(
        cx,
        [...signature.outcomes],
        [],
        handlers,
        next,
        scope,
        callExpr.action.text,
        callExpr.action.loc,
      )
    : {};
  const args = g.kind === 'call' ? g.args : [];
  return addNode(cx, {
    id,
    kind: 'action',
    loc,
    action: callExpr.action.text,
    args,
    ...(result ? { result } : {}),
    outcomes,
    next,
  });
}

/**
 * The handlers of the outcomes a statement can end with. Every possible outcome must be
 * handled; `catchAll` (transfer's `failed`) stands for the others when they are not.
 */
function lowerOutcomes(
  cx: CompileContext,
  possible: string[],
  catchAll: string[],
  given: OutcomeHandler[],
  next: NodeId,
  scope: Scope,
  what: string,
  anchor: SourceLoc,
): Record<string, NodeId> {
  const result: Record<string, NodeId> = {};
  for (const o of given) {
    if (!possible.includes(o.outcome.text)) {
      const guess = didYouMean(o.outcome.text, possible);
      report(
        cx,
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
      report(cx, error(o.outcome.loc, `'${o.outcome.text}' is handled twice`));
      continue;
    }
    result[o.outcome.text] = lowerHandler(cx, o.handler, next, scope);
  }
  const fallback = catchAll.map((c) => result[c]).find((x) => x !== undefined);
  const missing = possible.filter((p) => !result[p] && !(fallback && p !== catchAll[0]));
  for (const p of possible) if (!result[p] && fallback) result[p] = fallback;
  if (missing.length > 0) {
    report(
      cx,
      error(
        anchor,
        `'${what}' can end with ${missing.map((m) => `'${m}'`).join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not handled`,
        `add \`on ${missing[0]} -> ...\` after it`,
      ),
    );
  }
  return result;
}
