// `voicebox serve` and file descriptors: it starts under a low file limit, and when the limit is
// reached a refused call leaves a log line instead of nothing.
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { canaryCall, ensureBuilt, Peer, simulator, startServe, type Serve } from './serve-support.js';

let serve: Serve | undefined;
const peers: Peer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.socket.destroy();
  await serve?.stop();
  serve = undefined;
});

const FILE_LIMIT = 64;

describe('voicebox serve: file descriptors', () => {
  it(`starts under a limit of ${FILE_LIMIT} open files and takes a call`, async () => {
    await ensureBuilt();
    serve = await startServe({ fileLimit: FILE_LIMIT });
    const open = readdirSync(`/proc/${serve.pid}/fd`).length;
    expect(open).toBeLessThan(40);
    const sim = simulator();
    await canaryCall(serve, sim, '+4930555301');
    await sim.close();
  }, 120_000);

  it('a connection limit above the file limit is lowered with a warning; idle peers then cannot starve calls', async () => {
    await ensureBuilt();
    serve = await startServe({
      fileLimit: FILE_LIMIT,
      config: 'freeswitch:\n  maxConnections: 1000\n',
    });
    // at the file limit the kernel refuses a connection and libuv closes it before Node sees
    // it: no log line. The connection limit must refuse first, and it logs.
    const lowered = await serve.logged((l) => String(l.msg).includes('open-file limit'));
    expect(lowered.level).toBe(40);
    const allowed = Number(lowered.allowed);
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(FILE_LIMIT / 2);

    const sim = simulator();
    for (let i = 0; i < FILE_LIMIT; i++) {
      const p = await Peer.open(serve.port);
      peers.push(p);
      await p.nth(0); // `connect`, or closed when it pushed out an older one... or was pushed out
    }
    await canaryCall(serve, sim, '+4930555302');
    // the log is another pipe than the call's socket: wait for the lines rather than count now
    const pushedOut = (): number =>
      serve!.log.filter((l) => String(l.msg).includes('still in its handshake')).length;
    await serve.logged(() => pushedOut() >= FILE_LIMIT - allowed);
    expect(pushedOut()).toBeGreaterThanOrEqual(FILE_LIMIT - allowed);
    expect(serve.alive()).toBe(true);
    await sim.close();
  }, 180_000);
});
