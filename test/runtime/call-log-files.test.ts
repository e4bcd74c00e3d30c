// The log files beside the main log, as logrotate meets them, and `voicebox call --verbose`.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { maildirTransport } from '../../src/mail/index.js';
import { ownerCalls, startVoicebox, type Voicebox } from '../actions/support.js';
import { aliceWithPin } from '../support/owners.js';

let box: Voicebox | undefined;
let dir: string | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the wrong-PIN log under logrotate', () => {
  it('renamed between two wrong PINs (logrotate without copytruncate): the second line is in a new file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'voicebox-wrong-pin-rotate-'));
    const { directory } = await aliceWithPin(dir);
    box = await startVoicebox({ directory, transport: maildirTransport({ root: join(dir, 'maildir') }) });
    await box.call(ownerCalls('+4989777888', ['97531']));
    expect(readFileSync(box.wrongPinLog, 'utf8').trim().split('\n')).toHaveLength(1);
    renameSync(box.wrongPinLog, `${box.wrongPinLog}.1`);
    await box.call(ownerCalls('+4989777888', ['97532']));
    const rotated = readFileSync(`${box.wrongPinLog}.1`, 'utf8').trim().split('\n');
    const fresh = readFileSync(box.wrongPinLog, 'utf8').trim().split('\n');
    expect(rotated).toHaveLength(1);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toContain('caller=+4989777888');
    expect(fresh[0]).toContain('count=2');
  });
});

const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;

/** `voicebox call …` from the sources in `cwd`: its standard error, as JSON lines */
function callFromSource(cwd: string, args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', tsx, resolve('test/cli/run-from-source.ts'), 'call', ...args],
    { cwd, encoding: 'utf8' },
  );
  const lines = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  return { status: r.status, stderr: r.stderr, lines };
}

describe('voicebox call --verbose', () => {
  it('logs at log.level of --config: debug shows the user data, without secrets', () => {
    dir = mkdtempSync(join(tmpdir(), 'voicebox-call-verbose-'));
    copyFileSync('examples/users.yaml', join(dir, 'users.yaml'));
    const config = join(dir, 'voicebox.yaml');
    writeFileSync(config, 'log:\n  level: debug\n');
    const r = callFromSource(dir, [
      '501',
      '--config',
      config,
      '--dtmf',
      '0',
      '--verbose',
      '--from',
      '+4989777888',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines.some((l) => l.level === 20 && l.msg === 'user data')).toBe(true);
    expect(r.stderr).not.toMatch(/pinHash|legacyPin|mailPassword|scrypt\$/);
    expect(r.lines.find((l) => l.msg === 'call ended')).toMatchObject({
      called: '501',
      mailbox: '+49 30 1234501',
    });
  }, 120_000);

  it('without a config: info, as before', () => {
    dir = mkdtempSync(join(tmpdir(), 'voicebox-call-verbose-'));
    const r = callFromSource(dir, [
      '100',
      '--menu',
      join(process.cwd(), 'examples/demo'),
      '--dtmf',
      '2',
      '--verbose',
      '--media',
      join(dir, 'media'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.lines.some((l) => l.level === 30 && l.msg === 'call ended')).toBe(true);
    expect(r.lines.some((l) => l.level === 20)).toBe(false);
    expect(existsSync(join(dir, 'media'))).toBe(true);
  }, 120_000);
});
