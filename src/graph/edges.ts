// Where each node of the graph can lead: the one definition that the checker's analyses
// (reachability, loops) and the pictures (DOT, Mermaid) both read.
import type { GraphExpr, GraphNode, NodeId } from './types.js';

export interface Edge {
  from: NodeId;
  to: NodeId;
  /** what takes this way: an outcome, a key, yes/no, each/done, a loop's move; '' for "then" */
  label: string;
  /** the condition under which a menu offers this key */
  when?: GraphExpr;
  /**
   * A way back that the runtime takes when it gets there — a loop's move to its loop, a
   * jump to its menu — not the next statement. What runs next without the caller does
   * not follow it; a picture draws it.
   */
  back?: true;
}

/** the key as the menu language writes it (`#` starts a comment there) */
function keyLabel(key: string): string {
  return key === '#' ? 'hash' : key;
}

/** every way out of a node, in a fixed order */
export function edgesOf(n: GraphNode): Edge[] {
  const e = (to: NodeId, label = ''): Edge => ({ from: n.id, to, label });
  switch (n.kind) {
    case 'say':
    case 'play':
    case 'beep':
    case 'wait':
    case 'log':
    case 'assign':
      return [e(n.next)];
    case 'action':
    case 'record':
    case 'transfer':
      return [
        ...Object.entries(n.outcomes).map(([o, to]) => e(to, o)),
        e(n.next, n.kind === 'transfer' && n.mode === 'transfer' ? 'after' : ''),
      ];
    case 'branch':
      // a named step that only jumps is a branch whose two ways are one
      return n.then === n.else ? [e(n.then)] : [e(n.then, 'yes'), e(n.else, 'no')];
    case 'menu':
      return [
        ...n.options.map((o) =>
          o.when ? { ...e(o.next, keyLabel(o.key)), when: o.when } : e(o.next, keyLabel(o.key)),
        ),
        ...(n.input ? [e(n.input.next, n.input.variable)] : []),
        e(n.invalid, 'invalid'),
        e(n.silence, 'silence'),
        e(n.giveUp, 'give up'),
      ];
    case 'loop':
      return [e(n.body, 'each'), e(n.next, 'done')];
    case 'loopControl':
      return [{ ...e(n.loop, n.move), back: true }];
    case 'jump':
      return n.menu ? [{ ...e(n.menu), back: true }] : [];
    case 'hangup':
      return [];
  }
}

/** the nodes that can run right after this one (the ways back left out) */
export function successors(n: GraphNode): NodeId[] {
  return edgesOf(n)
    .filter((edge) => !edge.back)
    .map((edge) => edge.to);
}
