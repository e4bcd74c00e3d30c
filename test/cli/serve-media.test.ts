// `voicebox serve --media <relative dir>` as an admin types it in some folder: FreeSWITCH must
// get absolute paths, because it looks for a relative one in its own sounds folder (the caller
// hears silence and `record` fails). And a config file's relative paths are its folder's.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { ScriptedCaller, Simulator, type CallReport } from '../../src/sim/index.js';
import { ensureBuilt, startServe, type Serve } from './serve-support.js';

let serve: Serve | undefined;
afterEach(async () => {
  await serve?.stop();
  serve = undefined;
});

/** FreeSWITCH's reading of a path: a relative one is in its sounds folder, where voicebox's files are not. */
function freeswitchLike(): Simulator {
  const sounds = mkdtempSync(join(tmpdir(), 'freeswitch-sounds-'));
  return new Simulator({
    toLocalPath: (p) => (isAbsolute(p) ? p : join(sounds, p)),
    missingFiles: 'not-found',
  });
}

/** A caller dials Alice's mailbox, presses 0 in the greeting, speaks 3 s and presses #. */
async function leaveMessage(port: number, from: string): Promise<CallReport> {
  const sim = freeswitchLike();
  let pressed = false;
  const firstPrompt = /./;
  firstPrompt.test = () => (pressed ? false : (pressed = true));
  const caller = new ScriptedCaller({ number: from, dialed: '501' })
    .pressWhilePlaying(firstPrompt, '0', 500)
    .pressDuring('record', '#', 3000);
  try {
    return await sim.runCall(caller, { target: `127.0.0.1:${port}` });
  } finally {
    await sim.close();
  }
}

async function delivered(s: Serve, from: string): Promise<string> {
  const inbox = join(s.maildir, 'alice', 'new');
  for (;;) {
    const files = existsSync(inbox) ? readdirSync(inbox) : [];
    const mine = files.find((f) => readFileSync(join(inbox, f), 'latin1').includes(`<${from}@`));
    if (mine) return join(inbox, mine);
    if (!s.alive()) throw new Error(`voicebox serve is gone:\n${s.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('voicebox serve: media paths', () => {
  it('--media media (relative) plays and records with absolute paths, and the message is mailed', async () => {
    await ensureBuilt();
    serve = await startServe({ media: 'media' });
    const report = await leaveMessage(serve.port, '+4930555401');
    const media = join(serve.dir, 'media');
    // tone_stream:// and silence_stream:// are no files
    const used = report.transcript.filter(
      (e) => (e.kind === 'playback' || e.kind === 'record') && !/^\w+:\/\//.test(e.text),
    );
    expect(used.length).toBeGreaterThan(1);
    for (const e of used) expect(e.text, report.text).toMatch(new RegExp(`^${media}/`));
    expect(report.text).not.toMatch(/FILE NOT FOUND|cannot open/);
    expect(report.hangupCause).not.toBe('DESTINATION_OUT_OF_ORDER');
    await delivered(serve, '+4930555401');
  }, 120_000);

  it("a config file's relative paths are its folder's, wherever serve is started", async () => {
    await ensureBuilt();
    // serve runs in <dir>, the config lives in <dir>/etc and names only relative paths
    serve = await startServe({
      media: null,
      configAt: 'etc/voicebox.yaml',
      config: 'media:\n  local: media\nmail:\n  maildir: mail\n  spool: spool\n',
      maildirAt: 'etc/mail',
    });
    const report = await leaveMessage(serve.port, '+4930555402');
    const record = report.transcript.find((e) => e.kind === 'record');
    expect(record?.text).toMatch(new RegExp(`^${join(serve.dir, 'etc', 'media')}/`));
    await delivered(serve, '+4930555402');
    // the default users.yaml, the signing key and the spool are beside the config too
    for (const f of ['users.yaml', 'voicebox-signing.key', 'spool'])
      expect(existsSync(join(serve.dir, 'etc', f)), f).toBe(true);
    for (const f of ['users.yaml', 'media', 'mail', 'maildir', 'spool'])
      expect(existsSync(join(serve.dir, f)), f).toBe(false);
  }, 120_000);

  it('--media is refused when the config names another folder for FreeSWITCH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-media-flag-'));
    const file = join(dir, 'voicebox.yaml');
    writeFileSync(file, 'media:\n  local: /srv/voicebox/media\n  freeswitch: /mnt/voicebox-media\n');
    let err = '';
    const code = await run(['node', 'voicebox', 'serve', '--config', file, '--media', 'media'], {
      out: () => undefined,
      err: (s) => (err += s),
    });
    expect(code).toBe(2);
    expect(err).toContain('--media media: the config sets media.freeswitch (/mnt/voicebox-media)');
  });

  it("voicebox call plays the simulated FreeSWITCH the config's media.freeswitch names, on this host", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-media-call-'));
    const file = join(dir, 'voicebox.yaml');
    writeFileSync(file, 'media:\n  local: media\n  freeswitch: /mnt/voicebox-media\n');
    let out = '';
    let err = '';
    const code = await run(
      ['node', 'voicebox', 'call', '100', '--menu', 'examples/demo', '--dtmf', '2', '--config', file],
      {
        out: (s) => (out += s),
        err: (s) => (err += s),
      },
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    // recorded and played back under /mnt/voicebox-media, which the simulated FreeSWITCH found in
    // ./media (a path it could not open would end the call at `record`: DESTINATION_OUT_OF_ORDER)
    expect(out).toMatch(/^record [23]\.\d+s \/mnt\/voicebox-media\/recordings\/\S+\.wav$/m);
    expect(out).toMatch(/^play \/mnt\/voicebox-media\/recordings\/\S+\.wav$/m);
    expect(out.trim().split('\n').slice(-2)).toEqual(['play goodbye "Goodbye."', 'hangup NORMAL_CLEARING']);
  }, 60_000);
});
