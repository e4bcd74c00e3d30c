import { describe, expect, it } from 'vitest';
import { checkGrammar, parse } from '../../dsl/parser.js';
import { keywords } from '../../dsl/lexer.js';
import { actions } from '../../src/graph/index.js';

describe('the grammar', () => {
  it("passes all of Chevrotain's checks (ambiguities, numbering of repeated productions)", () => {
    expect(() => checkGrammar()).not.toThrow();
  });

  it('can call every builtin action: no action name starts with a keyword', () => {
    for (const name of Object.keys(actions)) expect(keywords.has(name.split(' ')[0]!), name).toBe(false);
  });
});

describe('parsing', () => {
  it('reads multi-word action calls, named arguments and outcome handlers', () => {
    const { file, diagnostics } = parse(
      'x.ivr',
      'flow f {\n  user = lookup user(number: call.called)\n    on unknown -> hang up\n  send voice message(m, to: user)\n}\n',
    );
    expect(diagnostics).toEqual([]);
    const [assign, call] = file.flows[0]!.body;
    expect(assign).toMatchObject({
      kind: 'assign',
      target: [{ text: 'user' }],
      value: { kind: 'call', action: { text: 'lookup user' }, args: [{ name: { text: 'number' } }] },
      outcomes: [{ outcome: { text: 'unknown' }, handler: { kind: 'goto', target: { kind: 'hangup' } } }],
    });
    expect(call).toMatchObject({ kind: 'call', call: { action: { text: 'send voice message' } } });
  });

  it('does not join words across lines into one action name', () => {
    const { file, diagnostics } = parse('x.ivr', 'flow f {\n  x = y\n  welcome new user(u)\n}\n');
    expect(diagnostics).toEqual([]);
    expect(file.flows[0]!.body.map((s) => s.kind)).toEqual(['assign', 'call']);
  });

  it('gives positions of every node, 1-based', () => {
    const { file } = parse('x.ivr', 'flow f {\n  menu m {\n    press 1 -> m\n  }\n}\n');
    const menu = file.flows[0]!.blocks[0]!;
    expect(menu.loc).toEqual({ file: 'x.ivr', line: 2, col: 3, length: 4 });
    expect(menu.kind === 'menu' && menu.options[0]!.key.loc).toEqual({
      file: 'x.ivr',
      line: 3,
      col: 11,
      length: 1,
    });
  });

  it('explains `press #`: the # began a comment', () => {
    const { diagnostics } = parse('x.ivr', 'flow f {\n  menu m {\n    press # -> m\n  }\n}\n');
    expect(diagnostics[0]).toMatchObject({
      loc: { line: 3, col: 11 },
      message: "'#' starts a comment here, so 'press' has no key",
      hint: 'write the # key as `hash` (and * as `*` or `star`)',
    });
  });

  it('reports several syntax errors in one file', () => {
    const { diagnostics } = parse(
      'x.ivr',
      'flow f {\n  menu m {\n    timeout 5\n    press 1 -> m\n  }\n  step s {\n    say\n  }\n  step t {\n    wait two\n  }\n}\n',
    );
    expect(diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`).sort()).toEqual([
      "10:10 expected a duration such as 5s but found 'two'",
      "3:13 expected a duration such as 5s but found '5'",
      "8:3 expected what to say: a prompt name, or number/digits/phone/date/time/duration/text and a value but found '}'",
    ]);
  });
});
