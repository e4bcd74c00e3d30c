import { afterEach, describe, expect, it } from 'vitest';
import { EslCommandError, EslConnectionError, InboundClient } from '../../src/esl/index.js';
import type { EslEvent } from '../../src/esl/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import type { SimInboundServer } from '../../src/sim/index.js';
import { OutboundServer } from '../../src/esl/index.js';

let sim: Simulator;
let fs: SimInboundServer;
const clients: InboundClient[] = [];

async function start(password = 'ClueCon', port = 0): Promise<void> {
  sim ??= new Simulator();
  fs = await sim.listenInbound({ port, password });
}

function client(options: ConstructorParameters<typeof InboundClient>[0] = {}): InboundClient {
  const c = new InboundClient({
    port: fs.port,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim?.close();
  sim = undefined as unknown as Simulator;
});

describe('InboundClient against the simulated mod_event_socket', () => {
  it('authenticates and runs api commands', async () => {
    await start();
    const c = client();
    await c.connect();
    expect(c.isConnected).toBe(true);
    expect(await c.api('status')).toMatch(/^UP .*\nFreeSWITCH \(Version 1\.10\.12/);
    expect(await c.api('uuid_exists 00000000-0000-0000-0000-000000000000')).toBe('false');
  });

  it('rejects a wrong password clearly, without retrying', async () => {
    await start('secret');
    const c = client({ password: 'WrongPass' });
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslCommandError);
    expect((err as EslCommandError).reply).toBe('-ERR invalid');
    expect((err as Error).message).toContain('password');
    expect(c.isConnected).toBe(false);
  });

  it('turns -ERR output into EslCommandError', async () => {
    await start();
    const c = client();
    await c.connect();
    const err = await c.api('no_such_command').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslCommandError);
    expect((err as EslCommandError).reply).toBe('-ERR no_such_command Command not found!\n');
    expect(await c.api('status')).toContain('UP'); // the connection is still in step
  });

  it('bgapi resolves on the BACKGROUND_JOB carrying our Job-UUID', async () => {
    await start();
    const c = client();
    await c.connect();
    const [a, b] = await Promise.all([
      c.bgapi('originate user/1001 &park()'),
      c.bgapi('show channels count'),
    ]);
    expect(a).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    expect(b).toBe('\n0 total.\n');
    await expect(c.bgapi('bogus')).rejects.toBeInstanceOf(EslCommandError);
  });

  it('sendevent MESSAGE_WAITING reaches the switch and subscribers', async () => {
    await start();
    const listener = client({ events: ['MESSAGE_WAITING'] });
    await listener.connect();
    const seen = new Promise<EslEvent>((resolve) =>
      listener.on('event', (e) => e.name === 'MESSAGE_WAITING' && resolve(e)),
    );
    const c = client();
    await c.connect();
    const id = await c.sendevent('MESSAGE_WAITING', [
      ['MWI-Messages-Waiting', 'yes'],
      ['MWI-Message-Account', '1000@pbx.example.com'],
      ['MWI-Voice-Message', '2/5 (1/0)'],
    ]);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const ev = await seen;
    expect(ev.get('MWI-Voice-Message')).toBe('2/5 (1/0)');
    expect(ev.get('Event-UUID')).toBe(id);
    expect(sim.messageWaiting).toEqual([
      { account: '1000@pbx.example.com', waiting: 'yes', voiceMessage: '2/5 (1/0)', accepted: true },
    ]);
    await c.sendevent('MESSAGE_WAITING', [['MWI-Voice-Message', '1/0']]);
    expect(sim.messageWaiting[1]?.accepted).toBe(false);
  });

  it('receives the events of simulated calls it subscribed to', async () => {
    await start();
    const c = client({ events: ['CHANNEL_HANGUP_COMPLETE'] });
    await c.connect();
    const names: string[] = [];
    c.on('event', (e) => names.push(`${e.name} ${e.get('Hangup-Cause') ?? ''}`));
    const server = new OutboundServer({ port: 0, onChannel: (ch) => ch.hangup('USER_BUSY') });
    const { port } = await server.listen();
    await sim.runCall(new ScriptedCaller(), { target: `127.0.0.1:${port}` });
    await server.close();
    while (names.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(names).toEqual(['CHANNEL_HANGUP_COMPLETE USER_BUSY']);
  });

  it('reconnects after FreeSWITCH restarts; commands meanwhile wait for the new connection', async () => {
    await start();
    const c = client();
    await c.connect();
    const port = fs.port;
    const events: string[] = [];
    c.on('disconnected', () => events.push('disconnected'));
    c.on('connected', () => events.push('connected'));
    await sim.stopInbound(fs);
    while (c.isConnected) await new Promise((r) => setTimeout(r, 5));
    const pending = c.api('status', { timeoutMs: 5000 });
    fs = await sim.listenInbound({ port });
    expect(await pending).toContain('UP');
    expect(events).toEqual(['disconnected', 'connected']);
  });

  it('start() keeps trying until FreeSWITCH is up', async () => {
    await start();
    const port = fs.port;
    await sim.stopInbound(fs);
    const c = new InboundClient({ port, reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    clients.push(c);
    c.start();
    const pending = c.api('status', { timeoutMs: 5000 });
    await new Promise((r) => setTimeout(r, 60)); // a few failed attempts
    fs = await sim.listenInbound({ port });
    expect(await pending).toContain('UP');
  });

  it('fails pending work and refuses new work after close()', async () => {
    await start();
    const c = client();
    await c.connect();
    await c.close();
    await expect(c.api('status')).rejects.toBeInstanceOf(EslConnectionError);
  });
});
