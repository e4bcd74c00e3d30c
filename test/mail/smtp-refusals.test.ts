// What the SMTP transport tells the spool of a refusal: a 5xx to RCPT for every recipient is
// permanent, a 4xx is not, and some recipients refused for good is a partial delivery.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MailDeliveryError, PartlyDelivered, smtpTransport } from '../../src/mail/index.js';
import type { RawMessage } from '../../src/mail/index.js';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** An SMTP server that answers RCPT TO per recipient from `rcpt`, and takes the message. */
async function scriptedServer(rcpt: (address: string) => string): Promise<number> {
  const server = createServer((socket) => {
    socket.write('220 mx.example.com ESMTP\r\n');
    let data = false;
    let buffer = '';
    socket.on('data', (b: Buffer) => {
      buffer += b.toString('latin1');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line === '.') {
            data = false;
            socket.write('250 2.0.0 Ok: queued as ABC123\r\n');
          }
          continue;
        }
        if (/^EHLO /i.test(line)) socket.write('250-mx.example.com\r\n250 8BITMIME\r\n');
        else if (/^MAIL FROM:/i.test(line)) socket.write('250 2.1.0 Ok\r\n');
        else if (/^RCPT TO:/i.test(line)) socket.write(`${rcpt(/<([^>]*)>/.exec(line)?.[1] ?? '')}\r\n`);
        else if (/^DATA/i.test(line)) {
          data = true;
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 2.0.0 Bye\r\n');
        else if (/^RSET/i.test(line)) socket.write('250 2.0.0 Ok\r\n');
        else socket.write('502 5.5.2 Error: command not recognized\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const message = (to: string[]): RawMessage => ({
  id: 'fax-c1-7',
  messageId: '<voicebox.fax-c1-7@example.com>',
  envelope: { from: 'alice@example.com', to },
  raw: Buffer.from('From: alice@example.com\r\nSubject: x\r\n\r\nhello\r\n'),
});

const relayDenied = (a: string) =>
  a.endsWith('@example.com') ? '250 2.1.5 Ok' : `554 5.7.1 <${a}>: Relay access denied`;

describe('smtpTransport refusals', () => {
  it('every recipient refused with 554 is permanent, with the reply in the error', async () => {
    const port = await scriptedServer(relayDenied);
    const t = smtpTransport({ host: '127.0.0.1', port, timeoutMs: 5_000, starttls: false });
    const error: unknown = await t
      .send(message(['+4930123@fax.outside.example.net']))
      .catch((e: unknown) => e);
    t.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ permanent: true, responseCode: 554 });
    expect(String(error)).toMatch(/Relay access denied/);
  });

  it('a 452 to every recipient is temporary', async () => {
    const port = await scriptedServer(() => '452 4.2.2 Mailbox full');
    const t = smtpTransport({ host: '127.0.0.1', port, timeoutMs: 5_000, starttls: false });
    const error: unknown = await t.send(message(['alice@example.com'])).catch((e: unknown) => e);
    t.close();
    expect(error).toMatchObject({ permanent: false, responseCode: 452 });
  });

  it('some recipients refused for good: delivered to the others, the refused named with their reply', async () => {
    const port = await scriptedServer(relayDenied);
    const t = smtpTransport({ host: '127.0.0.1', port, timeoutMs: 5_000, starttls: false });
    const error: unknown = await t
      .send(message(['alice@example.com', 'bob@outside.example.net']))
      .catch((e: unknown) => e);
    t.close();
    expect(error).toBeInstanceOf(PartlyDelivered);
    expect(error).toMatchObject({
      accepted: ['alice@example.com'],
      refused: [
        {
          recipient: 'bob@outside.example.net',
          reply: '554 5.7.1 <bob@outside.example.net>: Relay access denied',
          responseCode: 554,
        },
      ],
    });
  });

  it('some recipients refused for now (4xx) is a delivery: the retry would duplicate it for the others', async () => {
    const port = await scriptedServer((a) =>
      a.startsWith('alice') ? '250 2.1.5 Ok' : '451 4.3.0 try later',
    );
    const t = smtpTransport({ host: '127.0.0.1', port, timeoutMs: 5_000, starttls: false });
    await expect(t.send(message(['alice@example.com', 'bob@example.com']))).resolves.toBeUndefined();
    t.close();
  });
});
