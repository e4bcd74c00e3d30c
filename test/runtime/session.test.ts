// The runtime over real TCP against the FreeSWITCH simulator: what a caller hears and
// does, hang-ups at every step, calls side by side, failures inside one call.
import { existsSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFiles, parse, loadMenus } from '../../dsl/index.js';
import type { Bundle } from '../../src/graph/index.js';
import type { Value } from '../../src/runtime/index.js';
import { catalogs } from '../dsl/helpers.js';
import { answering, type Answering, type AnsweringOptions } from '../support/calls.js';
import { prompt } from '../support/dialogue.js';
import { namedSilence, textVoice } from '../support/voice.js';

function bundleOf(source: string): Bundle {
  const parsed = parse('t.ivr', 'languages {\n  default en\n  offer en\n}\n' + source);
  const result = compileFiles(
    [parsed.file],
    catalogs({
      item: 'Item {n}.',
      done: 'Done.',
      menu_prompt: 'Press 1.',
      body: 'The body.',
      body_end: 'The end.',
      noted: 'Noted.',
    }),
  );
  const errors = [...parsed.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
  return result.bundle;
}

const running: Answering[] = [];
afterEach(async () => {
  for (const voicebox of running.splice(0)) await voicebox.close();
});

async function start(bundle: Bundle, flow: string, o: Omit<AnsweringOptions, 'bundle'> = {}) {
  const voicebox = await answering({ bundle, defaultFlow: flow, ...o });
  running.push(voicebox);
  return voicebox;
}

const demo = () => loadMenus(['examples/demo']).bundle;

describe('a call through the demo menu', () => {
  it('records a 3-second message after 2, plays it back, says goodbye, hangs up', async () => {
    const { dial } = await start(demo(), 'demo');
    const call = await dial('100')
      .hears('demo_welcome')
      .press('2')
      .hears('record_after_tone')
      .hearsTone()
      .speaks(3000)
      .press('#')
      .hears('you_said')
      .hearsAudio()
      .hears('goodbye');
    // the menu took the key at once, and nothing else was played
    expect(call.heard).toEqual([
      'demo_welcome',
      'record_after_tone',
      'tone',
      'you_said',
      expect.stringMatching(/^audio:.*\.wav$/),
      'goodbye',
    ]);
    expect(call.events.filter((e) => e.kind === 'listen')).toEqual([
      { kind: 'listen', menu: 'main', keys: ['1', '2', '3', '#'] },
    ]);
    expect(call.events.filter((e) => e.kind === 'dtmf')).toEqual([{ kind: 'dtmf', digits: '2' }]);
    const record = call.events.find((e) => e.kind === 'record');
    // record_ms: FreeSWITCH reports 60 ms less than the 3 s recorded
    expect(record).toMatchObject({ kind: 'record', ms: 2940, hungUp: false });
    const file = record?.kind === 'record' ? record.file : '';
    // what the caller heard back is what she recorded
    expect(call.heard[4]).toBe(`audio:${file.split('/').pop() ?? ''}`);
    // 8 kHz 16-bit mono: 16,000 bytes a second, plus the header
    expect(statSync(file).size).toBeGreaterThanOrEqual(2.94 * 16000);
    expect(call.events.at(-1)).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING', by: 'voicebox' });
    expect(call.report.hangupCause).toBe('NORMAL_CLEARING');
    expect(call.report.endedBy).toBe('voicebox');
  });

  it('ends cleanly when the caller hangs up at any step', async () => {
    const { dial, server } = await start(demo(), 'demo');
    for (let step = 1; step <= 12; step++) {
      // the n-th thing FreeSWITCH does on the call, prompts or not: beyond what a dialogue says
      const call = await dial('100').scripted((c) =>
        c
          .pressWhilePlaying(prompt('demo_welcome'), '2', 500)
          .pressDuring('record', '#', 3000)
          .hangupAtStep(step, 100),
      );
      expect(
        call.events.filter((e) => e.kind === 'error'),
        `step ${step}`,
      ).toEqual([]);
      expect(call.events.at(-1)?.kind, `step ${step}`).toBe('hangup');
      expect(call.report.hangupCause, `step ${step}`).toBeDefined();
    }
    expect(server.activeCalls).toBe(0);
  });

  it('keeps what was said when the caller hangs up during the recording', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  beep
  record message up to 60s
    on empty -> hang up
  send voice message(message, to: user)
  say done
}`);
    const sent: Value[][] = [];
    const { dial } = await start(bundle, 'f', {
      actions: {
        'lookup user': async () => ({ value: { name: 'Alice', enabled: true } }),
        'send voice message': async (args) => {
          sent.push(args);
          return {};
        },
      },
    });
    const call = await dial('501').hearsTone().speaks(4000).hangsUp();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual([
      expect.objectContaining({ kind: 'audio', ms: 3940 }), // record_ms: 60 ms short of the 4 s
      { name: 'Alice', enabled: true },
    ]);
    // nothing is said to a caller who is gone
    expect(call.said).toEqual([]);
    expect(call.heard).toEqual(['tone']);
    expect(call.events.at(-1)).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING', by: 'caller' });
  });

  it('sends nothing when the caller hangs up before the recording', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  say menu_prompt
  beep
  record message up to 60s
    on empty -> hang up
  send voice message(message, to: user)
}`);
    const sent: Value[][] = [];
    const { dial } = await start(bundle, 'f', {
      actions: {
        'lookup user': async () => ({ value: { name: 'Alice' } }),
        'send voice message': async (args) => {
          sent.push(args);
          return {};
        },
      },
    });
    const call = await dial('501').hears('menu_prompt').hangsUp();
    expect(call.heard).toEqual(['menu_prompt']);
    expect(sent).toEqual([]);
  });
});

