// The mail.smtp settings as an admin writes them: the RFC's waits by default, a private CA by
// file, and a mistake named with its key before anything is sent.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mailTransportFrom } from '../../src/cli/services.js';
import { ConfigError, readConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-smtp-config-'));
function settings(smtp: string): string {
  const file = join(dir, `voicebox-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `mail:\n  smtp:\n    host: mail.example.com\n${smtp}`);
  return file;
}

describe('mail.smtp', () => {
  it('waits as RFC 5321 says by default: 5 minutes a command, 10 for the reply to the message; verifies certificates', () => {
    expect(readConfig(settings('')).mail.smtp).toMatchObject({
      timeoutMs: 10_000,
      commandTimeoutMs: 300_000,
      dataTimeoutMs: 600_000,
      rejectUnauthorized: true,
    });
  });

  it('refuses a login over an unencrypted connection, naming the key; allowPlaintextAuth is the explicit way', () => {
    const plain = settings('    user: voicebox\n    password: hunter2\n');
    expect(() => readConfig(plain)).toThrow(ConfigError);
    expect(() => readConfig(plain)).toThrow(
      /mail\.smtp\.user: the password would cross the network unencrypted/,
    );
    expect(() => readConfig(plain)).not.toThrow(/hunter2/);
    expect(
      readConfig(settings('    user: voicebox\n    password: hunter2\n    starttls: true\n')).mail.smtp,
    ).toMatchObject({ user: 'voicebox', starttls: true, allowPlaintextAuth: false });
    expect(
      readConfig(settings('    port: 465\n    user: voicebox\n    password: hunter2\n    secure: true\n'))
        .mail.smtp,
    ).toMatchObject({ secure: true });
    expect(
      readConfig(settings('    user: voicebox\n    password: hunter2\n    allowPlaintextAuth: true\n')).mail
        .smtp,
    ).toMatchObject({ allowPlaintextAuth: true });
    // no login, nothing secret to protect
    expect(readConfig(settings('')).mail.smtp).toMatchObject({ starttls: false, secure: false });
  });

  it('refuses a data timeout short enough to send a message twice, naming the key', () => {
    expect(() => readConfig(settings('    dataTimeoutMs: 10000\n'))).toThrow(ConfigError);
    expect(() => readConfig(settings('    dataTimeoutMs: 10000\n'))).toThrow(/mail\.smtp\.dataTimeoutMs/);
  });

  it('a CA file that cannot be read, or holds no certificate, is named with its key at start', () => {
    const missing = join(dir, 'no-such-ca.pem');
    expect(() => mailTransportFrom(readConfig(settings(`    ca: ${missing}\n`)))).toThrow(
      `mail.smtp.ca: cannot read ${missing} (ENOENT)`,
    );
    const notPem = join(dir, 'key.txt');
    writeFileSync(notPem, 'hunter2');
    const error: unknown = (() => {
      try {
        mailTransportFrom(readConfig(settings(`    ca: ${notPem}\n`)));
      } catch (e) {
        return e;
      }
    })();
    expect(String(error)).toMatch(/^Error: mail\.smtp\.ca: .*key\.txt holds no PEM certificate/);
    expect(String(error)).not.toContain('hunter2');
  });
});
