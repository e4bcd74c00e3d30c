import { afterEach, describe, expect, it } from 'vitest';
import { OutboundServer, replies } from '../../src/esl/index.js';
import type { Channel } from '../../src/esl/index.js';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { connectReply, memoryLogger, RawSwitch } from './harness.js';

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

/** An event whose body is not header lines: the Channel's first look at it throws EslProtocolError. */
const malformedEvent = (): Buffer => {
  const body = 'Event-Name: CHANNEL_EXECUTE_COMPLETE\nthis line has no colon\n\n';
  return Buffer.from(`Content-Length: ${body.length}\nContent-Type: text/event-plain\n\n${body}`);
};

describe('a malformed event during the handshake', () => {
  // Where the bad frame arrives relative to the handshake replies.
  const variants: Array<[string, (fs: RawSwitch) => Promise<void>]> = [
    [
      'in the same write as the connect reply',
      async (fs) => {
        fs.send(Buffer.concat([connectReply('x'), malformedEvent()]));
        await fs.nth(3);
        fs.send(replies.commandReply('+OK will linger'));
        fs.send(replies.commandReply('+OK Events Enabled'));
        fs.send(replies.commandReply('+OK event listener enabled plain'));
      },
    ],
    [
      'before the last handshake reply',
      async (fs) => {
        fs.send(connectReply('x'));
        await fs.nth(3);
        fs.send(Buffer.concat([replies.commandReply('+OK will linger'), malformedEvent()]));
        fs.send(replies.commandReply('+OK Events Enabled'));
        fs.send(replies.commandReply('+OK event listener enabled plain'));
      },
    ],
    [
      'in the same write as the last handshake reply',
      async (fs) => {
        fs.send(connectReply('x'));
        await fs.nth(3);
        fs.send(replies.commandReply('+OK will linger'));
        fs.send(replies.commandReply('+OK Events Enabled'));
        fs.send(Buffer.concat([replies.commandReply('+OK event listener enabled plain'), malformedEvent()]));
      },
    ],
  ];

  for (const [where, play] of variants) {
    it(`${where}: closes only that connection, with a log line; the next call works`, async () => {
      const escaped: unknown[] = [];
      let noticeEscape = (): void => undefined;
      const escapedOnce = new Promise<void>((resolve) => (noticeEscape = resolve));
      const onEscape = (err: unknown): void => {
        escaped.push(err);
        noticeEscape();
      };
      process.on('unhandledRejection', onEscape);
      try {
        const logger = memoryLogger();
        const handled: string[] = [];
        server = new OutboundServer({
          port: 0,
          logger,
          onChannel: async (ch) => {
            await ch.answer();
            handled.push(ch.uuid);
          },
        });
        const { port } = await server.listen();
        const fs = await RawSwitch.open(port);
        expect(await fs.next()).toBe('connect');
        await play(fs);
        await Promise.race([fs.closed, escapedOnce]);
        expect(escaped).toEqual([]);

        const sim = new Simulator();
        const report = await sim.runCall(new ScriptedCaller(), { target: `127.0.0.1:${port}` });
        await sim.close();
        expect(handled).toEqual([report.uuid]);
        expect(escaped).toEqual([]);
        const closing = logger.lines.filter((l) => l.msg.includes('protocol error'));
        expect(closing).toHaveLength(1);
        expect(closing[0]?.level).toBe('warn');
        expect(JSON.stringify(closing[0]?.obj)).toContain('no colon');
      } finally {
        process.off('unhandledRejection', onEscape);
      }
    });
  }
});
