// The dialogue itself: prompts known by id, keys that wait for voicebox however long it
// thinks, and a failure that says what was heard instead.
import { afterEach, describe, expect, it } from 'vitest';
import type { ActionResult } from '../../src/runtime/index.js';
import { compileSource } from '../dsl/helpers.js';
import { answering, type Answering } from './calls.js';
import { heardIn, namedSilence } from './voice.js';

const running: Answering[] = [];
afterEach(async () => {
  for (const voicebox of running.splice(0)) await voicebox.close();
});

/** A PIN menu whose check takes `checkMs` of real time, as scrypt and LDAP do on a busy machine. */
async function pinLine(checkMs: number) {
  const { bundle, errors } = compileSource(
    `
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  menu pin {
    say enter_pin
    input pin 4 to 8 digits end hash -> check
  }
  step check {
    check pin(user, pin)
      on wrong {
        say wrong_pin
        goto pin
      }
      on locked -> hang up
      on expired -> hang up
      on change_required -> hang up
      on refused -> hang up
    say main_menu
  }
}`,
    { enter_pin: 'PIN?', wrong_pin: 'Wrong.', main_menu: 'Menu.' },
  );
  expect(errors).toEqual([]);
  const voicebox = await answering({
    bundle,
    defaultFlow: 'f',
    actions: {
      'lookup user': async () => ({ value: { name: 'Alice' } }),
      'check pin': async ([, pin]): Promise<ActionResult> => {
        await new Promise((resolve) => setTimeout(resolve, checkMs));
        return pin === '2468' ? {} : { outcome: 'wrong' };
      },
    },
  });
  running.push(voicebox);
  return voicebox;
}

describe('a dialogue', () => {
  it('waits for voicebox however long it thinks before the next key', async () => {
    // the simulator's clock moves on after 200 ms of a silent controller: a caller who keys
    // at a fixed time would be ahead of a PIN check that takes longer
    const { dial } = await pinLine(700);
    const call = await dial('501')
      .hears('enter_pin')
      .types('9999#')
      .hears('wrong_pin')
      .hears('enter_pin')
      .types('2468#')
      .hears('main_menu');
    expect(call.heard).toEqual(['enter_pin', 'wrong_pin', 'enter_pin', 'main_menu']);
    expect(call.events.filter((e) => e.kind === 'dtmf').map((e) => e.kind === 'dtmf' && e.digits)).toEqual([
      '9',
      '999',
      '#',
      '2',
      '468',
      '#',
    ]);
  });

  it('says what was heard when a prompt never comes', async () => {
    const { dial } = await pinLine(0);
    await expect(dial('501').hears('enter_pin').types('9999#').hears('main_menu').hangsUp()).rejects.toThrow(
      'expected main_menu after enter_pin, heard: enter_pin, wrong_pin, enter_pin, enter_pin, enter_pin, goodbye',
    );
  });

  it('acts on the n-th time a prompt plays, not the first', async () => {
    const { dial } = await pinLine(0);
    const call = await dial('501').hears('enter_pin').types('1111#').hears('enter_pin').hangsUp();
    expect(call.heard).toEqual(['enter_pin', 'wrong_pin', 'enter_pin']);
    expect(call.ended).toEqual({ cause: 'NORMAL_CLEARING', by: 'caller' });
  });
});

describe('what the text voice lets a test hear', () => {
  it('prompts by id with their values, words between them, beeps and files', () => {
    const summary = 'you_have(de:count_new_voice(eins) und de:count_new_email(zwei))';
    expect(heardIn(namedSilence(`de:${summary} de:main_menu`))).toEqual([summary, 'main_menu']);
    expect(heardIn(namedSilence('en:your_number_is plus four nine, three zero en:goodbye'))).toEqual([
      'your_number_is',
      'plus four nine, three zero',
      'goodbye',
    ]);
    expect(heardIn(namedSilence('en:profile_is(de:profile_vacation (x))'))).toEqual([
      'profile_is(de:profile_vacation (x))',
    ]);
    expect(heardIn('tone_stream://%(500,0,800)')).toEqual(['tone']);
    expect(heardIn('/var/media/recordings/c1-1.wav')).toEqual(['audio:c1-1.wav']);
    expect(heardIn('silence_stream://250')).toEqual([]);
  });
});
