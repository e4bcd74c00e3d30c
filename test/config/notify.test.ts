// The `notify` section as an admin writes it: safe defaults (no SMS, no push, no reset mails),
// every mistake named with its key and line, the secrets never shown.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig, redacted, type ConfigTree } from '../../src/config/index.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'voicebox-notify-config-')), 'voicebox.yaml');
  writeFileSync(path, text);
  return path;
}

/** `line key: message` of every problem, or [] when the file is good */
function problems(text: string): string[] {
  try {
    readConfig(file(text));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.line} ${p.key}: ${p.message}`);
  }
  return [];
}

describe('the notify settings', () => {
  it('default to the lamp after one new message, and no SMS, push or reset mails', () => {
    const { notify } = readConfig();
    expect(notify.thresholds).toEqual({ voice: 1, fax: 1, sms: 1 });
    expect(notify.lamp).toEqual({ enabled: true, domain: '', user: 'extension' });
    expect(notify.sms.enabled).toBe(false);
    expect(notify.sms.gateway).toBe('mail');
    expect(notify.sms.mailAddress).toBe('$(MOBILE)@sms.provider.example');
    expect(notify.sms.http).toMatchObject({ url: '', method: 'POST', contentType: 'application/json' });
    expect(notify.sms.http.headers).toBeUndefined();
    expect(notify.sms.retry).toEqual({ firstMs: 30_000, maxMs: 3_600_000, giveUpAfterMs: 86_400_000 });
    expect(notify.watch).toEqual({
      push: { port: 0, listen: '127.0.0.1', token: '' },
      pollIntervalMs: 900_000,
      concurrency: 8,
    });
    expect(notify.reset).toEqual({ mailbox: '', trust: 'authenticated' });
  });

  it('takes the queue and the log beside the config file', () => {
    const path = file('notify:\n  sms: { queue: sms-queue }\n');
    const { notify } = readConfig(path);
    expect(notify.sms.queue).toBe(join(path, '..', 'sms-queue'));
    expect(notify.log).toBe(join(path, '..', 'notifier.log'));
  });

  it('reads a site that sends SMS through an HTTP gateway', () => {
    const { notify } = readConfig(
      file(`notify:
  thresholds: { voice: 2, fax: 0, sms: 1 }
  lamp: { domain: pbx.example.com, user: e164 }
  sms:
    enabled: true
    gateway: http
    http:
      url: https://sms.example.net/v1/messages
      user: voicebox
      password: gateway-secret
      headers: { X-Tenant: sales }
  watch:
    push: { port: 8099, listen: 0.0.0.0, token: 0123456789abcdef0123 }
  reset: { mailbox: notifier-off, trust: from }
`),
    );
    expect(notify.thresholds).toEqual({ voice: 2, fax: 0, sms: 1 });
    expect(notify.lamp).toEqual({ enabled: true, domain: 'pbx.example.com', user: 'e164' });
    expect(notify.sms.http.url).toBe('https://sms.example.net/v1/messages');
    expect(notify.sms.http.headers).toEqual({ 'X-Tenant': 'sales' });
    expect(notify.watch.push).toEqual({ port: 8099, listen: '0.0.0.0', token: '0123456789abcdef0123' });
    expect(notify.reset).toEqual({ mailbox: 'notifier-off', trust: 'from' });
  });

  it('never shows the gateway password or the push token', () => {
    const config = readConfig(
      file(`notify:
  sms: { http: { password: gateway-secret } }
  watch: { push: { token: 0123456789abcdef0123 } }
`),
    );
    const shown = JSON.stringify(redacted(config as unknown as ConfigTree));
    expect(shown).not.toContain('gateway-secret');
    expect(shown).not.toContain('0123456789abcdef0123');
  });

  it('accepts an empty value where empty means off or none', () => {
    // the sample file shows these keys with '' (examples/voicebox.yaml): uncommented they must load
    expect(
      problems(`notify:
  lamp: { domain: '' }
  sms: { http: { url: '', user: '', password: '' } }
  watch: { push: { token: '' } }
  reset: { mailbox: '' }
  log: ''
`),
    ).toEqual([]);
    expect(readConfig(file("notify:\n  log: ''\n")).notify.log).toBe('');
  });

  it('names the key of a threshold that is not a whole number from 0 to 1000', () => {
    expect(
      problems(`notify:
  thresholds:
    voice: 1001
    fax: -1
    sms: 1.5
`),
    ).toEqual([
      '3 notify.thresholds.voice: must be at most 1000, got 1001 (after how many new voice messages she is told (lamp and SMS); 0: never)',
      '4 notify.thresholds.fax: must be at least 0, got -1 (after how many new faxes she is told (lamp and SMS); 0: never)',
      '5 notify.thresholds.sms: expected a whole number, got 1.5',
    ]);
  });

  it('names a lamp user form and a reset trust it does not know', () => {
    expect(problems('notify:\n  lamp: { user: sip }\n  reset: { trust: anyone }\n')).toEqual([
      '2 notify.lamp.user: expected one of extension, number, e164, got "sip"',
      '3 notify.reset.trust: expected one of authenticated, from, got "anyone"',
    ]);
  });

  it('wants the URL of an HTTP gateway, an http(s) one', () => {
    expect(problems('notify:\n  sms:\n    enabled: true\n    gateway: http\n')).toEqual([
      "2 notify.sms.http.url: is required with gateway: http: the gateway's https:// URL",
    ]);
    // switched off, the URL may wait
    expect(problems('notify:\n  sms:\n    gateway: http\n')).toEqual([]);
    expect(
      problems(
        'notify:\n  sms:\n    enabled: true\n    gateway: http\n    http: { url: ftp://sms.example.net }\n',
      ),
    ).toEqual([
      "5 notify.sms.http.url: 'ftp://sms.example.net' is not valid: the gateway's http:// or https:// URL; required with gateway: http",
    ]);
  });

  it('wants an e-mail-to-SMS address that names the mobile number', () => {
    expect(problems("notify:\n  sms: { mailAddress: '$(MOBILE_E164)@sms.example.com' }\n")).toEqual([]);
    for (const bad of ['sms@sms.example.com', '$(MOBILE)', '$(MOBILE)@', 'x@$(MOBILE).example.com']) {
      expect(problems(`notify:\n  sms:\n    mailAddress: '${bad}'\n`), bad).toEqual([
        `3 notify.sms.mailAddress: '${bad}' is not valid: the e-mail-to-SMS address: $(MOBILE) is her mobile number without '+', $(MOBILE_E164) with it`,
      ]);
    }
  });

  it('refuses a push port open beyond this host without a token', () => {
    expect(problems('notify:\n  watch:\n    push:\n      port: 8099\n      listen: 0.0.0.0\n')).toEqual([
      "5 notify.watch.push.listen: '0.0.0.0' is reachable from other hosts, and anyone reaching it could make voicebox check mailboxes: set notify.watch.push.token (or listen on 127.0.0.1)",
    ]);
    // loopback, or push switched off: no token needed
    expect(problems('notify:\n  watch: { push: { port: 8099, listen: 127.0.0.1 } }\n')).toEqual([]);
    expect(problems('notify:\n  watch: { push: { port: 8099, listen: ::1 } }\n')).toEqual([]);
    expect(problems('notify:\n  watch: { push: { port: 0, listen: 0.0.0.0 } }\n')).toEqual([]);
  });

  it('refuses a short push token without showing it', () => {
    const found = problems('notify:\n  watch: { push: { port: 8099, token: short } }\n');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^2 notify\.watch\.push\.token: this value is not valid: /);
    expect(found[0]).not.toContain('short');
  });

  it('checks the retry times and the poll interval against each other', () => {
    expect(
      problems(`notify:
  sms:
    retry: { firstMs: 60000, maxMs: 30000 }
  watch:
    pollIntervalMs: 500
`),
    ).toEqual([
      '3 notify.sms.retry.maxMs: must be at least firstMs (60000), got 30000',
      '5 notify.watch.pollIntervalMs: must be 0 (off) or at least 10000, got 500',
    ]);
  });

  it('names an unknown key under notify', () => {
    expect(problems('notify:\n  lamps: { enabled: false }\n')).toEqual([
      '2 notify.lamps: unknown setting (known here: thresholds, lamp, sms, watch, reset, log)',
    ]);
  });
});
