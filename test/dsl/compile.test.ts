import { describe, expect, it } from 'vitest';
import type { GraphNode } from '../../src/graph/index.js';
import { compileSource } from './helpers.js';

function node<K extends GraphNode['kind']>(nodes: Record<string, GraphNode>, id: string, kind: K) {
  const n = nodes[id];
  expect(n?.kind).toBe(kind);
  return n as GraphNode & { kind: K };
}

describe('compiling flows', () => {
  it('runs the statements at the top of a flow, then falls into its first block', () => {
    const { bundle, errors } = compileSource(`
flow f {
  say hello
  menu main {
    say hello
    press 1 -> main
  }
}`);
    expect(errors).toEqual([]);
    const flow = bundle.flows.f!;
    expect(flow.entry).toBe('f.start');
    expect(node(flow.nodes, 'f.start', 'say').next).toBe('f.main');
    expect(flow.top).toBe('f.main');
  });

  it('gives a menu the documented defaults: 5 s, 3 tries, barge-in, invalid → retry, give up → goodbye', () => {
    const { bundle } = compileSource(`
flow f {
  menu main {
    say hello
    press 1 -> main
  }
}`);
    const nodes = bundle.flows.f!.nodes;
    const menu = node(nodes, 'f.main', 'menu');
    expect([menu.timeoutMs, menu.tries, menu.bargeIn]).toEqual([5000, 3, true]);
    const invalid = node(nodes, menu.invalid, 'say');
    expect(invalid.parts).toEqual([{ kind: 'prompt', id: 'invalid_choice', args: {} }]);
    expect(node(nodes, invalid.next, 'jump')).toMatchObject({ to: 'retry', menu: 'f.main' });
    expect(node(nodes, menu.silence, 'jump')).toMatchObject({ to: 'retry' });
    const giveUp = node(nodes, menu.giveUp, 'say');
    expect(giveUp.parts[0]).toMatchObject({ id: 'goodbye' });
    expect(node(nodes, giveUp.next, 'hangup').kind).toBe('hangup');
  });

  it('lowers keys: star, *, hash and conditions', () => {
    const { bundle, errors } = compileSource(`
flow f {
  menu main {
    say hello
    press star -> main
    press hash -> main
    press 2 when call.caller_class == internal -> main
    press 2 -> main
  }
}`);
    expect(errors).toEqual([]);
    const menu = node(bundle.flows.f!.nodes, 'f.main', 'menu');
    expect(menu.options.map((o) => o.key)).toEqual(['*', '#', '2', '2']);
    expect(menu.options[2]!.when).toMatchObject({
      kind: 'binary',
      op: '==',
      right: { kind: 'literal', type: 'caller_class', value: 'internal' },
    });
  });

  it('a key used unconditionally twice is an error, a conditional one before the fallback is not', () => {
    const { errors } = compileSource(`
flow f {
  menu main {
    say hello
    press 2 -> main
    press 2 when call.caller_class == internal -> main
  }
}`);
    expect(errors).toEqual(["6:11 key 2 is already used in menu 'main'"]);
  });

  it('binds action results and branches on outcomes', () => {
    const { bundle, errors } = compileSource(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  say hello
  hang up
}`);
    expect(errors).toEqual([]);
    const nodes = bundle.flows.f!.nodes;
    const lookup = node(nodes, 'f.start', 'action');
    expect(lookup).toMatchObject({ action: 'lookup user', result: 'user' });
    expect(lookup.args).toEqual([
      { kind: 'field', of: { kind: 'var', name: 'call', type: 'call' }, field: 'called', type: 'phone' },
    ]);
    expect(node(nodes, lookup.outcomes.unknown!, 'hangup').kind).toBe('hangup');
    expect(node(nodes, lookup.next, 'say').kind).toBe('say');
    expect(bundle.variables.user).toEqual({ type: 'user' });
  });

  it('loops over a list with index, next, repeat and a nested menu', () => {
    const { bundle, errors } = compileSource(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  list = list messages(user, newest_first, kind: voice, unread: no)
    on unavailable -> hang up
  for each m in list {
    say message_number(number: index)
    audio = message audio(m)
      on unavailable -> hang up
      on too_large -> next
      on unreadable -> next
    play audio
    menu options {
      say hello
      press 1 -> repeat
      press 7 {
        delete message(m)
        next
      }
      press 9 -> stop
    }
  }
  say thanks
}`);
    expect(errors).toEqual([]);
    const nodes = bundle.flows.f!.nodes;
    const loop = Object.values(nodes).find((n) => n.kind === 'loop')!;
    expect(loop).toMatchObject({ variable: 'm', index: 'index' });
    expect(bundle.variables.m).toEqual({ type: 'message' });
    expect(bundle.variables.index).toEqual({ type: 'number' });
    const options = node(nodes, 'f.options', 'menu');
    const moves = options.options.map((o) => {
      let n = nodes[o.next]!;
      while (n.kind === 'action') n = nodes[n.next]!;
      return n.kind === 'loopControl' ? `${o.key}:${n.move}:${n.loop === loop.id}` : `${o.key}:${n.kind}`;
    });
    expect(moves).toEqual(['1:repeat:true', '7:next:true', '9:stop:true']);
    // what follows the nested menu is the end of the body: on to the next item
    expect(node(nodes, loop.body, 'say').next).toMatch(/^f#/);
    const end = Object.values(nodes).find(
      (n) => n.kind === 'loopControl' && n.move === 'next' && n.loc.line === loop.loc.line,
    );
    expect(end).toBeDefined();
  });

  it("marks a nested menu's intro to be said only on the way in; a menu reached by name has none", () => {
    const { bundle, errors } = compileSource(`
flow f {
  step reading {
    say thanks
    menu options {
      intro stop on hash {
        say hello
      }
      say thanks
      press 1 -> options
    }
  }
  menu main {
    intro {
      say hello
    }
    say thanks
    press 1 -> main
  }
}`);
    expect(errors).toEqual(["14:5 menu 'main' is reached only by name, so its intro is never said"]);
    const nodes = bundle.flows.f!.nodes;
    const options = node(nodes, 'f.options', 'menu');
    expect(options.intro).toMatchObject({ stop: ['#'], prompts: [{ say: [{ id: 'hello' }] }] });
    // the node that leads to the menu where it is written sets its flag; the key back to it does not
    const before = Object.values(nodes).filter((n) => n.kind === 'assign' && n.next === 'f.options');
    expect(before).toMatchObject([{ variable: options.intro!.flag, value: { value: true } }]);
    expect(node(nodes, 'f.reading', 'say').next).toBe(before[0]!.id);
    expect(options.options.find((o) => o.key === '1')?.next).toBe('f.options');
  });

  it('resolves profile and language names against the declarations', () => {
    const { errors } = compileSource(`
profiles {
  available work, home
}
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  set profile(user, home)
  set profile(user, hoem)
  call.language = de
  call.language = fr
  hang up
}`);
    expect(errors).toEqual(["9:21 unknown profile 'hoem'", "11:19 unknown language 'fr'"]);
  });

  it('types conditions, comparisons and arguments', () => {
    const { errors } = compileSource(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  if user.enabled and call.time > 3 {
    hang up
  }
  if not user.mailbox {
    hang up
  }
  transfer to user.enabled
    on failed -> hang up
}`);
    expect(errors).toEqual([
      "5:23 '>' needs two numbers, durations or times, not datetime and number",
      '8:10 a condition must be yes/no, but this is a phone',
      '11:15 transfer needs a phone number, but this is yes/no',
    ]);
  });

  it('lets `failed` stand for every failure of a transfer', () => {
    const { bundle, errors } = compileSource(`
flow f {
  transfer to "+4930123456"
    on failed -> hang up
  hang up
}`);
    expect(errors).toEqual([]);
    const transfer = node(bundle.flows.f!.nodes, 'f.start', 'transfer');
    expect(Object.keys(transfer.outcomes).sort()).toEqual(['busy', 'failed', 'no answer']);
    expect(new Set(Object.values(transfer.outcomes)).size).toBe(1);
  });

  it('fills prompt placeholders by name, or by position when there is only one', () => {
    const { bundle, errors } = compileSource(`
flow f {
  say count_prompt(3), count_prompt(count: 4)
  hang up
}`);
    expect(errors).toEqual([]);
    const say = node(bundle.flows.f!.nodes, 'f.start', 'say');
    expect(say.parts.map((p) => (p.kind === 'prompt' ? p.args.count : undefined))).toEqual([
      { kind: 'literal', type: 'number', value: 3 },
      { kind: 'literal', type: 'number', value: 4 },
    ]);
  });

  it('reports a busy loop between steps and a silent retry loop between menus', () => {
    const { errors } = compileSource(`
flow f {
  step a {
    say hello
    goto b
  }
  step b {
    goto a
  }
  menu m1 {
    say hello
    press 1 -> a
    silence -> m2
  }
  menu m2 {
    say hello
    press 1 -> a
    silence -> m1
  }
}`);
    expect(errors).toEqual([
      '4:5 this loop never waits for the caller: it would run forever',
      '10:3 unbounded retry loop: a caller who never presses a key goes round m1 → m2 → m1 forever',
    ]);
  });

  it('lowers office hours per weekday, sorted, with holidays', () => {
    const { bundle, errors } = compileSource(`
office hours "America/New_York" {
  sat 09:00-12:00
  mon, wed-thu 08:00-12:00, 13:00-17:00
  closed 2027-01-01, 07-04
}
profiles {
  available work, home
  outside office hours use home
}`);
    expect(errors).toEqual([]);
    expect(bundle.officeHours).toEqual({
      timeZone: 'America/New_York',
      closed: ['07-04', '2027-01-01'],
      days: [
        {
          day: 1,
          hours: [
            { from: '08:00', to: '12:00' },
            { from: '13:00', to: '17:00' },
          ],
          breaks: [],
        },
        {
          day: 3,
          hours: [
            { from: '08:00', to: '12:00' },
            { from: '13:00', to: '17:00' },
          ],
          breaks: [],
        },
        {
          day: 4,
          hours: [
            { from: '08:00', to: '12:00' },
            { from: '13:00', to: '17:00' },
          ],
          breaks: [],
        },
        { day: 6, hours: [{ from: '09:00', to: '12:00' }], breaks: [] },
      ],
    });
  });

  it('keeps going after errors and reports all of them', () => {
    const { errors } = compileSource(`
flow f {
  menu main {
    say helo
    press 1 -> mian
    press A -> main
  }
}`);
    expect(errors).toEqual([
      "4:9 unknown prompt 'helo'",
      "5:16 unknown menu or step 'mian'",
      "6:11 key 'A' cannot be dialled",
    ]);
  });
});

describe('keys that carry their spoken label', () => {
  const labels = { key_again: 'To hear it again, press {key}.', key_back: 'To go back, press {key}.' };

  it('gives each key its label and says them where `say keys` stands, also among retry prompts', () => {
    const { bundle, diagnostics } = compileSource(
      `
flow f {
  menu main {
    say hello, keys
    retry {
      say keys
    }
    press 1 label key_again when config.allow_reply -> main
    press * label key_back -> main
    press hash -> main
  }
}`,
      labels,
    );
    expect(diagnostics).toEqual([]);
    const menu = node(bundle.flows.f!.nodes, 'f.main', 'menu');
    expect(menu.options.map((o) => [o.key, o.label, o.when ? 'when' : ''])).toEqual([
      ['1', 'key_again', 'when'],
      ['*', 'key_back', ''],
      ['#', undefined, ''],
    ]);
    expect(menu.prompts).toEqual([{ say: [{ kind: 'prompt', id: 'hello', args: {} }, { kind: 'keys' }] }]);
    expect(menu.retryPrompts).toEqual([{ say: [{ kind: 'keys' }] }]);
    expect(bundle.prompts).toEqual(expect.arrayContaining(['key_again', 'key_back']));
  });

  it('lets a prompt name a key with a `when` when it is said only under that condition', () => {
    const { errors } = compileSource(
      `
flow f {
  menu main {
    say hello
    if config.allow_reply and config.allow_call_back {
      say reply_prompt
    }
    press 1 -> main
    press 8 when config.allow_reply -> main
  }
}`,
      { reply_prompt: 'To reply, press 8.' },
    );
    expect(errors).toEqual([]);
  });

  it('reports a prompt that names a hidden key, in every place it is said, and not a key always there', () => {
    const { errors } = compileSource(
      `
flow f {
  menu main {
    say options_prompt
    press 1 -> main
    press 8 when config.allow_reply -> main
    press * when config.allow_call_back -> main
  }
}`,
      { options_prompt: 'To hear it again, press 1. To reply, press 8. Main menu, star.' },
    );
    expect(errors).toEqual([
      "4:5 prompt 'options_prompt' names key 8, hidden when not config.allow_reply",
      "4:5 prompt 'options_prompt' names key *, hidden when not config.allow_call_back",
    ]);
  });
});
