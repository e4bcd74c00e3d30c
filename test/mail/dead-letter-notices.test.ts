// Who is told of a dead letter, and in which words: the owner (found by the message's mailbox
// header, or for a fax by its sender) in her language, the admin with the details; her own
// mailbox refusing: only the admin; a notice refused in turn: nobody (no loop).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { deadLetterNotices } from '../../src/cli/dead-letters.js';
import { YamlDirectory } from '../../src/directory/index.js';
import { buildRawMessage, composeDeadLetterNotice } from '../../src/mail/index.js';
import type { DeadLetter, MailLogger, MailMessage } from '../../src/mail/index.js';

let root: string;
let directory: YamlDirectory;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'voicebox-dead-notice-'));
  const file = join(root, 'users.yaml');
  writeFileSync(
    file,
    [
      'users:',
      '  alice:',
      '    name: Alice Anders',
      '    email: alice@example.com',
      "    mailbox: '+49 30 1234501'",
      '    settings: [language=en]',
      '  bob:',
      '    name: Bob Berger',
      '    email: bob@example.com',
      "    mailbox: '+49 30 1234502'",
      '',
    ].join('\n'),
  );
  directory = new YamlDirectory({ file });
});
afterEach(async () => {
  await directory.close();
  rmSync(root, { recursive: true, force: true });
});

function harness(adminEmail = 'admin@example.com') {
  const spooled: { id: string; message: MailMessage }[] = [];
  const lines: { level: string; obj: object; msg: string | undefined }[] = [];
  const log: MailLogger = {
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
  const hook = deadLetterNotices({
    directory,
    queue: { enqueue: async (message, id) => void spooled.push({ id, message }) },
    domain: 'example.com',
    defaultLanguage: 'de',
    adminEmail,
    location: {
      countryCode: '49',
      areaCode: '30',
      subscriberBase: '1234',
      extensionLength: 3,
      outsideLinePrefix: '0',
    },
    log,
  });
  return { hook, spooled, lines };
}

const letter = (o: Partial<DeadLetter> & { headers: Record<string, string> }): DeadLetter => ({
  id: 'fwd-c1-3',
  messageId: '<voicebox.fwd-c1-3@example.com>',
  envelope: { from: '+49301234501@voice.example.com', to: ['carol@partner.example.net'] },
  reason: '554 5.7.1 <carol@partner.example.net>: Relay access denied',
  responseCode: 554,
  attempts: 1,
  enqueuedAt: Date.UTC(2026, 11, 1, 9, 0),
  deadAt: Date.UTC(2026, 11, 1, 9, 1),
  ...o,
});

const textOf = async (m: MailMessage | undefined) =>
  simpleParser((await buildRawMessage(m!)).raw).then((p) => ({ subject: p.subject, text: p.text, to: p.to }));

describe('dead letter notices', () => {
  it('her forward to someone outside: she is told in her language, once per dead letter; the admin gets the details', async () => {
    const { hook, spooled } = harness();
    const info = letter({
      headers: {
        Subject: 'Fwd: Voice message from Carol Clark',
        'X-Voicebox-Type': 'voice',
        'X-Voicebox-Mailbox': '+49301234501',
      },
    });
    await hook(info);
    expect(spooled.map((s) => s.id)).toEqual([
      `dead-fwd-c1-3-${info.deadAt}-owner`,
      `dead-fwd-c1-3-${info.deadAt}-admin`,
    ]);
    const owner = await textOf(spooled[0]?.message);
    expect(owner.subject).toBe('Not delivered: Fwd: Voice message from Carol Clark');
    expect(owner.text).toBe(
      [
        'Hello Alice Anders,',
        '',
        'Your forward to carol@partner.example.net could not be delivered. The mail server refused it for good:',
        '554 5.7.1 <carol@partner.example.net>: Relay access denied',
        '',
        'Subject: Fwd: Voice message from Carol Clark',
        '',
        'voicebox will not try again. Please check the address or number, or ask your administrator.',
        '',
      ].join('\n'),
    );
    const admin = await textOf(spooled[1]?.message);
    expect(admin.subject).toBe('Unzustellbare Nachricht in der Voicebox: fwd-c1-3');
    expect(admin.text).toMatch(
      /^Postfach von:\s+Alice Anders <alice@example.com>, mailbox \+49 30 1234501$/m,
    );
    expect(admin.text).toMatch(/^Antwort des Servers:\s+554 5\.7\.1 .*Relay access denied$/m);
    expect(admin.text).toContain('voicebox spool retry fwd-c1-3');
  });

  it('a fax (no mailbox header) is hers by its sender; German when she has no language; the number, not the gateway address', async () => {
    const { hook, spooled } = harness('');
    await hook(
      letter({
        id: 'fax-c2-9',
        envelope: { from: 'bob@example.com', to: ['+4940999888@fax.outside.example.net'] },
        headers: {
          Subject: 'Angebot',
          From: 'Bob Berger <bob@example.com>',
          To: '+4940999888@fax.outside.example.net',
        },
      }),
    );
    expect(spooled).toHaveLength(1); // no admin.email: nobody else
    const owner = await textOf(spooled[0]?.message);
    expect(owner.subject).toBe('Nicht zugestellt: Angebot');
    expect(owner.text).toContain(
      'Ihr Fax an +4940999888 konnte nicht zugestellt werden. Der Mailserver hat die Annahme endgültig abgelehnt:',
    );
  });

  it('her own mailbox refused her voice message: only the admin is told, and the log line says so', async () => {
    const { hook, spooled, lines } = harness();
    await hook(
      letter({
        id: 'rec-1',
        envelope: { from: '+49301234102@voice.example.com', to: ['alice@example.com'] },
        headers: {
          Subject: 'Voice message',
          'X-Voicebox-Type': 'voice',
          'X-Voicebox-Mailbox': '+49301234501',
        },
      }),
    );
    expect(spooled.map((s) => s.message.to)).toEqual(['admin@example.com']);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: "dead letter: the owner's own mailbox refused it; only the admin can be told, and is",
      }),
    );
    const none = harness('');
    await none.hook(
      letter({
        id: 'rec-1',
        envelope: { from: 'x@voice.example.com', to: ['alice@example.com'] },
        headers: { 'X-Voicebox-Mailbox': '+49301234501' },
      }),
    );
    expect(none.spooled).toEqual([]);
    expect(none.lines.map((l) => l.msg)).toContain(
      "dead letter: the owner's own mailbox refused it; only the admin could be told, and admin.email is not set",
    );
  });

  it('a notice that is itself refused triggers no other notice', async () => {
    const { hook, spooled, lines } = harness();
    const notice = composeDeadLetterNotice({
      to: { email: 'alice@example.com', name: 'Alice Anders' },
      mailbox: '+49301234501',
      language: 'en',
      kind: 'forward',
      recipients: ['carol@partner.example.net'],
      subject: 'x',
      reason: '554',
      from: { address: 'voicebox@example.com' },
      messageId: '<voicebox.dead-x@example.com>',
      date: new Date(),
    });
    expect(notice.headers).toMatchObject({ 'X-Voicebox-Type': 'dead-letter' });
    await hook(
      letter({ headers: { 'X-Voicebox-Type': 'dead-letter', 'X-Voicebox-Mailbox': '+49301234501' } }),
    );
    expect(spooled).toEqual([]);
    expect(lines.map((l) => l.level)).toEqual(['error']);
  });
});
