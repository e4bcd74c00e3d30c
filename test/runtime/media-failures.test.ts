// Every media failure is an error line an operator can act on: where in the menus, which file,
// and what FreeSWITCH answered; the call's hang-up cause is FreeSWITCH's; and a message that
// could not be recorded never looks delivered. Over TCP, against the embedded defaults.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallEvent, CallMedia, Voice } from '../../src/runtime/index.js';
import { ScriptedCaller } from '../../src/sim/index.js';
import { serveEmbedded, type LogLine, type Served } from './served.js';

let box: Served | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

const leavesMessage = (): ScriptedCaller =>
  new ScriptedCaller({ number: '+4930555123', dialed: '501' })
    .pressWhilePlaying(/standard_greeting/, '0', 500)
    .pressDuring('record', '#', 3000);

const errors = (log: LogLine[]): LogLine[] => log.filter((l) => l.level === 'error');
const said = (events: CallEvent[]): string[] => events.flatMap((e) => (e.kind === 'prompt' ? e.prompts : []));
const hangup = (events: CallEvent[]) => events.find((e) => e.kind === 'hangup');

/** the place in the shipped menus: `menus/voicebox.ivr:<line>:<col>` */
const inVoiceboxMenu = expect.stringMatching(/voicebox\.ivr:\d+:\d+$/);

describe('media failures are visible', () => {
  it("a prompt file FreeSWITCH cannot find: an error line with the menu's place, the file and FILE NOT FOUND", async () => {
    let missing = '';
    const voice: Voice = {
      promptText: (id, language) => `${language}:${id}`,
      render: async (text) => {
        if (!text.includes('standard_greeting'))
          return { freeswitchPath: `silence_stream://2000?${encodeURIComponent(text)}` };
        missing = join(box!.media, 'speech', 'never-rendered.wav');
        return { freeswitchPath: missing };
      },
    };
    box = await serveEmbedded({ voice, sim: { missingFiles: 'not-found' } });
    const { events } = await box.call(
      new ScriptedCaller({ number: '+4930555123', dialed: '501' }).hangupDuring('record', 1000),
    );
    expect(errors(box.log)).toContainEqual(
      expect.objectContaining({
        msg: 'playback failed',
        obj: expect.objectContaining({ at: inVoiceboxMenu, file: missing, freeswitch: 'FILE NOT FOUND' }),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'error', message: expect.stringContaining('FILE NOT FOUND') }),
    );
  });

  it("a playback FreeSWITCH fails: an error line with the menu's place, the file and PLAYBACK ERROR", async () => {
    // what FreeSWITCH answers for a file it cannot decode
    const brokenGreeting = (channel: CallMedia): CallMedia =>
      new Proxy(channel, {
        get(target, prop) {
          if (prop === 'playback')
            return async (file: string, options?: { terminators?: string }) =>
              /standard_greeting/.test(file)
                ? { response: 'PLAYBACK ERROR' }
                : target.playback(file, options);
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    box = await serveEmbedded({ media: brokenGreeting });
    await box.call(new ScriptedCaller({ number: '+4930555123', dialed: '501' }).hangupDuring('record', 1000));
    expect(errors(box.log)).toContainEqual(
      expect.objectContaining({
        msg: 'playback failed',
        obj: expect.objectContaining({
          at: inVoiceboxMenu,
          file: expect.stringContaining('standard_greeting'),
          freeswitch: 'PLAYBACK ERROR',
        }),
      }),
    );
  });

  it('a recording FreeSWITCH cannot write: an error line, FreeSWITCH\'s cause, no message and no "saved"', async () => {
    // FreeSWITCH's recordings folder is missing on its side (a relative or wrong media path)
    box = await serveEmbedded({
      sim: { toLocalPath: (p) => p.replace('/recordings/', '/not-there/recordings/') },
    });
    const { events } = await box.call(leavesMessage());
    const line = errors(box.log).find((l) => l.obj.file && String(l.obj.file).includes('/recordings/'));
    expect(line, 'an error line names the recording').toBeDefined();
    expect(line!.obj).toMatchObject({ at: inVoiceboxMenu, freeswitch: 'DESTINATION_OUT_OF_ORDER' });
    expect(hangup(events)).toMatchObject({ cause: 'DESTINATION_OUT_OF_ORDER', by: 'freeswitch' });
    expect(events.some((e) => e.kind === 'record')).toBe(false);
    expect(box.log.some((l) => l.msg === 'caller hung up' && l.obj.cause === 'NORMAL_CLEARING')).toBe(false);
    expect(said(events)).not.toContain('message_saved');
    expect(await box.voiceMails('alice')).toEqual([]);
  });

  it('a recording FreeSWITCH wrote where voicebox cannot see it: the caller hears the apology, not "saved"', async () => {
    // media.freeswitch names another folder than media.local
    box = await serveEmbedded({
      sim: { toLocalPath: (p) => p.replace('/recordings/', '/elsewhere/') },
    });
    mkdirSync(join(box.media, 'elsewhere'));
    const { events } = await box.call(leavesMessage());
    expect(said(events)).not.toContain('message_saved');
    expect(said(events)).toContain('technical_problem');
    const line = errors(box.log).find((l) => l.obj.file && String(l.obj.file).includes('/recordings/'));
    expect(line, 'an error line names the recording').toBeDefined();
    expect(line!.obj).toMatchObject({
      at: inVoiceboxMenu,
      freeswitch: expect.stringMatching(/no file at .*recordings/),
    });
    expect(await box.voiceMails('alice')).toEqual([]);
  });
});
