// The outbound server is bounded: connections at once, and the bytes all connections hold
// before they form a frame. Stalled or hostile peers hit the limits; real calls go on.
import { afterEach, describe, expect, it } from 'vitest';
import { OutboundServer } from '../../src/esl/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { connectReply, memoryLogger, RawSwitch } from './harness.js';

let server: OutboundServer | undefined;
const peers: RawSwitch[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.socket.destroy();
  await server?.close();
  server = undefined;
});

async function open(port: number): Promise<RawSwitch> {
  const peer = await RawSwitch.open(port);
  peers.push(peer);
  return peer;
}

/** Waits for the server's own bookkeeping (its side of a closed socket may lag the peer's). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A peer that opened the connection and then says nothing: the server is waiting for its connect reply. */
async function idle(port: number): Promise<RawSwitch> {
  const peer = await open(port);
  await peer.next(); // `connect`: the server has taken the connection
  return peer;
}

describe('the connection limit', () => {
  it('idle connections give way to a real call; with only calls, new connections are refused with a log line', async () => {
    const logger = memoryLogger();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handled: string[] = [];
    let holding = 0;
    let allHeld = (): void => undefined;
    const callsHeld = new Promise<void>((resolve) => (allHeld = resolve));
    server = new OutboundServer({
      port: 0,
      logger,
      maxConnections: 3,
      handshakeTimeoutMs: 60_000, // the limit, not the timeout, must free the places
      onChannel: async (ch) => {
        await ch.answer();
        handled.push(ch.uuid);
        if (ch.calledNumber === 'hold') {
          if (++holding === 3) allHeld();
          await gate;
        }
      },
    });
    const { port } = await server.listen();
    const target = `127.0.0.1:${port}`;
    const sim = new Simulator();

    // Three idle peers fill the server; two more push out the two oldest.
    const idlers: RawSwitch[] = [];
    for (let i = 0; i < 5; i++) idlers.push(await idle(port));
    await Promise.all([idlers[0]!.closed, idlers[1]!.closed]);
    expect(server.connections).toBe(3);

    // The canary takes the place of the oldest idle one.
    const canary = await sim.runCall(new ScriptedCaller(), { target });
    expect(handled).toEqual([canary.uuid]);
    await idlers[2]!.closed;
    const pushedOut = logger.lines.filter((l) => l.msg.includes('still in its handshake'));
    expect(pushedOut).toHaveLength(3);
    expect(pushedOut.every((l) => l.level === 'warn')).toBe(true);

    // Three calls in progress fill every place (pushing out the last idle ones): the next is refused.
    const held = [0, 1, 2].map(() => sim.placeCall(new ScriptedCaller({ dialed: 'hold' }), { target }));
    await callsHeld;
    const refused = await open(port);
    await refused.closed;
    const refusals = logger.lines.filter((l) => l.msg.startsWith('refusing event-socket connection'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.level).toBe('warn');
    expect(JSON.stringify(refusals[0]?.obj)).toContain('"limit":3');

    // The held calls end; the next call is served again.
    release();
    await Promise.all(held.map(async (h) => (await h).finished));
    await until(() => server?.connections === 0);
    const after = await sim.runCall(new ScriptedCaller(), { target });
    expect(handled).toContain(after.uuid);
    await sim.close();
  });
});

describe('the buffer budget', () => {
  it('stalled connections sending big bodies stay within the budget of all connections; calls go on', async () => {
    const logger = memoryLogger();
    const budget = 4 * 1024 * 1024;
    const MiB = Buffer.alloc(1024 * 1024, 0x41);
    server = new OutboundServer({
      port: 0,
      logger,
      maxBufferedBytes: budget,
      handshakeTimeoutMs: 60_000,
      onChannel: (ch) => ch.answer().then(() => undefined),
    });
    const { port } = await server.listen();

    // 20 peers each start a 15 MB reply (under the 16 MiB frame limit) and stall after 1 MiB:
    // 20 MiB without a shared budget.
    const stalled: RawSwitch[] = [];
    for (let i = 0; i < 20; i++) {
      const peer = await idle(port);
      peer.send(`Content-Type: api/response\nContent-Length: 15000000\n\n`);
      peer.send(MiB);
      stalled.push(peer);
    }
    let closed = 0;
    await new Promise<void>((resolve) => {
      for (const p of stalled)
        void p.closed.then(() => {
          if (++closed === 16) resolve();
        });
    });

    expect(server.bufferedBytes).toBeLessThanOrEqual(budget);
    expect(server.peakBufferedBytes).toBeLessThanOrEqual(budget);
    const evictions = logger.lines.filter((l) => l.msg.includes('buffer budget'));
    expect(evictions.length).toBeGreaterThanOrEqual(16);
    expect(evictions.every((l) => l.level === 'warn')).toBe(true);

    const sim = new Simulator();
    const canary = await sim.runCall(new ScriptedCaller(), { target: `127.0.0.1:${port}` });
    expect(canary.hangupCause).toBeDefined();
    await until(() => server?.activeCalls === 0);
    await sim.close();
  });
});

describe('events during the handshake', () => {
  it('a flood of events before the handshake ends closes that connection; calls go on', async () => {
    const logger = memoryLogger();
    server = new OutboundServer({
      port: 0,
      logger,
      onChannel: (ch) => ch.answer().then(() => undefined),
    });
    const { port } = await server.listen();
    const peer = await idle(port);
    const body = 'Event-Name: HEARTBEAT\nUnique-ID: 11111111-2222-3333-4444-555555555555\n\n';
    const event = `Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n${body}`;
    // kept for the Channel until the handshake ends, parsed and so outside the byte budget
    peer.send(Buffer.concat([connectReply('x'), Buffer.from(event.repeat(10_000))]));
    await peer.closed;
    const closing = logger.lines.filter((l) => l.msg.includes('protocol error'));
    expect(closing).toHaveLength(1);
    expect(JSON.stringify(closing[0]?.obj)).toContain('before the handshake ended');

    const sim = new Simulator();
    const canary = await sim.runCall(new ScriptedCaller(), { target: `127.0.0.1:${port}` });
    expect(canary.hangupCause).toBeDefined();
    await sim.close();
  });
});
