// The runtime over real TCP against the FreeSWITCH simulator: what a caller hears and
// does, hang-ups at every step, calls side by side, failures inside one call.
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileFiles, parse, loadMenus } from '../../dsl/index.js';
import type { Bundle } from '../../src/graph/index.js';
import {
  defaultMenuConfig,
  VoiceboxServer,
  type ActionImpl,
  type CallEvent,
  type Voice,
} from '../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { catalogs } from '../dsl/helpers.js';

/** Each prompt lasts 2 s of simulated time; its text is kept for the assertions. */
const texts = new Map<string, string>();
const voice: Voice = {
  promptText: (id, _language, values) =>
    `${id}${Object.keys(values).length ? `(${Object.values(values).join(',')})` : ''}`,
  render: async (text) => {
    const path = `silence_stream://2000?${encodeURIComponent(text)}`;
    texts.set(path, text);
    return { freeswitchPath: path };
  },
};

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };

function bundleOf(source: string): Bundle {
  const parsed = parse('t.ivr', 'languages {\n  default en\n  offer en\n}\n' + source);
  const result = compileFiles(
    [parsed.file],
    catalogs({ item: 'Item {n}.', done: 'Done.', menu_prompt: 'Press 1.' }),
  );
  const errors = [...parsed.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error');
  expect(errors.map((d) => `${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual([]);
  return result.bundle;
}

const running: Array<{ server: VoiceboxServer; sim: Simulator }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.server.close();
    await r.sim.close();
  }
});

async function start(bundle: Bundle, flow: string, actions: Record<string, ActionImpl> = {}) {
  const media = mkdtempSync(join(tmpdir(), 'voicebox-runtime-'));
  const events = new Map<string, CallEvent[]>();
  const server = new VoiceboxServer({
    bundle,
    voice,
    actions: new Map(Object.entries(actions)),
    config: defaultMenuConfig,
    mediaRoot: { local: media, freeswitch: media },
    log: silent,
    port: 0,
    defaultFlow: flow,
    onCall: (uuid) => {
      const list: CallEvent[] = [];
      events.set(uuid, list);
      return (e) => list.push(e);
    },
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length' });
  running.push({ server, sim });
  const call = async (caller: ScriptedCaller) => {
    const report = await sim.runCall(caller, { target: `${host}:${port}` });
    return { report, events: events.get(report.uuid) ?? [] };
  };
  return { server, sim, call, media, target: `${host}:${port}` };
}

const said = (events: CallEvent[]) => events.flatMap((e) => (e.kind === 'prompt' ? [e.text] : []));

const demo = () => loadMenus(['examples/demo']).bundle;

describe('a call through the demo menu', () => {
  it('records a 3-second message after 2, plays it back, says goodbye, hangs up', async () => {
    const { call } = await start(demo(), 'demo');
    const caller = new ScriptedCaller({ number: '+4930123456', dialed: '100' })
      .pressWhilePlaying(/silence_stream/, '2', 500)
      .pressDuring('record', '#', 3000);
    const { report, events } = await call(caller);
    expect(events.map((e) => e.kind)).toEqual([
      'listen',
      'prompt',
      'dtmf',
      'prompt',
      'tone',
      'record',
      'prompt',
      'audio',
      'prompt',
      'hangup',
    ]);
    const record = events.find((e) => e.kind === 'record');
    // record_ms: FreeSWITCH reports 60 ms less than the 3 s recorded
    expect(record).toMatchObject({ kind: 'record', ms: 2940, hungUp: false });
    const file = record?.kind === 'record' ? record.file : '';
    // 8 kHz 16-bit mono: 16,000 bytes a second, plus the header
    expect(statSync(file).size).toBeGreaterThanOrEqual(2.94 * 16000);
    expect(report.hangupCause).toBe('NORMAL_CLEARING');
    expect(report.endedBy).toBe('voicebox');
  });

  it('ends cleanly when the caller hangs up at any step', async () => {
    const { call, server } = await start(demo(), 'demo');
    for (let step = 1; step <= 12; step++) {
      const caller = new ScriptedCaller({ number: '+4930123456', dialed: '100' })
        .pressWhilePlaying(/silence_stream/, '2', 500)
        .pressDuring('record', '#', 3000)
        .hangupAtStep(step, 100);
      const { report, events } = await call(caller);
      expect(
        events.filter((e) => e.kind === 'error'),
        `step ${step}`,
      ).toEqual([]);
      expect(events.at(-1)?.kind, `step ${step}`).toBe('hangup');
      expect(report.hangupCause, `step ${step}`).toBeDefined();
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
    const sent: unknown[] = [];
    const { call } = await start(bundle, 'f', {
      'lookup user': async () => ({ value: { name: 'Alice', enabled: true } }),
      'send voice message': async (args) => {
        sent.push(args);
        return {};
      },
    });
    const { events } = await call(
      new ScriptedCaller({ number: '+4930123456', dialed: '501' }).hangupDuring('record', 4000),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual([
      expect.objectContaining({ kind: 'audio', ms: 3940 }), // record_ms: 60 ms short of the 4 s
      { name: 'Alice', enabled: true },
    ]);
    // nothing is said to a caller who is gone
    expect(said(events)).toEqual([]);
    expect(events.at(-1)).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING', by: 'caller' });
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
    const sent: unknown[] = [];
    const { call } = await start(bundle, 'f', {
      'lookup user': async () => ({ value: { name: 'Alice' } }),
      'send voice message': async (args) => {
        sent.push(args);
        return {};
      },
    });
    await call(new ScriptedCaller({ number: '+4930123456', dialed: '501' }).hangupAt(1000));
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
  list = list messages(user, newest_first)
    on unavailable -> hang up
  for each m in list {
    say item(n: index)
  }
  say done
}`);
    const { call } = await start(bundle, 'f', {
      'lookup user': async (args) =>
        args[0] === '501' ? { value: { name: 'Alice' } } : { outcome: 'unknown' },
      'list messages': async () => ({ value: [{ subject: 'a' }, { subject: 'b' }, { subject: 'c' }] }),
    });
    const known = await call(new ScriptedCaller({ dialed: '501' }));
    expect(said(known.events)).toEqual(['item(one)', 'item(two)', 'item(three)', 'done']);
    const unknown = await call(new ScriptedCaller({ dialed: '999' }));
    expect(said(unknown.events)).toEqual(['goodbye']);
  });

  it('keeps two calls at once apart', async () => {
    const { sim, target: address } = await start(demo(), 'demo');
    const one = sim.runCall(
      new ScriptedCaller({ number: '+4930111111', dialed: '100' })
        .pressWhilePlaying(/silence_stream/, '3', 100)
        .hangupAt(5000),
      { target: address },
    );
    const two = sim.runCall(
      new ScriptedCaller({ number: '+4989222222', dialed: '100' })
        .pressWhilePlaying(/silence_stream/, '3', 100)
        .hangupAt(5000),
      { target: address },
    );
    const [a, b] = await Promise.all([one, two]);
    const textOf = (r: typeof a) => r.transcript.map((t) => decodeURIComponent(t.text)).join('\n');
    expect(textOf(a)).toContain('your_number_is');
    expect(textOf(a)).toContain('plus four nine, three zero one one, one one one one');
    expect(textOf(a)).not.toContain('two two two');
    expect(textOf(b)).toContain('plus four nine, eight nine two two, two two two two');
    expect(textOf(b)).not.toContain('one one one');
  });

  it('apologises and hangs up when an action fails, and logs where in the menus', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  say done
}`);
    const { call } = await start(bundle, 'f', {
      'lookup user': async () => {
        throw new Error('LDAP is down');
      },
    });
    const { events, report } = await call(new ScriptedCaller({ dialed: '501' }));
    expect(events).toContainEqual({ kind: 'error', message: 'LDAP is down', at: 't.ivr:7:3' });
    expect(said(events)).toEqual(['technical_problem']);
    expect(report.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
  });

  it('apologises for an action the server does not have', async () => {
    const bundle = bundleOf(`
flow f {
  user = lookup user(call.called)
    on unknown -> hang up
  say done
}`);
    const { call } = await start(bundle, 'f');
    const { events } = await call(new ScriptedCaller({ dialed: '501' }));
    expect(events).toContainEqual({
      kind: 'error',
      message: "the action 'lookup user' is not available in this server",
      at: 't.ivr:7:3',
    });
    expect(said(events)).toEqual(['technical_problem']);
  });

  it('ends a call whose playback never finishes when the caller hangs up', async () => {
    const bundle = bundleOf(`
flow f {
  say menu_prompt
  say done
}`);
    const longVoice: Voice = {
      ...voice,
      render: async () => ({ freeswitchPath: 'silence_stream://3600000' }),
    };
    const media = mkdtempSync(join(tmpdir(), 'voicebox-runtime-'));
    const events: CallEvent[] = [];
    const server = new VoiceboxServer({
      bundle,
      voice: longVoice,
      actions: new Map(),
      config: defaultMenuConfig,
      mediaRoot: { local: media, freeswitch: media },
      log: silent,
      port: 0,
      defaultFlow: 'f',
      onCall: () => (e) => events.push(e),
    });
    const { port } = await server.listen();
    const sim = new Simulator();
    running.push({ server, sim });
    const report = await sim.runCall(new ScriptedCaller({ dialed: '1' }).hangupAt(2000), {
      target: `127.0.0.1:${port}`,
    });
    expect(report.durationMs).toBeLessThan(3000);
    expect(events.at(-1)).toMatchObject({ kind: 'hangup', by: 'caller' });
    expect(said(events)).toEqual(['menu_prompt']);
    expect(server.activeCalls).toBe(0);
    expect(existsSync(media)).toBe(true);
  });
});
