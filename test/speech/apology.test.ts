// A failing call is never kept waiting for the renderer: the apology it plays before it hangs
// up is rendered when the server starts (loadRuntime, as `serve` and `call` do), and played
// from there even while every render hangs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRuntime, shippedMenus, type LoadedRuntime } from '../../src/cli/runtime.js';
import { DirectoryUnavailable } from '../../src/directory/index.js';
import { defaultMenuConfig, VoiceboxServer, type CallEvent } from '../../src/runtime/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { silentLogger } from '../support/log.js';
import { installFakeEngines, type FakeEngines } from './fake-engines.js';

let engines: FakeEngines;
beforeAll(() => {
  engines = installFakeEngines();
});
afterAll(() => engines.restore());

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  engines.lower('espeak-hangs');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server on the shipped menus whose directory is down, as `serve` builds it. */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-apology-'));
  const media = { local: dir, freeswitch: dir };
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // one render at a time, and a timeout far beyond the test: a hung render stays hung
  const runtime = await loadRuntime({
    menus: shippedMenus,
    media,
    speech: { renderTimeoutMs: 600_000, concurrency: 1 },
  });
  const events: CallEvent[] = [];
  const server = new VoiceboxServer({
    ...runtime,
    actions: new Map([
      // the caller's language comes first, before the directory is asked
      ['caller language', async () => ({ value: 'de' })],
      [
        'lookup user',
        async () => {
          throw new DirectoryUnavailable(
            [{ server: 'ldap://127.0.0.1:389', error: 'connect ECONNREFUSED 127.0.0.1:389' }],
            undefined,
          );
        },
      ],
    ]),
    config: defaultMenuConfig,
    log: silentLogger,
    port: 0,
    onCall: () => (event) => events.push(event),
  });
  const { host, port } = await server.listen();
  const sim = new Simulator({ missingFiles: 'not-found' });
  cleanups.push(async () => {
    await server.close();
    await sim.close();
  });
  const call = () =>
    sim.runCall(new ScriptedCaller({ number: '+4930123456', dialed: '501' }), { target: `${host}:${port}` });
  return { runtime, events, call };
}

/** Every render from now on hangs; the returned render is one of them, still pending. */
function wedge(runtime: LoadedRuntime): { settled: () => boolean } {
  engines.raise('espeak-hangs');
  let settled = false;
  runtime.voice
    .render('Eine Ansage, die nie fertig wird.', 'de')
    .catch(() => undefined)
    .finally(() => (settled = true));
  return { settled: () => settled };
}

describe('a failing call while the renderer hangs', () => {
  it('hears the apology rendered at start and is hung up', async () => {
    const { runtime, events, call } = await startServer();
    expect(runtime.prepared).toEqual({ ready: 4, failures: [] }); // 2 prompts × de, en
    const hung = wedge(runtime);

    const report = await call();

    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'error',
        message: expect.stringMatching(/no directory server answered/),
      }),
    );
    expect(events).toContainEqual({
      kind: 'prompt',
      prompts: ['technical_problem'],
      text: 'Es tut uns leid, es gibt ein technisches Problem. Bitte versuchen Sie es später noch einmal.',
    });
    const played = report.transcript.filter((e) => e.kind === 'playback').map((e) => e.text);
    expect(played).toHaveLength(1);
    // the whole sentence, about six seconds of it, from the file rendered at start
    expect(played[0]).toMatch(/\/tts\/de\/[0-9a-f]{64}\.wav \([4-9]\.\ds\)$/);
    expect(report.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(report.endedBy).toBe('voicebox');
    // the renderer was stuck the whole time
    expect(hung.settled()).toBe(false);
  });

  it('is hung up at once, without waiting, when the apology is not rendered', async () => {
    const { runtime, events, call } = await startServer();
    const hung = wedge(runtime);
    rmSync(join(runtime.mediaRoot.local, 'tts'), { recursive: true, force: true });

    const report = await call();

    expect(events.filter((e) => e.kind === 'prompt')).toEqual([]);
    expect(report.transcript.filter((e) => e.kind === 'playback')).toEqual([]);
    expect(report.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(hung.settled()).toBe(false);
  });
});
