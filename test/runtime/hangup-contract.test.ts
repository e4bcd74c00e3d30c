// The end of a call is what the media leg says it is: an error that carries the CallHungUp mark
// (isCallHungUp). Such an error, whatever its name, ends the call quietly; any other error,
// even one named like FreeSWITCH's hang-up, is a failure: logged, apologised for, hung up.
import { describe, expect, it } from 'vitest';
import { HangupError } from '../../src/esl/index.js';
import {
  CallSession,
  defaultMenuConfig,
  isCallHungUp,
  type CallEvent,
  type CallHungUp,
  type CallMedia,
  type RuntimeLogger,
  type Voice,
} from '../../src/runtime/index.js';
import { compileSource } from '../dsl/helpers.js';

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly obj: object;
}

function memoryLog(lines: LogLine[]): RuntimeLogger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void =>
      void lines.push({ level, msg: msg ?? '', obj });
  const log: RuntimeLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => log,
  };
  return log;
}

const voice: Voice = {
  promptText: (id) => id,
  render: async (text) => ({ freeswitchPath: `speech/${text}.wav` }),
};

/** A media leg that answers, then gives `gone` for the greeting, as a leg whose call ended does. */
function mediaFailingWith(gone: Error) {
  const played: string[] = [];
  const hungUp: string[] = [];
  const unused = (): Promise<never> => Promise.reject(new Error('not part of this call'));
  const media: CallMedia = {
    uuid: 'c1',
    callerNumber: '+4930555123',
    callerName: '',
    calledNumber: '501',
    data: { variables: new Map() },
    answer: async () => undefined,
    playback: async (file) => {
      played.push(file);
      if (file.includes('hello')) throw gone;
      return { response: 'FILE PLAYED' };
    },
    read: unused,
    record: unused,
    bridge: unused,
    hangup: async (cause) => void hungUp.push(cause ?? ''),
  };
  return { media, played, hungUp };
}

async function callEndingWith(gone: Error) {
  const { bundle, errors } = compileSource('flow f {\n  say hello\n  say thanks\n}');
  expect(errors).toEqual([]);
  const { media, played, hungUp } = mediaFailingWith(gone);
  const log: LogLine[] = [];
  const events: CallEvent[] = [];
  await new CallSession({
    bundle,
    flow: 'f',
    media,
    voice,
    actions: new Map(),
    config: defaultMenuConfig,
    mediaRoot: { local: '/nonexistent', freeswitch: '/nonexistent' },
    log: memoryLog(log),
    onEvent: (e) => events.push(e),
  }).run();
  const said = events.flatMap((e) => (e.kind === 'prompt' ? e.prompts : []));
  return { played, hungUp, log, events, said };
}

/** an error of the media leg that says the call is over, by the mark alone */
const marked = (name: string, hangupCause?: string): Error & CallHungUp =>
  Object.assign(new Error('the line went dead'), {
    name,
    callHungUp: true as const,
    ...(hangupCause ? { hangupCause } : {}),
  });

describe('the hang-up contract of CallMedia', () => {
  it('an error with the mark, whatever its name, ends the call quietly with its cause', async () => {
    const call = await callEndingWith(marked('LineDropped', 'ORIGINATOR_CANCEL'));
    expect(call.events).toContainEqual({ kind: 'hangup', cause: 'ORIGINATOR_CANCEL', by: 'caller' });
    expect(call.events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(call.said).toEqual(['hello']);
    expect(call.played, 'nothing is played to a caller who is gone').toHaveLength(1);
    expect(call.hungUp, 'voicebox does not hang up a call that is over').toEqual([]);
    expect(call.log.filter((l) => l.level === 'error')).toEqual([]);
    expect(call.log).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'caller hung up',
        obj: expect.objectContaining({ cause: 'ORIGINATOR_CANCEL' }),
      }),
    );
  });

  it("an error named 'HangupError' without the mark is a failure: logged, apologised for, hung up", async () => {
    const impostor = Object.assign(new Error('call hung up (NORMAL_CLEARING)'), {
      name: 'HangupError',
      hangupCause: 'NORMAL_CLEARING',
    });
    const call = await callEndingWith(impostor);
    expect(call.log).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'call failed',
        obj: expect.objectContaining({ kind: 'HangupError', err: 'call hung up (NORMAL_CLEARING)' }),
      }),
    );
    expect(call.events).toContainEqual(
      expect.objectContaining({ kind: 'error', message: 'call hung up (NORMAL_CLEARING)' }),
    );
    expect(call.said).toEqual(['hello', 'technical_problem']);
    expect(call.hungUp).toEqual(['NORMAL_TEMPORARY_FAILURE']);
    expect(call.events.at(-1)).toEqual({ kind: 'hangup', cause: 'NORMAL_TEMPORARY_FAILURE', by: 'voicebox' });
  });

  it("FreeSWITCH's hang-up (the event socket's HangupError) carries the mark", async () => {
    const gone = new HangupError('NORMAL_CLEARING');
    const mark: CallHungUp = gone;
    expect(isCallHungUp(mark)).toBe(true);
    expect(isCallHungUp(new HangupError('TRANSFERRED', true))).toBe(true);
    const call = await callEndingWith(gone);
    expect(call.events).toContainEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING', by: 'caller' });
    expect(call.said).toEqual(['hello']);
    expect(call.log.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('the mark must be there and true: a plain error, a string, or a false mark is no hang-up', () => {
    expect(isCallHungUp(new Error('boom'))).toBe(false);
    expect(isCallHungUp('call hung up')).toBe(false);
    expect(isCallHungUp({ callHungUp: true })).toBe(false);
    expect(isCallHungUp(Object.assign(new Error('x'), { callHungUp: false }))).toBe(false);
    expect(isCallHungUp(Object.assign(new Error('x'), { callHungUp: 'yes' }))).toBe(false);
  });
});
