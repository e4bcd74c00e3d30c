// The block registry: every menu and step name of a flow, including menus nested in
// statements, known before any statement is lowered — so a jump may point forward.
import type { FlowDecl, MenuDecl, Name, Stmt } from '../ast.js';
import { where } from '../declarations.js';
import { error, type Diagnostic } from '../diagnostics.js';
import type { NodeId } from '../../src/graph/index.js';
import { loopKey, type BlockInfo } from './context.js';

/** Registers every menu and step name of a flow, including menus nested in statements. */
export function collectBlocks(flow: FlowDecl, out: Diagnostic[]): Map<string, BlockInfo> {
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
