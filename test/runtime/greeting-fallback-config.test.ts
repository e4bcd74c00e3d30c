// `greetings.languageFallback` as `serve` wires it: with `standard`, a caller from London to an
// owner who recorded her greeting only in German hears the standard greeting in English, not
// her German recording (the setting used to stop at the config: the store was built without it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { ScriptedCaller, writeWav } from '../../src/sim/index.js';
import { serveEmbedded, type Served } from './served.js';

let box: Served | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const ALICE_KEY = '49301234501';

async function londonCallsAlice(fallback: 'recorded' | 'standard'): Promise<string[]> {
  box = await serveEmbedded({
    configure: (config) => {
      config.greetings.languageFallback = fallback;
    },
  });
  // her German greeting for every profile, so whatever profile is in force now has one
  const dir = join(box.media, 'greetings', ALICE_KEY);
  mkdirSync(dir, { recursive: true });
  for (const profile of loadMenus(['menus']).bundle.profiles.available)
    writeWav(join(dir, `${profile}.de.wav`), 500, 0);
  const { events } = await box.call(
    new ScriptedCaller({ number: '+442079460000', dialed: '501' }).hangupDuring('record', 0),
  );
  return events.flatMap((e) =>
    e.kind === 'audio' ? [`audio:${e.file.split('/').at(-1)}`] : e.kind === 'prompt' ? e.prompts : [],
  );
}

describe('greetings.languageFallback reaches the calls', () => {
  it('recorded (the default): the London caller hears her German recording', async () => {
    const heard = await londonCallsAlice('recorded');
    expect(
      heard.some((h) => /^audio:\w+\.de\.wav$/.test(h)),
      heard.join(' '),
    ).toBe(true);
    expect(heard).not.toContain('standard_greeting');
  });

  it('standard: the London caller hears the standard greeting, not her German recording', async () => {
    const heard = await londonCallsAlice('standard');
    expect(heard, heard.join(' ')).toContain('standard_greeting');
    expect(heard.some((h) => h.endsWith('.de.wav'))).toBe(false);
  });
});
