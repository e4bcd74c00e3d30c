import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import {
  buildRawMessage,
  composeVoiceMessage,
  MailDeliveryError,
  MailSpool,
  maildirTransport,
  smtpTransport,
  voiceMessageId,
} from '../../src/mail/index.js';
import type { RawMessage } from '../../src/mail/index.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'voicebox-maildir-'));
  roots.push(root);
  return root;
}

function voiceMessage(root: string, to = 'Alice@example.com') {
  const wav = join(root, 'rec.wav');
  writeFileSync(wav, Buffer.from('RIFF fake wave'));
  return composeVoiceMessage({
    to: { email: to, name: 'Alice Anders', language: 'en' },
    mailbox: '+49301234501',
    caller: { number: '+49301234102', name: 'Bob Berger' },
    recordedAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    durationMs: 3_000,
    wav: { path: wav },
    domain: 'example.com',
    timeZone: 'Europe/Berlin',
    messageId: voiceMessageId('rec-md', 'example.com'),
  });
}

async function rawVoiceMessage(root: string): Promise<RawMessage> {
  return { id: 'rec-md', ...(await buildRawMessage(voiceMessage(root))) };
}

describe('maildirTransport', () => {
  it('delivers into <root>/<user>/new via tmp/: a valid message, tmp/ empty afterwards', async () => {
    const root = scratch();
    const message = await rawVoiceMessage(root);
    await maildirTransport({ root: join(root, 'mail') }).send(message);

    const maildir = join(root, 'mail', 'alice');
    expect(readdirSync(join(maildir, 'tmp'))).toEqual([]);
    expect(readdirSync(join(maildir, 'cur'))).toEqual([]);
    const [file, ...more] = readdirSync(join(maildir, 'new'));
    expect(more).toEqual([]);
    const bytes = readFileSync(join(maildir, 'new', file ?? ''));
    expect(file).toMatch(new RegExp(`^\\d+\\.M\\d+P${process.pid}Q\\d+R[0-9a-f]+\\..+,S=${bytes.length}$`));

    expect(bytes.toString('latin1').startsWith('Return-Path: <+49301234102@voice.example.com>\r\n')).toBe(
      true,
    );
    expect(bytes.subarray(bytes.indexOf('\r\n') + 2).equals(message.raw)).toBe(true);
    const parsed = await simpleParser(bytes);
    expect(parsed.messageId).toBe('<voicebox.rec-md@example.com>');
    expect(parsed.headers.get('x-voicebox-type')).toBe('voice');
    expect(parsed.attachments[0]?.content.toString()).toBe('RIFF fake wave');
  });

  it('two deliveries get two files; a mapping function chooses the folder', async () => {
    const root = scratch();
    const message = await rawVoiceMessage(root);
    const transport = maildirTransport({
      root,
      folderFor: (rcpt) => (rcpt.toLowerCase() === 'alice@example.com' ? 'users/4711' : undefined),
      returnPath: false,
    });
    await transport.send(message);
    await transport.send(message);
    const files = readdirSync(join(root, 'users', '4711', 'new'));
    expect(new Set(files).size).toBe(2);
    expect(readFileSync(join(root, 'users', '4711', 'new', files[0] ?? '')).equals(message.raw)).toBe(true);
  });

  it('an unknown recipient or a folder outside the root is a permanent error', async () => {
    const root = scratch();
    const message = await rawVoiceMessage(root);
    await expect(maildirTransport({ root, folderFor: () => undefined }).send(message)).rejects.toMatchObject({
      name: 'MailDeliveryError',
      permanent: true,
    });
    await expect(
      maildirTransport({ root, folderFor: () => '../escape' }).send(message),
    ).rejects.toBeInstanceOf(MailDeliveryError);
    expect(readdirSync(root)).toEqual(['rec.wav']);
  });

  it('behind the spool: enqueue, then the message is in the Maildir and the spool is empty', async () => {
    const root = scratch();
    const spool = new MailSpool({
      dir: join(root, 'spool'),
      send: maildirTransport({ root: join(root, 'mail') }).send,
    });
    await spool.enqueue(voiceMessage(root), 'rec-md');
    await spool.flush();
    await spool.stop();
    expect(readdirSync(join(root, 'mail', 'alice', 'new'))).toHaveLength(1);
    expect(readdirSync(join(root, 'spool')).filter((f) => f.endsWith('.json'))).toEqual([]);
  });
});

describe('smtpTransport', () => {
  it('a closed port is a temporary MailDeliveryError', async () => {
    const root = scratch();
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));

    const transport = smtpTransport({ host: '127.0.0.1', port, timeoutMs: 2_000 });
    const error: unknown = await transport.send(await rawVoiceMessage(root)).catch((e: unknown) => e);
    transport.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ permanent: false, responseCode: undefined });
    expect(String(error)).toMatch(/ECONNREFUSED|connect/i);
  });
});

describe('smtpTransport timeouts per phase', () => {
  it('a server that stops answering before the message is complete is given up on after the command timeout', async () => {
    const root = scratch();
    // greets and answers EHLO, then never answers MAIL FROM
    const server = createServer((socket) => {
      socket.write('220 mx.example.com ESMTP\r\n');
      socket.on('data', (b: Buffer) => {
        if (/^EHLO /m.test(b.toString('latin1'))) socket.write('250-mx.example.com\r\n250 8BITMIME\r\n');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const transport = smtpTransport({
      host: '127.0.0.1',
      port,
      timeoutMs: 2_000,
      commandTimeoutMs: 300,
      dataTimeoutMs: 600_000,
    });
    const error: unknown = await transport.send(await rawVoiceMessage(root)).catch((e: unknown) => e);
    transport.close();
    server.close();
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ permanent: false });
    expect(String(error)).toMatch(/before the end of the message: no answer within 300 ms$/);
  });
});
