// `voicebox deploy` and its releases on disk: what is installed, what never goes live, what a
// rollback and `deploy.keep` leave, two deploys at once, and a control socket fed garbage.
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ControlServer,
  ControlSocketInUse,
  MAX_REQUEST_BYTES,
  askServe,
  type ControlHandler,
} from '../../src/cli/control.js';
import { run } from '../../src/cli/main.js';
import {
  liveRelease,
  pruneReleases,
  readRelease,
  releaseNumbers,
  ReleaseError,
  installRelease,
  setLive,
} from '../../src/cli/releases.js';

const demo = resolve('examples/demo');
const runFromSource = resolve('test/cli/run-from-source.ts');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-deploy-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The demo menus with their welcome reworded, in a folder of the test's own. */
function menus(
  name: string,
  change: (ivr: string, en: string) => [string, string] = (i, e) => [i, e],
): string {
  const to = join(dir, name);
  cpSync(demo, to, { recursive: true });
  const [ivr, en] = change(
    readFileSync(join(to, 'demo.ivr'), 'utf8'),
    readFileSync(join(to, 'prompts', 'en.yaml'), 'utf8'),
  );
  writeFileSync(join(to, 'demo.ivr'), ivr);
  writeFileSync(join(to, 'prompts', 'en.yaml'), en);
  return to;
}

function config(extra = ''): string {
  const file = join(dir, 'voicebox.yaml');
  writeFileSync(file, `deploy:\n  dir: releases\n${extra}admin:\n  auditLog: audit.log\n`);
  return file;
}

async function voicebox(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(['node', 'voicebox', ...argv], {
    out: (s) => (out += s),
    err: (s) => (err += s),
    color: false,
  });
  return { code, out, err };
}

const releases = (): string => join(dir, 'releases');
const mode = (path: string): number => statSync(path).mode & 0o777;

