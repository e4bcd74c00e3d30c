import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EslMessage, FrameParser } from '../../src/esl/index.js';
import { RECORD_START_LOSS_MS, ScriptedCaller, Simulator, wavDurationMs } from '../../src/sim/index.js';
import { EXPECTED_FRAMES } from '../esl/fixture-expectations.js';
import { RawController } from './raw-controller.js';

const fixture = (name: string): EslMessage[] => {
  const out: EslMessage[] = [];
  new FrameParser().push(readFileSync(new URL(`../fixtures/esl/${name}.fs2app.raw`, import.meta.url)), (f) =>
    out.push(new EslMessage(f)),
  );
  return out;
};

function summary(m: EslMessage): string {
  const type = m.contentType ?? '';
  if (type === 'text/event-plain' || type === 'text/event-json') {
    const ev = m.event();
    return `${type} ${ev?.name ?? ''}${ev?.get('Application') !== undefined ? ` ${ev.get('Application')}` : ''}`;
  }
  if (type === 'command/reply') return `${type} ${(m.replyText ?? '').trim()}`;
  if (type === 'text/disconnect-notice') return `${type} ${m.header('Content-Disposition') ?? ''}`.trim();
  return type;
}

/** Header names of a message in order, without the channel variables (their set depends on the call). */
function headerNames(m: EslMessage): string[] {
  const type = m.contentType ?? '';
  const names =
    type === 'text/event-plain' || type === 'text/event-json'
      ? [...(m.event()?.headers().keys() ?? [])]
      : m.headers.entries.map(([k]) => k);
  return names.filter((n) => !n.startsWith('variable_'));
}

let ctl: RawController | undefined;
let sim: Simulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await ctl?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  ctl = sim = dir = undefined;
});

const probeCaller = (dialed: string, name = 'ProbeCaller'): ScriptedCaller =>
  new ScriptedCaller({ number: '+4930123456', name, dialed, answered: true });

function compare(actual: EslMessage[], expected: EslMessage[]): void {
  expect(actual.map(summary)).toEqual(expected.map(summary));
  actual.forEach((m, i) => {
    const e = expected[i] as EslMessage;
    expect({ i, what: summary(m), names: headerNames(m) }).toEqual({
      i,
      what: summary(e),
      names: headerNames(e),
    });
  });
}

