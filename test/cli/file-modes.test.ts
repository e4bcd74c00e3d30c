// `voicebox serve` as its own process, called over TCP: what it leaves on disk with callers'
// voices, PIN hashes and the wrong-PIN log is for voicebox and FreeSWITCH's group only.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';
import { exampleUsers } from '../support/owners.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-modes-'));
const at = (...p: string[]) => join(dir, ...p);
/** the permission bits in octal, as `ls -l` and chmod speak of them */
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);
const forOthers = (path: string) => statSync(path).mode & 0o007;

let serve: ChildProcess;
let target = '';

beforeAll(async () => {
  // a users file as older versions and `cp` leave it: readable to all
  chmodSync(exampleUsers(dir), 0o644);
  writeFileSync(
    at('voicebox.yaml'),
    [
      'freeswitch:',
      '  listen: 127.0.0.1:0',
      'media:',
      `  local: ${at('media')}`,
      // a delivered message's recording would be gone before its folder is looked at
      'recordings:',
      '  keepDays: 1',
      'directory:',
      `  file: ${at('users.yaml')}`,
      `  localSettings: ${at('state', 'local-settings.json')}`,
      'mail:',
      `  maildir: ${at('maildir')}`,
      `  spool: ${at('spool')}`,
      'login:',
      `  wrongPinLog: ${at('log', 'wrong-pin.log')}`,
      '',
    ].join('\n'),
  );
  serve = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/cli/run-from-source.ts', 'serve', '--config', at('voicebox.yaml')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  serve.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  target = await new Promise<string>((resolve, reject) => {
    serve.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening for FreeSWITCH on (\S+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}, 120_000);

afterAll(async () => {
  if (serve.exitCode === null) {
    serve.kill('SIGTERM');
    await once(serve, 'exit');
  }
});

describe('what `voicebox serve` writes', () => {
  it('a message: the recording in a folder for voicebox and FreeSWITCH only, the speech cache not for others', async () => {
    const r = await voicebox('call', '501', '--server', target, '--from', '+4930555123', '--dtmf', '0');
    expect(r.err).toBe('');
    expect(readdirSync(at('media', 'recordings')).some((f) => f.endsWith('.wav'))).toBe(true);
    expect.soft(mode(at('media', 'recordings'))).toBe('770');
    expect.soft(mode(at('media'))).toBe('750');
    for (const folder of [
      at('media', 'tts'),
      ...readdirSync(at('media', 'tts')).map((l) => at('media', 'tts', l)),
    ])
      expect.soft(forOthers(folder), folder).toBe(0);
    for (const wav of readdirSync(at('media', 'tts', 'de')))
      expect.soft(forOthers(at('media', 'tts', 'de', wav)), wav).toBe(0);
  }, 120_000);

  it('the first call to a mailbox stores her PIN hash: users.yaml is then owner-only', () => {
    expect(readFileSync(at('users.yaml'), 'utf8')).toMatch(/pinHash=scrypt\$/);
    expect(mode(at('users.yaml'))).toBe('600');
  });

  it('a wrong PIN goes into a log only voicebox may read', async () => {
    const r = await voicebox('call', '501', '--server', target, '--from', '+4989777888', '--dtmf', '*,1357#');
    expect(r.err).toBe('');
    expect(readFileSync(at('log', 'wrong-pin.log'), 'utf8')).toMatch(
      /mailbox=\+49_30_1234501 caller=\+4989777888 count=1/,
    );
    expect.soft(mode(at('log', 'wrong-pin.log'))).toBe('600');
    expect.soft(mode(at('log'))).toBe('700');
  }, 120_000);
});
