// `voicebox serve` never exits on an error that escaped the handling of one call: it logs the
// error and the next call is served. The fault is injected into the real process from outside
// (test/cli/fixtures/fault-on-signal.mjs, loaded with `node --import`).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canaryCall, ensureBuilt, simulator, startServe, type Serve } from './serve-support.js';

const fault = pathToFileURL(resolve('test/cli/fixtures/fault-on-signal.mjs')).href;
let serve: Serve | undefined;
afterAll(async () => {
  await serve?.stop();
});

describe('voicebox serve: the safety net', () => {
  it('an unhandled rejection and an uncaught exception are logged; serve keeps serving', async () => {
    await ensureBuilt();
    serve = await startServe({ nodeArgs: ['--import', fault] });
    const sim = simulator();
    await canaryCall(serve, sim, '+4930555201');

    process.kill(serve.pid, 'SIGUSR2');
    const escaped = (kind: string) =>
      serve!.logged((l) => l.kind === kind && String(l.msg).includes('keeps serving'));
    const [rejection, exception] = await Promise.all([
      escaped('unhandledRejection'),
      escaped('uncaughtException'),
    ]);
    expect(rejection.level).toBe(50);
    expect(rejection.err).toBe('injected fault: a rejected promise nobody awaits');
    expect(exception.err).toBe('injected fault: a throw from an event-loop callback');

    const file = await canaryCall(serve, sim, '+4930555202');
    expect(file).toContain('alice');
    expect(serve.alive()).toBe(true);
    await sim.close();
  }, 120_000);
});
