// `say keys`: a menu announces the keys enabled for this caller now, each by its label with the
// key's name in the call's language — a key whose `when` does not hold is neither said nor taken.
import { afterEach, describe, expect, it } from 'vitest';
import { compileFiles, parse } from '../../dsl/index.js';
import type { Bundle } from '../../src/graph/index.js';
import { defaultMenuConfig } from '../../src/runtime/index.js';
import { catalogs } from '../dsl/helpers.js';
import { answering, type Answering } from '../support/calls.js';
import { nth, prompt } from '../support/dialogue.js';

const source = `
flow f {
  menu main {
    say hello
    say keys
    press 1 label key_again -> main
    press 3 label key_call_back when config.allow_call_back {
      say thanks
      hang up
    }
    press * label key_back {
      say goodbye
      hang up
    }
  }
}`;

function bundle(language: string): Bundle {
  const parsed = parse('t.ivr', `languages {\n  default ${language}\n  offer en, de\n}\n` + source);
  const result = compileFiles(
    [parsed.file],
    catalogs({
      key_again: 'To hear it again, press {key}.',
      key_call_back: 'To call back, press {key}.',
      key_back: 'To go back, press {key}.',
    }),
  );
  const errors = [...parsed.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error');
  expect(errors.map((d) => d.message)).toEqual([]);
  return result.bundle;
}

const running: Answering[] = [];
afterEach(async () => {
  for (const box of running.splice(0)) await box.close();
});

async function start(language: string, allowCallBack: boolean) {
  const box = await answering({
    bundle: bundle(language),
    defaultFlow: 'f',
    config: { ...defaultMenuConfig, allow_call_back: allowCallBack },
  });
  running.push(box);
  return box;
}

describe('say keys', () => {
  it('with call back switched off, 3 is not announced, and pressing it is an invalid choice', async () => {
    const { dial } = await start('en', false);
    const call = await dial('100')
      .hears('hello')
      .hears('key_again(1)')
      .hears('key_back(star)')
      // 3 once the choices are said: the menu waits for a key, and 3 is none of them
      .scripted((c) => c.pressAfterPlayed(nth(prompt('key_back'), 1), '3'))
      .hears('invalid_choice')
      .hears('key_back(star)')
      .press('*')
      .hears('goodbye');
    expect(call.heard).not.toContain('key_call_back(3)');
    expect(call.heard).not.toContain('thanks');
    // the menu waiting tells what it acts on: a later check holds every key announced to it
    expect(call.events.filter((e) => e.kind === 'listen')).toEqual([
      { kind: 'listen', menu: 'main', keys: ['1', '*'] },
      { kind: 'listen', menu: 'main', keys: ['1', '*'] },
    ]);
  });

  it('with call back switched on, 3 is announced in the order written, and acts while it is said', async () => {
    const { dial } = await start('en', true);
    const call = await dial('100').hears('key_call_back(3)').press('3').hears('thanks');
    expect(call.heard).toEqual(['hello', 'key_again(1)', 'key_call_back(3)', 'key_back(star)', 'thanks']);
    expect(call.events.find((e) => e.kind === 'listen')).toEqual({
      kind: 'listen',
      menu: 'main',
      keys: ['1', '3', '*'],
    });
  });

  it('names the keys in German as a German caller hears them: "die 1", "die Stern-Taste"', async () => {
    const { dial } = await start('de', true);
    const call = await dial('100').hears('key_back(die Stern-Taste)').press('*').hears('goodbye');
    expect(call.heard).toEqual([
      'hello',
      'key_again(die 1)',
      'key_call_back(die 3)',
      'key_back(die Stern-Taste)',
      'goodbye',
    ]);
  });
});
