// `voicebox serve` with `freeswitch.inbound` holds one connection to mod_event_socket (the
// simulator's inbound side): it logs the login and a loss, comes back after the loss, and says
// `exit` on SIGTERM. Without the setting it makes no connection and logs nothing about one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulator } from '../../src/sim/index.js';
import { ensureBuilt, startServe, type LogLine } from './serve-support.js';

beforeAll(ensureBuilt, 300_000);

const sim = new Simulator();
afterAll(() => sim.close());

/** Matches the n-th line (1-based) that `match` accepts, counting lines already logged. */
const nth = (n: number, match: (l: LogLine) => boolean) => {
  let seen = 0;
  return (l: LogLine): boolean => match(l) && ++seen === n;
};
const connected = (l: LogLine): boolean => /connected to FreeSWITCH's event socket/.test(l.msg);

describe('voicebox serve and freeswitch.inbound', () => {
  it('logs in, logs a loss, reconnects, and says exit on SIGTERM', async () => {
    const fs = await sim.listenInbound({ port: 0, password: 'Serve-Secret-9', keepInput: true });
    const serve = await startServe({
      config: `freeswitch:\n  inbound:\n    port: ${fs.port}\n    password: Serve-Secret-9\n    reconnectMinMs: 20\n`,
    });
    try {
      const up = await serve.logged(connected);
      expect(up).toMatchObject({ inbound: `127.0.0.1:${fs.port}` });
      expect(fs.logins).toEqual(['accepted']);
      fs.dropConnections();
      await serve.logged((l) => /lost the connection to FreeSWITCH's event socket/.test(l.msg));
      await serve.logged(nth(2, connected));
      expect(fs.logins).toEqual(['accepted', 'accepted']);
    } finally {
      await serve.stop();
    }
    expect(serve.child.exitCode).toBe(0);
    expect(fs.received.toString('latin1').endsWith('exit\n\n')).toBe(true);
    expect(serve.stderr()).not.toContain('Serve-Secret-9');
  }, 60_000);

  it('a wrong password: an error line naming the key, never the password; serve goes on', async () => {
    const fs = await sim.listenInbound({ port: 0, password: 'The-Right-One' });
    const serve = await startServe({
      config: `freeswitch:\n  inbound:\n    port: ${fs.port}\n    password: Wrong-Secret-42\n    reconnectMinMs: 20\n`,
    });
    try {
      const line = await serve.logged((l) => l.level >= 50 && /event socket/.test(l.msg));
      expect(line.msg).toMatch(/refused freeswitch\.inbound\.password \(-ERR invalid\)/);
      expect(serve.alive()).toBe(true);
    } finally {
      await serve.stop();
    }
    expect(fs.logins[0]).toBe('refused');
    expect(serve.stderr()).not.toContain('Wrong-Secret-42');
  }, 60_000);

  it('without freeswitch.inbound: no connection, no line about one', async () => {
    const serve = await startServe();
    try {
      await serve.logged((l) => /voicebox is ready for FreeSWITCH/.test(l.msg));
    } finally {
      await serve.stop();
    }
    expect(serve.log.filter((l) => /event socket|inbound/i.test(l.msg))).toEqual([]);
  }, 60_000);
});
