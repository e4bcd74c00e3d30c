// The inbound link `voicebox serve` holds to mod_event_socket: against the simulator's inbound
// side — login, a connection that breaks or stops answering, a wrong password, the back-off
// between attempts, and the MESSAGE_WAITING frames as real FreeSWITCH received them.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { InboundLink, InboundLinkDown } from '../../src/esl/index.js';
import type { InboundLinkOptions, LinkRetry } from '../../src/esl/index.js';
import { Simulator } from '../../src/sim/index.js';
import type { SimInboundServer } from '../../src/sim/index.js';
import { memoryLogger } from './harness.js';

let sim: Simulator | undefined;
const links: InboundLink[] = [];

async function freeswitch(password = 'Sesame-71'): Promise<SimInboundServer> {
  sim ??= new Simulator();
  return sim.listenInbound({ port: 0, password, keepInput: true });
}

function link(fs: SimInboundServer, options: Partial<InboundLinkOptions> = {}) {
  const logger = memoryLogger();
  const l = new InboundLink({
    host: '127.0.0.1',
    port: fs.port,
    password: 'Sesame-71',
    logger,
    reconnectMinMs: 10,
    reconnectMaxMs: 80,
    ...options,
  });
  links.push(l);
  return { link: l, lines: logger.lines };
}

afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await sim?.close();
  sim = undefined;
});

/** The command blocks (each with its blank line) in bytes a client sent. */
function commandBlocks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf('\n\n'); end >= 0; end = bytes.indexOf('\n\n', start)) {
    out.push(bytes.subarray(start, end + 2));
    start = end + 2;
  }
  return out;
}

const MWI_YES: Array<[string, string]> = [
  ['MWI-Messages-Waiting', 'yes'],
  ['MWI-Message-Account', 'sip:501@voicebox.example.com'],
  ['MWI-Voice-Message', '2/1 (0/0)'],
];

