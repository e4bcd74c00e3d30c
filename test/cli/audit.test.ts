// The admin audit log: one JSON line per change, owner-only, appended line by line (so logrotate
// may rename it under a running voicebox), never a secret's value.
import { chmodSync, mkdtempSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendAudit, changedKeys, isSecretKey, redactSecrets } from '../../src/cli/audit.js';

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the audit log', () => {
  it('appends one JSON line with the time, the OS user, the command, the user and the change', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'voicebox-audit-')), 'logs', 'audit.log');
    await appendAudit(
      file,
      { command: 'user unlock', user: '+49 30 1234501', change: { lockedAt: null } },
      new Date('2026-12-02T10:00:00Z'),
    );
    await appendAudit(file, {
      command: 'user pin set',
      user: 'alice',
      change: { pinChangedAt: '2026-12-02T10:01:00.000Z' },
    });
    const [first, second] = lines(file);
    expect(first).toEqual({
      time: '2026-12-02T10:00:00.000Z',
      by: userInfo().username,
      command: 'user unlock',
      user: '+49 30 1234501',
      change: { lockedAt: null },
    });
    expect(second!.command).toBe('user pin set');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('a change made by an admin on the web page names her as `by`, the OS user beside it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'voicebox-audit-')), 'audit.log');
    await appendAudit(
      file,
      { command: 'user unlock', by: '+49 30 1234505', user: '+49 30 1234501', change: { lockedAt: null } },
      new Date('2026-12-02T10:00:00Z'),
    );
    expect(lines(file)[0]).toEqual({
      time: '2026-12-02T10:00:00.000Z',
      by: '+49 30 1234505',
      osUser: userInfo().username,
      command: 'user unlock',
      user: '+49 30 1234501',
      change: { lockedAt: null },
    });
  });

  it('never writes the value of a PIN, PIN hash or password, at any depth', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'voicebox-audit-')), 'audit.log');
    await appendAudit(file, {
      command: 'user pin set',
      user: 'alice',
      change: {
        pinHash: 'scrypt$32768$8$5$c2FsdA==$aGFzaA==',
        legacyPin: 'MTIzNDU=',
        pin: '2468',
        mailPassword: 'enc:secret',
        nested: { bindPassword: 'hunter2', 'IXI-UMSMobilePIN': 'MTIzNDU=' },
        pinChangedAt: '2026-12-02T10:00:00.000Z',
        pinChangeRequired: true,
        wrongPinCount: 0,
        pinNumbers: ['+49 30 1234101'],
      },
    });
    const text = readFileSync(file, 'utf8');
    for (const secret of ['scrypt$', 'MTIzNDU=', '2468', 'enc:secret', 'hunter2'])
      expect(text).not.toContain(secret);
    expect(lines(file)[0]!.change).toEqual({
      pinHash: '***',
      legacyPin: '***',
      pin: '***',
      mailPassword: '***',
      nested: { bindPassword: '***', 'IXI-UMSMobilePIN': '***' },
      pinChangedAt: '2026-12-02T10:00:00.000Z',
      pinChangeRequired: true,
      wrongPinCount: 0,
      pinNumbers: ['+49 30 1234101'],
    });
  });

  it('a removed secret shows as removed (null), not masked', () => {
    expect(redactSecrets({ legacyPin: null })).toEqual({ legacyPin: null });
    expect(isSecretKey('pinReminderSentAt')).toBe(false);
    expect(isSecretKey('passwordKey')).toBe(true);
  });

  it('keeps writing after logrotate renamed the file: the next line starts a new file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-audit-'));
    const file = join(dir, 'audit.log');
    await appendAudit(file, { command: 'user unlock', user: 'a', change: { lockedAt: null } });
    renameSync(file, `${file}.1`);
    await appendAudit(file, { command: 'user unlock', user: 'b', change: { lockedAt: null } });
    expect(lines(`${file}.1`).map((l) => l.user)).toEqual(['a']);
    expect(lines(file).map((l) => l.user)).toEqual(['b']);
  });

  it('tightens a log found readable by others to 0600', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'voicebox-audit-')), 'audit.log');
    writeFileSync(file, '');
    chmodSync(file, 0o644);
    await appendAudit(file, { command: 'notify reset', user: 'a', change: {} });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('changedKeys: the new value of each key that changed, null for one removed', () => {
    expect(
      changedKeys(
        { wrongPinCount: 3, lockedAt: '2026-12-01T09:00:00.000Z', language: 'de', trustedNumbers: ['1'] },
        { wrongPinCount: 0, language: 'de', trustedNumbers: ['1'], welcomeResend: 'pin' },
      ),
    ).toEqual({ wrongPinCount: 0, lockedAt: null, welcomeResend: 'pin' });
  });
});
