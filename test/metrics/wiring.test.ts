// The wiring's wrappers (src/cli/metrics.ts): the directory, the mailboxes and the mail server
// measured from outside, each still behaving as itself.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  countedNotifierLog,
  countedSpoolSends,
  measuredDirectory,
  measuredMailboxes,
  measuredTransport,
  metricsAddress,
  metricsFrom,
  spoolStateOf,
  startMetrics,
  type RunningMetrics,
} from '../../src/cli/metrics.js';
import { readConfig } from '../../src/config/index.js';
import type { Directory, DirectoryUser } from '../../src/directory/index.js';
import type { RawMessage } from '../../src/mail/index.js';
import type { Mailbox, MailboxStore } from '../../src/mailbox/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { noNotifierLog, type NotifierLogEntry } from '../../src/notify/index.js';
import { silentLogger } from '../support/log.js';
import { histogramCount, parsed, valueOf } from './prometheus-text.js';

const HISTOGRAM = 'voicebox_backend_request_duration_seconds';
const metrics = () => new Metrics({ defaultMetrics: false });
const user = { id: 'uid=pia', mailbox: '+49301234599' } as DirectoryUser;

const started: RunningMetrics[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((m) => m.close()));
});

describe('measuredDirectory', () => {
  it('times every request as ldap and counts the failed ones; answers stay the same', async () => {
    const m = metrics();
    const d = measuredDirectory(
      {
        findByNumber: async (f) => (f[0] === 'x' ? Promise.reject(new Error('down')) : user),
        updateSettings: async (u, change) => ({ ...u, settings: change(u.settings) }),
        current: async (u) => u,
        close: async () => undefined,
      },
      m,
    );
    expect(await d.findByNumber(['+49301234599'])).toBe(user);
    await expect(d.findByNumber(['x'])).rejects.toThrow('down');
    await d.current!(user);
    const text = await m.exposition();
    expect(histogramCount(text, HISTOGRAM, { backend: 'ldap', operation: 'findByNumber' })).toBe(2);
    expect(histogramCount(text, HISTOGRAM, { backend: 'ldap', operation: 'current' })).toBe(1);
    expect(valueOf(parsed(text), 'voicebox_backend_errors_total', { operation: 'findByNumber' })).toBe(1);
  });

  it('keeps optional methods optional: what the directory cannot do, the measured one cannot either', () => {
    const plain: Directory = {
      findByNumber: async () => undefined,
      updateSettings: async (u) => u,
      close: async () => undefined,
    };
    const d = measuredDirectory(plain, metrics());
    expect(d.findByOfficeNumber).toBeUndefined();
    expect(d.current).toBeUndefined();
    expect(d.users).toBeUndefined();
  });

  it('times each page of a listing', async () => {
    const m = metrics();
    const d = measuredDirectory(
      {
        findByNumber: async () => undefined,
        updateSettings: async (u) => u,
        close: async () => undefined,
        async *users() {
          yield user;
          yield user;
        },
      },
      m,
    );
    const listed: DirectoryUser[] = [];
    for await (const u of d.users!()) listed.push(u);
    expect(listed).toHaveLength(2);
    // two users and the end of the listing
    expect(histogramCount(await m.exposition(), HISTOGRAM, { backend: 'ldap', operation: 'users' })).toBe(3);
  });
});

describe('measuredMailboxes', () => {
  it('times the login and each request on the mailbox as imap, and keeps the host rule', async () => {
    const m = metrics();
    const box = {
      summary: async () => ({ total: 1 }),
      close: async () => undefined,
    } as unknown as Mailbox;
    const store: MailboxStore & { hostRule?: { attribute: string } } = {
      open: async () => box,
      fingerprint: async () => 'f',
      hostRule: { attribute: 'mailHost' },
    };
    const measured = measuredMailboxes(store, m);
    expect(measured.hostRule).toEqual({ attribute: 'mailHost' });
    const opened = await measured.open({ mailbox: 'pia', email: 'pia@example.com' });
    expect(await opened.summary()).toEqual({ total: 1 });
    await opened.close();
    expect(await measured.fingerprint({ mailbox: 'pia', email: 'pia@example.com' })).toBe('f');
    const text = await m.exposition();
    for (const operation of ['open', 'summary', 'close', 'fingerprint'])
      expect(histogramCount(text, HISTOGRAM, { backend: 'imap', operation }), operation).toBe(1);
  });
});

