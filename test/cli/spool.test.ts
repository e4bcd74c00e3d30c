// `voicebox spool list|show|retry|drop` on a spool folder as a running voicebox leaves it: a
// message waiting for a server that did not answer, and a dead letter the server refused for good.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { voicebox } from '../support/in-process.js';
import { spoolCommand } from '../../src/cli/spool.js';
import { composeFax, MailDeliveryError, MailSpool } from '../../src/mail/index.js';
import type { RawMessage } from '../../src/mail/index.js';
import { voiceMessageForAlice } from '../support/mail.js';

let root: string;
let config: string;
let spoolDir: string;

const fax = composeFax({
  message: { subject: 'Angebot Müller', text: ['Sehr geehrte Damen und Herren,', 'geheimer Inhalt.'] },
  number: '+4940999888',
  from: { name: 'Alice Anders', address: 'alice@example.com' },
  template: '$(phonenumber)@fax.outside.example.net',
  domain: 'example.com',
  id: 'fax-c1-7',
  date: new Date(Date.UTC(2026, 11, 1, 9, 0)),
});

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'voicebox-spool-cli-'));
  spoolDir = join(root, 'spool');
  config = join(root, 'voicebox.yaml');
  writeFileSync(config, `mail:\n  spool: ${spoolDir}\nadmin:\n  auditLog: ${join(root, 'audit.log')}\n`);
  const wav = join(root, 'rec.wav');
  writeFileSync(wav, Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt recorded audio'));
  // the server refuses the fax for good and does not answer for the voice message
  const send = async (m: RawMessage) => {
    if (m.id === 'fax-c1-7')
      throw new MailDeliveryError('SMTP 127.0.0.1:25 did not take it', 554, true, {
        cause: Object.assign(new Error('x'), {
          response: '554 5.7.1 <+4940999888@fax.outside.example.net>: Relay access denied',
        }),
      });
    throw new Error('connect ECONNREFUSED 127.0.0.1:25');
  };
  const spool = new MailSpool({
    dir: spoolDir,
    send,
    retry: { firstMs: 3_600_000, maxMs: 3_600_000 },
    rescanMs: 0,
  });
  await spool.enqueue(fax, 'fax-c1-7');
  await spool.enqueue(voiceMessageForAlice({ wav, recordingId: 'rec-1' }), 'rec-1');
  // each is attempted once as it is spooled; the next attempt is an hour away
  await vi.waitFor(
    () => {
      expect(existsSync(join(spoolDir, 'dead', 'fax-c1-7.json'))).toBe(true);
      expect(
        (JSON.parse(readFileSync(join(spoolDir, 'rec-1.json'), 'utf8')) as { attempts: number }).attempts,
      ).toBe(1);
    },
    { timeout: 10_000 },
  );
  await spool.stop();
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('voicebox spool', () => {
  it('list: one line per entry with its state, attempts, next attempt, recipients and last error', async () => {
    const r = await voicebox('spool', 'list', '--config', config);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+AGE\s+ATTEMPTS\s+NEXT\s+TO\s+LAST ERROR$/);
    expect(lines.find((l) => l.startsWith('fax-c1-7'))).toMatch(
      /^fax-c1-7\s+dead\s+\S+\s+1\s+-\s+\+4940999888@fax\.outside\.example\.net\s+554 5\.7\.1 .*Relay access denied$/,
    );
    expect(lines.find((l) => l.startsWith('rec-1'))).toMatch(
      /^rec-1\s+queued\s+\S+\s+1\s+in \S+\s+alice@example\.com\s+connect ECONNREFUSED/,
    );
    expect(lines).toHaveLength(3);
  });

  it('list --json: the same as data, without the message', async () => {
    const r = await voicebox('spool', 'list', '--json', '--config', config);
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.out) as { id: string; state: string; attempts: number }[];
    expect(entries.map((e) => [e.id, e.state, e.attempts]).sort()).toEqual([
      ['fax-c1-7', 'dead', 1],
      ['rec-1', 'queued', 1],
    ]);
    expect(r.out).not.toContain('geheimer Inhalt');
    expect(r.out).not.toMatch(/"raw"/);
  });

  it('show: the entry in full with its headers, never the body', async () => {
    const r = await voicebox('spool', 'show', 'fax-c1-7', '--config', config);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^state:\s+dead$/m);
    expect(r.out).toMatch(/^server reply:\s+554 5\.7\.1 .*Relay access denied$/m);
    expect(r.out).toContain('  Subject: Angebot Müller');
    expect(r.out).toContain('  From: Alice Anders <alice@example.com>');
    expect(r.out).not.toContain('geheimer Inhalt');
    const voice = await voicebox('spool', 'show', 'rec-1', '--config', config);
    expect(voice.out).toContain('  X-Voicebox-Mailbox: +49301234501');
    expect(voice.out).not.toContain('RIFF');
  });

  it('an unknown id: one line, exit 1; a bad config: exit 2', async () => {
    const r = await voicebox('spool', 'show', 'nope', '--config', config);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe(`voicebox spool show: no entry nope in the spool (${spoolDir})\n`);
    writeFileSync(join(root, 'bad.yaml'), 'mail:\n  spool: [1, 2]\n');
    const bad = await voicebox('spool', 'list', '--config', join(root, 'bad.yaml'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^voicebox spool list: bad configuration/);
  });

  it('retry: the dead letter is queued again with attempts reset and due now', async () => {
    const r = await voicebox('spool', 'retry', 'fax-c1-7', '--config', config);
    expect(r.code).toBe(0);
    expect(r.out).toContain('fax-c1-7: queued again, attempts start over');
    expect(readdirSync(join(spoolDir, 'dead'))).toEqual([]);
    const entry = JSON.parse(readFileSync(join(spoolDir, 'fax-c1-7.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(entry['attempts']).toBe(0);
    expect(entry['nextAttemptAt']).toBeLessThanOrEqual(Date.now());
    expect(entry).not.toHaveProperty('deadAt');
    const audit = readFileSync(join(root, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toEqual([
      expect.objectContaining({
        command: 'spool retry',
        change: expect.objectContaining({ entry: 'fax-c1-7' }),
      }),
    ]);
  });

  it('retry --all-dead asks first: without a terminal and without --yes it refuses', async () => {
    const refused = await voicebox('spool', 'retry', '--all-dead', '--config', config);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/give --yes to go on without a terminal; nothing changed/);
    expect(readdirSync(join(spoolDir, 'dead'))).toEqual(['fax-c1-7.json']);
    const done = await voicebox('spool', 'retry', '--all-dead', '--yes', '--config', config);
    expect(done.code).toBe(0);
    expect(readdirSync(join(spoolDir, 'dead'))).toEqual([]);
  });

  it('drop asks unless --yes; then removes the entry and writes an audit line (owner-only file)', async () => {
    const refused = await voicebox('spool', 'drop', 'rec-1', '--config', config);
    expect(refused.code).toBe(1);
    expect(readdirSync(spoolDir)).toContain('rec-1.json');

    const r = await voicebox('spool', 'drop', 'rec-1', '--yes', '--config', config);
    expect(r.code).toBe(0);
    expect(r.out).toBe('  rec-1: removed\n');
    expect(readdirSync(spoolDir)).not.toContain('rec-1.json');
    const file = join(root, 'audit.log');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const [line, ...more] = readFileSync(file, 'utf8').trim().split('\n');
    expect(more).toEqual([]);
    expect(JSON.parse(line ?? '')).toMatchObject({
      command: 'spool drop',
      user: '+49301234501',
      change: { entry: 'rec-1', dropped: 'queued', to: ['alice@example.com'] },
    });
    expect((await voicebox('spool', 'show', 'rec-1', '--config', config)).code).toBe(1);
  });

  it('retry and drop as another user than the owner of the spool (sudo) are refused: nothing changes', async () => {
    const before = readdirSync(spoolDir).sort();
    const deadBefore = readdirSync(join(spoolDir, 'dead')).sort();
    const owner = statSync(spoolDir).uid;
    for (const args of [
      ['retry', 'fax-c1-7'],
      ['retry', '--all-dead', '--yes'],
      ['drop', 'rec-1', '--yes'],
    ]) {
      let out = '';
      let err = '';
      let code = 0;
      const asRoot = spoolCommand(
        { out: (s) => (out += s), err: (s) => (err += s), color: false },
        (c) => (code = c),
        process.stdin,
        () => owner + 1,
      );
      await asRoot.parseAsync([...args, '--config', config], { from: 'user' });
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toBe(
        `voicebox spool ${args[0]}: the spool ${spoolDir} belongs to uid ${owner}, this command runs as uid ${owner + 1}: ` +
          `run it as the user voicebox runs as, e.g. sudo -u voicebox voicebox spool ${args[0]} …; nothing changed\n`,
      );
    }
    expect(readdirSync(spoolDir).sort()).toEqual(before);
    expect(readdirSync(join(spoolDir, 'dead')).sort()).toEqual(deadBefore);
    expect(existsSync(join(root, 'audit.log'))).toBe(false);
  });
});
