// The checker and the pictures read one definition of where a node leads
// (src/graph/edges.ts): what the picture draws, the checker follows — except the ways
// back to a loop or a menu, which the picture draws and "what runs next" does not take.
import { describe, expect, it } from 'vitest';
import { successors, toDot } from '../../dsl/index.js';
import { compileSource } from './helpers.js';

describe('the edges the checker follows and the picture draws', () => {
  it('draws a for each going back to its loop, yet does not call it a loop that never waits', () => {
    const { bundle, errors } = compileSource(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  list = list messages(user, newest_first, kind: voice, unread: no)
    on unavailable -> hang up
  for each m in list {
    say hello
  }
  say thanks
}`);
    expect(errors).toEqual([]);
    const nodes = bundle.flows.f!.nodes;
    const loop = Object.values(nodes).find((n) => n.kind === 'loop')!;
    const advance = Object.values(nodes).find((n) => n.kind === 'loopControl')!;
    expect(successors(advance)).toEqual([]);
    expect(toDot(bundle)).toContain(`"${advance.id}" -> "${loop.id}" [label="next"];`);
  });

  it('follows a step that only jumps, and draws it as one plain arrow', () => {
    const { bundle, diagnostics } = compileSource(`
flow f {
  step a {
    goto b
  }
  menu b {
    say hello
    press 1 -> a
  }
}`);
    expect(diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
    const step = bundle.flows.f!.nodes['f.a']!;
    expect(successors(step)).toEqual(['f.b']);
    expect(toDot(bundle)).toContain('"f.a" -> "f.b";');
  });

  it('labels a key offered under a condition with its condition', () => {
    const { bundle } = compileSource(`
flow f {
  menu main {
    say hello
    press 1 when call.caller_class == internal -> main
    press hash -> main
  }
}`);
    const dot = toDot(bundle);
    expect(dot).toContain('[label="1 if call.caller_class == internal"]');
    expect(dot).toContain('[label="hash"]');
  });
});
