// Pictures of the call flow: the compiled graph as Graphviz DOT or a Mermaid flowchart.
import {
  edgesOf,
  type Bundle,
  type FlowGraph,
  type GraphExpr,
  type GraphNode,
  type MenuSayPart,
  type NodeId,
} from '../src/graph/index.js';

export interface DrawOptions {
  /** only this flow (`voicebox`) or this menu (`voicebox.greeting` or `greeting`) and what it leads to */
  menu?: string;
}

interface DrawnEdge {
  from: NodeId;
  to: NodeId;
  label: string;
}

export function exprText(e: GraphExpr): string {
  switch (e.kind) {
    case 'literal':
      return typeof e.value === 'string' && e.type === 'string' ? JSON.stringify(e.value) : String(e.value);
    case 'var':
      return e.name;
    case 'field':
      return `${exprText(e.of)}.${e.field}`;
    case 'call':
      return `${e.action}(${e.args.map(exprText).join(', ')})`;
    case 'not':
      return `not ${exprText(e.operand)}`;
    case 'binary':
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
  }
}

function sayText(parts: MenuSayPart[]): string {
  return parts
    .map((p) => (p.kind === 'keys' ? 'keys' : p.kind === 'prompt' ? p.id : `${p.as} ${exprText(p.value)}`))
    .join(', ');
}

function describeNode(n: GraphNode): string {
  switch (n.kind) {
    case 'say':
      return `say ${sayText(n.parts)}`;
    case 'play':
      return `play ${exprText(n.audio)}`;
    case 'beep':
      return 'beep';
    case 'wait':
      return `wait ${n.ms / 1000}s`;
    case 'log':
      return `log ${n.message}`;
    case 'assign':
      return `${n.variable} = ${exprText(n.value)}`;
    case 'action':
      return `${n.result ? `${n.result} = ` : ''}${n.action}(${n.args.map(exprText).join(', ')})`;
    case 'branch':
      return n.then === n.else ? 'go on' : `if ${exprText(n.condition)}`;
    case 'menu': {
      const lines = [`menu ${n.name}`];
      for (const p of n.prompts) {
        const what = p.say ? `say ${sayText(p.say)}` : p.play ? `play ${exprText(p.play)}` : 'beep';
        lines.push(p.when ? `${what} (if ${exprText(p.when)})` : what);
      }
      if (n.input) lines.push(`input ${n.input.variable}: ${n.input.min}-${n.input.max} digits`);
      return lines.join('\n');
    }
    case 'record':
      return `record ${n.variable} (up to ${typeof n.maxMs === 'number' ? `${n.maxMs / 1000}s` : exprText(n.maxMs)})`;
    case 'transfer':
      return `${n.mode} to ${exprText(n.to)}`;
    case 'loop':
      return `for each ${n.variable} in ${exprText(n.list)}`;
    case 'loopControl':
      return n.move;
    case 'jump':
      return n.to;
    case 'hangup':
      return 'hang up';
  }
}

/** the edges of src/graph, each with its whole label: a menu key shows its condition */
function drawnEdges(n: GraphNode): DrawnEdge[] {
  return edgesOf(n).map(({ from, to, label, when }) => ({
    from,
    to,
    label: when ? `${label} if ${exprText(when)}` : label,
  }));
}

function select(bundle: Bundle, options: DrawOptions): { nodes: GraphNode[]; edges: DrawnEdge[] } {
  const all = new Map<NodeId, GraphNode>();
  for (const f of Object.values(bundle.flows)) for (const n of Object.values(f.nodes)) all.set(n.id, n);
  let roots: NodeId[];
  if (!options.menu) roots = Object.values(bundle.flows).map((f: FlowGraph) => f.entry);
  else if (bundle.flows[options.menu]) roots = [bundle.flows[options.menu]!.entry];
  else {
    const wanted = options.menu.includes('.')
      ? [options.menu]
      : Object.keys(bundle.flows).map((f) => `${f}.${options.menu}`);
    roots = wanted.filter((id) => all.has(id));
    if (roots.length === 0) throw new Error(`no flow or menu named '${options.menu}'`);
  }
  const keep = new Set<NodeId>();
  const stack = [...roots];
  const edges: DrawnEdge[] = [];
  while (stack.length) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    const n = all.get(id);
    if (!n) continue;
    for (const edge of drawnEdges(n)) {
      edges.push(edge);
      // when drawing one flow, stop at the doors to other flows
      const sameFlow = options.menu === undefined || edge.to.split(/[.#]/)[0] === id.split(/[.#]/)[0];
      if (sameFlow) stack.push(edge.to);
    }
  }
  const nodes = [...keep]
    .sort()
    .map((id) => all.get(id))
    .filter((n): n is GraphNode => n !== undefined);
  const known = new Set(nodes.map((n) => n.id));
  // the doors to other flows are drawn, but not followed
  for (const e of edges) {
    if (!known.has(e.to) && all.has(e.to)) {
      nodes.push(all.get(e.to)!);
      known.add(e.to);
    }
  }
  edges.sort((a, b) =>
    a.from < b.from
      ? -1
      : a.from > b.from
        ? 1
        : a.to < b.to
          ? -1
          : a.to > b.to
            ? 1
            : a.label < b.label
              ? -1
              : 1,
  );
  return { nodes: nodes.sort((a, b) => (a.id < b.id ? -1 : 1)), edges };
}

function dotEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\l');
}

export function toDot(bundle: Bundle, options: DrawOptions = {}): string {
  const { nodes, edges } = select(bundle, options);
  const lines = [
    'digraph voicebox {',
    '  rankdir=TB;',
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const n of nodes) {
    const shape =
      n.kind === 'menu'
        ? 'box, style="rounded,filled", fillcolor="#dbeafe"'
        : n.kind === 'branch'
          ? 'diamond'
          : n.kind === 'hangup'
            ? 'oval, style=filled, fillcolor="#fee2e2"'
            : n.kind === 'record'
              ? 'box, style=filled, fillcolor="#dcfce7"'
              : 'box';
    const label = describeNode(n) + (n.kind === 'menu' ? '\n' : '');
    lines.push(
      `  "${dotEscape(n.id)}" [shape=${shape}, label="${dotEscape(label)}", tooltip="${dotEscape(`${n.loc.file}:${n.loc.line}`)}"];`,
    );
  }
  for (const e of edges) {
    lines.push(
      `  "${dotEscape(e.from)}" -> "${dotEscape(e.to)}"${e.label ? ` [label="${dotEscape(e.label)}"]` : ''};`,
    );
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>');
}

export function toMermaid(bundle: Bundle, options: DrawOptions = {}): string {
  const { nodes, edges } = select(bundle, options);
  const ids = new Map<NodeId, string>();
  nodes.forEach((n, i) => ids.set(n.id, `n${i}`));
  const lines = ['flowchart TD'];
  for (const n of nodes) {
    const text = `"${mermaidText(describeNode(n))}"`;
    const id = ids.get(n.id)!;
    if (n.kind === 'menu') lines.push(`  ${id}(${text})`);
    else if (n.kind === 'branch' && n.then !== n.else) lines.push(`  ${id}{${text}}`);
    else if (n.kind === 'hangup') lines.push(`  ${id}([${text}])`);
    else lines.push(`  ${id}[${text}]`);
  }
  for (const e of edges) {
    const from = ids.get(e.from);
    const to = ids.get(e.to);
    if (!from || !to) continue;
    lines.push(e.label ? `  ${from} -->|"${mermaidText(e.label)}"| ${to}` : `  ${from} --> ${to}`);
  }
  return lines.join('\n') + '\n';
}
