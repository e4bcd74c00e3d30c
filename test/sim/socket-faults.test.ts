// The simulator breaks its socket as a network or a dying FreeSWITCH does — RST, FIN, half a
// frame then RST — at the moment a chosen event would be sent; the call's media go on.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EslMessage, FrameParser } from '../../src/esl/index.js';
import { RECORD_START_LOSS_MS, ScriptedCaller, Simulator, wavDurationMs } from '../../src/sim/index.js';
import type { CallReport } from '../../src/sim/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Seen {
  readonly raw: Buffer;
  /**
   * The socket error that ended it. Only a FIN is sure to give none: an RST behind bytes not yet
   * read ends the stream like a FIN on Linux, so a reset shows as `ECONNRESET` or as an end.
   */
  readonly error: string | undefined;
  readonly events: Array<{ name: string; app: string | undefined }>;
  readonly report: CallReport;
  readonly file: string;
}

/** A raw controller: connect, events, one `record` into a scratch folder; it keeps every byte until the close. */
async function recordWith(caller: ScriptedCaller): Promise<Seen> {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-fault-'));
  const file = join(dir, 'msg.wav');
  let done!: (v: { raw: Buffer; error: string | undefined }) => void;
  const closed = new Promise<{ raw: Buffer; error: string | undefined }>((r) => (done = r));
  const server = createServer((s: Socket) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
    s.on('close', () => done({ raw: Buffer.concat(chunks), error }));
    s.write(
      'connect\n\nmyevents\n\nevent plain RECORD_START RECORD_STOP\n\n' +
        `sendmsg\ncall-command: execute\nexecute-app-name: record\nexecute-app-arg: ${file} 60\nevent-lock: true\n\n`,
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sim = new Simulator();
  cleanups.push(
    () => new Promise<void>((r) => server.close(() => r())),
    () => sim.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const port = (server.address() as { port: number }).port;
  const placed = await sim.placeCall(caller, { target: `127.0.0.1:${port}` });
  const [{ raw, error }, report] = await Promise.all([closed, placed.finished]);
  const events: Seen['events'] = [];
  new FrameParser().push(raw, (f) => {
    const ev = new EslMessage(f).event();
    if (ev) events.push({ name: ev.name, app: ev.get('Application') });
  });
  return { raw, error, events, report, file };
}

// `*` is FreeSWITCH's default playback_terminators
const talk = () => new ScriptedCaller().pressDuring('record', '*', 2500);

describe('socket faults', () => {
  it('reset: an RST instead of RECORD_STOP; the recording is on disk, the call hangs up', async () => {
    const seen = await recordWith(talk().breakSocket('RECORD_STOP', 'reset'));
    expect(seen.events.map((e) => e.name)).toContain('RECORD_START');
    expect(seen.events.map((e) => e.name)).not.toContain('RECORD_STOP');
    expect(wavDurationMs(seen.file)).toBe(2500 - RECORD_START_LOSS_MS);
    expect(seen.report.endedBy).toBe('socket closed');
    expect(seen.report.text).toMatch(/error socket reset before RECORD_STOP/);
  });

  it('close: a FIN instead of RECORD_STOP', async () => {
    const seen = await recordWith(talk().breakSocket('RECORD_STOP', 'close'));
    expect(seen.error).toBeUndefined();
    expect(seen.events.map((e) => e.name)).not.toContain('RECORD_STOP');
    expect(wavDurationMs(seen.file)).toBe(2500 - RECORD_START_LOSS_MS);
  });

  it('half-frame: the first half of RECORD_STOP arrives, then an RST', async () => {
    const seen = await recordWith(talk().breakSocket('RECORD_STOP', 'half-frame'));
    expect(seen.report.text).toMatch(/error socket half-frame before RECORD_STOP/);
    expect(seen.events.map((e) => e.name)).not.toContain('RECORD_STOP');
    const tail = seen.raw.subarray(seen.raw.lastIndexOf('Content-Length:')).toString('latin1');
    expect(tail).toMatch(
      /^Content-Length: (\d+)\nContent-Type: text\/event-plain\n\nEvent-Name: RECORD_STOP\n/,
    );
    const promised = Number(/^Content-Length: (\d+)/.exec(tail)?.[1]);
    expect(tail.length).toBeLessThan(promised);
  });

  it('only the completion of record is lost: RECORD_STOP arrives, then a FIN', async () => {
    const seen = await recordWith(talk().breakSocket('CHANNEL_EXECUTE_COMPLETE', 'close', 'record'));
    expect(seen.error).toBeUndefined();
    expect(seen.events.map((e) => e.name)).toContain('RECORD_STOP');
    expect(seen.events.filter((e) => e.app === 'record').map((e) => e.name)).toEqual(['CHANNEL_EXECUTE']);
  });

  it('without a fault the same call ends normally (the default)', async () => {
    const seen = await recordWith(talk().hangupDuring('record', 10_000));
    expect(seen.events.map((e) => e.name)).toContain('RECORD_STOP');
    expect(seen.events.filter((e) => e.app === 'record').map((e) => e.name)).toEqual([
      'CHANNEL_EXECUTE',
      'CHANNEL_EXECUTE_COMPLETE',
    ]);
  });
});
