// `voicebox serve` against the lab with metrics.listen: a caller leaves a message, and what a
// Prometheus scraper reads of /metrics (parsed as it would) says so — the call counted by its
// outcome, the message sent through the spool to Postfix, the SMTP and IMAP requests timed, the
// event loop measured; /health answers the load balancer. The owner is paul, a mailbox of the
// lab's Dovecot that is no directory user (lab/README.md), listed in a users file of this test's
// own; the message left is removed from his INBOX afterwards. FreeSWITCH's inbound side (the
// lamps) is the simulator's, so the message's delivery is followed over IMAP as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { histogramCount, parsed, valueOf, family, type Family } from '../metrics/prometheus-text.js';
import { imapClient, withImap } from './lab/support.js';

const lab = inject('lab');
const dir = mkdtempSync(join(tmpdir(), 'voicebox-metrics-it-'));
const TOKEN = randomBytes(24).toString('hex');
/** this run's caller number: it is in the From of the message left, which is removed by it */
const CALLER = `+49897${String(Date.now() % 1_000_000).padStart(6, '0')}`;
const PAUL = { uid: 'paul', mailbox: '+49301234523', extension: '523', office: '+49301234123' };
const HISTOGRAM = 'voicebox_backend_request_duration_seconds';

const sim = new Simulator({ toLocalPath: (p) => p, missingFiles: 'not-found' });
let serve: ChildProcess | undefined;
let stderr = '';
let callsAt = '';
let metricsAt = '';

/** A copy of the lab's config with voicebox's own files, paul's users file and metrics on. */
function config(inboundPort: number): string {
  const c = load(readFileSync(lab.config, 'utf8')) as Record<string, Record<string, unknown>>;
  const users = join(dir, 'users.yaml');
  writeFileSync(
    users,
    [
      'users:',
      `  ${PAUL.uid}:`,
      '    name: Paul Peters',
      `    email: ${PAUL.uid}@example.com`,
      `    login: ${PAUL.uid}`,
      `    mailbox: '${PAUL.mailbox}'`,
      `    numbers: { office: '${PAUL.office}' }`,
      '    settings:',
      '      - enabled=Y',
      '      - welcomeSentAt=2020-01-01T00:00:00.000Z',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  mkdirSync(join(dir, 'media'), { recursive: true });
  c['media'] = { ...c['media'], local: join(dir, 'media') };
  c['directory'] = { type: 'yaml', file: users, localSettings: join(dir, 'local-settings.json') };
  c['login'] = { ...c['login'], wrongPinLog: join(dir, 'wrong-pin.log') };
  c['mail'] = { ...c['mail'], spool: join(dir, 'spool') };
  c['freeswitch'] = { inbound: { port: inboundPort, password: 'ClueCon' } };
  c['notify'] = {
    lamp: { domain: 'pbx.example.com' },
    log: join(dir, 'notifier.log'),
    sms: { queue: join(dir, 'notify-sms') },
  };
  c['deploy'] = { dir: join(dir, 'releases') };
  c['admin'] = { auditLog: join(dir, 'audit.log') };
  c['metrics'] = { listen: '127.0.0.1:0', token: TOKEN };
  const file = join(dir, 'voicebox.yaml');
  writeFileSync(file, dump(c), { mode: 0o600 });
  return file;
}

/** `voicebox serve` from the sources, as its own process; resolves once it serves calls. */
async function startServe(file: string): Promise<void> {
  const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      resolve('test/cli/run-from-source.ts'),
      'serve',
      '--config',
      file,
      '--listen',
      '127.0.0.1:0',
    ],
    { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  serve = child;
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  let out = '';
  await new Promise<void>((ready, fail) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const listening = /listening for FreeSWITCH on (\S+:\d+)/.exec(out);
      if (listening) {
        callsAt = listening[1]!;
        ready();
      }
    });
    child.once('exit', (code) => fail(new Error(`voicebox serve exited (${code}):\n${stderr.slice(-3000)}`)));
  });
  const line = stderr
    .split('\n')
    .map((l) => {
      try {
        return JSON.parse(l) as { metrics?: string };
      } catch {
        return {};
      }
    })
    .find((l) => typeof l.metrics === 'string');
  if (!line) throw new Error(`voicebox serve did not say where its metrics are:\n${stderr.slice(-3000)}`);
  metricsAt = line.metrics!;
}

