// Dovecot's push to voicebox, end to end in the lab: dovecot/voicebox-push.lua (loaded by the lab's
// Dovecot for IMAP and LMTP) posts to voicebox's endpoint on the lab's push port. The only test
// file that listens on that port; every other one delivers with nobody listening.
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import nodemailer from 'nodemailer';
import { PushEndpoint, type MailboxChange } from '../../../src/notify/index.js';
import { recordingLogger } from '../../support/log.js';
import { imapClient, withImap } from '../lab/support.js';

const lab = inject('lab');

// plain LMTP on 127.0.0.1, as Postfix talks to it in the lab
const lmtp = nodemailer.createTransport({
  host: '127.0.0.1',
  port: lab.lmtp.port,
  lmtp: true,
  ignoreTLS: true,
});

function mail(to: string): { raw: string; id: string } {
  const id = `<${randomUUID()}@push.example.com>`;
  const raw = [
    `From: fax@example.com`,
    `To: ${to}`,
    `Subject: push`,
    `Message-ID: ${id}`,
    '',
    'hello',
    '',
  ].join('\r\n');
  return { raw, id };
}

/** Delivers over LMTP as Postfix does; resolves with how long Dovecot took to accept. */
async function deliver(user: string): Promise<{ ms: number; id: string }> {
  const { raw, id } = mail(`${user}@example.com`);
  const t0 = performance.now();
  await lmtp.sendMail({ envelope: { from: 'fax@example.com', to: [`${user}@example.com`] }, raw });
  return { ms: performance.now() - t0, id };
}

async function inInbox(user: string, id: string): Promise<boolean> {
  return withImap(imapClient(lab, user, `${user}pw`), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return ((await c.search({ header: { 'message-id': id } }, { uid: true })) || []).length === 1;
    } finally {
      lock.release();
    }
  });
}

/** The changes an endpoint received, with a way to wait for the n-th. */
function recorder() {
  const changes: Array<MailboxChange & { at: number }> = [];
  const waiters: Array<() => void> = [];
  return {
    changes,
    onChange(c: MailboxChange) {
      changes.push({ ...c, at: performance.now() });
      for (const w of waiters.splice(0)) w();
    },
    async count(n: number): Promise<void> {
      const deadline = Date.now() + 5_000;
      while (changes.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} pushes, got ${changes.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
    },
  };
}

describe("Dovecot's push to voicebox", () => {
  const seen = recorder();
  let endpoint: PushEndpoint;

  beforeAll(async () => {
    endpoint = new PushEndpoint({
      listen: '127.0.0.1',
      port: lab.push.port,
      token: lab.push.token,
      onChange: (c) => seen.onChange(c),
      log: recordingLogger().log,
    });
    await endpoint.listen();
  });
  afterAll(() => endpoint.close());

  it('reaches voicebox when a message is delivered, within milliseconds', async () => {
    const before = seen.changes.length;
    const t0 = performance.now();
    await deliver('pia');
    await seen.count(before + 1);
    expect(seen.changes.at(-1)).toMatchObject({ login: 'pia', source: 'push' });
    expect((seen.changes.at(-1)?.at ?? Infinity) - t0).toBeLessThan(1_000);
  });

  it('reaches voicebox when a mail program reads, unreads or deletes a message in the INBOX; not for other flags or folders', async () => {
    // Dovecot posts before it answers the delivery: count from before it
    const delivered = seen.changes.length + 1;
    await deliver('pia');
    await seen.count(delivered);
    const before = seen.changes.length;
    await withImap(imapClient(lab, 'pia', 'piapw'), async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const last = String((c.mailbox && c.mailbox.exists) || 1);
        await c.messageFlagsAdd(last, ['\\Flagged']); // no push
        await c.append('Drafts', 'Subject: draft\r\n\r\nx\r\n'); // no push: not a watched folder
        await c.messageFlagsAdd(last, ['\\Seen']); // push 1
        await c.messageFlagsRemove(last, ['\\Seen']); // push 2
        await c.messageDelete(last); // push 3 (\Deleted + expunge in one transaction or two)
      } finally {
        lock.release();
      }
    });
    await seen.count(before + 3);
    const after = seen.changes.slice(before);
    expect(after.every((c) => c.login === 'pia' && c.source === 'push')).toBe(true);
    expect(after.length).toBeLessThanOrEqual(4);
  });

  it('names the user as Dovecot knows her when the master user acts for her', async () => {
    const before = seen.changes.length;
    await withImap(
      imapClient(lab, `pia${lab.imap.master.separator}${lab.imap.master.user}`, lab.imap.master.password),
      (c) => c.append('INBOX', mail('pia@example.com').raw),
    );
    await seen.count(before + 1);
    expect(seen.changes.at(-1)?.login).toBe('pia');
  });
});

describe('a delivery while voicebox does not answer', () => {
  it('is not delayed when nobody listens (connection refused), and the mail is in', async () => {
    const { ms, id } = await deliver('paul');
    expect(ms).toBeLessThan(500);
    expect(await inInbox('paul', id)).toBe(true);
  });

  // before the script named Dovecot 2.3's own timeout settings, each of these took 62 s
  it("waits at most the script's timeout (1 s) when the endpoint accepts and never answers", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(lab.push.port, '127.0.0.1', r));
    try {
      const { ms, id } = await deliver('paul');
      expect(ms).toBeLessThan(2_500);
      expect(await inInbox('paul', id)).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
    // and the next delivery is not held back by the timed-out one (it took 1 s before)
    expect((await deliver('paul')).ms).toBeLessThan(500);
  });

  it('is delivered when the token is wrong (the endpoint answers 401)', async () => {
    const seen = recorder();
    const wrong = new PushEndpoint({
      listen: '127.0.0.1',
      port: lab.push.port,
      token: 'not-the-lab-token',
      onChange: (c) => seen.onChange(c),
      log: recordingLogger().log,
    });
    await wrong.listen();
    try {
      const { id } = await deliver('paul');
      expect(await inInbox('paul', id)).toBe(true);
      expect(seen.changes).toEqual([]);
      expect(wrong.refused.get(401)).toBe(1);
    } finally {
      await wrong.close();
    }
  });
});
