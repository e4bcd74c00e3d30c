// Checks of the whole graph once it is built: what nobody reaches, loops that never wait
// for the caller, menus a silent caller goes round forever, and deleting without asking.
// They read the edges of src/graph, the same the pictures draw.
import { error, warning, type Diagnostic } from '../diagnostics.js';
import {
  actionSignature,
  successors,
  type FlowGraph,
  type GraphNode,
  type NodeId,
} from '../../src/graph/index.js';
import type { BlockInfo } from './context.js';

type Waiting = 'menu' | 'record' | 'transfer';

function waits(node: GraphNode): Waiting | undefined {
  return node.kind === 'menu' || node.kind === 'record' || node.kind === 'transfer' ? node.kind : undefined;
}

/** The graph checks, in the order their diagnostics are reported. */
export function analyse(
  flows: Record<string, FlowGraph>,
  blocks: Map<string, Map<string, BlockInfo>>,
): Diagnostic[] {
  const all = new Map<NodeId, GraphNode>();
  for (const f of Object.values(flows)) for (const n of Object.values(f.nodes)) all.set(n.id, n);
  return [
    ...unreachedBlocks(flows, blocks, all),
    ...busyLoops(all),
    ...unboundedRetries(flows, all),
    ...destructiveStraightFromKeys(all),
  ];
}

/** A menu that only asks: its 1 confirms, its star cancels. */
const CONFIRM_KEYS = 2;

/**
 * A destructive action (`destructive` in src/graph/builtins.ts: it deletes what the owner
 * recorded) reached from a key of a menu that offers other things too, without a menu in
 * between that asks her first: a warning. A menu of two keys is taken for that question.
 */
function destructiveStraightFromKeys(all: Map<NodeId, GraphNode>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const reported = new Set<NodeId>();
  for (const menu of all.values()) {
    if (menu.kind !== 'menu' || menu.options.length <= CONFIRM_KEYS) continue;
    for (const option of menu.options) {
      const seen = new Set<NodeId>();
      const stack = [option.next];
      while (stack.length) {
        const id = stack.pop()!;
        if (seen.has(id)) continue;
        seen.add(id);
        const node = all.get(id);
        if (!node || waits(node)) continue;
        if (node.kind === 'action' && actionSignature(node.action)?.destructive && !reported.has(id)) {
          reported.add(id);
          out.push(
            warning(
              node.loc,
              `'${node.action}' deletes what the owner recorded, straight from key ${option.key} of menu '${menu.name}'`,
              'ask first: lead the key to a menu whose 1 confirms and whose star cancels',
            ),
          );
        }
        stack.push(...successors(node));
      }
    }
  }
  return out;
}

/** a menu or step no flow leads to (every flow may be where a call starts): a warning */
function unreachedBlocks(
  flows: Record<string, FlowGraph>,
  blocks: Map<string, Map<string, BlockInfo>>,
  all: Map<NodeId, GraphNode>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
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
  return out;
}

/** cycles that never wait for the caller (Tarjan's strongly connected components) */
function busyLoops(all: Map<NodeId, GraphNode>): Diagnostic[] {
  const out: Diagnostic[] = [];
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
  return out;
}

/** menus (and recordings) a silent caller goes round forever */
function unboundedRetries(flows: Record<string, FlowGraph>, all: Map<NodeId, GraphNode>): Diagnostic[] {
  const out: Diagnostic[] = [];
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
