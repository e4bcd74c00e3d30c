// A slow mail server must not get a voice message twice: a proxy in front of the lab's Postfix
// holds the reply to the end of the message (as a content filter does) and the spool must wait
// for it instead of giving up and sending again. And SMTP over STARTTLS with a private CA.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { MailSpool, smtpTransport } from '../../../src/mail/index.js';
import type { MailLogger, MailTransport, SmtpTransportOptions } from '../../../src/mail/index.js';
import { writeWav } from '../../../src/sim/index.js';
import { mailTransportFrom } from '../../../src/cli/services.js';
import { readConfig } from '../../../src/config/index.js';
import { imapClient, run, withImap } from '../lab/support.js';
import { voiceMessageForAlice } from '../../support/mail.js';

const lab = inject('lab');
const root = mkdtempSync(join(tmpdir(), 'voicebox-slow-smtp-'));
const transports: MailTransport[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const t of transports.splice(0)) t.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(root, { recursive: true, force: true });
});

function smtp(options: Partial<SmtpTransportOptions> & { port: number }): MailTransport {
  const t = smtpTransport({ host: lab.host, timeoutMs: 5_000, ...options });
  transports.push(t);
  return t;
}

function voiceMessage(): { id: string; messageId: string; message: ReturnType<typeof voiceMessageForAlice> } {
  const id = `rec-${randomUUID()}`;
  const path = join(root, `${id}.wav`);
  writeWav(path, 1_000, 0);
  return {
    id,
    messageId: `<voicebox.${id}@example.com>`,
    message: voiceMessageForAlice({
      wav: path,
      recordingId: id,
      language: 'en',
      recordedAt: new Date(),
      durationMs: 1_000,
    }),
  };
}

/** How many copies with this Message-ID are in alice's INBOX (as the master user, like voicebox). */
async function copiesInAliceInbox(messageId: string): Promise<number> {
  const master = imapClient(lab, `alice*${lab.imap.master.user}`, lab.imap.master.password);
  return withImap(master, async (c: ImapFlow) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return ((await c.search({ header: { 'message-id': messageId } }, { uid: true })) || []).length;
    } finally {
      lock.release();
    }
  });
}

/** Waits until Postfix has handed everything on, so no copy is still on its way into Dovecot. */
const postfixQueueEmpty = () =>
  vi.waitFor(
    async () =>
      expect(await run('postqueue', ['-c', lab.smtp.configDir, '-p'])).toMatch(/Mail queue is empty/),
    { timeout: 15_000, interval: 100 },
  );

interface HeldReply {
  /** the client's connection closed while its reply was held (it gave up) */
  clientGaveUp: Promise<void>;
}

/**
 * A TCP proxy to the lab's Postfix that holds the server's reply to the end of the message on the
 * first connection until `release` is called — Postfix has the message queued by then, exactly as
 * behind a slow content filter. Later connections pass straight through.
 */
