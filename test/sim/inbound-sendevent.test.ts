// The simulator's inbound side takes `sendevent` as FreeSWITCH 1.10.12 does (the inbound-mwi
// capture, mod_event_socket's parse_command) and records the lamps mod_sofia would light.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EslMessage, FrameParser, InboundClient, InboundLink } from '../../src/esl/index.js';
import type { EslEvent, Frame } from '../../src/esl/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import type { SimInboundServer } from '../../src/sim/index.js';
import { RawController } from './raw-controller.js';

const capture = (dir: 'app2fs' | 'fs2app'): Buffer =>
  readFileSync(new URL(`../fixtures/esl/inbound-mwi.${dir}.raw`, import.meta.url));

function framesOf(bytes: Buffer): Frame[] {
  const out: Frame[] = [];
  new FrameParser().push(bytes, (f) => out.push(f));
  return out;
}

/** The command blocks of a client's bytes, each with its blank line. */
function commandBlocks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let end = bytes.indexOf('\n\n'); end >= 0; end = bytes.indexOf('\n\n', start)) {
    out.push(bytes.subarray(start, end + 2));
    start = end + 2;
  }
  return out;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** What differs from one FreeSWITCH to another and from one moment to the next. */
const VOLATILE = new Set([
  'Event-UUID',
  'Core-UUID',
  'FreeSWITCH-Hostname',
  'FreeSWITCH-Switchname',
  'FreeSWITCH-IPv4',
  'FreeSWITCH-IPv6',
  'Event-Date-Local',
  'Event-Date-GMT',
  'Event-Date-Timestamp',
  'Event-Sequence',
]);

/** A frame as text, on the wire's own (URL-encoded) values, with the volatile ones masked. */
function shown(f: Frame): string {
  const type = f.headers.raw('Content-Type') ?? '';
  const lines = f.headers.entries.map(([k, v]) => {
    if (k === 'Content-Length' && type.startsWith('text/event-')) return `${k}: <length>`;
    return `${k}: ${v.replace(UUID, '<uuid>')}`;
  });
  const body = f.body?.toString('latin1') ?? '';
  const bodyLines = type.startsWith('text/event-')
    ? body.split('\n').map((line) => {
        const name = line.slice(0, line.indexOf(':'));
        return VOLATILE.has(name) ? `${name}: <masked>` : line;
      })
    : [body];
  return [...lines, '', ...bodyLines].join('\n');
}

