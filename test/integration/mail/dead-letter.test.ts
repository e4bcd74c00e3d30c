// A mail the lab's real Postfix refuses for good: a fax forwarded to an outside domain (Postfix
// answers RCPT with `554 5.7.1 Relay access denied`, as the field report showed) and a voice
// message to a mailbox Postfix does not know (`550 5.1.1 ... User unknown`). voicebox as `serve`
// builds it: the entry is not retried but moved to spool/dead, the owner gets exactly one notice
// in her IMAP INBOX, the admin (admin.email) one report, and `voicebox spool list` shows it.
// The owner and the admin are the lab's mail-only users pia and paul, listed in a users file of
// this test's own; only this test's mails (a random tag in every subject) are looked at and removed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { simpleParser } from 'mailparser';
import type { ImapFlow } from 'imapflow';
import { loadMenus } from '../../../dsl/index.js';
import { run as voicebox } from '../../../src/cli/main.js';
import { buildServices, type Services } from '../../../src/cli/services.js';
import { readConfig } from '../../../src/config/index.js';
import { composeFax, composeVoiceMessage, mailIds, voiceMessageId } from '../../../src/mail/index.js';
import type { RuntimeLogger } from '../../../src/runtime/index.js';
import { writeWav } from '../../../src/sim/index.js';
import type { LoggedLine } from '../../support/log.js';
import { imapClient, withImap } from '../lab/support.js';

const lab = inject('lab');
const tag = `dl${randomBytes(4).toString('hex')}`;
const root = mkdtempSync(join(tmpdir(), 'voicebox-dead-letter-'));
const spoolDir = join(root, 'spool');
const pia = { uid: 'pia', mailbox: '+49301234541', email: 'pia@example.com' };
// a mailbox Postfix does not know: the owner's own mail is refused
const ghost = { uid: 'ghost', mailbox: '+49301234542', email: `ghost-${tag}@example.com` };
const admin = { uid: 'paul', email: 'paul@example.com' };

const logged: LoggedLine[] = [];
const keep =
  (level: string) =>
  (obj: object, msg?: string): void => {
    if (level !== 'info')
      logged.push({ level, ...(obj as Record<string, unknown>), ...(msg ? { msg } : {}) });
  };
const log: RuntimeLogger = {
  info: keep('info'),
  warn: keep('warn'),
  error: keep('error'),
  debug: () => undefined,
  child: () => log,
};

let services: Services;

beforeAll(async () => {
  const users = join(root, 'users.yaml');
  // pia: no language of her own, so the site's (the menus' default, German)
  writeFileSync(
    users,
    [
      'users:',
      '  pia:',
      '    name: Pia Paulsen',
      `    email: ${pia.email}`,
      `    mailbox: '${pia.mailbox}'`,
      '    settings: [enabled=Y, welcomeSentAt=2020-01-01T00:00:00.000Z]',
      '  ghost:',
      '    name: Gerd Geist',
      `    email: ${ghost.email}`,
      `    mailbox: '${ghost.mailbox}'`,
      '    settings: [enabled=Y, language=en, welcomeSentAt=2020-01-01T00:00:00.000Z]',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const config = structuredClone(readConfig(lab.config));
  config.directory.type = 'yaml';
  config.directory.file = users;
  config.directory.localSettings = join(root, 'local-settings.json');
  config.login.wrongPinLog = join(root, 'wrong-pin.log');
  config.media.local = join(root, 'media');
  config.mail.spool = spoolDir;
  config.admin.email = admin.email;
  config.admin.auditLog = join(root, 'audit.log');
  config.notify.lamp.domain = '';
  const media = { local: config.media.local, freeswitch: config.media.local };
  services = await buildServices(config, loadMenus(['menus']).bundle, media, log);
  // the CLI reads the same spool folder
  writeFileSync(
    join(root, 'voicebox.yaml'),
    `mail:\n  spool: ${spoolDir}\nadmin:\n  auditLog: ${join(root, 'audit.log')}\n`,
  );
}, 60_000);

afterAll(async () => {
  await services?.close();
  for (const user of [pia.uid, admin.uid])
    await inbox(user, async (c) => {
      const uids = (await c.search({ subject: tag }, { uid: true })) || [];
      if (uids.length > 0) await c.messageDelete(uids.join(','), { uid: true });
    });
  rmSync(root, { recursive: true, force: true });
});

function inbox<T>(uid: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  return withImap(imapClient(lab, uid, `${uid}pw`), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return await fn(c);
    } finally {
      lock.release();
    }
  });
}