async function slowProxy(): Promise<{ port: number; held: Promise<HeldReply>; release: () => void }> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  let onHeld: (h: HeldReply) => void = () => undefined;
  const held = new Promise<HeldReply>((r) => (onHeld = r));
  let connections = 0;

  const server = createServer((client: Socket) => {
    const first = connections++ === 0;
    const upstream = connect(lab.smtp.port, lab.host);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    if (!first) {
      upstream.pipe(client);
      return;
    }
    // server → client, reply by reply: after the 354, the next reply answers the end of the message
    let pending = '';
    let sawDataGoAhead = false;
    let holding = false;
    const withheld: Buffer[] = [];
    upstream.on('data', (chunk: Buffer) => {
      if (holding) {
        withheld.push(chunk);
        return;
      }
      pending += chunk.toString('latin1');
      let end: number;
      let passOn = '';
      while ((end = pending.indexOf('\r\n')) >= 0) {
        const line = pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        if (sawDataGoAhead && /^\d{3} /.test(line)) {
          holding = true;
          withheld.push(Buffer.from(line + pending, 'latin1'));
          pending = '';
          onHeld({ clientGaveUp: closed });
          void released.then(() => {
            if (!client.destroyed) client.write(Buffer.concat(withheld));
            upstream.pipe(client);
          });
          break;
        }
        if (line.startsWith('354 ')) sawDataGoAhead = true;
        passOn += line;
      }
      if (passOn) client.write(Buffer.from(passOn, 'latin1'));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, lab.host, r));
  return { port: (server.address() as AddressInfo).port, held, release };
}

const spoolEntries = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.json'));

function warnings(): { log: MailLogger; warned: string[] } {
  const warned: string[] = [];
  const noop = () => undefined;
  return {
    warned,
    log: { info: noop, error: noop, warn: (obj) => warned.push(JSON.stringify(obj)) },
  };
}

describe('a slow mail server', () => {
  it('gets a voice message once: the spool waits for the reply to the end of the message, beyond the short timeouts', async () => {
    const { id, messageId, message } = voiceMessage();
    const proxy = await slowProxy();
    const dir = join(root, 'spool-slow');
    const { log, warned } = warnings();
    let attempts = 0;
    // every timeout but the wait for the end-of-message reply is short: 500 ms
    const transport = smtp({ port: proxy.port, timeoutMs: 500, commandTimeoutMs: 500 });
    const spool = new MailSpool({
      dir,
      send: async (m) => {
        attempts += 1;
        await transport.send(m);
      },
      retry: { firstMs: 20, maxMs: 100, factor: 2 },
      logger: log,
    });
    await spool.start();
    await spool.enqueue(message, id);

    const held = await proxy.held;
    // Held ten times the short timeouts, then released. Robust on a loaded machine: a late
    // release only eats into the 10-minute wait for this reply, and a client that gives up
    // (the fault this pins down) does so after 500 ms whatever the load; it ends the hold early.
    await Promise.race([held.clientGaveUp, new Promise((r) => setTimeout(r, 5_000))]);
    proxy.release();

    await vi.waitFor(() => expect(spoolEntries(dir)).toEqual([]), { timeout: 15_000, interval: 50 });
    await spool.stop();
    await postfixQueueEmpty();
    expect({ copies: await copiesInAliceInbox(messageId), attempts, warned }).toEqual({
      copies: 1,
      attempts: 1,
      warned: [],
    });
  });

  it('a server that never answers the end of the message is given up on only after the data timeout', async () => {
    const { id, messageId, message } = voiceMessage();
    const proxy = await slowProxy();
    const dir = join(root, 'spool-silent');
    const { log, warned } = warnings();
    const transport = smtp({ port: proxy.port, timeoutMs: 500, commandTimeoutMs: 500, dataTimeoutMs: 1_500 });
    const spool = new MailSpool({
      dir,
      send: transport.send,
      retry: { firstMs: 20, maxMs: 100 },
      logger: log,
    });
    await spool.start();
    await spool.enqueue(message, id);
    const held = await proxy.held;
    await held.clientGaveUp; // the 1.5 s data timeout, never released
    await vi.waitFor(() => expect(spoolEntries(dir)).toEqual([]), { timeout: 15_000, interval: 50 });
    await spool.stop();
    proxy.release();
    await postfixQueueEmpty();
    // the retry goes through the proxy's pass-through connection: a second copy, the same Message-ID,
    // which is what a receiving side can drop repeats by
    expect(await copiesInAliceInbox(messageId)).toBe(2);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/waiting for the reply to the end of the message/);
  });
});

describe('SMTP with a private CA (mail.smtp.ca)', () => {
  /** The transport `voicebox serve` builds from these settings, on the submission port. */
  function fromSettings(extra: string): MailTransport {
    const file = join(root, `voicebox-${randomUUID()}.yaml`);
    writeFileSync(
      file,
      `mail:\n  smtp:\n    host: ${lab.host}\n    port: ${lab.smtp.submissionPort}\n    starttls: true\n` +
        `    user: bob\n    password: bobpw\n${extra}`,
    );
    const t = mailTransportFrom(readConfig(file));
    transports.push(t);
    return t;
  }

  it('sends over STARTTLS and AUTH with the certificate verified against the CA file', async () => {
    const { id, messageId, message } = voiceMessage();
    const dir = join(root, 'spool-ca');
    const spool = new MailSpool({ dir, send: fromSettings(`    ca: ${lab.tls.caCert}\n`).send });
    await spool.enqueue(message, id);
    await spool.flush();
    await spool.stop();
    expect(spoolEntries(dir)).toEqual([]);
    await postfixQueueEmpty();
    expect(await copiesInAliceInbox(messageId)).toBe(1);
  });

  it('without the CA: a clear error naming the setting, no crash, no password, the message stays spooled', async () => {
    const { id, message } = voiceMessage();
    const dir = join(root, 'spool-no-ca');
    const { log, warned } = warnings();
    const spool = new MailSpool({ dir, send: fromSettings('').send, logger: log });
    await spool.enqueue(message, id);
    await spool.flush();
    await spool.stop();
    expect(spoolEntries(dir)).toEqual([`${id}.json`]);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatch(/certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT\).*mail\.smtp\.ca/);
    expect(warned[0]).not.toContain('bobpw');
  });
});
