// freeswitch.token over real TCP with the simulator playing FreeSWITCH: the dialplan sets
// voicebox_token (CHANNEL_DATA `variable_voicebox_token`); a call without it, or with a wrong
// one, is hung up before any application or action runs, and the log never shows a token.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { defaultMenuConfig, VoiceboxServer, type ActionImpl, type Voice } from '../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';

const TOKEN = 'f3b9c2a77e1d4c0b9a8e6d5c4b3a2910';

const voice: Voice = {
  promptText: (id) => id,
  render: async (text) => ({ freeswitchPath: `silence_stream://500?${encodeURIComponent(text)}` }),
};

const running: Array<{ server: VoiceboxServer; sim: Simulator }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.server.close();
    await r.sim.close();
  }
});

async function start(token: string | undefined) {
  const media = mkdtempSync(join(tmpdir(), 'voicebox-token-'));
  const lookups: string[] = [];
  const calls: string[] = [];
  const lines: string[] = [];
  const log = {
    info: (o: object, m?: string) => lines.push(`${JSON.stringify(o)} ${m ?? ''}`),
    warn: (o: object, m?: string) => lines.push(`${JSON.stringify(o)} ${m ?? ''}`),
    error: (o: object, m?: string) => lines.push(`${JSON.stringify(o)} ${m ?? ''}`),
    debug: (o: object, m?: string) => lines.push(`${JSON.stringify(o)} ${m ?? ''}`),
    child: () => log,
  };
  // the only action the caller side reaches for an unknown mailbox: it must not run for an impostor
  const lookupUser: ActionImpl = async ([number]) => {
    lookups.push(String(number));
    return { outcome: 'unknown' };
  };
  const server = new VoiceboxServer({
    bundle: loadMenus(['menus']).bundle,
    voice,
    actions: new Map([
      ['caller language', async () => ({ value: 'de' })],
      ['lookup user', lookupUser],
    ]),
    config: defaultMenuConfig,
    mediaRoot: { local: media, freeswitch: media },
    log,
    port: 0,
    onCall: (uuid) => {
      calls.push(uuid);
      return undefined;
    },
    ...(token ? { token } : {}),
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'default-length' });
  running.push({ server, sim });
  const call = (variables: Record<string, string>) =>
    sim.runCall(new ScriptedCaller({ number: '+49 170 1000001', dialed: '501', variables }), {
      target: `${host}:${port}`,
    });
  return { call, lookups, calls, lines };
}

describe('freeswitch.token', () => {
  it('the right voicebox_token: the call runs as usual', async () => {
    const box = await start(TOKEN);
    const report = await box.call({ voicebox_token: TOKEN });
    expect(box.lookups).toEqual(['501']);
    expect(report.transcript.map((t) => t.kind)).toContain('playback');
    expect(report.text).toContain('unknown_mailbox');
    expect(report.hangupCause).toBe('NORMAL_CLEARING');
  });

  it.each<[string, Record<string, string>]>([
    ['missing', {}],
    ['empty', { voicebox_token: '' }],
    ['wrong', { voicebox_token: 'a-guessed-token-of-the-same-size!' }],
    ['a prefix of the right one', { voicebox_token: TOKEN.slice(0, 16) }],
    ['the right one and more', { voicebox_token: `${TOKEN}x` }],
  ])('%s voicebox_token: hung up at once, nothing else runs, no token in the log', async (_, variables) => {
    const box = await start(TOKEN);
    const report = await box.call(variables);
    expect(report.hangupCause).toBe('CALL_REJECTED');
    expect(report.endedBy).toBe('voicebox');
    // no answer, no prompt, no lookup: the call never reached the menus
    expect(report.transcript.filter((t) => t.kind !== 'hangup')).toEqual([]);
    expect(box.lookups).toEqual([]);
    expect(box.calls).toEqual([]);
    const refused = box.lines.filter((l) => l.includes('call refused'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain('voicebox_token');
    for (const line of box.lines) {
      expect(line).not.toContain(TOKEN.slice(0, 8));
      const sent = variables.voicebox_token;
      if (sent) expect(line).not.toContain(sent);
    }
  });

  it('without freeswitch.token every call is taken, with or without the variable', async () => {
    const box = await start(undefined);
    await box.call({});
    await box.call({ voicebox_token: 'anything-at-all-here' });
    expect(box.lookups).toEqual(['501', '501']);
  });
});
