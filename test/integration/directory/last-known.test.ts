// Both of the lab's slapd stop: a caller can still leave a message for an owner voicebox found
// before (from its last known entries, the directory as `voicebox serve` builds it), and it
// arrives in her Dovecot INBOX; an owner never looked up gets the apology as before.
import { mkdtempSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { directoryFrom } from '../../../src/cli/services.js';
import { readConfig, type VoiceboxConfig } from '../../../src/config/index.js';
import { smtpTransport } from '../../../src/mail/index.js';
import { labDir } from '../../env/lab.js';
import { quickMessage, startVoicebox } from '../../actions/support.js';
import { imapClient, run, withImap } from '../lab/support.js';

const lab = inject('lab');

async function answers(url: string): Promise<boolean> {
  const c = new Client({ url, connectTimeout: 1_000, timeout: 2_000 });
  try {
    await c.bind(lab.ldap.bindDn, lab.ldap.bindPassword);
    return true;
  } catch {
    return false;
  } finally {
    await c.unbind();
  }
}

async function stopSlapd(dir: string): Promise<void> {
  const pid = Number((await readFile(join(dir, 'slapd.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGKILL');
}

const startSlapd = (s: { dir: string; port: number }) =>
  run(join(labDir, 'ldap/start.sh'), [s.dir, String(s.port)]);

/** the message from `from` in alice's INBOX, or undefined once Postfix and Dovecot had their time */
function deliveredFrom(from: string): Promise<number> {
  return withImap(imapClient(lab, 'alice', 'alicepw'), async (imap) => {
    await imap.mailboxOpen('INBOX');
    for (let i = 0; i < 100; i++) {
      const uids = (await imap.search({ from: from.slice(1) }, { uid: true })) || [];
      if (uids.length > 0) return uids.length;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 0;
  });
}

describe('both LDAP servers down', () => {
  afterAll(async () => {
    // the other test files need the lab as it was, whatever happened here
    for (const s of lab.ldap.servers) await startSlapd(s);
  });

  it('a caller still leaves a message for an owner seen before; one never seen hears the apology', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-last-known-'));
    const base = readConfig();
    const config: VoiceboxConfig = {
      ...base,
      directory: {
        ...base.directory,
        type: 'ldap',
        localSettings: join(dir, 'local-settings.json'),
        lastKnown: join(dir, 'last-known-entries.json'),
        ldap: {
          servers: lab.ldap.servers.map((s) => s.url),
          bindDn: lab.ldap.bindDn,
          bindPassword: lab.ldap.bindPassword,
          baseDn: lab.ldap.baseDn,
          ous: [],
          timeoutMs: 2_000,
          cacheTtlMs: 0,
          rejectUnauthorized: true,
        },
      },
    };
    const lines: string[] = [];
    const log = {
      info() {},
      debug() {},
      warn: (o: object, m?: string) => lines.push(`${m ?? ''} ${JSON.stringify(o)}`),
      error: (o: object, m?: string) => lines.push(`${m ?? ''} ${JSON.stringify(o)}`),
      child: () => log,
    };
    const box = await startVoicebox({
      welcome: { enabled: false },
      directory: directoryFrom(config, log),
      transport: smtpTransport({ host: lab.host, port: lab.smtp.port, timeoutMs: 5000 }),
    });
    try {
      // the directory answers: alice is found (and kept)
      const before = `+4940${Date.now() % 1_000_000}`;
      expect((await box.call(quickMessage('501', before, 2))).said.at(-1)).toBe('de:message_saved');
      expect(statSync(join(dir, 'last-known-entries.json')).mode & 0o777).toBe(0o600);

      for (const s of lab.ldap.servers) await stopSlapd(s.dir);
      for (const s of lab.ldap.servers) await expect.poll(() => answers(s.url)).toBe(false);

      const during = `+4941${Date.now() % 1_000_000}`;
      const r = await box.call(quickMessage('030 1234501', during, 2));
      expect(r.said[0]).toMatch(/^de:standard_greeting/);
      expect(r.said.at(-1)).toBe('de:message_saved');
      expect(lines.join('\n')).toMatch(
        /directory unavailable: using the last known entry for \+49 30 1234501 from \d{4}-\d\d-\d\dT/,
      );

      // carol (503) was never looked up by this voicebox
      const unknown = await box.call(quickMessage('503'));
      expect(unknown.said).toEqual(['de:technical_problem']);
      expect(unknown.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');

      await box.spool.flush();
      expect(await deliveredFrom(before)).toBe(1);
      expect(await deliveredFrom(during)).toBe(1);
    } finally {
      await box.close();
    }
  });
});
