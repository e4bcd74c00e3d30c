// Lowering of menus: prompts, keys, digit input, and what happens on an invalid key, on
// silence and after the last try — with the documented defaults where the menu says nothing.
import type { Handler, MenuDecl, Stmt } from '../ast.js';
import { where } from '../declarations.js';
import { error, warning } from '../diagnostics.js';
import type {
  GraphExpr,
  GraphNode,
  MenuPrompt,
  MenuSayPart,
  NodeId,
  SourceLoc,
} from '../../src/graph/index.js';
import { addNode, newId, report, type CompileContext, type Scope } from './context.js';
import { audio, condition } from './expressions.js';
import { checkLabels, checkNamedKeys, type SaidPrompt } from './keys.js';
import { sayParts, useLabel, usePrompt } from './prompts.js';
import { key } from './targets.js';
import { checkVariable } from './variables.js';

export const menuDefaults = { timeoutMs: 5000, tries: 3, bargeIn: true };

/** how a handler is lowered; statements.ts passes its own, as a menu's handlers are statements */
export type LowerHandler = (cx: CompileContext, h: Handler, fallThrough: NodeId, scope: Scope) => NodeId;

/**
 * Lowers a menu to the node `id`. `after` is where a menu nested in a step goes on when
 * a handler ends without a jump; a menu of its own repeats instead.
 */