describe('the runtime', () => {
  it('branches on action outcomes and walks lists with index', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown {
      say goodbye
      hang up
    }
  list = list messages(user, newest_first, kind: voice, unread: no)
    on unavailable -> hang up
  for each m in list {
    say item(n: index)
  }
  say done
}`);
    const { dial } = await start(bundle, 'f', {
      actions: {
        'lookup user': async (args) =>
          args[0] === '501' ? { value: { name: 'Alice' } } : { outcome: 'unknown' },
        'list messages': async () => ({ value: [{ subject: 'a' }, { subject: 'b' }, { subject: 'c' }] }),
      },
    });
    const known = await dial('501').hears('item(one)').hears('item(two)').hears('item(three)').hears('done');
    expect(known.said).toEqual(['item(one)', 'item(two)', 'item(three)', 'done']);
    expect(known.heard).toEqual(known.said);
    const unknown = await dial('999').hears('goodbye');
    expect(unknown.said).toEqual(['goodbye']);
    expect(unknown.heard).toEqual(['goodbye']);
  });

  it("says a nested menu's intro when the walk comes to it, not when a key or a jump brings it back", async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  list = list messages(user, newest_first, kind: voice, unread: no)
    on unavailable -> hang up
  for each m in list {
    say item(n: index)
    menu options {
      intro stop on hash {
        say body
        say body_end
      }
      say menu_prompt
      press 1 -> repeat
      press 2 {
        say noted
        goto options
      }
      press 6 -> next
      press hash -> next
    }
  }
  say done
}`);
    const { dial } = await start(bundle, 'f', {
      actions: {
        'lookup user': async () => ({ value: { name: 'Alice' } }),
        'list messages': async () => ({ value: [{ subject: 'a' }, { subject: 'b' }] }),
      },
    });
    const call = await dial('501')
      .hears('item(one)')
      .hears('body')
      .press('#') // the stop key: the rest of the intro is skipped, the menu's own prompts follow
      .hears('menu_prompt')
      .press('2')
      .hears('noted')
      .hears('menu_prompt') // back by a jump: no intro
      .press('1')
      .hears('item(one)') // the item again: its intro again, to the end
      .hears('body')
      .hears('body_end')
      .hears('menu_prompt')
      .press('6')
      .hears('item(two)')
      .hears('body')
      .press('6') // a key of the menu acts at once, in the middle of the intro
      .hears('done');
    expect(call.heard).toEqual([
      'item(one)',
      'body',
      'menu_prompt',
      'noted',
      'menu_prompt',
      'item(one)',
      'body',
      'body_end',
      'menu_prompt',
      'item(two)',
      'body',
      'done',
    ]);
  });

  it('keeps two calls at once apart', async () => {
    const { dial } = await start(demo(), 'demo');
    const [a, b] = await Promise.all([
      dial('100')
        .from('+4930111111')
        .hears('demo_welcome')
        .press('3')
        .hears('your_number_is')
        .hears('plus four nine, three zero, one one one, one one one')
        .hangsUp(),
      dial('100')
        .from('+4989222222')
        .hears('demo_welcome')
        .press('3')
        .hears('your_number_is')
        .hears('plus four nine, eight nine, two two two, two two two')
        .hangsUp(),
    ]);
    expect(a.heard.join('\n')).not.toContain('two two two');
    expect(b.heard.join('\n')).not.toContain('one one one');
  });

  it('apologises and hangs up when an action fails, and logs where in the menus', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  say done
}`);
    const { dial } = await start(bundle, 'f', {
      actions: {
        'lookup user': async () => {
          throw new Error('LDAP is down');
        },
      },
    });
    const call = await dial('501').hears('technical_problem');
    expect(call.events).toContainEqual({ kind: 'error', message: 'LDAP is down', at: 't.ivr:7:3' });
    expect(call.said).toEqual(['technical_problem']);
    expect(call.report.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
  });

  it('apologises for an action the server does not have', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  say done
}`);
    const { dial } = await start(bundle, 'f');
    const call = await dial('501').hears('technical_problem');
    expect(call.events).toContainEqual({
      kind: 'error',
      message: "the action 'lookup user' is not available in this server",
      at: 't.ivr:7:3',
    });
    expect(call.said).toEqual(['technical_problem']);
  });

  it('ends a call whose playback never finishes when the caller hangs up', async () => {
    const bundle = bundleOf(`
flow f {
  say menu_prompt
  say done
}`);
    const { dial, server, media } = await start(bundle, 'f', {
      // an hour of prompt
      voice: { ...textVoice, render: async (text) => ({ freeswitchPath: namedSilence(text, 3_600_000) }) },
      simulator: {},
    });
    const call = await dial('1').hears('menu_prompt').hangsUp();
    expect(call.report.durationMs).toBeLessThan(3000);
    expect(call.events.at(-1)).toMatchObject({ kind: 'hangup', by: 'caller' });
    expect(call.said).toEqual(['menu_prompt']);
    expect(server.activeCalls).toBe(0);
    expect(existsSync(media)).toBe(true);
  });
});