describe('the mail server and the spool', () => {
  const message = {
    id: 'r1',
    messageId: '<r1@x>',
    envelope: { from: 'a@x', to: ['b@x'] },
    raw: Buffer.from(''),
  };

  it('times each message handed to the server as smtp send, and counts the spool attempts', async () => {
    const m = metrics();
    let refuse = true;
    const sent: RawMessage[] = [];
    const transport = countedSpoolSends(
      measuredTransport(
        {
          send: async (msg) => {
            if (refuse) throw new Error('451 try later');
            sent.push(msg);
          },
          close: () => undefined,
        },
        m,
      ),
      m,
    );
    await expect(transport.send(message)).rejects.toThrow('451');
    refuse = false;
    await transport.send(message);
    expect(sent).toEqual([message]);
    const text = await m.exposition();
    const f = parsed(text);
    expect(histogramCount(text, HISTOGRAM, { backend: 'smtp', operation: 'send' })).toBe(2);
    expect(valueOf(f, 'voicebox_backend_errors_total', { backend: 'smtp' })).toBe(1);
    expect(valueOf(f, 'voicebox_spool_send_failures_total')).toBe(1);
    expect(valueOf(f, 'voicebox_spool_messages_sent_total')).toBe(1);
  });

  it("reads the spool's waiting messages and the oldest one's age", () => {
    let now = 1_000_000;
    let pending = ['a', 'b'];
    const state = spoolStateOf({ pending: () => pending }, () => now);
    expect(state()).toEqual({ messages: 2, oldestAgeSeconds: 0 });
    now += 30_000;
    pending = ['b', 'c'];
    expect(state()).toEqual({ messages: 2, oldestAgeSeconds: 30 });
    // with the spool's own times
    const own = spoolStateOf(
      { pending: () => [], stats: () => ({ messages: 1, oldestEnqueuedAt: now - 90_000 }) },
      () => now,
    );
    expect(own()).toEqual({ messages: 1, oldestAgeSeconds: 90 });
  });
});

describe('notifications', () => {
  it('counts each lamp and SMS the notifier log records', async () => {
    const m = metrics();
    const log = countedNotifierLog(noNotifierLog, m);
    const who = { id: 'nora', mailbox: '+49301234521' };
    const lamp: NotifierLogEntry = {
      kind: 'lamp',
      user: who,
      account: 'sip:121@pbx',
      waiting: true,
      voice: { new: 1, old: 0 },
      reason: 'delivery' as NotifierLogEntry['reason'],
    };
    const sms = (outcome: 'sent' | 'rejected'): NotifierLogEntry => ({
      kind: 'sms',
      user: who,
      to: '+491701000021',
      messageKind: 'voice',
      count: 1,
      reason: 'delivery' as NotifierLogEntry['reason'],
      outcome,
    });
    log.write(lamp);
    log.write(sms('sent'));
    log.write(sms('rejected'));
    const f = parsed(await m.exposition());
    expect(valueOf(f, 'voicebox_notifications_sent_total', { kind: 'lamp' })).toBe(1);
    expect(valueOf(f, 'voicebox_notifications_sent_total', { kind: 'sms' })).toBe(1);
    expect(valueOf(f, 'voicebox_notifications_failed_total', { kind: 'sms' })).toBe(1);
  });
});

describe('metrics.listen', () => {
  it("is off when ''", () => {
    expect(metricsFrom(readConfig(undefined))).toBeUndefined();
  });

  it('reads HOST:PORT, IPv6 in brackets; refuses what is not', () => {
    expect(metricsAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(metricsAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(() => metricsAddress('127.0.0.1:99999')).toThrow(/metrics\.listen: expected HOST:PORT/);
  });

  it("takes the README's example; the same address without a token is refused", () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Metrics and health'));
    const block = /```yaml\n(metrics:\n[\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-metrics-config-'));
    try {
      writeFileSync(join(dir, 'ok.yaml'), block!);
      const config = readConfig(join(dir, 'ok.yaml'));
      expect(metricsAddress(config.metrics.listen)).toEqual({ host: '10.0.0.5', port: 9464 });
      writeFileSync(join(dir, 'open.yaml'), block!.replace(/^ {2}token:.*$/m, ''));
      expect(() => readConfig(join(dir, 'open.yaml'))).toThrow(/set metrics\.token/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves /health as starting until told it serves', async () => {
    const config = readConfig(undefined);
    config.metrics.listen = '127.0.0.1:0';
    const running = (await startMetrics(config, silentLogger))!;
    started.push(running);
    const url = `http://127.0.0.1:${running.address.port}/health`;
    expect((await fetch(url)).status).toBe(503);
    running.serving(() => 'serving');
    expect(await (await fetch(url)).text()).toBe('ok\n');
  });
});
