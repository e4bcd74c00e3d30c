// Variables live for the whole call and across flows; a variable's type is that of its
// first assignment. Inference runs before the lowering, so a flow may read a variable
// that a later flow assigns; the lowering then checks each assignment against it.
import type { FlowDecl, Handler, MenuDecl, Name, Stmt } from '../ast.js';
import { where } from '../declarations.js';
import { error } from '../diagnostics.js';
import { article, assignable, describeType, elementOf, UNKNOWN } from '../types.js';
import { globals, type TypeName } from '../../src/graph/index.js';
import { report, type CompileContext } from './context.js';
import { expr } from './expressions.js';

/** Gives every variable its type, silently: the lowering reports what is wrong. */
export function inferVariables(cx: CompileContext, flows: FlowDecl[]): void {
  cx.silent = true;
  for (let round = 0; round < 6; round++) {
    const before = [...cx.vars.entries()].map(([k, v]) => `${k}:${v.type}`).join(',');
    for (const flow of flows) {
      inferIn(cx, flow.body);
      for (const b of flow.blocks) inferBlock(cx, b);
    }
    const after = [...cx.vars.entries()].map(([k, v]) => `${k}:${v.type}`).join(',');
    if (before === after) break;
  }
  cx.silent = false;
}

function declare(cx: CompileContext, name: Name, type: TypeName): void {
  const seen = cx.vars.get(name.text);
  if (!seen || seen.type === UNKNOWN) cx.vars.set(name.text, { type, loc: seen?.loc ?? name.loc });
}

function inferBlock(cx: CompileContext, b: MenuDecl | { kind: 'step'; body: Stmt[] }): void {
  if (b.kind === 'step') return inferIn(cx, b.body);
  if (b.input) {
    declare(cx, b.input.variable, 'digits');
    inferHandler(cx, b.input.handler);
  }
  for (const o of b.options) inferHandler(cx, o.handler);
  for (const h of [b.invalid, b.silence, b.giveUp]) if (h) inferHandler(cx, h);
}

function inferHandler(cx: CompileContext, h: Handler): void {
  if (h.kind === 'block') inferIn(cx, h.body);
}

function inferIn(cx: CompileContext, stmts: Stmt[]): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'assign':
        if (s.target.length === 1) declare(cx, s.target[0]!, expr(cx, s.value).type);
        for (const o of s.outcomes) inferHandler(cx, o.handler);
        break;
      case 'record':
        declare(cx, s.variable, 'audio');
        for (const o of s.outcomes) inferHandler(cx, o.handler);
        break;
      case 'forEach':
        declare(cx, s.variable, elementOf(expr(cx, s.list).type) ?? UNKNOWN);
        declare(cx, { text: 'index', loc: s.loc }, 'number');
        inferIn(cx, s.body);
        break;
      case 'if':
        inferIn(cx, s.then);
        if (s.else) inferIn(cx, s.else);
        break;
      case 'menu':
        inferBlock(cx, s.menu);
        break;
      case 'call':
      case 'transfer':
        for (const o of s.outcomes) inferHandler(cx, o.handler);
        break;
      default:
        break;
    }
  }
}

/** an assignment during the lowering: a new variable, or one that keeps its type */
export function checkVariable(cx: CompileContext, name: Name, type: TypeName): void {
  if (!name) return;
  if (name.text in globals) {
    report(cx, error(name.loc, `'${name.text}' is built in and cannot be replaced`, 'pick another name'));
    return;
  }
  const seen = cx.vars.get(name.text);
  if (!seen) {
    cx.vars.set(name.text, { type, loc: name.loc });
    return;
  }
  if (!assignable(type, seen.type) && seen.type !== UNKNOWN) {
    report(
      cx,
      error(
        name.loc,
        `'${name.text}' is ${article(describeType(seen.type))} (from ${where(seen.loc)}), it cannot also hold ${article(describeType(type))}`,
        'variables keep one type for the whole call; use another name',
      ),
    );
  }
}
