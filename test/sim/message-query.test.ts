// A phone registers: mod_sofia asks whoever keeps its messages for the lamp (MESSAGE_QUERY),
// and a subscriber of that event hears the account.
import { afterEach, describe, expect, it } from 'vitest';
import { InboundClient, type EslEvent } from '../../src/esl/index.js';
import { Simulator } from '../../src/sim/index.js';

let sim: Simulator | undefined;
let subscriber: InboundClient | undefined;
afterEach(async () => {
  await subscriber?.close();
  await sim?.close();
});

describe('a phone registering', () => {
  it('fires MESSAGE_QUERY with its account to the inbound subscribers', async () => {
    sim = new Simulator();
    const fs = await sim.listenInbound({ port: 0, password: 'Sesame-71' });
    subscriber = new InboundClient({
      port: fs.port,
      password: 'Sesame-71',
      events: ['MESSAGE_QUERY'],
      reconnect: false,
    });
    await subscriber.connect();
    const query = new Promise<EslEvent>((resolve) =>
      subscriber!.on('event', (e) => e.name === 'MESSAGE_QUERY' && resolve(e)),
    );
    sim.phoneRegisters('501@pbx.example.com');
    const e = await query;
    expect([e.get('Message-Account'), e.get('VM-Sofia-Profile')]).toEqual([
      'sip:501@pbx.example.com',
      'internal',
    ]);
  });
});