/** the subjects and texts of this test's mails in her INBOX that mention `text` */
async function mailsFor(
  uid: string,
  text: string,
): Promise<{ subject: string; text: string; type: string }[]> {
  return inbox(uid, async (c) => {
    const uids = (await c.search({ subject: text }, { uid: true })) || [];
    const found: { subject: string; text: string; type: string }[] = [];
    for (const uid of uids) {
      const m = await c.fetchOne(String(uid), { source: true }, { uid: true });
      if (!m || !m.source) continue;
      const parsed = await simpleParser(m.source);
      found.push({
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
        type: String(parsed.headers.get('x-voicebox-type') ?? ''),
      });
    }
    return found;
  });
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await voicebox(['node', 'voicebox', ...args, '--config', join(root, 'voicebox.yaml')], {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    color: false,
  });
  return { code, out, err };
}

describe('dead letters against the lab Postfix', () => {
  it('a fax to an outside domain (554 Relay access denied): not retried, one notice to the owner, one report to the admin, listed', async () => {
    const id = mailIds.inquiry('fax', `call-${tag}`, 7);
    await services.spool.enqueue(
      composeFax({
        message: {
          subject: `Angebot ${tag}`,
          text: ['Sehr geehrte Damen und Herren,', 'anbei das Angebot.'],
        },
        number: '+4940999888',
        from: { name: 'Pia Paulsen', address: pia.email },
        template: '$(phonenumber)@fax.outside.example.net',
        domain: 'example.com',
        id,
        date: new Date(),
      }),
      id,
    );
    await vi.waitFor(
      () =>
        expect(readdirSync(join(spoolDir, 'dead')).filter((f) => f.endsWith('.json'))).toEqual([
          `${id}.json`,
        ]),
      {
        timeout: 30_000,
        interval: 100,
      },
    );
    await services.spool.flush(); // the notices out
    await services.spool.flush(); // a second round: the dead letter is not tried again

    const notices = await vi.waitFor(
      async () => {
        const found = await mailsFor(pia.uid, tag);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(notices[0]).toMatchObject({ subject: `Nicht zugestellt: Angebot ${tag}`, type: 'dead-letter' });
    expect(notices[0]?.text).toContain('Ihr Fax an +4940999888 konnte nicht zugestellt werden');
    expect(notices[0]?.text).toMatch(
      /554 5\.7\.1 <\+4940999888@fax\.outside\.example\.net>: Relay access denied/,
    );
    expect(notices[0]?.text).not.toContain('anbei das Angebot'); // never the message itself

    const reports = await vi.waitFor(
      async () => {
        const found = await mailsFor(admin.uid, id);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(reports[0]?.text).toMatch(/Relay access denied/);
    expect(reports[0]?.text).toContain('Pia Paulsen <pia@example.com>');
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toEqual([]);

    const listed = await cli('spool', 'list');
    expect(listed.code).toBe(0);
    const line = listed.out.split('\n').find((l) => l.startsWith(id));
    expect(line).toMatch(/\bdead\b.*\b1\b.*fax\.outside\.example\.net.*554 5\.7\.1/);

    // the same notices after a restart of the spool: nothing sent twice
    await services.spool.stop();
    await services.spool.start();
    await services.spool.flush();
    expect(await mailsFor(pia.uid, tag)).toHaveLength(1);
  }, 120_000);

  it('her own mailbox refuses her voice message (550): only the admin is told, and the log line says so', async () => {
    const recording = `rec-${tag}`;
    const wav = join(root, `${recording}.wav`);
    writeWav(wav, 1_000, 0);
    await services.spool.enqueue(
      composeVoiceMessage({
        to: { email: ghost.email, name: 'Gerd Geist', language: 'en' },
        mailbox: ghost.mailbox,
        caller: { number: '+49301234102', name: `Bob ${tag}` },
        recordedAt: new Date(),
        durationMs: 1_000,
        wav: { path: wav },
        domain: 'example.com',
        timeZone: 'Europe/Berlin',
        messageId: voiceMessageId(recording, 'example.com'),
      }),
      recording,
    );
    await vi.waitFor(() => expect(readdirSync(join(spoolDir, 'dead'))).toContain(`${recording}.json`), {
      timeout: 30_000,
      interval: 100,
    });
    await services.spool.flush();
    const reports = await vi.waitFor(
      async () => {
        const found = await mailsFor(admin.uid, recording);
        expect(found).toHaveLength(1);
        return found;
      },
      { timeout: 30_000, interval: 200 },
    );
    expect(reports[0]?.text).toMatch(/550 5\.1\.1/);
    // the admin's copy is in the site's language (German with the shipped menus)
    expect(reports[0]?.text).toContain(
      'Das Postfach der Person, der die Nachricht gehört, hat sie selbst abgelehnt: nur Sie werden benachrichtigt.',
    );
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        id: recording,
        msg: "dead letter: the owner's own mailbox refused it; only the admin can be told, and is",
      }),
    );
  }, 120_000);
});
