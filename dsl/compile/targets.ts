// Where a jump goes (`-> main`, `back`, `next`, `hang up`, ...) and which key a `press`
// names: both resolved against the blocks and the scope a statement stands in.
import type { Name, Target } from '../ast.js';
import { didYouMean, error } from '../diagnostics.js';
import type { NodeId } from '../../src/graph/index.js';
import { addNode, newId, report, type CompileContext, type Scope } from './context.js';

export function target(cx: CompileContext, t: Target, scope: Scope): NodeId {
  if (!t)
    return addNode(cx, { id: newId(cx), kind: 'hangup', loc: { file: '', line: 0, col: 0, length: 1 } });
  const loc = t.loc;
  switch (t.kind) {
    case 'hangup':
      return addNode(cx, { id: newId(cx), kind: 'hangup', loc });
    case 'back':
      return addNode(cx, { id: newId(cx), kind: 'jump', loc, to: 'back' });
    case 'top':
      if (![...cx.blocks.get(cx.flow)!.values()].some((b) => b.kind === 'menu' && !b.inline)) {
        report(cx, error(loc, `flow '${cx.flow}' has no menu for 'top' to go to`));
      }
      return addNode(cx, { id: newId(cx), kind: 'jump', loc, to: 'top' });
    case 'repeat':
      if (scope.loop)
        return addNode(cx, { id: newId(cx), kind: 'loopControl', loc, loop: scope.loop, move: 'repeat' });
      if (scope.menu)
        return addNode(cx, { id: newId(cx), kind: 'jump', loc, to: 'repeat', menu: scope.menu });
      report(cx, error(loc, "'repeat' is only possible in a menu or a for each"));
      return addNode(cx, { id: newId(cx), kind: 'jump', loc, to: 'repeat' });
    case 'retry':
      if (scope.menu) return addNode(cx, { id: newId(cx), kind: 'jump', loc, to: 'retry', menu: scope.menu });
      report(cx, error(loc, "'retry' is only possible in a menu's handlers"));
      return addNode(cx, { id: newId(cx), kind: 'jump', loc, to: 'retry' });
    case 'next':
    case 'previous':
    case 'stop':
      if (!scope.loop) {
        report(
          cx,
          error(
            loc,
            `'${t.kind}' is only possible inside a for each`,
            t.kind === 'next' ? 'to go to another menu, name it: `-> menu_name`' : undefined,
          ),
        );
        return addNode(cx, { id: newId(cx), kind: 'hangup', loc });
      }
      return addNode(cx, { id: newId(cx), kind: 'loopControl', loc, loop: scope.loop, move: t.kind });
    case 'name':
      return namedTarget(cx, t, scope);
  }
}

/** a menu or step by name, in this flow or (`flow.name`) another */
function namedTarget(cx: CompileContext, t: Target & { kind: 'name' }, scope: Scope): NodeId {
  const loc = t.loc;
  const flowName = t.flow?.text ?? cx.flow;
  const flowBlocks = cx.blocks.get(flowName);
  if (!flowBlocks) {
    const guess = didYouMean(flowName, cx.blocks.keys());
    report(
      cx,
      error(
        t.flow!.loc,
        `unknown flow '${flowName}'`,
        guess ? `did you mean '${guess}'?` : 'is its file imported? add `import "file.ivr"`',
      ),
    );
    return addNode(cx, { id: newId(cx), kind: 'hangup', loc });
  }
  const block = flowBlocks.get(t.name.text);
  if (!block) {
    const guess = didYouMean(t.name.text, flowBlocks.keys());
    report(
      cx,
      error(
        t.name.loc,
        `unknown menu or step '${t.name.text}'${t.flow ? ` in flow '${flowName}'` : ''}`,
        guess
          ? `did you mean '${guess}'?`
          : `flow '${flowName}' has: ${[...flowBlocks.keys()].join(', ') || 'no menus or steps'}`,
      ),
    );
    return addNode(cx, { id: newId(cx), kind: 'hangup', loc });
  }
  if (block.inline && (t.flow || block.loop !== scope.loopKey)) {
    report(
      cx,
      error(
        t.name.loc,
        `cannot jump into '${t.name.text}' from outside the block it is written in`,
        'move the menu to the top level of the flow',
      ),
    );
  }
  return block.id;
}

/** a key as the graph stores it (`*`, `#`, a digit), or undefined after reporting why not */
export function key(cx: CompileContext, k: Name): string | undefined {
  if (!k) return undefined;
  const text = k.text;
  if (/^[0-9]$/.test(text)) return text;
  if (text === '*' || text === 'star') return '*';
  if (text === 'hash') return '#';
  if (/^[0-9]+$/.test(text)) {
    report(
      cx,
      error(
        k.loc,
        `'press ${text}': a choice is one key`,
        'for several digits (a PIN, an extension) use `input name 4 to 10 digits`',
      ),
    );
    return undefined;
  }
  report(cx, error(k.loc, `key '${text}' cannot be dialled`, 'keys are 0-9, * (or star) and hash'));
  return undefined;
}