export function lowerMenu(
  cx: CompileContext,
  m: MenuDecl,
  outer: Scope,
  id: NodeId,
  after: NodeId | undefined,
  handler: LowerHandler,
): void {
  const scope: Scope = { loop: outer.loop, loopKey: outer.loopKey, menu: id };
  // a handler that ends without a jump returns to the menu (or, for a menu nested
  // in a step, goes on with the line after it)
  const fallThrough =
    after ?? addNode(cx, { id: newId(cx), kind: 'jump', loc: m.loc, to: 'repeat', menu: id });
  const tries = m.tries?.count ?? menuDefaults.tries;
  if (m.tries && tries < 1) {
    report(cx, error(m.tries.loc, 'a menu needs at least 1 try', 'write `tries 3`'));
  } else if (m.tries && tries > 20) {
    report(cx, warning(m.tries.loc, `${tries} tries is a long time for a caller`, 'three tries is usual'));
  }
  const timeoutMs = m.timeout?.ms ?? menuDefaults.timeoutMs;
  if (m.timeout && !(timeoutMs >= 1000 && timeoutMs <= 120_000)) {
    report(cx, error(m.timeout.loc, 'a menu timeout must be between 1s and 2min'));
  }
  const options: Array<{ key: string; label?: string; when?: GraphExpr; next: NodeId }> = [];
  const seen = new Map<string, { conditional: boolean; loc: SourceLoc }>();
  for (const o of m.options) {
    const k = key(cx, o.key);
    if (o.label) useLabel(cx, o.label);
    const when = o.when ? condition(cx, o.when, 'the condition of a key') : undefined;
    const nextId = handler(cx, o.handler, fallThrough, scope);
    if (k === undefined) continue;
    const before = seen.get(k);
    if (before && !before.conditional) {
      report(
        cx,
        error(
          o.key.loc,
          `key ${k} is already used in menu '${m.name.text}'`,
          `the first 'press ${o.key.text}' is at ${where(before.loc)}; only one can win`,
        ),
      );
      continue;
    }
    seen.set(k, { conditional: o.when !== undefined, loc: o.key.loc });
    options.push({
      key: k,
      ...(o.label ? { label: o.label.text } : {}),
      ...(when ? { when } : {}),
      next: nextId,
    });
  }
  let input: (GraphNode & { kind: 'menu' })['input'];
  if (m.input) {
    const i = m.input;
    checkVariable(cx, i.variable, 'digits');
    if (i.min < 1 || i.max < i.min || i.max > 32) {
      report(
        cx,
        error(
          i.loc,
          `cannot collect ${i.min} to ${i.max} digits`,
          'the least must be at least 1 and the most at least the least (at most 32)',
        ),
      );
    }
    const terminators = i.terminators.map((t) => key(cx, t)).filter((t): t is string => t !== undefined);
    for (const t of terminators) {
      if (seen.has(t))
        report(
          cx,
          error(
            i.loc,
            `key ${t === '#' ? 'hash' : t} both ends the input and is a choice of the menu`,
            'use another key for one of them',
          ),
        );
    }
    for (const k of seen.keys()) {
      if (/[0-9]/.test(k)) {
        report(
          cx,
          error(
            seen.get(k)!.loc,
            `key ${k} is a digit the input '${i.variable.text}' may start with`,
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
      next: handler(cx, i.handler, fallThrough, scope),
    };
  }
  if (options.length === 0 && !input && m.options.length === 0) {
    report(
      cx,
      error(
        m.name.loc,
        `menu '${m.name.text}' has no key to press`,
        'add `press 1 -> ...` or an `input`, or make it a step',
      ),
    );
  }
  const retry = addNode(cx, { id: newId(cx), kind: 'jump', loc: m.loc, to: 'retry', menu: id });
  let invalid: NodeId;
  if (m.invalid) invalid = handler(cx, m.invalid, fallThrough, scope);
  else {
    usePrompt(cx, 'invalid_choice', m.loc, true);
    invalid = addNode(cx, {
      id: newId(cx),
      kind: 'say',
      loc: m.loc,
      parts: [{ kind: 'prompt', id: 'invalid_choice', args: {} }],
      next: retry,
    });
  }
  const silence = m.silence ? handler(cx, m.silence, fallThrough, scope) : retry;
  let giveUp: NodeId;
  if (m.giveUp) giveUp = handler(cx, m.giveUp, fallThrough, scope);
  else {
    usePrompt(cx, 'goodbye', m.loc, true);
    const hang = addNode(cx, { id: newId(cx), kind: 'hangup', loc: m.loc });
    giveUp = addNode(cx, {
      id: newId(cx),
      kind: 'say',
      loc: m.loc,
      parts: [{ kind: 'prompt', id: 'goodbye', args: {} }],
      next: hang,
    });
  }
  const said: SaidPrompt[] = [];
  const prompts = menuPrompts(cx, m.prompts, undefined, said);
  const retryPrompts = m.retryPrompts ? menuPrompts(cx, m.retryPrompts, undefined, said) : [];
  let intro: (GraphNode & { kind: 'menu' })['intro'];
  if (m.intro) {
    if (after === undefined) {
      report(
        cx,
        error(
          m.intro.loc,
          `menu '${m.name.text}' is reached only by name, so its intro is never said`,
          'write the menu among the statements that lead to it (in a step or a loop)',
        ),
      );
    }
    const stop = m.intro.stop.map((k) => key(cx, k)).filter((k): k is string => k !== undefined);
    intro = { prompts: menuPrompts(cx, m.intro.prompts, undefined, said), stop, flag: introFlag(id) };
  }
  checkLabels(cx, m, said);
  checkNamedKeys(cx, options, said);
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
  if (intro) node.intro = intro;
  addNode(cx, node);
}

/** the variable the node before a menu sets so that the menu says its intro: no name a menu can write */
export function introFlag(menu: NodeId): string {
  return `intro of ${menu}`;
}

/**
 * What a menu plays before it listens; an `if` among them becomes each prompt's condition.
 * `said` collects each prompt said and `say keys`, with the condition it is said under.
 */
function menuPrompts(
  cx: CompileContext,
  stmts: Stmt[],
  when: GraphExpr | undefined,
  said: SaidPrompt[],
): MenuPrompt[] {
  const result: MenuPrompt[] = [];
  const withWhen = (p: MenuPrompt): MenuPrompt => (when ? { when, ...p } : p);
  for (const s of stmts) {
    switch (s.kind) {
      case 'say': {
        const parts: MenuSayPart[] = [];
        for (const item of s.items) {
          if (!item) continue;
          if (item.kind === 'keys') parts.push({ kind: 'keys' });
          else parts.push(...sayParts(cx, [item]));
          const under = when ? { when } : {};
          if (item.kind === 'keys') said.push({ kind: 'keys', loc: s.loc, ...under });
          if (item.kind === 'prompt') said.push({ kind: 'prompt', id: item.id.text, loc: s.loc, ...under });
        }
        result.push(withWhen({ say: parts }));
        break;
      }
      case 'play':
        result.push(withWhen({ play: audio(cx, s.audio) }));
        break;
      case 'beep':
        result.push(withWhen({ beep: true }));
        break;
      case 'if': {
        const c = condition(cx, s.condition);
        const both = (x: GraphExpr): GraphExpr =>
          when ? { kind: 'binary', op: 'and', left: when, right: x, type: 'bool' } : x;
        result.push(...menuPrompts(cx, s.then, both(c), said));
        if (s.else)
          result.push(...menuPrompts(cx, s.else, both({ kind: 'not', operand: c, type: 'bool' }), said));
        break;
      }
      default:
        break;
    }
  }
  return result;
}