describe('voicebox deploy: releases on disk', () => {
  it('installs the compiled menus with their catalogs, owner-only, and makes them live', async () => {
    const cfg = config();
    const r = await voicebox('deploy', menus('a'), '--config', cfg);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('installed release 1');
    expect(r.out).toContain('serve is not running: it runs release 1 at its next start');
    const one = join(releases(), '1');
    const info = JSON.parse(readFileSync(join(one, 'release.json'), 'utf8')) as Record<string, unknown>;
    expect(info.release).toBe(1);
    expect(info.source).toBe(join(dir, 'a'));
    expect(info.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(one, 'bundle.json')))
        .digest('hex'),
    );
    expect(typeof info.by).toBe('string');
    expect(readFileSync(join(one, 'prompts', 'en.yaml'), 'utf8')).toBe(
      readFileSync(join(demo, 'prompts', 'en.yaml'), 'utf8'),
    );
    expect(liveRelease(releases())).toBe(1);
    expect(mode(releases())).toBe(0o700);
    expect(mode(one)).toBe(0o700);
    expect(mode(join(one, 'prompts'))).toBe(0o700);
    for (const f of ['bundle.json', 'release.json', 'prompts/en.yaml'])
      expect(mode(join(one, f))).toBe(0o600);
    expect(mode(join(releases(), 'live'))).toBe(0o600);
    // no temporary folder is left behind
    expect(readdirSync(releases()).sort()).toEqual(['1', 'live']);
    // and the deploy is audited
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!)).toMatchObject({ command: 'deploy', change: { release: 1, from: null } });
  });

  it('never installs menus with errors, nor with --strict menus with warnings; the live release stays', async () => {
    const cfg = config();
    expect((await voicebox('deploy', menus('a'), '--config', cfg)).code).toBe(0);

    const broken = menus('broken', (ivr, en) => [
      ivr.replace('press 2 -> leave_message', 'press 2 -> nowhere'),
      en,
    ]);
    const r = await voicebox('deploy', broken, '--config', cfg);
    expect(r.code).toBe(1);
    expect(r.err).toContain('nowhere');
    expect(r.err).toContain('the menus were not installed');

    const warned = menus('warned', (ivr, en) => [
      ivr +
        '\nflow spare {\n  step unused {\n    say goodbye\n    hang up\n  }\n  step orphan {\n    say goodbye\n    hang up\n  }\n}\n',
      en,
    ]);
    const loose = await voicebox('deploy', warned, '--config', cfg, '--strict');
    expect(loose.code).toBe(1);
    expect(loose.err).toContain("step 'orphan' is never reached");

    expect(releaseNumbers(releases())).toEqual([1]);
    expect(liveRelease(releases())).toBe(1);
    // without --strict the warnings do not stop it
    expect((await voicebox('deploy', warned, '--config', cfg)).code).toBe(0);
    expect(liveRelease(releases())).toBe(2);
  });

  it('refuses a release whose bundle.json was changed after it was installed', () => {
    installRelease(releases(), menus('a'));
    expect(readRelease(releases(), 1).bundle.flows).toHaveProperty('demo');
    const bundle = join(releases(), '1', 'bundle.json');
    writeFileSync(bundle, readFileSync(bundle, 'utf8').replace('demo_welcome', 'demo_menu'));
    expect(() => readRelease(releases(), 1)).toThrow(ReleaseError);
    expect(() => readRelease(releases(), 1)).toThrow(/SHA-256 .* release\.json says/);
  });

  it('--rollback makes the release before the live one live, and says when there is none', async () => {
    const cfg = config();
    await voicebox('deploy', menus('a'), '--config', cfg);
    await voicebox('deploy', menus('b'), '--config', cfg);
    expect(liveRelease(releases())).toBe(2);
    const back = await voicebox('deploy', '--rollback', '--config', cfg);
    expect(back.code).toBe(0);
    expect(back.out).toContain('release 1 is live');
    expect(liveRelease(releases())).toBe(1);
    const none = await voicebox('deploy', '--rollback', '--config', cfg);
    expect(none.code).toBe(1);
    expect(none.err).toContain('no release before 1');
    expect(liveRelease(releases())).toBe(1);
    const audit = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n');
    expect(JSON.parse(audit[2]!)).toMatchObject({
      command: 'deploy --rollback',
      change: { release: 1, from: 2 },
    });

    const status = await voicebox('deploy', '--status', '--config', cfg);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/^\* {4}1 {2}\S+ {2}[0-9a-f]{12} {2}\S+ {2}\S+a$/m);
    expect(status.out).toMatch(/^ {5}2 /m);
    expect(status.out).toContain('serve is not running');
  });

  it('moves live back and exits 1 when serve answers that it could not switch', async () => {
    const cfg = config();
    await voicebox('deploy', menus('a'), '--config', cfg);
    const serve = await ControlServer.listen(join(releases(), 'control.sock'), {
      switch: () => Promise.resolve({ ok: false, error: 'release 2: bundle.json has SHA-256 0000' }),
      status: () => ({ ok: true, live: '1', releases: [{ id: '1', calls: 3 }], draining: false }),
    });
    try {
      const r = await voicebox('deploy', menus('b'), '--config', cfg);
      expect(r.code).toBe(1);
      expect(r.err).toContain('serve could not switch to release 2: release 2: bundle.json has SHA-256 0000');
      expect(r.err).toContain('release 1 stays live');
      expect(liveRelease(releases())).toBe(1);
      const status = await voicebox('deploy', '--status', '--config', cfg);
      expect(status.out).toMatch(/^\* {4}1 .* calls 3$/m);
      expect(status.out).toContain('serve runs release 1 for new calls');
    } finally {
      await serve.close();
    }
  });

  /** A serve that drops the connection of a switch unanswered and answers status as given. */
  async function lossyServe(status: object | undefined): Promise<Server> {
    const server = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (chunk: Buffer) => {
        if (chunk.toString().includes('"switch"') || status === undefined) socket.destroy();
        else socket.end(JSON.stringify(status) + '\n');
      });
    });
    await new Promise<void>((done) => server.listen(join(releases(), 'control.sock'), done));
    return server;
  }

  it('an answer to the switch lost on the way: asks what serve runs and moves nothing back', async () => {
    const cfg = config();
    await voicebox('deploy', menus('a'), '--config', cfg);
    const serve = await lossyServe({
      ok: true,
      live: '2',
      releases: [{ id: '2', calls: 0 }],
      draining: false,
    });
    try {
      const r = await voicebox('deploy', menus('b'), '--config', cfg);
      expect(r.err).toBe('');
      expect(r.out).toContain('release 2 is live: serve runs it for new calls');
      expect(r.code).toBe(0);
      expect(liveRelease(releases())).toBe(2);
    } finally {
      await new Promise((done) => serve.close(done));
    }
  });

  it('no answer to the switch nor to status: exit 1 with one clear line, live not moved back', async () => {
    const cfg = config();
    await voicebox('deploy', menus('a'), '--config', cfg);
    const serve = await lossyServe(undefined);
    try {
      const r = await voicebox('deploy', menus('b'), '--config', cfg);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /^voicebox deploy: no answer from serve to the switch to release 2 .*what serve runs now is unknown.*\n$/,
      );
      expect(liveRelease(releases())).toBe(2);
    } finally {
      await new Promise((done) => serve.close(done));
    }
  });

  it('serve switched to another release than this deploy made live: the conflict is told, nothing moved back', async () => {
    const cfg = config();
    await voicebox('deploy', menus('a'), '--config', cfg);
    const serve = await ControlServer.listen(join(releases(), 'control.sock'), {
      // a second deploy made release 3 live just before serve read `live`
      switch: () => Promise.resolve({ ok: true, release: '3' }),
      status: () => ({ ok: true, live: '3', releases: [{ id: '3', calls: 0 }], draining: false }),
    });
    try {
      const r = await voicebox('deploy', menus('b'), '--config', cfg);
      expect(r.code).toBe(1);
      expect(r.out).not.toContain('release 2 is live');
      expect(r.err).toContain('serve switched to release 3, not to 2: another deploy ran at the same time');
      expect(liveRelease(releases())).toBe(2);
    } finally {
      await serve.close();
    }
  });

  it('keeps deploy.keep releases, never the live one nor the one before it', async () => {
    const cfg = config('  keep: 2\n');
    for (const name of ['a', 'b', 'c', 'd'])
      expect((await voicebox('deploy', menus(name), '--config', cfg)).code).toBe(0);
    expect(releaseNumbers(releases())).toEqual([3, 4]);
    // live moved back to the oldest: it and nothing before it is kept, beside the newest
    installRelease(releases(), menus('e'));
    installRelease(releases(), menus('f'));
    setLive(releases(), 3);
    expect(pruneReleases(releases(), 2)).toEqual([4, 5]);
    expect(releaseNumbers(releases())).toEqual([3, 6]);
  });

  it('gives two deploys at once distinct numbers, each release whole', async () => {
    const cfg = config('  keep: 100\n');
    const source = menus('a');
    const deploys = Array.from(
      { length: 4 },
      () =>
        new Promise<string>((done) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', runFromSource, 'deploy', source, '--config', cfg],
            { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
          );
          let err = '';
          child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
          child.on('exit', (code) => done(`exit ${code ?? -1}${err ? `: ${err}` : ''}`));
        }),
    );
    expect(await Promise.all(deploys)).toEqual(['exit 0', 'exit 0', 'exit 0', 'exit 0']);
    expect(releaseNumbers(releases())).toEqual([1, 2, 3, 4]);
    for (const n of [1, 2, 3, 4]) expect(readRelease(releases(), n).info.release).toBe(n);
    expect(readdirSync(releases()).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 180_000);

  it('a bad config is exit 2 with one line', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'deploy:\n  keep: 1\n');
    const r = await voicebox('deploy', menus('a'), '--config', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('keep');
    expect(existsSync(releases())).toBe(false);
  });
});

