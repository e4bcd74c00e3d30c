// The simulator's frames for voicebox's own leave-message call, frame by frame and header by
// header, against the same call on a real FreeSWITCH 1.10.12 (voicebox-real/leave-message):
// Alice (+4930123456) dials 501, presses 0 one second into the greeting, hears the tone,
// talks ~3 s, ends with #, hears "message saved"; voicebox hangs up.
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EslMessage, FrameParser } from '../../src/esl/index.js';
import { RECORD_START_LOSS_MS, ScriptedCaller, Simulator } from '../../src/sim/index.js';
import { startShippedVoicebox, type ShippedVoicebox } from './shipped-voicebox.js';

const frames = (bytes: Buffer): EslMessage[] => {
  const out: EslMessage[] = [];
  new FrameParser().push(bytes, (f) => out.push(new EslMessage(f)));
  return out;
};
const capture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/esl/voicebox-real/${name}`, import.meta.url));

function summary(m: EslMessage): string {
  const type = m.contentType ?? '';
  if (type === 'text/event-plain') {
    const ev = m.event();
    const app = ev?.get('Application');
    return `${ev?.name ?? ''}${app !== undefined ? ` ${app}` : ''}`;
  }
  if (type === 'command/reply') return `reply ${(m.replyText ?? '').trim()}`;
  if (type === 'text/disconnect-notice') return `notice ${m.header('Content-Disposition') ?? ''}`;
  return type;
}

/** Header names in order, without the channel variables (listed apart below). */
function headerNames(m: EslMessage): string[] {
  const type = m.contentType ?? '';
  const names =
    type === 'text/event-plain'
      ? [...(m.event()?.headers().keys() ?? [])]
      : m.headers.entries.map(([k]) => k);
  return names.filter((n) => !n.startsWith('variable_'));
}

/**
 * What may differ, and why:
 * - voicebox sets `playback_terminators` with `api uuid_setvar` beside the prompt: where the
 *   capture has `reply +OK`, `CHANNEL_EXECUTE set`, `CHANNEL_EXECUTE_COMPLETE set` (a `set`
 *   application, one 20 ms tick of its own) the simulator's call has one `api/response`;
 * - after the linger notice the capture has nothing before `+OK bye`: voicebox's `exit` beat
 *   FreeSWITCH's channel thread to its closing events. Whether they come first is a race on
 *   real FreeSWITCH too, so they may be there (CHANNEL_UNPARK … CHANNEL_HANGUP_COMPLETE);
 * - values: uuids, times, the loopback channel's name and codec (L16), `Caller-Source`;
 * - channel variables: the loopback channel's own (`origination_*`, `other_loopback_leg_uuid`,
 *   `loopback_leg`, `DP_MATCH`, `endpoint_disposition`, …) — the simulator's are checked for
 *   the ones voicebox reads.
 */
function expectedFromCapture(real: EslMessage[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < real.length; i++) {
    const s = summary(real[i]!);
    if (s === 'reply +OK' && summary(real[i + 1]!) === 'CHANNEL_EXECUTE set') {
      out.push('api/response');
      i += 2; // the set's CHANNEL_EXECUTE and its completion
      continue;
    }
    out.push(s);
  }
  return out;
}

const CLOSING = [
  'CHANNEL_UNPARK',
  'CHANNEL_EXECUTE_COMPLETE socket',
  'CHANNEL_STATE',
  'CHANNEL_STATE',
  'CHANNEL_HANGUP_COMPLETE',
];

/** A TCP relay between the simulator and voicebox that keeps every byte FreeSWITCH's side sent. */
async function relayTo(
  target: string,
): Promise<{ target: string; fs2app: Buffer[]; ended: Promise<void>; close(): Promise<void> }> {
  const fs2app: Buffer[] = [];
  let ended!: () => void;
  const fsEnded = new Promise<void>((resolve) => (ended = resolve));
  const [host, port] = target.split(':');
  const sockets: Socket[] = [];
  const server: Server = createServer((fs) => {
    const app = connect({ host: host!, port: Number(port), noDelay: true });
    sockets.push(fs, app);
    fs.setNoDelay(true);
    fs.on('data', (b: Buffer) => {
      fs2app.push(b);
      app.write(b);
    });
    app.on('data', (b: Buffer) => {
      fs.write(b);
    });
    fs.on('close', () => {
      app.end();
      ended();
    });
    app.on('close', () => fs.end());
    fs.on('error', () => app.destroy());
    app.on('error', () => fs.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const relayPort = typeof address === 'object' && address ? address.port : 0;
  return {
    target: `127.0.0.1:${relayPort}`,
    fs2app,
    ended: fsEnded,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let box: ShippedVoicebox | undefined;
beforeAll(async () => {
  box = await startShippedVoicebox();
});
afterAll(async () => {
  await box?.close();
});

async function leaveMessage(appTickMs: number) {
  const relay = await relayTo(box!.target);
  const sim = new Simulator({ missingFiles: 'default-length', appTickMs });
  try {
    const alice = new ScriptedCaller({
      number: '+4930123456',
      name: 'Alice',
      dialed: '501',
      // what the dialplan of freeswitch/ sets before `socket`, as in the capture
      variables: {
        voicebox_flow: 'voicebox',
        hangup_after_bridge: 'false',
        continue_on_fail: 'true',
        playback_terminators: 'none',
      },
    })
      .pressWhilePlaying(/standard_greeting/, '0', 1020)
      .pressDuring('record', '#', 3020);
    const report = await sim.runCall(alice, { target: relay.target });
    await relay.ended; // every byte FreeSWITCH's side sent has passed the relay
    return { report, ours: frames(Buffer.concat(relay.fs2app)) };
  } finally {
    await sim.close();
    await relay.close();
  }
}

describe('voicebox-real/leave-message against the simulator', () => {
  it('the same frames in the same order, one application start per prompt, the same headers', async () => {
    const { ours, report } = await leaveMessage(0);
    const real = frames(capture('leave-message.fs2app.raw'));

    // one application start per prompt: no `set` before a prompt (the capture has four)
    const starts = (ms: EslMessage[]) =>
      ms
        .map((m) => m.event())
        .filter((e) => e?.name === 'CHANNEL_EXECUTE')
        .map((e) => e?.get('Application'));
    expect(starts(real)).toEqual([
      'answer',
      'set',
      'playback',
      'set',
      'playback',
      'set',
      'record',
      'set',
      'playback',
    ]);
    expect(starts(ours)).toEqual(['answer', 'playback', 'playback', 'record', 'playback']);

    const expected = expectedFromCapture(real);
    const got = ours.map(summary);
    const linger = got.indexOf('notice linger');
    const tail = got.slice(linger + 1, got.indexOf('reply +OK bye'));
    expect(tail.length === 0 || tail.join() === CLOSING.join(), got.join('\n')).toBe(true);
    expect([...got.slice(0, linger + 1), ...got.slice(linger + 1 + tail.length)]).toEqual(expected);

    // header by header: every event and notice, with the same header names in the same order
    // (replies were compared above; the capture's set applications are no prompt's)
    const compared = (m: EslMessage): boolean =>
      !m.contentType?.endsWith('reply') && m.contentType !== 'api/response' && !summary(m).endsWith(' set');
    const realFrames = real.filter(compared);
    const ourFrames = ours.filter((m) => compared(m) && !CLOSING.includes(summary(m)));
    expect(ourFrames.map(summary)).toEqual(realFrames.map(summary));
    ourFrames.forEach((m, i) => {
      const r = realFrames[i]!;
      expect({ i, frame: summary(m), names: headerNames(m) }).toEqual({
        i,
        frame: summary(r),
        names: headerNames(r),
      });
    });

    // channel data: the caller's name and number as FreeSWITCH sends them, URL-encoded
    const data = (ms: EslMessage[]) => ms[0]!.event()!;
    for (const h of ['Caller-Caller-ID-Name', 'Caller-Caller-ID-Number', 'Caller-Destination-Number'])
      expect(data(ours).get(h), h).toBe(data(real).get(h));
    for (const v of ['voicebox_flow', 'playback_terminators', 'hangup_after_bridge', 'continue_on_fail'])
      expect(data(ours).variable(v), v).toBe(data(real).variable(v));

    // the recording: record_ms a little short of the time the caller talked, as FreeSWITCH's 2,960
    const stop = (ms: EslMessage[]) => ms.map((m) => m.event()).find((e) => e?.name === 'RECORD_STOP')!;
    expect(stop(real).variable('record_ms')).toBe('2960');
    expect(stop(ours).variable('record_ms')).toBe(String(3020 - RECORD_START_LOSS_MS));
    expect(report.endedBy).toBe('voicebox');
  });

  it('on a 20 ms tick the caller hears one tick of silence between prompts, the capture three', async () => {
    const { report } = await leaveMessage(20);
    // greeting → tone → record → "message saved": three gaps, each one application start
    expect(report.deadAirMs).toHaveLength(3);
    for (const gap of report.deadAirMs) expect(gap).toBeLessThanOrEqual(20);
    const real = frames(capture('leave-message.fs2app.raw'));
    const at = (name: string, app: string, nthOf = 0): number => {
      const events = real
        .map((m) => m.event())
        .filter((e) => e?.name === name && e.get('Application') === app);
      return Number(events[nthOf]?.get('Event-Date-Timestamp')) / 1000;
    };
    // the capture: greeting completed → tone started 60 ms later (set, then playback)
    expect(at('CHANNEL_EXECUTE', 'playback', 1) - at('CHANNEL_EXECUTE_COMPLETE', 'playback', 0)).toBeCloseTo(
      60,
      0,
    );
  });
});