/** A client speaking raw bytes to the simulator's inbound socket, as the capture's test client did. */
class RawClient {
  readonly frames: Frame[] = [];
  private readonly parser = new FrameParser();
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) =>
      this.parser.push(chunk, (f) => {
        this.frames.push(f);
        this.wake();
      }),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `count` frames have arrived, or the socket closed. */
  async until(count: number): Promise<Frame[]> {
    while (this.frames.length < count && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.frames;
  }

  async untilClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a command and resolves with its reply (the frames before it are skipped). */
  async command(text: string | Buffer): Promise<Frame | undefined> {
    const before = this.frames.length;
    this.socket.write(typeof text === 'string' ? `${text}\n\n` : text);
    for (let n = before + 1; ; n++) {
      const frames = await this.until(n);
      if (frames.length < n) return undefined;
      const f = frames[n - 1] as Frame;
      const type = f.headers.raw('Content-Type');
      if (type === 'command/reply' || type === 'api/response') return f;
    }
  }

  /** Resolves with the next event after the `seen` frames (`undefined` if the socket closed). */
  async eventAfter(seen: number): Promise<EslEvent | undefined> {
    for (let n = seen + 1; ; n++) {
      const frames = await this.until(n);
      if (frames.length < n) return undefined;
      const m = new EslMessage(frames[n - 1] as Frame);
      const ev = m.event();
      if (ev) return ev;
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const replyText = (f: Frame | undefined): string | undefined => f?.headers.raw('Reply-Text');

let sim: Simulator | undefined;
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  await sim?.close();
  sim = undefined;
});

async function freeswitch(password = 'ClueCon'): Promise<{ sim: Simulator; fs: SimInboundServer }> {
  sim = new Simulator();
  return { sim, fs: await sim.listenInbound({ port: 0, password }) };
}

async function client(fs: SimInboundServer, subscribe?: string): Promise<RawClient> {
  const c = await RawClient.open(fs.port);
  open.push({ close: () => c.destroy() });
  await c.until(1); // auth/request
  expect(replyText(await c.command('auth ClueCon'))).toBe('+OK accepted');
  if (subscribe !== undefined) expect(replyText(await c.command(subscribe))).toMatch(/^\+OK event listener/);
  return c;
}

const MWI = (waiting: string, account: string, voice: string): string =>
  `sendevent MESSAGE_WAITING\nMWI-Messages-Waiting: ${waiting}\nMWI-Message-Account: ${account}\nMWI-Voice-Message: ${voice}`;

describe('sendevent on the simulated inbound socket', () => {
  it('answers the capture inbound-mwi byte for byte, but for UUIDs, times, sequence numbers and host', async () => {
    const { sim, fs } = await freeswitch();
    const expected = framesOf(capture('fs2app'));
    // How many frames FreeSWITCH had sent after each command: its reply and the events behind it
    const after: number[] = [];
    expected.forEach((f, i) => {
      if (i === 0 || f.headers.raw('Content-Type') === 'command/reply') after.push(i + 1);
      else after[after.length - 1] = i + 1;
    });
    const c = await RawClient.open(fs.port);
    open.push({ close: () => c.destroy() });
    await c.until(after[0] as number);
    const blocks = commandBlocks(capture('app2fs'));
    expect(blocks.map((b) => b.toString('latin1').split('\n')[0])).toEqual([
      'auth ClueCon',
      'event plain MESSAGE_WAITING MESSAGE_QUERY',
      'sendevent MESSAGE_WAITING',
      'sendevent MESSAGE_WAITING',
      'sendevent MESSAGE_WAITING',
      'exit',
    ]);
    for (const [i, block] of blocks.entries()) {
      c.write(block);
      await c.until(after[i + 1] as number);
    }
    await c.untilClosed();

    expect(c.frames.map(shown)).toEqual(expected.map(shown));
    // Each reply names the event that follows it; the sequence counts on by one
    const events = c.frames.flatMap((f) => {
      const ev = new EslMessage(f).event();
      return ev ? [ev] : [];
    });
    const okUuids = c.frames
      .map((f) => replyText(f) ?? '')
      .filter((t) => /^\+OK [0-9a-f-]{36}$/.test(t))
      .map((t) => t.slice(4));
    expect(events.map((e) => e.get('Event-UUID'))).toEqual(okUuids);
    const seq = events.map((e) => Number(e.get('Event-Sequence')));
    expect(seq).toEqual([seq[0] as number, (seq[0] as number) + 1, (seq[0] as number) + 2]);

    // The phones: one lamp on, then off; the third event lacks the account and reaches none
    expect(sim.lamps.map((l) => [l.account, l.waiting, l.voice, l.eventUuid])).toEqual([
      ['sip:501@voicebox.example.com', true, { new: 2, old: 1, urgentNew: 0, urgentOld: 0 }, okUuids[0]],
      ['sip:501@voicebox.example.com', false, { new: 0, old: 3, urgentNew: 0, urgentOld: 0 }, okUuids[1]],
    ]);
    expect(sim.lamps[0]?.headers).toEqual([
      ['Messages-Waiting', 'yes'],
      ['Message-Account', 'sip:501@voicebox.example.com'],
      ['Voice-Message', '2/1 (0/0)'],
    ]);
    expect(sim.lampOf('501@voicebox.example.com')?.waiting).toBe(false);
    expect(sim.droppedEvents.map((d) => [d.name, d.reason])).toEqual([
      ['MESSAGE_WAITING', "Missing required Header 'MWI-Message-Account'"],
    ]);
  });

  it('records what mod_sofia drops — the core still fires it and says +OK', async () => {
    const { sim, fs } = await freeswitch();
    const watcher = await client(fs, 'event plain MESSAGE_WAITING');
    const c = await client(fs);
    const sends = [
      'sendevent MESSAGE_WAITING\nMWI-Message-Account: 501@voicebox.example.com\nMWI-Voice-Message: 1/0',
      MWI('maybe', '501@voicebox.example.com', '1/0'),
      MWI('yes', '501', '1/0'),
    ];
    for (const text of sends) {
      const seen = watcher.frames.length;
      const reply = replyText(await c.command(text));
      expect(reply).toMatch(/^\+OK [0-9a-f-]{36}$/);
      expect((await watcher.eventAfter(seen))?.get('Event-UUID')).toBe(reply?.slice(4));
    }
    expect(sim.lamps).toEqual([]);
    expect(sim.droppedEvents.map((d) => d.reason)).toEqual([
      "Missing required Header 'MWI-Messages-Waiting'",
      'MWI-Messages-Waiting "maybe" is neither yes nor no',
      'Cannot find profile for the account "501"',
    ]);
    expect(sim.droppedEvents[0]?.headers).toContainEqual(['MWI-Voice-Message', '1/0']);
  });

  it('prepends sip: to an account without it, as the NOTIFY says it; urgent counts are read', async () => {
    const { sim, fs } = await freeswitch();
    const c = await client(fs);
    await c.command(MWI('YES', '1000@pbx.example.com', '2/5 (1/0)'));
    expect(sim.lampOf('sip:1000@PBX.example.com')).toMatchObject({
      account: 'sip:1000@pbx.example.com',
      waiting: true,
      voice: { new: 2, old: 5, urgentNew: 1, urgentOld: 0 },
      headers: [
        ['Messages-Waiting', 'YES'],
        ['Message-Account', 'sip:1000@pbx.example.com'],
        ['Voice-Message', '2/5 (1/0)'],
      ],
    });
    await c.command(MWI('no', 'sip:1000@pbx.example.com', 'none'));
    expect(sim.lampOf('1000@pbx.example.com')).toMatchObject({ waiting: false, voice: undefined });
  });

  it('refuses a sendevent before auth: nothing is fired, nothing recorded', async () => {
    const { sim, fs } = await freeswitch();
    const watcher = await client(fs, 'event plain ALL');
    const stranger = await RawClient.open(fs.port);
    open.push({ close: () => stranger.destroy() });
    await stranger.until(1);
    const seen = watcher.frames.length;
    expect(replyText(await stranger.command(MWI('yes', '501@voicebox.example.com', '1/0')))).toBe(
      '-ERR command not found',
    );
    const c = await client(fs);
    const ok = replyText(await c.command(MWI('no', '501@voicebox.example.com', '0/1')));
    // the first event the watcher gets is the authenticated one
    expect((await watcher.eventAfter(seen))?.get('Event-UUID')).toBe(ok?.slice(4));
    expect(sim.lamps.map((l) => l.waiting)).toEqual([false]);
    expect(sim.sentEvents).toHaveLength(1);
  });

  it('keeps the command line as sent; an unknown name leaves the event a CLONE', async () => {
    const { fs } = await freeswitch();
    const all = await client(fs, 'event plain ALL');
    const mwiOnly = await client(fs, 'event plain MESSAGE_WAITING');
    const c = await client(fs);
    let seen = all.frames.length;
    await c.command('sendevent NO_SUCH_EVENT\nX-Note: hello world');
    const clone = await all.eventAfter(seen);
    expect(clone?.name).toBe('CLONE');
    expect([...(clone?.headers().keys() ?? [])].slice(0, 4)).toEqual([
      'Command',
      'X-Note',
      'Event-UUID',
      'Event-Name',
    ]);
    expect(clone?.get('Command')).toBe('sendevent NO_SUCH_EVENT');
    const mwiSeen = mwiOnly.frames.length;
    seen = all.frames.length;
    await c.command('sendevent switch_event_message_waiting\nMWI-Messages-Waiting: no');
    const mwi = await all.eventAfter(seen);
    expect([mwi?.name, mwi?.get('Command')]).toEqual([
      'MESSAGE_WAITING',
      'sendevent switch_event_message_waiting',
    ]);
    // the CLONE never reached the MESSAGE_WAITING subscriber: its next event is this one
    expect((await mwiOnly.eventAfter(mwiSeen))?.get('Event-UUID')).toBe(mwi?.get('Event-UUID'));
  });

  it('lets a live channel named by Unique-ID take the event: not fired, no lamp', async () => {
    const { sim, fs } = await freeswitch();
    const ctl = await RawController.listen();
    open.push(ctl);
    const call = await sim.placeCall(new ScriptedCaller(), { target: ctl.target });
    await ctl.connected;
    const watcher = await client(fs, 'event plain MESSAGE_WAITING');
    const c = await client(fs);
    const seen = watcher.frames.length;
    const taken = `${MWI('yes', '501@voicebox.example.com', '1/0')}\nUnique-ID: ${call.uuid}`;
    expect(replyText(await c.command(taken))).toMatch(/^\+OK /);
    const ok = replyText(await c.command(MWI('no', '501@voicebox.example.com', '0/1')));
    expect((await watcher.eventAfter(seen))?.get('Event-UUID')).toBe(ok?.slice(4));
    expect(sim.lamps.map((l) => l.waiting)).toEqual([false]);
    expect(sim.droppedEvents.map((d) => d.reason)).toEqual([`queued to the channel ${call.uuid}, not fired`]);
  });

  it('fires a CUSTOM event with its subclass behind Event-UUID and its body', async () => {
    const { fs } = await freeswitch();
    const watcher = await client(fs, 'event plain ALL');
    const c = await client(fs);
    const seen = watcher.frames.length;
    const body = 'Grüße\n\nzwei Zeilen';
    const bytes = Buffer.byteLength(body);
    await c.command(
      Buffer.from(
        `sendevent CUSTOM\nEvent-Subclass: voicebox::test\nContent-Length: ${bytes}\nX-Who: Zoë\n\n${body}`,
      ),
    );
    const ev = await watcher.eventAfter(seen);
    expect([...(ev?.headers().keys() ?? [])].slice(0, 6)).toEqual([
      'Command',
      'Content-Length',
      'X-Who',
      'Event-UUID',
      'Event-Subclass',
      'Event-Name',
    ]);
    expect([ev?.name, ev?.get('Event-Subclass'), ev?.get('X-Who'), ev?.body]).toEqual([
      'CUSTOM',
      'voicebox::test',
      'Zoë',
      body,
    ]);
  });

  it('closes only the connection that sends an absurd Content-Length or a header block over 10 MB', async () => {
    const { sim, fs } = await freeswitch();
    const watcher = await client(fs, 'event plain MESSAGE_WAITING');

    const huge = await client(fs);
    expect(await huge.command(`sendevent MESSAGE_WAITING\nContent-Length: ${16 * 1024 * 1024 + 1}`)).toBe(
      undefined,
    );
    await huge.untilClosed();
    const negative = await client(fs);
    expect(await negative.command('sendevent MESSAGE_WAITING\nContent-Length: -5')).toBe(undefined);
    const flood = await client(fs);
    const line = `MWI-Flood: ${'x'.repeat(80)}\n`;
    const lines = Math.ceil((12 * 1024 * 1024) / line.length);
    expect(await flood.command(`sendevent MESSAGE_WAITING\n${line.repeat(lines)}`)).toBe(undefined);
    await flood.untilClosed();

    // Thousands of headers under the limit: FreeSWITCH takes them
    const many = await client(fs);
    const headers = Array.from({ length: 5000 }, (_, i) => `X-Header-${i}: ${i}`).join('\n');
    expect(replyText(await many.command(`sendevent CUSTOM\n${headers}`))).toMatch(/^\+OK /);
    expect(sim.sentEvents.at(-1)?.headers).toHaveLength(1 + 5000 + 1 + 13);

    // The rest of the switch goes on
    const seen = watcher.frames.length;
    const c = await client(fs);
    const ok = replyText(await c.command(MWI('yes', '501@voicebox.example.com', '1/0')));
    expect((await watcher.eventAfter(seen))?.get('Event-UUID')).toBe(ok?.slice(4));
    expect(sim.lamps).toHaveLength(1);
    expect(watcher.closed).toBe(false);
  });
});

describe("voicebox's own event-socket clients against it", () => {
  it('InboundLink.sendEvent resolves with the Event-UUID of the lamp the phones got; a subscriber sees it', async () => {
    const { sim, fs } = await freeswitch('Sesame-71');
    const subscriber = new InboundClient({
      port: fs.port,
      password: 'Sesame-71',
      events: ['MESSAGE_WAITING'],
      reconnect: false,
    });
    open.push(subscriber);
    await subscriber.connect();
    const seen = new Promise<EslEvent>((resolve) =>
      subscriber.on('event', (e) => e.name === 'MESSAGE_WAITING' && resolve(e)),
    );
    const link = new InboundLink({ host: '127.0.0.1', port: fs.port, password: 'Sesame-71' });
    open.push(link);
    link.start();
    const lit = sim.waitForLamp((l) => l.account === 'sip:501@voicebox.example.com' && l.waiting);
    await new Promise<void>((resolve) => link.once('up', () => resolve()));
    const uuid = await link.sendEvent('MESSAGE_WAITING', [
      ['MWI-Messages-Waiting', 'yes'],
      ['MWI-Message-Account', 'sip:501@voicebox.example.com'],
      ['MWI-Voice-Message', '2/1 (0/0)'],
    ]);
    expect((await lit).eventUuid).toBe(uuid);
    const ev = await seen;
    expect([ev.get('Event-UUID'), ev.get('MWI-Voice-Message')]).toEqual([uuid, '2/1 (0/0)']);

    const from = sim.lamps.length;
    const out = await link.sendEvent('MESSAGE_WAITING', [
      ['MWI-Messages-Waiting', 'no'],
      ['MWI-Message-Account', 'sip:501@voicebox.example.com'],
      ['MWI-Voice-Message', '0/3 (0/0)'],
    ]);
    const off = await sim.waitForLamp((l) => l.account === 'sip:501@voicebox.example.com', { from });
    expect([off.waiting, off.eventUuid]).toEqual([false, out]);
  });

  it('waitForLamp rejects when the simulator closes first, saying what it saw', async () => {
    const { sim, fs } = await freeswitch();
    const c = await client(fs);
    await c.command(MWI('no', '502@voicebox.example.com', '0/0'));
    const never = expect(
      sim.waitForLamp((l) => l.account === 'sip:501@voicebox.example.com'),
    ).rejects.toThrow(/closed before the lamp awaited; lamps: sip:502@voicebox.example.com off/);
    await sim.close();
    await never;
    await expect(sim.waitForLamp(() => true, { from: 1 })).rejects.toThrow(/closed before/);
  });
});
