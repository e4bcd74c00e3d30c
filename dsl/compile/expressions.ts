// Typing of expressions: every value gets its type, every misuse a diagnostic, and the
// expression becomes the graph's `GraphExpr`.
import type { Arg, Expr, Name } from '../ast.js';
import { didYouMean, error } from '../diagnostics.js';
import {
  article,
  assignable,
  comparable,
  describeType,
  fieldsOf,
  isEnum,
  ordered,
  UNKNOWN,
} from '../types.js';
import {
  actions,
  actionSignature,
  enumTypes,
  globals,
  type GraphExpr,
  type SourceLoc,
  type TypeName,
} from '../../src/graph/index.js';
import { report, type CompileContext } from './context.js';

/**
 * Types an expression. `expected` is the type the place wants: it lets a "text" stand
 * for a phone number and a bare name for a member of an enum.
 */
export function expr(cx: CompileContext, e: Expr, expected?: TypeName): GraphExpr {
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
      const operand = condition(cx, e.operand);
      return { kind: 'not', operand, type: 'bool' };
    }
    case 'binary':
      return binary(cx, e);
    case 'call':
      return call(cx, e, true);
    case 'path':
      return path(cx, e, expected);
  }
}

export function condition(cx: CompileContext, e: Expr, what = 'a condition'): GraphExpr {
  const g = expr(cx, e, 'bool');
  if (!assignable(g.type, 'bool')) {
    report(
      cx,
      error(
        e.loc,
        `${what} must be yes/no, but this is ${article(describeType(g.type))}`,
        g.type === 'number' ? 'compare it, e.g. `x > 0`' : 'compare it with `==`, or use a yes/no field',
      ),
    );
  }
  return g;
}

/** what `play` plays: a recording or a greeting */
export function audio(cx: CompileContext, e: Expr): GraphExpr {
  const g = expr(cx, e, 'audio');
  if (!assignable(g.type, 'audio')) {
    report(
      cx,
      error(
        e.loc,
        `play needs audio (a recording or greeting), but this is ${article(describeType(g.type))}`,
        'use `say` for prompts and values',
      ),
    );
  }
  return g;
}

function isBareUnknownName(cx: CompileContext, e: Expr): e is Expr & { kind: 'path' } {
  return (
    e.kind === 'path' &&
    e.parts.length === 1 &&
    !cx.vars.has(e.parts[0]!.text) &&
    !(e.parts[0]!.text in globals)
  );
}

function enumMembers(cx: CompileContext, type: TypeName): string[] {
  const en = enumTypes[type];
  if (!en) return [];
  if (en.members === 'declared profiles') return [...cx.decls.profileSet];
  if (en.members === 'declared languages') return [...cx.decls.languageSet];
  return [...en.members];
}

function binary(cx: CompileContext, e: Expr & { kind: 'binary' }): GraphExpr {
  if (e.op === 'and' || e.op === 'or') {
    const left = condition(cx, e.left, `each side of '${e.op}'`);
    const right = condition(cx, e.right, `each side of '${e.op}'`);
    return { kind: 'binary', op: e.op, left, right, type: 'bool' };
  }
  let left: GraphExpr;
  let right: GraphExpr;
  // `vacation == profile`: the known side tells which enum the bare name belongs to
  if (isBareUnknownName(cx, e.left) && !isBareUnknownName(cx, e.right)) {
    right = expr(cx, e.right);
    left = expr(cx, e.left, right.type);
  } else {
    left = expr(cx, e.left);
    right = expr(cx, e.right, left.type);
  }
  if (e.op === '==' || e.op === '!=') {
    if (!comparable(left.type, right.type)) {
      report(
        cx,
        error(
          e.loc,
          `cannot compare ${article(describeType(left.type))} with ${article(describeType(right.type))}`,
        ),
      );
    }
  } else if (!ordered(left.type) || !ordered(right.type) || !comparable(left.type, right.type)) {
    report(
      cx,
      error(
        e.loc,
        `'${e.op}' needs two numbers, durations or times, not ${describeType(left.type)} and ${describeType(right.type)}`,
      ),
    );
  }
  return { kind: 'binary', op: e.op, left, right, type: 'bool' };
}

function path(cx: CompileContext, e: Expr & { kind: 'path' }, expected?: TypeName): GraphExpr {
  const [head, ...rest] = e.parts;
  if (!head) return { kind: 'literal', type: UNKNOWN, value: '' };
  let g: GraphExpr;
  const v = cx.vars.get(head.text);
  if (v) g = { kind: 'var', name: head.text, type: v.type };
  else if (head.text in globals) g = { kind: 'var', name: head.text, type: globals[head.text]! };
  else if (rest.length === 0 && expected && isEnum(expected)) {
    const members = enumMembers(cx, expected);
    if (!members.includes(head.text)) {
      const guess = didYouMean(head.text, members);
      report(
        cx,
        error(
          head.loc,
          `unknown ${expected.replace(/_/g, ' ')} '${head.text}'`,
          guess ? `did you mean '${guess}'?` : `it is one of: ${members.join(', ')}`,
        ),
      );
    }
    return { kind: 'literal', type: expected, value: head.text };
  } else {
    const guess = didYouMean(head.text, [...cx.vars.keys(), ...Object.keys(globals)]);
    report(
      cx,
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
      report(
        cx,
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
export function call(cx: CompileContext, e: Expr & { kind: 'call' }, nested: boolean): GraphExpr {
  const signature = actionSignature(e.action.text);
  if (!signature) {
    const guess = didYouMean(e.action.text, Object.keys(actions));
    report(
      cx,
      error(
        e.action.loc,
        `unknown action '${e.action.text}'`,
        guess ? `did you mean '${guess}'?` : 'see the list of actions in dsl/README.md',
      ),
    );
    for (const a of e.args) expr(cx, a.value);
    return { kind: 'call', action: e.action.text, args: [], type: UNKNOWN };
  }
  const args = callArguments(cx, e.action, e.args, [...signature.params], e.loc);
  if (nested && signature.outcomes.length > 0) {
    report(
      cx,
      error(
        e.action.loc,
        `the outcome${signature.outcomes.length > 1 ? 's' : ''} ${signature.outcomes.map((o) => `'${o}'`).join(', ')} of '${e.action.text}' cannot be handled here`,
        `assign it on a line of its own: \`x = ${e.action.text}(...)\` followed by \`on ${signature.outcomes[0]} -> ...\``,
      ),
    );
  }
  return { kind: 'call', action: e.action.text, args, type: signature.result };
}

/** arguments by position or by name, matched to the action's parameters */
function callArguments(
  cx: CompileContext,
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
        report(
          cx,
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
        report(cx, error(arg.loc, `'${arg.name.text}' is given twice`));
        ok = false;
      }
      byPosition[index] = arg;
      position = index + 1;
    } else {
      if (position >= params.length) {
        report(
          cx,
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
        report(
          cx,
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
    const g = expr(cx, arg.value, p.type);
    if (!assignable(g.type, p.type)) {
      report(
        cx,
        error(
          arg.value.loc,
          `'${p.name}' of '${action.text}' must be ${article(describeType(p.type))}, but this is ${article(describeType(g.type))}`,
        ),
      );
    }
    result.push(g);
  });
  for (const a of given) if (!byPosition.includes(a) && ok) expr(cx, a.value);
  return result;
}

function signatureText(action: string): string {
  const s = actionSignature(action);
  if (!s) return action;
  return `${action}(${s.params.map((p) => `${p.name}: ${p.type}`).join(', ')})`;
}