async function scrape(): Promise<{ text: string; families: Family[] }> {
  const res = await fetch(`http://${metricsAt}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, families: parsed(text) };
}

/** Scrapes until `holds` says yes (the spool and the follow-up run after the call); the last scrape else. */
async function scrapeUntil(holds: (s: { text: string; families: Family[] }) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await scrape();
    if (holds(s) || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A regular expression that matches only the first time it is asked (the greeting). */
function firstTimeOnly(): RegExp {
  let seen = false;
  const re = /./;
  re.test = () => (seen ? false : (seen = true));
  return re;
}

async function removeTestMessages(): Promise<void> {
  await withImap(imapClient(lab, PAUL.uid, `${PAUL.uid}pw`), async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const uids = (await c.search({ from: CALLER.slice(1) }, { uid: true })) || [];
      if (uids.length > 0) await c.messageDelete(uids.join(','), { uid: true });
    } finally {
      lock.release();
    }
  });
}

beforeAll(async () => {
  const inbound = await sim.listenInbound({ port: 0, password: 'ClueCon' });
  await startServe(config(inbound.port));
}, 120_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve!.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  await sim.close();
  await removeTestMessages();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('voicebox serve with metrics.listen, against the lab', () => {
  it('/health says ok once calls are served, and needs no token', async () => {
    const res = await fetch(`http://${metricsAt}/health`);
    expect([res.status, await res.text()]).toEqual([200, 'ok\n']);
    expect((await fetch(`http://${metricsAt}/metrics`)).status).toBe(401);
  });

  it('a message left by phone: the call counted by outcome, the spool sent it, SMTP and IMAP timed', async () => {
    const before = await scrape();
    const ended = (f: Family[]) =>
      family(f, 'voicebox_calls_total')?.metrics.reduce((n, s) => n + Number(s.value ?? 0), 0) ?? 0;
    const hangups = (f: Family[]) => valueOf(f, 'voicebox_calls_total', { outcome: 'caller_hangup' });
    const sends = (t: string) => histogramCount(t, HISTOGRAM, { backend: 'smtp', operation: 'send' });

    // the greeting skipped with 0, three seconds spoken, # ends the recording; then the caller hangs up
    const caller = new ScriptedCaller({ number: CALLER, dialed: PAUL.extension })
      .pressWhilePlaying(firstTimeOnly(), '0', 500)
      .pressDuring('record', '#', 3000);
    await sim.runCall(caller, { target: callsAt });

    const after = await scrapeUntil(
      ({ text, families }) =>
        ended(families) > ended(before.families) &&
        valueOf(families, 'voicebox_spool_messages_sent_total') >= 1 &&
        histogramCount(text, HISTOGRAM, { backend: 'imap', operation: 'fingerprint' }) >= 1,
    );
    const f = after.families;
    expect(ended(f) - ended(before.families), stderr.slice(-2000)).toBe(1);
    // it ended as a message left ends: voicebox said goodbye, or the caller hung up after the beep
    const finished = (x: Family[]) =>
      hangups(x) + valueOf(x, 'voicebox_calls_total', { outcome: 'completed' });
    expect(finished(f) - finished(before.families)).toBe(1);
    expect(valueOf(f, 'voicebox_calls_in_progress')).toBe(0);
    expect(valueOf(f, 'voicebox_spool_messages_sent_total')).toBeGreaterThanOrEqual(1);
    expect(sends(after.text)).toBeGreaterThan(sends(before.text));
    expect(
      histogramCount(after.text, HISTOGRAM, { backend: 'imap', operation: 'fingerprint' }),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(f, 'voicebox_backend_errors_total', { backend: 'smtp' })).toBe(0);
    // the event loop's delay and the process, under the names every Node.js dashboard knows
    expect(family(f, 'nodejs_eventloop_lag_p99_seconds')).toBeDefined();
    expect(family(f, 'process_cpu_seconds_total')).toBeDefined();
    expect(valueOf(f, 'voicebox_release_info', { release: '0' })).toBe(1);
    expect(valueOf(f, 'voicebox_draining')).toBe(0);
    // no caller's number, no owner in any label
    expect(after.text).not.toContain(CALLER.slice(1));
    expect(after.text).not.toContain('paul');
  }, 120_000);

  it('SIGTERM: serve exits 0 and its metrics port closes with it (the port holds nothing open)', async () => {
    const exited = new Promise<number | null>((r) => serve!.once('exit', (code) => r(code)));
    serve!.kill('SIGTERM');
    expect(await exited, stderr.slice(-2000)).toBe(0);
    await expect(fetch(`http://${metricsAt}/health`)).rejects.toThrow();
  }, 60_000);
});
