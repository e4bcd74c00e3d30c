// Lowering of a flow: its steps and menus under their names, then the statements at its
// top, which fall into its first block.
import type { FlowDecl } from '../ast.js';
import type { FlowGraph } from '../../src/graph/index.js';
import { addNode, type CompileContext } from './context.js';
import { lowerMenu } from './menus.js';
import { lowerBlock, lowerHandler } from './statements.js';

export function lowerFlow(cx: CompileContext, flow: FlowDecl): FlowGraph {
  cx.flow = flow.name.text;
  cx.counter = 0;
  cx.flowNodes = {};
  const end = addNode(cx, { id: `${cx.flow}.end`, kind: 'hangup', loc: { ...flow.loc } });
  const blocks = cx.blocks.get(cx.flow)!;
  for (const block of flow.blocks) {
    const info = blocks.get(block.name.text)!;
    if (info.id !== `${cx.flow}.${block.name.text}` || cx.flowNodes[info.id]) continue; // a duplicate
    if (block.kind === 'menu') lowerMenu(cx, block, {}, info.id, undefined, lowerHandler);
    else {
      const entry = lowerBlock(cx, block.body, end, {}, info.id);
      if (entry !== info.id) {
        // an empty step ends the call
        addNode(cx, { id: info.id, kind: 'hangup', loc: block.loc });
      }
    }
  }
  const firstBlock = flow.blocks[0];
  const entry =
    flow.body.length > 0
      ? lowerBlock(
          cx,
          flow.body,
          firstBlock ? `${cx.flow}.${firstBlock.name.text}` : end,
          {},
          `${cx.flow}.start`,
        )
      : firstBlock
        ? `${cx.flow}.${firstBlock.name.text}`
        : end;
  const firstMenu = [...blocks.values()].find((b) => b.kind === 'menu' && !b.inline);
  const graph: FlowGraph = { name: cx.flow, entry, nodes: cx.flowNodes };
  if (firstMenu) graph.top = firstMenu.id;
  return graph;
}
