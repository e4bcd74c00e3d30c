// The lab's Dovecot: where voicebox finds, plays, moves and deletes a user's voice messages.
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { imapClient, run, withImap } from './support.js';

const lab = inject('lab');
const asMaster = (user: string) =>
  imapClient(lab, `${user}${lab.imap.master.separator}${lab.imap.master.user}`, lab.imap.master.password);

function message(to: string, subject: string): { messageId: string; raw: string } {
  const messageId = `<${randomUUID()}@lab.example.com>`;
  const raw = [
    'From: voicebox <voicebox@example.com>',
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'Date: Fri, 27 Nov 2026 08:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'A voice message would be attached here.',
    '',
  ].join('\r\n');
  return { messageId, raw };
}

async function uidsByMessageId(c: ImapFlow, folder: string, messageId: string): Promise<number[]> {
  const lock = await c.getMailboxLock(folder);
  try {
    return (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
  } finally {
    lock.release();
  }
}

describe('IMAP logins', () => {
  it('lets alice in and shows her INBOX and special-use folders', async () => {
    const paths = await withImap(imapClient(lab, 'alice', 'alicepw'), async (c) =>
      (await c.list()).map((m) => m.path),
    );
    expect(paths).toEqual(expect.arrayContaining(['INBOX', 'Drafts', 'Sent', 'Trash']));
  });

  it('speaks implicit TLS on the second port, verified against the lab certificate', async () => {
    const tls = await withImap(imapClient(lab, 'bob', 'bobpw', true), async (c) => c.tls);
    expect(tls).toMatchObject({ authorized: true });
  });

  it('rejects a wrong password', async () => {
    await expect(imapClient(lab, 'alice', 'nope').connect()).rejects.toMatchObject({
      authenticationFailed: true,
    });
  });

  it('lets the master user act as alice (alice*master): voicebox reads any mailbox this way', async () => {
    const { messageId, raw } = message('alice@example.com', 'for the master test');
    await withImap(imapClient(lab, 'alice', 'alicepw'), (c) => c.append('INBOX', raw));
    const found = await withImap(asMaster('alice'), (c) => uidsByMessageId(c, 'INBOX', messageId));
    expect(found).toHaveLength(1);
  });

  it('rejects the master login with a wrong master password or for an unknown user', async () => {
    const wrongPassword = imapClient(lab, `alice*${lab.imap.master.user}`, 'nope');
    await expect(wrongPassword.connect()).rejects.toMatchObject({ authenticationFailed: true });
    await expect(asMaster('nobody').connect()).rejects.toMatchObject({ authenticationFailed: true });
  });
});

describe('shared folders (RFC 2342 "Other Users")', () => {
  it('shows carol’s folder to alice once carol shares it', async () => {
    const { messageId, raw } = message('carol@example.com', 'shared with alice');
    await withImap(imapClient(lab, 'carol', 'carolpw'), async (c) => {
      await c.mailboxCreate('Team');
      await c.append('Team', raw);
    });
    await run('doveadm', [
      '-c',
      lab.imap.config,
      'acl',
      'set',
      '-u',
      'carol',
      'Team',
      'user=alice',
      'lookup',
      'read',
    ]);

    await withImap(imapClient(lab, 'alice', 'alicepw'), async (c) => {
      const other = c.namespaces?.other;
      expect(other && other.map((n) => [n.prefix, n.delimiter])).toEqual([['Other Users/', '/']]);
      const paths = (await c.list()).map((m) => m.path);
      expect(paths).toContain('Other Users/carol/Team');
      expect(await uidsByMessageId(c, 'Other Users/carol/Team', messageId)).toHaveLength(1);
    });
  });

  it('does not show a folder that was not shared', async () => {
    await withImap(imapClient(lab, 'carol', 'carolpw'), (c) => c.mailboxCreate('Private'));
    const paths = await withImap(imapClient(lab, 'alice', 'alicepw'), async (c) =>
      (await c.list()).map((m) => m.path),
    );
    expect(paths).not.toContain('Other Users/carol/Private');
  });
});

describe('a message’s life in a mailbox', () => {
  it('appends, moves to a new folder and expunges', async () => {
    const { messageId, raw } = message('wang@example.com', 'Neue Sprachnachricht');
    await withImap(imapClient(lab, 'wang', 'wangpw'), async (c) => {
      const appended = await c.append('INBOX', raw, ['\\Seen']);
      expect(appended && appended.uid).toBeGreaterThan(0);

      await c.mailboxCreate('Voicemail');
      const lock = await c.getMailboxLock('INBOX');
      try {
        const moved = await c.messageMove({ header: { 'message-id': messageId } }, 'Voicemail', {
          uid: true,
        });
        expect(moved && moved.destination).toBe('Voicemail');
        expect(moved && moved.uidMap?.size).toBe(1);
      } finally {
        lock.release();
      }
      expect(await uidsByMessageId(c, 'INBOX', messageId)).toEqual([]);
      const [uid] = await uidsByMessageId(c, 'Voicemail', messageId);
      expect(uid).toBeDefined();

      const vm = await c.getMailboxLock('Voicemail');
      try {
        expect(await c.messageDelete(String(uid), { uid: true })).toBe(true);
      } finally {
        vm.release();
      }
      const status = await c.status('Voicemail', { messages: true });
      expect(status && status.messages).toBe(0);
    });
  });
});
