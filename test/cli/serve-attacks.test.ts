// `voicebox serve` under attack, as a process: wire attacks one after another, each followed by
// a canary call whose message must reach the Maildir while serve stays alive.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import {
  canaryCall,
  connectReply,
  ensureBuilt,
  malformedEvent,
  Peer,
  reply,
  simulator,
  startServe,
  type Serve,
} from './serve-support.js';

const MAX_CONNECTIONS = 40;
const MAX_BUFFERED = 32 * 1024 * 1024;

let serve: Serve;
let sim: Simulator;

beforeAll(async () => {
  await ensureBuilt();
  serve = await startServe({
    nodeArgs: ['--import', pathToFileURL(resolve('test/cli/fixtures/fault-on-signal.mjs')).href],
    config: `freeswitch:\n  maxConnections: ${MAX_CONNECTIONS}\n  maxBufferedBytes: ${MAX_BUFFERED}\n`,
  });
  sim = simulator();
}, 180_000);

afterAll(async () => {
  await sim?.close();
  await serve?.stop();
});

/** The three replies after `connect`, when the server has sent linger, myevents and event. */
async function answerHandshake(peer: Peer, lastWith?: Buffer): Promise<void> {
  await peer.nth(3);
  peer.send(reply('+OK will linger'));
  peer.send(reply('+OK Events Enabled'));
  const last = reply('+OK event listener enabled plain');
  peer.send(lastWith ? Buffer.concat([last, lastWith]) : last);
}

type Attack = [name: string, run: (port: number) => Promise<void>];

const attacks: Attack[] = [
  [
    'malformed event in the same write as the connect reply',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send(Buffer.concat([connectReply(), malformedEvent()]));
      await answerHandshake(p);
      await p.closed;
    },
  ],
  [
    'malformed event before the last handshake reply',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send(connectReply());
      await p.nth(3);
      p.send(Buffer.concat([reply('+OK will linger'), malformedEvent()]));
      p.send(reply('+OK Events Enabled'));
      p.send(reply('+OK event listener enabled plain'));
      await p.closed;
    },
  ],
  [
    'malformed event in the same write as the last handshake reply',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send(connectReply());
      await answerHandshake(p, malformedEvent());
      await p.closed;
    },
  ],
  [
    '10,000 events before the handshake ends',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      const body = 'Event-Name: HEARTBEAT\n\n';
      const event = `Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n${body}`;
      p.send(Buffer.concat([connectReply(), Buffer.from(event.repeat(10_000))]));
      await p.closed;
    },
  ],
  [
    'an error that escapes the handling of its call (injected: a rejection and a throw)',
    async () => {
      const before = serve.log.filter((l) => String(l.msg).includes('keeps serving')).length;
      process.kill(serve.pid, 'SIGUSR2');
      await serve.logged(
        () => serve.log.filter((l) => String(l.msg).includes('keeps serving')).length >= before + 2,
      );
    },
  ],
  [
    'garbage frame',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send('HTTP/1.1 400 Bad Request\r\nServer: nope\r\n\r\n');
      await p.closed;
    },
  ],
  [
    '2 GB Content-Length',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send('Content-Type: api/response\nContent-Length: 2147483648\n\n');
      await p.closed;
    },
  ],
  [
    '10 MB header block',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      const line = `X-Padding: ${'a'.repeat(1000)}\n`;
      p.send(Buffer.from(line.repeat(10_000)));
      await p.closed;
    },
  ],
  [
    'slowloris: the connect reply one byte at a time, never finished',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      const bytes = Buffer.from(`X-Slow: ${'z'.repeat(100_000)}`);
      // the attacker's own pace; the server must end it (handshake limit), not the attacker
      for (let i = 0; !p.gone; i = (i + 1) % bytes.length) {
        p.send(bytes.subarray(i, i + 1));
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  ],
  [
    'connection closed in the middle of a frame',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      const half = connectReply();
      p.send(half.subarray(0, half.length >> 1));
      p.socket.end();
      await p.closed;
    },
  ],
  [
    'connection reset in the middle of an event after the handshake',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send(connectReply());
      await answerHandshake(p);
      await p.nth(4); // the call runs: its first command
      const event = malformedEvent();
      p.send(event.subarray(0, event.length - 10));
      p.socket.resetAndDestroy();
      await p.closed;
    },
  ],
  [
    'Latin-1 and bad percent-escapes in the caller and the number dialled',
    async (port) => {
      const p = await Peer.open(port);
      await p.nth(0);
      p.send(connectReply('Jos%E9 %ZZ%%', '%E9%2B49%G1%', '50%1%'));
      await answerHandshake(p);
      await p.nth(4); // the call was taken and runs
      p.socket.destroy();
      await p.closed;
    },
  ],
  [
    `burst of idle sockets up to the connection limit (${MAX_CONNECTIONS}), held during the canary`,
    async (port) => {
      const idle: Peer[] = [];
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const p = await Peer.open(port);
        await p.nth(0);
        idle.push(p);
      }
      held.push(...idle);
    },
  ],
  [
    `60 stalled connections, each 2 MiB into a 16 MB body (budget ${MAX_BUFFERED >> 20} MiB)`,
    async (port) => {
      for (const p of held.splice(0)) p.socket.destroy();
      const chunk = Buffer.alloc(2 * 1024 * 1024, 0x42);
      const stalled: Peer[] = [];
      for (let i = 0; i < 60; i++) {
        const p = await Peer.open(port);
        if ((await p.nth(0)) === undefined) continue; // pushed out by the limit already
        p.send('Content-Type: api/response\nContent-Length: 16000000\n\n');
        p.send(chunk);
        stalled.push(p);
      }
      held.push(...stalled);
    },
  ],
];

/** Peers an attack leaves open while its canary calls. */
const held: Peer[] = [];

describe('voicebox serve under attack', () => {
  it('survives every wire attack, and a canary call after each leaves its message', async () => {
    const results: Array<{ attack: string; survived: boolean; delivered: boolean; error?: string }> = [];
    let n = 0;
    for (const [name, attack] of attacks) {
      n++;
      let error: string | undefined;
      try {
        await attack(serve.port);
      } catch (e) {
        error = `attack: ${(e as Error).message}`;
      }
      let delivered = false;
      if (serve.alive()) {
        try {
          await canaryCall(serve, sim, `+49305550${String(n).padStart(3, '0')}`);
          delivered = true;
        } catch (e) {
          error = `canary: ${(e as Error).message}`;
        }
      }
      // refused: the listening socket is gone with the process, even if its exit is not seen yet
      const survived = serve.alive() && !error?.includes('ECONNREFUSED');
      results.push({ attack: name, survived, delivered, ...(error ? { error } : {}) });
    }
    for (const p of held.splice(0)) p.socket.destroy();
    const survived = results.filter((r) => r.survived).length;
    const delivered = results.filter((r) => r.delivered).length;
    console.log(`attacks tried ${results.length} / survived ${survived} / canaries delivered ${delivered}`);
    const failed = results.filter((r) => !r.survived || !r.delivered);
    expect(failed, serve.alive() ? '' : serve.stderr().slice(-3000)).toEqual([]);
    // every attack is on record: refused or closed connections carry a log line
    const warned = serve.log.filter((l) => l.level === 40).map((l) => l.msg);
    expect(warned).toContainEqual(expect.stringContaining('protocol error'));
    expect(warned).toContainEqual(expect.stringContaining('buffer budget'));
    expect(warned).toContainEqual(expect.stringContaining('still in its handshake'));
  }, 300_000);
});
