// The call server's observer (what the metrics count) and its releases: each accepted call is
// started and ended once, with the release it ran and how it ended; a call keeps the release it
// was accepted with.
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import {
  CallServer,
  defaultMenuConfig,
  type CallMedia,
  type CallObserver,
  type CallOutcome,
  type ObservedCall,
  type Release,
} from '../../src/runtime/index.js';
import { answering, type Answering, type AnsweringOptions } from '../support/calls.js';
import { silentLogger } from '../support/log.js';
import { textVoice } from '../support/voice.js';

const demo = loadMenus(['examples/demo']).bundle;

function observer(): CallObserver & { seen: string[] } {
  const seen: string[] = [];
  const id = (c: ObservedCall) => `${c.flow}@${c.release}`;
  return {
    seen,
    started: (c) => void seen.push(`started ${id(c)}`),
    ended: (c, outcome: CallOutcome) => void seen.push(`ended ${id(c)} ${outcome}`),
  };
}

const running: Answering[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.close();
});

async function start(o: Omit<AnsweringOptions, 'bundle'>): Promise<Answering> {
  const box = await answering({ bundle: demo, defaultFlow: 'demo', ...o });
  running.push(box);
  return box;
}

describe('the call observer', () => {
  it('sees a call start and end once: completed when voicebox says goodbye, caller_hangup when she hangs up', async () => {
    const seen = observer();
    const { dial } = await start({ observer: seen });
    await dial('100').hears('demo_welcome').press('#').hears('goodbye');
    await dial('100').hears('demo_welcome').hangsUp();
    expect(seen.seen).toEqual([
      'started demo@0',
      'ended demo@0 completed',
      'started demo@0',
      'ended demo@0 caller_hangup',
    ]);
  });

  it('a call without the dialplan token ends as refused, and is never started', async () => {
    const seen = observer();
    const { dial } = await start({ observer: seen, token: 'the-dialplan-token-1234' });
    const call = await dial('100').scripted((c) => c);
    expect(call.heard).toEqual([]);
    // the flow a refused connection names is not trusted: it would become a metrics label
    expect(seen.seen).toEqual(['ended other@0 refused']);
  });

  it('a refused call naming flows of its own, or a call naming a flow the menus lack, is counted as `other`', async () => {
    const seen = observer();
    const calls = new CallServer({
      release: () => ({ id: '3', bundle: demo, voice: textVoice, actions: new Map() }),
      observer: seen,
      config: defaultMenuConfig,
      mediaRoot: { local: '/nonexistent', freeswitch: '/nonexistent' },
      log: silentLogger,
      token: 'the-dialplan-token-1234',
    });
    for (const flow of ['junk-1', 'junk-2', 'demo']) await calls.serve(waitingCall({ voicebox_flow: flow }));
    const unknown = waitingCall({ voicebox_flow: 'junk-3', voicebox_token: 'the-dialplan-token-1234' });
    const served = calls.serve(unknown).catch(() => undefined);
    await unknown.hangup();
    await served;
    expect(seen.seen.filter((s) => s.includes('junk'))).toEqual([]);
    expect(seen.seen.slice(0, 3)).toEqual([
      'ended other@3 refused',
      'ended other@3 refused',
      'ended other@3 refused',
    ]);
    expect(seen.seen.slice(3)).toEqual(['started other@3', expect.stringMatching(/^ended other@3 /)]);
  });

  it('runs each new call on the release in force when it is accepted', async () => {
    const seen = observer();
    const first: Release = { id: '1', bundle: demo, voice: textVoice, actions: new Map() };
    const second: Release = {
      ...first,
      id: '2',
      voice: { ...textVoice, promptText: (id, language) => `${language}:second_${id}` },
    };
    let live = first;
    const { dial } = await start({ observer: seen, release: () => live });
    await dial('100').hears('demo_welcome').hangsUp();
    live = second;
    await dial('100').hears('second_demo_welcome').hangsUp();
    expect(seen.seen).toEqual([
      'started demo@1',
      'ended demo@1 caller_hangup',
      'started demo@2',
      'ended demo@2 caller_hangup',
    ]);
  });
});

/** A call that waits to be answered until it is hung up. */
function waitingCall(
  variables: Record<string, string> = { voicebox_flow: 'demo' },
): CallMedia & { hangupCalled: Promise<void> } {
  let hungUp!: (e: Error) => void;
  let told!: () => void;
  const gone = new Promise<never>((_, reject) => (hungUp = reject));
  gone.catch(() => undefined);
  const hangupCalled = new Promise<void>((r) => (told = r));
  const goneError = (): Error => Object.assign(new Error('hung up'), { callHungUp: true as const });
  return {
    uuid: 'held-1',
    callerNumber: '+4930555777',
    callerName: '',
    calledNumber: '100',
    data: { variables: new Map(Object.entries(variables)) },
    hangupCalled,
    answer: () => gone,
    playback: () => gone,
    read: () => gone,
    record: () => gone,
    bridge: () => gone,
    hangup: () => {
      hungUp(goneError());
      told();
      return Promise.resolve();
    },
  };
}

describe('a stop that cannot wait', () => {
  it('counts calls by release while they run, and a call hung up after the drain ends as drained', async () => {
    const seen = observer();
    const calls = new CallServer({
      release: () => ({ id: '3', bundle: demo, voice: textVoice, actions: new Map() }),
      observer: seen,
      config: defaultMenuConfig,
      mediaRoot: { local: '/nonexistent', freeswitch: '/nonexistent' },
      log: silentLogger,
    });
    const media = waitingCall();
    const served = calls.serve(media);
    expect(calls.activeCalls).toBe(1);
    expect([...calls.callsByRelease]).toEqual([['3', 1]]);
    expect(calls.markDrained()).toBe(1);
    await media.hangup();
    await served;
    expect(seen.seen).toEqual(['started demo@3', 'ended demo@3 drained']);
    expect(calls.activeCalls).toBe(0);
    expect([...calls.callsByRelease]).toEqual([]);
    await calls.idle();
  });
});
