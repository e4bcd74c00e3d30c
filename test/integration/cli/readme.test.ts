// The README example that needs the lab: `npm run lab:up && npx voicebox call 502 --config
// lab/voicebox.yaml --dtmf 0`. The lab is the one test/env/globalSetup.ts brought up with the same
// lab/lab.sh; its config goes where `npm run lab:up` writes it, lab/voicebox.yaml of a fresh folder,
// and the call part runs there as a user runs it. (test/cli/readme.test.ts runs the others.)
import { mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { Attribute, Change } from 'ldapts';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshFolder, readReadme, runExample, runInLab } from '../../cli/readme-examples.js';
import { ensureBuilt } from '../../cli/serve-support.js';
import { asLdapAdmin, imapClient, values, withImap } from '../lab/support.js';

const lab = inject('lab');
const readme = readReadme();
const command = 'npx voicebox call 502 --config lab/voicebox.yaml --dtmf 0';
const bobDn = 'uid=bob,ou=sales,dc=example,dc=com';
const ldapUrl = lab.ldap.servers[0].url;
const bobsInbox = (): ImapFlow =>
  imapClient(lab, `bob${lab.imap.master.separator}${lab.imap.master.user}`, lab.imap.master.password);

let dir = '';
let bobsUserData: string[] = [];
let uidNextBefore = 0;

beforeAll(async () => {
  await ensureBuilt();
  dir = freshFolder();
  mkdirSync(join(dir, 'lab'));
  copyFileSync(lab.config, join(dir, 'lab', 'voicebox.yaml'));
  // the call may write bob's settings (welcome, seen): the other files expect his ixi-UMS seed
  bobsUserData = await asLdapAdmin(lab, ldapUrl, async (c) =>
    values(
      (await c.search(bobDn, { scope: 'base', attributes: ['voiceboxUserData'] })).searchEntries[0],
      'voiceboxUserData',
    ),
  );
  uidNextBefore = await withImap(bobsInbox(), async (c) => {
    const status = await c.status('INBOX', { uidNext: true });
    if (!status || status.uidNext === undefined) throw new Error("no STATUS for bob's INBOX");
    return status.uidNext;
  });
}, 300_000);

afterAll(async () => {
  await asLdapAdmin(lab, ldapUrl, (c) =>
    c.modify(bobDn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'voiceboxUserData', values: bobsUserData }),
      }),
    ]),
  );
  // what the call delivered to bob goes again, for the files after this one
  await withImap(bobsInbox(), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      await c.messageDelete(`${uidNextBefore}:*`, { uid: true });
    } finally {
      lock.release();
    }
  });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README.md: trying it, against the lab', () => {
  it('lists this example as run here', () => {
    expect(Object.keys(runInLab)).toContain(command);
    expect(readme.commands).toContain(command);
  });

  it(
    command,
    async () => {
      const r = await runExample(command, dir);
      expect(r.code, `exit ${r.code}\n${r.stderr}`).toBe(0);
      const lines = r.stdout.trim().split('\n');
      // which profile answered, then the caller side as in the first example: greeting, 0, tone,
      // three seconds, saved
      expect(lines[0]).toMatch(/^profile \S+ \(\S+\)$/);
      const heard = lines.slice(1);
      expect(heard.map((l) => l.split(' ')[0])).toEqual(['play', 'dtmf', 'tone', 'record', 'play', 'hangup']);
      expect(heard[1]).toBe('dtmf 0');
      const recording = /^record 2\.9s (\S+\.wav)$/.exec(heard[3] ?? '');
      expect(recording, heard.join('\n')).not.toBeNull();
      expect(heard[4]).toMatch(/^play message_saved /);
      expect(heard[5]).toBe('hangup NORMAL_CLEARING');

      // the message is in bob's Dovecot inbox (Postfix delivers after the spool handed it over)
      const messageId = `<voicebox.${basename(recording![1]!, '.wav')}@example.com>`;
      const source = await withImap(bobsInbox(), async (c) => {
        for (;;) {
          const lock = await c.getMailboxLock('INBOX');
          try {
            const [uid] = (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
            const found =
              uid !== undefined && (await c.fetchOne(String(uid), { source: true }, { uid: true }));
            if (found && found.source) return found.source;
          } finally {
            lock.release();
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      });
      const mail = await simpleParser(source);
      expect(mail.headers.get('x-voicebox-type')).toBe('voice');
      expect(mail.attachments.map((a) => a.contentType)).toContain('audio/wav');
    },
    60_000,
  );
});
