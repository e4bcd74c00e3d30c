// The media-folder recipe of freeswitch/README.md (step 4), followed literally with two real
// accounts: one standing for FreeSWITCH (user and group), one for voicebox. FreeSWITCH must
// play a greeting voicebox wrote; voicebox must read and delete a recording FreeSWITCH wrote;
// any other account must not even list the folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../cli/serve-support.js';

const isRoot = process.getuid?.() === 0;
const tools = ['useradd', 'adduser', 'runuser', 'install', 'userdel', 'groupdel'].every(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0,
);
const why = !isRoot
  ? 'needs root to create throwaway users (CI runs as root)'
  : !tools
    ? 'needs useradd, adduser, runuser, install'
    : '';

const suffix = `${process.pid % 100000}${Math.floor(Math.random() * 1000)}`;
const freeswitch = `vbtfs${suffix}`;
const voicebox = `vbtvb${suffix}`;
const made: string[] = [];
const folders: string[] = [];

const sh = (cmd: string, args: string[]): void => {
  execFileSync(cmd, args, { stdio: 'pipe' });
};
/** runs as `user` (with the groups /etc/group gives it, as a service gets them): exit status */
const as = (user: string, ...argv: string[]): number =>
  spawnSync('runuser', ['-u', user, '--', ...argv], { stdio: 'pipe' }).status ?? -1;

afterAll(() => {
  for (const user of made.reverse()) {
    spawnSync('userdel', [user], { stdio: 'ignore' });
    spawnSync('groupdel', [user], { stdio: 'ignore' });
  }
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

describe.skipIf(why !== '')(`the media-folder permission recipe${why ? ` (skipped: ${why})` : ''}`, () => {
  it('FreeSWITCH plays what voicebox wrote; voicebox reads and deletes what FreeSWITCH recorded; nobody else gets in', async () => {
    await ensureBuilt();
    // the two services' accounts, as the Debian package and the recipe make them
    sh('useradd', [
      '--system',
      '--user-group',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      freeswitch,
    ]);
    made.push(freeswitch);
    sh('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', voicebox]);
    made.push(voicebox);

    const top = mkdtempSync(join(tmpdir(), 'voicebox-perms-'));
    folders.push(top);
    chmodSync(top, 0o755); // stands for / : everyone may pass
    const lib = join(top, 'var-lib-voicebox');
    const media = join(lib, 'media');

    // freeswitch/README.md, "Run it as a service" and step 4, with our names
    sh('install', ['-d', '-o', voicebox, '-g', freeswitch, '-m', '0710', lib]);
    sh('adduser', [voicebox, freeswitch]);
    sh('install', ['-d', '-o', voicebox, '-g', freeswitch, '-m', '2750', media]);
    sh('install', ['-d', '-o', voicebox, '-g', freeswitch, '-m', '2770', join(media, 'recordings')]);

    // voicebox saves a greeting the way it does in a call (umask 027 as serve sets it)
    const source = join(top, 'source.wav');
    writeFileSync(source, Buffer.from('RIFF....WAVEfmt '));
    chmodSync(source, 0o644);
    const greetings = resolve('dist/src/greetings/index.js');
    const script =
      `process.umask(0o027); const { GreetingStore } = await import(${JSON.stringify(greetings)}); ` +
      `await new GreetingStore({ local: ${JSON.stringify(media)}, freeswitch: ${JSON.stringify(media)} })` +
      `.saveGreeting('+49 30 1234501', 'work', 'de', ${JSON.stringify(source)});`;
    const saved = spawnSync(
      'runuser',
      ['-u', voicebox, '--', process.execPath, '--input-type=module', '-e', script],
      {
        stdio: 'pipe',
      },
    );
    expect(saved.stderr.toString(), 'voicebox could not save the greeting').toBe('');
    expect(saved.status).toBe(0);
    const greeting = execFileSync('find', [join(media, 'greetings'), '-name', 'work.de.wav'])
      .toString()
      .trim();
    expect(greeting).not.toBe('');
    expect(statSync(greeting).mode & 0o777).toBe(0o640);

    // FreeSWITCH (playback) reads it through its group
    expect(as(freeswitch, 'test', '-r', greeting)).toBe(0);
    expect(as(freeswitch, 'cat', greeting)).toBe(0);

    // FreeSWITCH records (umask 022, as with the Debian package); voicebox reads and then deletes it
    const recording = join(media, 'recordings', 'call-1.wav');
    expect(as(freeswitch, 'sh', '-c', `umask 022 && printf RIFF > ${recording}`)).toBe(0);
    expect(as(voicebox, 'test', '-r', recording)).toBe(0);
    expect(as(voicebox, 'cat', recording)).toBe(0);
    expect(as(voicebox, 'rm', recording)).toBe(0);
    expect(existsSync(recording)).toBe(false);

    // anyone else: not even a listing
    expect(as('nobody', 'ls', media)).not.toBe(0);
    expect(as('nobody', 'test', '-r', greeting)).not.toBe(0);
  }, 120_000);
});
