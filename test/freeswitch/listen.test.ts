// `voicebox serve` and its listen address, as an admin starts it: loopback unless configured;
// another address without freeswitch.token is warned about at start.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';

const main = pathToFileURL(resolve('src/cli/main.ts')).href;
// the child runs in a folder of its own: tsx by its path, not by a package lookup from there
const tsx = pathToFileURL(resolve('node_modules/tsx/dist/loader.mjs')).href;
const TOKEN = 'f3b9c2a77e1d4c0b9a8e6d5c4b3a2910';

interface Serving {
  /** its log so far */
  readonly stderr: () => string;
  /** host:port it listens on */
  readonly target: string;
  readonly dir: string;
  /** SIGTERM, and the whole log once it has exited */
  stop(): Promise<string>;
}

/** starts `voicebox serve` in a folder of its own and resolves once it is ready for FreeSWITCH */
function serve(args: string[], config?: string): Promise<Serving> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-listen-'));
  const extra: string[] = [];
  if (config !== undefined) {
    writeFileSync(join(dir, 'voicebox.yaml'), config);
    extra.push('--config', join(dir, 'voicebox.yaml'));
  }
  const child = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      '--input-type=module',
      '-e',
      `const { run } = await import(${JSON.stringify(main)});` +
        "process.exitCode = await run(['node', 'voicebox', ...process.argv.slice(1)]);",
      'serve',
      '--media',
      join(dir, 'media'),
      ...extra,
      ...args,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let err = '';
  let out = '';
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return new Promise((resolvePromise, reject) => {
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening for FreeSWITCH on (\S+:\d+)/.exec(out);
      if (m)
        resolvePromise({
          stderr: () => err,
          target: m[1]!.replace(/^0\.0\.0\.0:/, '127.0.0.1:'),
          dir,
          async stop() {
            child.kill('SIGTERM');
            await exited;
            return err;
          },
        });
    });
    child.on('error', reject);
    void exited.then(() => reject(new Error(`serve did not start:\n${err}`)));
  });
}

const serveUntilReady = async (args: string[], config?: string): Promise<string> =>
  (await serve(args, config)).stop();

/** `voicebox call --server` from this process, as an admin tries a running server */
async function callServer(...args: string[]): Promise<string> {
  let out = '';
  await run(['node', 'voicebox', 'call', ...args], {
    out: (s) => (out += s),
    err: (s) => (out += s),
    color: false,
  });
  return out;
}

const warning = /"level":40.*"listen":"0\.0\.0\.0:0".*without freeswitch\.token/;

describe('voicebox serve: where it listens', () => {
  it('--help suggests no address beyond loopback and names the token', async () => {
    let out = '';
    await run(['node', 'voicebox', 'serve', '--help'], {
      out: (s) => (out += s),
      err: (s) => (out += s),
      color: false,
    });
    expect(out).toContain('127.0.0.1:8084');
    expect(out).not.toContain('0.0.0.0');
    expect(out).toContain('freeswitch.token');
  });

  it('on another address than loopback without a token: a warning at start', async () => {
    const err = await serveUntilReady(['--listen', '0.0.0.0:0']);
    expect(err).toMatch(warning);
  }, 60_000);

  it('with freeswitch.token set, or on loopback: no warning; the token is never printed', async () => {
    const withToken = await serveUntilReady(['--listen', '0.0.0.0:0'], `freeswitch:\n  token: ${TOKEN}\n`);
    expect(withToken).not.toMatch(/without freeswitch\.token/);
    expect(withToken).toContain('"token":"required"');
    expect(withToken).not.toContain(TOKEN);
    const loopback = await serveUntilReady(['--listen', '127.0.0.1:0']);
    expect(loopback).not.toMatch(/without freeswitch\.token/);
  }, 90_000);

  it('a running serve with freeswitch.token takes a call that carries it and hangs up on one that does not', async () => {
    const config = `freeswitch:\n  token: ${TOKEN}\n`;
    const server = await serve(['--listen', '127.0.0.1:0'], config);
    try {
      const withToken = join(server.dir, 'voicebox.yaml');
      const ok = await callServer('501', '--server', server.target, '--config', withToken, '--dtmf', '0');
      expect(ok).toMatch(/standard_greeting|playback/);
      expect(ok).not.toContain('CALL_REJECTED');
      const impostor = await callServer('501', '--server', server.target, '--dtmf', '0');
      expect(impostor).toContain('CALL_REJECTED');
      expect(impostor).not.toMatch(/playback|record/);
    } finally {
      const log = await server.stop();
      expect(log).toMatch(/call refused: missing voicebox_token/);
      expect(log).not.toContain(TOKEN);
    }
  }, 90_000);
});
