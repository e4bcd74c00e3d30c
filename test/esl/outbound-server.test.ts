import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameParser, OutboundServer, replies } from '../../src/esl/index.js';
import type { Channel, Frame } from '../../src/esl/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { memoryLogger } from './harness.js';

/** A hand-driven "FreeSWITCH" end of an outbound socket: records each command and each write's bytes. */
class RawSwitch {
  readonly commands: string[] = [];
  readonly chunks: Buffer[] = [];
  private readonly parser = new FrameParser({ commands: true });
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.parser.push(chunk, (f: Frame) => {
        this.commands.push(f.command ?? '');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawSwitch> {
    return new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new RawSwitch(s)));
    });
  }

  async next(): Promise<string> {
    const seen = this.commands.length;
    while (this.commands.length === seen) await new Promise<void>((r) => this.waiters.push(r));
    return this.commands[seen] ?? '';
  }

  async nth(n: number): Promise<string> {
    while (this.commands.length <= n) await this.next();
    return this.commands[n] ?? '';
  }

  send(bytes: Buffer | string): void {
    this.socket.write(bytes);
  }
}

const connectReply = (name: string): Buffer =>
  Buffer.from(
    'Event-Name: CHANNEL_DATA\nUnique-ID: 11111111-2222-3333-4444-555555555555\n' +
      `Caller-Caller-ID-Name: ${name}\nCaller-Caller-ID-Number: %2B4930123456\nCaller-Destination-Number: 5001\n` +
      'Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n',
    'latin1',
  );

let server: OutboundServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('OutboundServer handshake', () => {
  it('sends connect, linger, myevents, event, then one write per sendmsg; decodes a Latin-1 caller name', async () => {
    let channel: Channel | undefined;
    server = new OutboundServer({
      port: 0,
      onChannel: async (ch) => {
        channel = ch;
        await ch.answer().catch(() => undefined);
      },
    });
    const { port } = await server.listen();
    const fs = await RawSwitch.open(port);
    expect(await fs.next()).toBe('connect');
    fs.send(connectReply('Jos%E9'));
    await fs.nth(3);
    expect(fs.commands).toEqual([
      'connect',
      'linger',
      'myevents plain',
      'event plain RECORD_START RECORD_STOP',
    ]);
    expect(Buffer.concat(fs.chunks).toString()).toBe(
      'connect\n\nlinger\n\nmyevents plain\n\nevent plain RECORD_START RECORD_STOP\n\n',
    );
    fs.send(replies.commandReply('+OK will linger'));
    fs.send(replies.commandReply('+OK Events Enabled'));
    fs.send(replies.commandReply('+OK event listener enabled plain'));
    const sendmsg = await fs.nth(4);
    expect(sendmsg).toBe('sendmsg');
    // The whole sendmsg arrived in one TCP chunk: one write, no Nagle delay between pieces.
    const last = fs.chunks[fs.chunks.length - 1]?.toString() ?? '';
    expect(last).toMatch(
      /^sendmsg\ncall-command: execute\nexecute-app-name: answer\nevent-lock: true\nEvent-UUID: [0-9a-f-]{36}\n\n$/,
    );
    expect(channel?.callerName).toBe('José');
    expect(channel?.callerNumber).toBe('+4930123456');
    fs.socket.destroy();
    await channel?.closed;
  });

  it('refuses a socket without `full` with a clear error', async () => {
    const logger = memoryLogger();
    let called = false;
    server = new OutboundServer({ port: 0, logger, onChannel: () => void (called = true) });
    const { port } = await server.listen();
    const fs = await RawSwitch.open(port);
    await fs.next();
    fs.send(
      Buffer.from(connectReply('x').toString('latin1').replace('Control: full', 'Control: single-channel')),
    );
    await fs.nth(3);
    fs.send(replies.commandReply('-ERR command not found'));
    fs.send(replies.commandReply('+OK Events Enabled'));
    fs.send(replies.commandReply('-ERR command not found'));
    await fs.closed;
    expect(called).toBe(false);
    const failure = logger.lines.find((l) => l.msg === 'outbound handshake failed');
    expect(JSON.stringify(failure?.obj)).toContain('async full');
  });
});

describe('hostile input', () => {
  it('garbage or an oversized Content-Length closes that connection with one log line; others go on', async () => {
    const logger = memoryLogger();
    const handled: string[] = [];
    server = new OutboundServer({
      port: 0,
      logger,
      maxBodyBytes: 1024 * 1024,
      onChannel: async (ch) => {
        await ch.answer();
        handled.push(ch.uuid);
      },
    });
    const { port } = await server.listen();
    const sim = new Simulator();

    const oversized = await RawSwitch.open(port);
    await oversized.next();
    oversized.send('Content-Type: api/response\nContent-Length: 999999999\n\n');
    const garbage = await RawSwitch.open(port);
    await garbage.next();
    garbage.send('HTTP/1.1 400 Bad Request\r\nServer: nope\r\n\r\n');
    await Promise.all([oversized.closed, garbage.closed]);

    const report = await sim.runCall(new ScriptedCaller(), { target: `127.0.0.1:${port}` });
    expect(handled).toEqual([report.uuid]);
    const protocolLines = logger.lines.filter((l) => l.msg.includes('protocol error'));
    expect(protocolLines).toHaveLength(2);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(0);
    await sim.close();
  });
});