describe('the simulator against the real captures', () => {
  it('outbound.1: playback, hangup without linger — same frames, same order, same headers', async () => {
    ctl = await RawController.listen();
    sim = new Simulator();
    const call = await sim.placeCall(probeCaller('5001'), { target: ctl.target });
    await ctl.connected;
    await ctl.command('connect');
    await ctl.command('event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE');
    await ctl.command('myevents');
    await ctl.command(
      `sendmsg ${call.uuid}\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(200,0,440);loops=3\ncall-command: execute\nEvent-UUID: 223cc7c5-ade1-415a-aef2-984dbde99c24`,
    );
    await ctl.event('CHANNEL_EXECUTE_COMPLETE', 'playback');
    await ctl.command(
      `sendmsg ${call.uuid}\nexecute-app-name: hangup\nexecute-app-arg: NORMAL_CLEARING\ncall-command: execute\nEvent-UUID: 9b9b0223-4472-4282-8cfd-bb31cfca41f0`,
    );
    await ctl.until(() => false);
    const report = await call.finished;
    compare(ctl.messages, fixture('outbound.1'));
    expect(ctl.messages.map(summary)).toHaveLength(EXPECTED_FRAMES['outbound.1']?.length ?? -1);
    const complete = ctl.messages.find(
      (m) => m.event()?.get('Application') === 'playback' && m.event()?.name === 'CHANNEL_EXECUTE_COMPLETE',
    );
    expect(complete?.event()?.get('Application-UUID')).toBe('223cc7c5-ade1-415a-aef2-984dbde99c24');
    expect(complete?.event()?.get('Application-Response')).toBe('FILE PLAYED');
    expect(complete?.event()?.variables().get('playback_ms')).toBe('600');
    expect(report.durationMs).toBe(600);
  });

  it('outbound.3: linger, record, hangup, exit — including the linger notice and the goodbye', async () => {
    ctl = await RawController.listen();
    dir = mkdtempSync(join(tmpdir(), 'voicebox-sim-'));
    const local = dir;
    sim = new Simulator({ toLocalPath: (p) => p.replace(/^\/rec\//, `${local}/`) });
    const call = await sim.placeCall(probeCaller('5003', ''), { target: ctl.target });
    await ctl.connected;
    await ctl.command('connect');
    await ctl.command('event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE');
    await ctl.command('myevents');
    await ctl.command('linger');
    await ctl.command(
      'event plain CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE RECORD_START RECORD_STOP CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY',
    );
    await ctl.command(
      `sendmsg ${call.uuid}\nexecute-app-name: record\nexecute-app-arg: /rec/x.wav 2\ncall-command: execute\nEvent-UUID: 5229a506-c508-453b-9574-d8a9dd0ebea2`,
    );
    await ctl.event('CHANNEL_EXECUTE_COMPLETE', 'record');
    await ctl.command(
      `sendmsg ${call.uuid}\nexecute-app-name: hangup\nexecute-app-arg: NORMAL_CLEARING\ncall-command: execute\nEvent-UUID: 045bebeb-8a1e-4469-b6cb-4f9ea0e92d2e`,
    );
    await ctl.until((msgs) => msgs.some((m) => m.header('Content-Disposition') === 'linger'));
    await ctl.command('exit');
    await ctl.until(() => false);
    const report = await call.finished;
    compare(ctl.messages, fixture('outbound.3'));
    const stop = ctl.messages.map((m) => m.event()).find((e) => e?.name === 'RECORD_STOP');
    expect(stop?.get('Record-File-Path')).toBe('/rec/x.wav');
    // FreeSWITCH reports a little less than the recording ran (its 2,940 ms for ~3 s)
    expect(stop?.variables().get('record_ms')).toBe(String(2000 - RECORD_START_LOSS_MS));
    expect(wavDurationMs(join(local, 'x.wav'))).toBe(2000 - RECORD_START_LOSS_MS);
    expect(report.text).toContain('record /rec/x.wav 2.0s (time limit)');
  });

  it('outbound.5: the caller hangs up during a long playback — PLAYBACK ERROR, then the closing sequence', async () => {
    ctl = await RawController.listen();
    sim = new Simulator();
    const call = await sim.placeCall(probeCaller('5005', '').hangupWhilePlaying('tone_stream', 1000), {
      target: ctl.target,
    });
    await ctl.connected;
    await ctl.command('connect');
    await ctl.command('event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE');
    await ctl.command('myevents');
    await ctl.command(
      `sendmsg ${call.uuid}\nexecute-app-name: playback\nexecute-app-arg: tone_stream://%(1000,0,440);loops=20\ncall-command: execute\nEvent-UUID: 90229e88-eac7-4433-a2cf-896abb6b41ac`,
    );
    await ctl.until(() => false);
    await call.finished;
    // The capture's api/response came from killing the other loopback leg; our caller hangs up by script.
    compare(
      ctl.messages,
      fixture('outbound.5').filter((m) => m.contentType !== 'api/response'),
    );
    const complete = ctl.messages
      .map((m) => m.event())
      .find((e) => e?.get('Application') === 'playback' && e.name === 'CHANNEL_EXECUTE_COMPLETE');
    expect(complete?.get('Application-Response')).toBe('PLAYBACK ERROR');
    expect(complete?.variables().get('playback_ms')).toBe('1000');
  });

  it('DTMF events from uuid_recv_dtmf carry the capture’s headers; pagd digits land in the variable', async () => {
    ctl = await RawController.listen();
    sim = new Simulator();
    const call = await sim.placeCall(probeCaller('5002', ''), { target: ctl.target });
    await ctl.connected;
    await ctl.command('connect');
    await ctl.command('myevents');
    await ctl.command('event plain CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF');
    await ctl.command(
      `sendmsg ${call.uuid}\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 1 4 1 5000 # silence_stream://3000 silence_stream://250 pagd_digits \\d+ 3000\ncall-command: execute\nEvent-UUID: acfceff0-2c40-4a15-9aaa-09dad91b18cb`,
    );
    const api = await ctl.command(`api uuid_recv_dtmf ${call.uuid} 123#`);
    expect(api?.bodyText).toBe(`+OK ${call.uuid} received DTMF 123#.\n`);
    await ctl.event('CHANNEL_EXECUTE_COMPLETE', 'play_and_get_digits');
    const real = fixture('outbound.2');
    const realDtmf = real.filter((m) => m.event()?.name === 'DTMF');
    const simDtmf = ctl.messages.filter((m) => m.event()?.name === 'DTMF');
    expect(simDtmf.map((m) => m.event()?.get('DTMF-Digit'))).toEqual(['1', '2', '3', '#']);
    expect(simDtmf.map((m) => m.event()?.get('DTMF-Source'))).toEqual(['APP', 'APP', 'APP', 'APP']);
    expect(headerNames(simDtmf[0] as EslMessage)).toEqual(headerNames(realDtmf[0] as EslMessage));
    const done = ctl.messages.map((m) => m.event()).find((e) => e?.name === 'CHANNEL_EXECUTE_COMPLETE');
    expect(done?.variables().get('pagd_digits')).toBe('123');
    expect(done?.get('Application-Response')).toBe('_none_');
    const realDone = real.map((m) => m.event()).find((e) => e?.name === 'CHANNEL_EXECUTE_COMPLETE');
    expect(realDone?.variables().get('pagd_digits')).toBe('123');
  });
});
