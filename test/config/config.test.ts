import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig, redacted, loadConfig } from '../../src/config/index.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'voicebox-config-')), 'voicebox.yaml');
  writeFileSync(path, text);
  return path;
}

function problems(text: string): string[] {
  const path = file(text);
  try {
    readConfig(path);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.line} ${p.key}: ${p.message}`);
  }
  return [];
}

describe('the configuration', () => {
  it('has embedded defaults: serve with no file at all', () => {
    const config = readConfig();
    expect(config.freeswitch.listen).toEqual({ host: '127.0.0.1', port: 8084 });
    expect(config.directory.type).toBe('yaml');
    expect(config.mail.smtp).toBeUndefined();
    expect(config.menu.language_choice).toBe('by_caller');
    expect(config.menu.max_message).toBe(180_000);
    expect(config.media.freeswitch).toBe(config.media.local);
    // FreeSWITCH gets absolute paths even from a relative setting
    expect(config.media.local).toBe(resolve('media'));
  });

  it('reads a full file', () => {
    const config = readConfig(
      file(`freeswitch:
  listen: 0.0.0.0:9000
media:
  local: /srv/media
  freeswitch: /mnt/voicebox
directory:
  type: ldap
  ldap:
    servers: [ldap://a:389, ldaps://b:636]
    bindDn: cn=admin,dc=example,dc=com
    bindPassword: s3cret
mail:
  smtp:
    host: mail.example.com
    port: 587
    starttls: true
menu:
  allow_reply: false
`),
    );
    expect(config.freeswitch.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(config.media).toEqual({ local: '/srv/media', freeswitch: '/mnt/voicebox' });
    expect(config.directory.ldap?.servers).toEqual(['ldap://a:389', 'ldaps://b:636']);
    expect(config.directory.ldap?.timeoutMs).toBe(3000);
    expect(config.mail.smtp).toMatchObject({
      host: 'mail.example.com',
      port: 587,
      starttls: true,
      secure: false,
    });
    expect(config.menu.allow_reply).toBe(false);
    expect(config.menu.allow_call_back).toBe(true);
  });

  it('names the key and the line of every mistake', () => {
    expect(
      problems(`freeswitch:
  listen: localhost
directory:
  type: ldapp
  ldap:
    servers: ldap://a
    timeoutMs: fast
mail:
  smtp:
    port: 25
menu:
  allow_reply: maybe
  colour: blue
`),
    ).toEqual([
      "2 freeswitch.listen: 'localhost' is not valid: HOST:PORT, e.g. 127.0.0.1:8084",
      '4 directory.type: expected one of yaml, ldap, got "ldapp"',
      '7 directory.ldap.timeoutMs: expected a number, got "fast"',
      '9 mail.smtp.host: is required',
      '12 menu.allow_reply: expected yes/no (true or false), got "maybe"',
      expect.stringMatching(/^13 menu.colour: unknown setting \(known here: language_choice, /),
    ]);
  });

  it('checks the mailbox password key at start, naming the key and never the value', () => {
    const imap = (key: string) =>
      `mailbox:\n  type: imap\n  imap:\n    access: individual\n    passwordKey: '${key}'\n`;
    for (const bad of [
      'tooshort',
      'f'.repeat(63),
      'f'.repeat(65),
      'A'.repeat(42),
      'A'.repeat(44),
      'not base64 at all but long enough to be 43 c',
    ]) {
      const found = problems(imap(bad));
      expect(found, bad).toEqual([
        '5 mailbox.imap.passwordKey: this value is not valid: 32 bytes as 64 hex digits or base64: encrypts stored mailbox passwords',
      ]);
      expect(found.join('\n')).not.toContain(bad);
    }
    const hex = '00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF';
    const base64 = Buffer.alloc(32, 7).toString('base64');
    for (const good of [hex, base64, base64.replace(/=$/, ''), Buffer.alloc(32, 0xfb).toString('base64url')])
      expect(readConfig(file(imap(good))).mailbox.imap?.passwordKey, good).toBe(good);
  });

  it('takes a file of comments only (every key commented out) as all defaults', () => {
    expect(
      problems('# voicebox settings: all defaults for now\n#freeswitch:\n#  listen: 127.0.0.1:8084\n'),
    ).toEqual([]);
    expect(readConfig(file('  # indented\n\n')).freeswitch.listen).toEqual({ host: '127.0.0.1', port: 8084 });
  });

  it('says where the YAML itself is broken', () => {
    expect(problems('freeswitch:\n  listen: [1, 2\n')).toEqual([
      expect.stringMatching(/^3 \(file\): not valid YAML/),
    ]);
  });

  it('never prints a secret, not even in an error', () => {
    const tree = loadConfig(
      file(`directory:
  ldap:
    servers: [ldap://a]
    bindPassword: hunter2
mail:
  smtp:
    host: smtp
    password: hunter3
`),
    );
    const shown = JSON.stringify(redacted(tree));
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('hunter3');
    expect(shown).toContain('********');
    expect(problems('welcome:\n  defaultPin: abc-secret\n').join('\n')).not.toContain('abc-secret');
  });
});

describe('paths in the configuration', () => {
  it("are taken from the config file's folder, wherever voicebox runs; absolute ones stay", () => {
    const path = file(
      'media:\n  local: m\ndirectory:\n  file: /srv/users.yaml\nmail:\n  spool: var/spool\n  smtp:\n    host: h\n    ca: ca.pem\nmenus: menus\n',
    );
    const dir = path.slice(0, -'/voicebox.yaml'.length);
    const config = readConfig(path);
    expect(config.base).toBe(dir);
    expect(config.media).toMatchObject({ local: join(dir, 'm'), freeswitch: join(dir, 'm') });
    expect(config.directory.file).toBe('/srv/users.yaml');
    expect(config.directory.localSettings).toBe(join(dir, 'local-settings.json'));
    expect(config.directory.lastKnown).toBe(join(dir, 'last-known-entries.json'));
    expect(config.mail.spool).toBe(join(dir, 'var/spool'));
    expect(config.mail.maildir).toBe(join(dir, 'maildir'));
    expect(config.mail.smtp?.ca).toBe(join(dir, 'ca.pem'));
    expect(config.login.wrongPinLog).toBe(join(dir, 'wrong-pin.log'));
    expect(config.menus).toBe(join(dir, 'menus'));
  });

  it("an empty path setting stays empty (off), never the config's folder: no TLS unless a certificate is named", () => {
    const config = readConfig(file('web:\n  listen: 127.0.0.1:8088\n  tlsKey: ""\n'));
    expect(config.web.tlsCert).toBe('');
    expect(config.web.tlsKey).toBe('');
  });

  it('without a file: from the working directory, as before', () => {
    const config = readConfig();
    expect(config.base).toBe(process.cwd());
    expect(config.mail.spool).toBe(resolve('spool'));
    expect(config.directory.file).toBe(resolve('users.yaml'));
  });

  it('media.freeswitch must be absolute: FreeSWITCH would look for a relative one in its sounds folder', () => {
    expect(problems('media:\n  freeswitch: media\n')).toEqual([
      "2 media.freeswitch: 'media' is not valid: the same folder as FreeSWITCH sees it, an absolute path without spaces (default: media.local)",
    ]);
    expect(problems('media:\n  freeswitch: /mnt/voice box\n')).toHaveLength(1);
  });
});