describe('the inbound link to FreeSWITCH', () => {
  it('connects, authenticates, says so in one log line and answers api', async () => {
    const fs = await freeswitch();
    const { link: l, lines } = link(fs);
    l.start();
    await once(l, 'up');
    expect(l.isUp).toBe(true);
    expect(fs.logins).toEqual(['accepted']);
    expect(await l.api('status')).toMatch(/^UP /);
    const info = lines.filter((x) => x.level === 'info');
    expect(info).toHaveLength(1);
    expect(info[0]?.msg).toMatch(/connected to FreeSWITCH's event socket/);
    expect(info[0]?.obj).toMatchObject({ inbound: `127.0.0.1:${fs.port}` });
  });

  it('reconnects when FreeSWITCH closes the socket, with a log line for the loss', async () => {
    const fs = await freeswitch();
    const { link: l, lines } = link(fs);
    l.start();
    await once(l, 'up');
    const down = once(l, 'down');
    fs.dropConnections();
    const [reason] = (await down) as [Error];
    expect(l.isUp).toBe(false);
    expect(reason.message).toMatch(/closed|lost/);
    await once(l, 'up');
    expect(fs.logins).toEqual(['accepted', 'accepted']);
    const admin = lines.filter((x) => x.level !== 'debug');
    expect(admin.map((x) => `${x.level} ${x.msg}`)).toEqual([
      expect.stringMatching(/^info connected to FreeSWITCH's event socket/),
      expect.stringMatching(/^warn lost the connection to FreeSWITCH's event socket; reconnecting/),
      expect.stringMatching(/^info connected to FreeSWITCH's event socket/),
    ]);
  });

  it('a wrong password: one error line naming the key and never the password; attempts spaced by the back-off', async () => {
    const fs = await freeswitch('the-right-one');
    const { link: l, lines } = link(fs, { password: 'Wrong-Secret-42' });
    const retries: LinkRetry[] = [];
    const loginsAtRetry: number[] = [];
    const sixth = new Promise<void>((resolve) =>
      l.on('retry', (r) => {
        retries.push(r);
        loginsAtRetry.push(fs.logins.length);
        if (retries.length === 6) resolve();
      }),
    );
    l.start();
    await sixth;
    await l.close();
    expect(fs.logins).toEqual(Array(6).fill('refused'));
    // each attempt waited for the timer the previous failure set: never an attempt in between
    expect(loginsAtRetry).toEqual([1, 2, 3, 4, 5, 6]);
    // exponential from reconnectMinMs, capped at reconnectMaxMs, less up to half of it as jitter
    const nominal = [10, 20, 40, 80, 80, 80];
    retries.forEach((r, i) => {
      expect(r.attempt).toBe(i + 1);
      expect(r.cause).toBe('refused');
      expect(r.delayMs).toBeGreaterThanOrEqual(nominal[i]! / 2);
      expect(r.delayMs).toBeLessThanOrEqual(nominal[i]!);
    });
    const errors = lines.filter((x) => x.level === 'error');
    expect(errors).toHaveLength(1); // the same failure again is not repeated in the log
    expect(errors[0]?.msg).toMatch(/freeswitch\.inbound\.password/);
    expect(errors[0]?.msg).toMatch(/refused/);
    expect(JSON.stringify(lines)).not.toContain('Wrong-Secret-42');
    expect(l.isUp).toBe(false);
  });

  it('sendEvent and api fail at once with InboundLinkDown while there is no connection', async () => {
    const fs = await freeswitch();
    const port = fs.port;
    await sim!.stopInbound(fs);
    const { link: l } = link(fs, { port, reconnectMinMs: 60_000, reconnectMaxMs: 60_000 });
    l.start();
    const [retry] = (await once(l, 'retry')) as [LinkRetry];
    expect(retry.cause).toBe('unreachable');
    // the next attempt is a minute away: an answer now is not a wait for it
    const err = await l.sendEvent('MESSAGE_WAITING', MWI_YES).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InboundLinkDown);
    expect((err as Error).message).toMatch(/not connected to FreeSWITCH's event socket/);
    await expect(l.api('status')).rejects.toBeInstanceOf(InboundLinkDown);
  });

  it('a FreeSWITCH that stops answering is closed and the connection made again', async () => {
    const fs = await freeswitch();
    const { link: l, lines } = link(fs, { livenessIntervalMs: 20, livenessTimeoutMs: 300 });
    l.start();
    await once(l, 'up');
    const down = once(l, 'down');
    fs.stall(true);
    const [reason] = (await down) as [Error];
    expect(reason.message).toMatch(/did not answer/);
    fs.stall(false);
    await once(l, 'up');
    expect(
      lines.some((x) => x.level === 'warn' && /did not answer `api status` within 300 ms/.test(x.msg)),
    ).toBe(true);
    expect(fs.logins).toEqual(['accepted', 'accepted']);
  });

  it('sends MESSAGE_WAITING as the bytes FreeSWITCH received in the capture; refuses what mod_sofia would drop', async () => {
    const fs = await freeswitch();
    const { link: l } = link(fs);
    l.start();
    await once(l, 'up');
    const uuid = await l.sendEvent('MESSAGE_WAITING', MWI_YES);
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    await l.sendEvent('MESSAGE_WAITING', [
      ['MWI-Messages-Waiting', 'no'],
      ['MWI-Message-Account', 'sip:501@voicebox.example.com'],
      ['MWI-Voice-Message', '0/3 (0/0)'],
    ]);
    // FreeSWITCH accepts this one just the same (the capture); no phone's lamp would change
    await expect(l.sendEvent('MESSAGE_WAITING', [['MWI-Messages-Waiting', 'maybe']])).rejects.toThrow(
      /MWI-Messages-Waiting must be yes or no/,
    );
    await l.api('status'); // everything sent before it has arrived
    const sent = commandBlocks(fs.received).filter((b) => b.toString('latin1').startsWith('sendevent'));
    const captured = commandBlocks(
      readFileSync(new URL('../fixtures/esl/inbound-mwi.app2fs.raw', import.meta.url)),
    )
      .filter((b) => b.toString('latin1').startsWith('sendevent'))
      .slice(0, 2);
    expect(sent.map((b) => b.toString('latin1'))).toEqual(captured.map((b) => b.toString('latin1')));
    expect(Buffer.concat(sent).equals(Buffer.concat(captured))).toBe(true);
    expect(sim!.messageWaiting.map((m) => [m.waiting, m.accepted])).toEqual([
      ['yes', true],
      ['no', true],
    ]);
  });

  it('close() says exit to FreeSWITCH, logs no loss and makes no new connection', async () => {
    const fs = await freeswitch();
    const { link: l, lines } = link(fs);
    l.start();
    await once(l, 'up');
    await l.close();
    expect(
      commandBlocks(fs.received)
        .map((b) => b.toString('latin1'))
        .at(-1),
    ).toBe('exit\n\n');
    while (fs.connectionCount > 0) await new Promise((r) => setTimeout(r, 5));
    expect(l.isUp).toBe(false);
    expect(lines.filter((x) => x.level !== 'info' && x.level !== 'debug')).toEqual([]);
    expect(fs.logins).toEqual(['accepted']);
    await expect(l.sendEvent('MESSAGE_WAITING', MWI_YES)).rejects.toBeInstanceOf(InboundLinkDown);
  });
});