describe('the control socket', () => {
  const handler: ControlHandler = {
    switch: () => Promise.resolve({ ok: true, release: '7' }),
    status: () => ({ ok: true, live: '7', releases: [{ id: '7', calls: 2 }], draining: false }),
  };

  /** What the server answers to these bytes (sent as they are), or '' when it just closes. */
  function raw(path: string, bytes: string): Promise<string> {
    return new Promise((done, fail) => {
      const s = connect(path);
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('utf8')));
      s.on('error', fail);
      s.on('close', () => done(got));
      s.on('connect', () => s.write(bytes));
    });
  }

  it('answers status and switch, is owner-only, and answers garbage with an error, never crashing', async () => {
    const path = join(dir, 'control.sock');
    const control = await ControlServer.listen(path, handler);
    try {
      expect(mode(path)).toBe(0o600);
      expect(await askServe(path, { op: 'status' })).toEqual({
        ok: true,
        live: '7',
        releases: [{ id: '7', calls: 2 }],
        draining: false,
      });
      expect(await askServe(path, { op: 'switch' })).toEqual({ ok: true, release: '7' });
      expect(JSON.parse(await raw(path, 'hello\n'))).toEqual({ ok: false, error: 'not a JSON line' });
      expect(JSON.parse(await raw(path, '{"op":"reboot"}\n'))).toMatchObject({
        ok: false,
        error: /unknown op/,
      });
      expect(JSON.parse(await raw(path, 'null\n'))).toMatchObject({ ok: false });
      expect(JSON.parse(await raw(path, 'x'.repeat(MAX_REQUEST_BYTES * 4)))).toMatchObject({
        ok: false,
        error: /longer than/,
      });
      // a connection that never sends its line is closed by the server
      expect(await raw(path, '{"op":')).toBe('');
      expect(await askServe(path, { op: 'status' })).toMatchObject({ ok: true });
    } finally {
      await control.close();
    }
    expect(existsSync(path)).toBe(false);
  }, 30_000);

  it('takes the place of a socket a dead serve left, and refuses while another serve answers', async () => {
    const path = join(dir, 'control.sock');
    // a serve killed hard leaves its socket file behind
    spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    expect(existsSync(path)).toBe(true);
    expect(await askServe(path, { op: 'status' })).toBeUndefined();
    const control = await ControlServer.listen(path, handler);
    try {
      await expect(ControlServer.listen(path, handler)).rejects.toThrow(ControlSocketInUse);
      await expect(ControlServer.listen(path, handler)).rejects.toThrow(/one serve per deploy\.dir/);
      expect(await askServe(path, { op: 'status' })).toMatchObject({ ok: true });
    } finally {
      await control.close();
    }
  });
});
