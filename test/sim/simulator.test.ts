import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EslMessage, FrameParser, HangupError, OutboundServer } from '../../src/esl/index.js';
import type { Channel } from '../../src/esl/index.js';
import {
  RECORD_START_LOSS_MS,
  ScriptedCaller,
  Simulator,
  toneDurationMs,
  VirtualClock,
  wavDurationMs,
  writeWav,
} from '../../src/sim/index.js';
import type { CallReport, SimulatorOptions } from '../../src/sim/index.js';
import { RawController } from './raw-controller.js';

const fixturePath = (name: string): string => new URL(`../fixtures/esl/${name}`, import.meta.url).pathname;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-sim-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs one call: voicebox's OutboundServer with `handler`, the simulator playing `caller`. */
async function run(
  caller: ScriptedCaller,
  handler: (ch: Channel) => Promise<unknown>,
  simOptions: SimulatorOptions = {},
): Promise<{ report: CallReport; outcome: unknown }> {
  let outcome: unknown;
  const server = new OutboundServer({
    port: 0,
    onChannel: async (ch) => {
      outcome = await handler(ch).catch((e: unknown) => e);
    },
  });
  const { port } = await server.listen();
  const sim = new Simulator(simOptions);
  cleanups.push(
    () => server.close(),
    () => sim.close(),
  );
  const report = await sim.runCall(caller, { target: `127.0.0.1:${port}` });
  return { report, outcome };
}

/** Raw bytes a connection receives until the peer closes it. */
function collectUntilClose(port: number, send: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(send));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

describe('media durations and the virtual clock', () => {
  it('reads WAV headers, tone and silence streams', () => {
    expect(wavDurationMs(fixturePath('record-2s-tone.wav'))).toBe(2940);
    expect(toneDurationMs('%(200,0,440);loops=3')).toBe(600);
    expect(toneDurationMs('%(1000,0,440);loops=20')).toBe(20_000);
    expect(toneDurationMs('L=2;%(100,100,350,440)')).toBe(400);
    expect(toneDurationMs('%(100,0,440);loops=-1')).toBeUndefined();
    const dir = scratch();
    writeWav(join(dir, 'a.wav'), 1500, 500);
    expect(wavDurationMs(join(dir, 'a.wav'))).toBe(2000);
  });

  it('moves only when advanced, firing timers in order', () => {
    const clock = new VirtualClock();
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push('b'));
    clock.setTimer(100, () => fired.push('a'));
    const c = clock.setTimer(200, () => fired.push('cancelled'));
    c.cancel();
    expect(clock.now()).toBe(0);
    clock.advance();
    expect([clock.now(), fired]).toEqual([100, ['a']]);
    clock.advance();
    expect([clock.now(), fired]).toEqual([300, ['a', 'b']]);
    expect(clock.advance()).toBe(false);
  });

  it('a half-hour playback and a 3-second recording take simulated time only', async () => {
    const dir = scratch();
    const { report, outcome } = await run(new ScriptedCaller(), async (ch) => {
      await ch.playback('silence_stream://1800000');
      return ch.record(join(dir, 'r.wav'), { maxSeconds: 3, silenceThreshold: 0 });
    });
    expect(report.durationMs).toBe(1_803_000);
    // FreeSWITCH's record_ms falls a little short of the time it recorded
    expect(outcome).toMatchObject({ recordMs: 3000 - RECORD_START_LOSS_MS });
    expect(wavDurationMs(join(dir, 'r.wav'))).toBe(3000 - RECORD_START_LOSS_MS);
  });

  it('plays a local WAV for its length; a missing file is FILE NOT FOUND (or the default length)', async () => {
    const wav = fixturePath('record-2s-tone.wav');
    const strict = await run(new ScriptedCaller(), async (ch) => [
      await ch.playback(wav),
      await ch.playback('/no/such/file.wav'),
    ]);
    expect(strict.outcome).toEqual([{ response: 'FILE PLAYED' }, { response: 'FILE NOT FOUND' }]);
    expect(strict.report.durationMs).toBe(2940);
    const lenient = await run(new ScriptedCaller(), (ch) => ch.playback('/no/such/file.wav'), {
      missingFiles: 'default-length',
      defaultMediaMs: 1234,
    });
    expect(lenient.outcome).toEqual({ response: 'FILE PLAYED' });
    expect(lenient.report.durationMs).toBe(1234);
  });
});

describe('the scripted caller and the transcript', () => {
  it('records what happened, in simulated time, as `voicebox call` prints it', async () => {
    const dir = scratch();
    const caller = new ScriptedCaller({ number: '+4930123456', name: 'José', dialed: '5001' })
      .pressWhilePlaying('welcome', '1', 1200)
      .pressDuring('record', '#', 4000)
      .destination('user/1001', { outcome: 'busy', ringMs: 3000 })
      .hangupAtStep(5, 500);
    const { report } = await run(caller, async (ch) => {
      await ch.answer();
      await ch.playAndGetDigits({
        min: 1,
        max: 1,
        tries: 1,
        timeoutMs: 3000,
        terminators: '#',
        file: 'silence_stream://2000?welcome',
      });
      await ch.record(join(dir, 'msg.wav'), { maxSeconds: 60 });
      await ch.bridge('user/1001');
      await ch.playback('silence_stream://5000?goodbye');
    });
    expect(report.text.replaceAll(dir, '/tmp')).toBe(
      [
        '   0.000s  answer',
        '   0.000s  digits silence_stream://2000?welcome → "1"',
        '   1.200s  dtmf 1',
        '   1.200s  record /tmp/msg.wav 4.0s (stopped by #)',
        '   5.200s  dtmf #',
        '   5.200s  bridge user/1001 busy (USER_BUSY)',
        '   8.200s  playback silence_stream://5000?goodbye (0.5s, hung up)',
        '   8.700s  hangup NORMAL_CLEARING (caller)',
      ].join('\n'),
    );
    expect(report.hangupCause).toBe('NORMAL_CLEARING');
    expect(report.endedBy).toBe('caller');
  });

  it('hangs up at a moment; digits typed ahead wait for the next input', async () => {
    const caller = new ScriptedCaller().pressAfterPlayed('prompt', '7').hangupAt(10_000, 'ORIGINATOR_CANCEL');
    const { report, outcome } = await run(caller, async (ch) => {
      await ch.playback('silence_stream://1000?prompt');
      const r = await ch.read({ min: 1, max: 1, file: 'silence', timeoutMs: 5000, terminators: '#' });
      await ch.execute('park').catch((e: unknown) => e);
      return r;
    });
    expect(outcome).toEqual({ digits: '7', result: 'success' });
    expect(report.durationMs).toBe(10_000);
    expect(report.hangupCause).toBe('ORIGINATOR_CANCEL');
  });

  it('recording into a directory that does not exist hangs up (DESTINATION_OUT_OF_ORDER)', async () => {
    const { outcome, report } = await run(new ScriptedCaller(), (ch) =>
      ch.record('/no/such/dir/x.wav', { maxSeconds: 5 }),
    );
    expect(outcome).toMatchObject({ hungUp: true });
    expect(report.hangupCause).toBe('DESTINATION_OUT_OF_ORDER');
  });

  it('speak without engine hangs up; play_and_get_digits reports <var>_invalid on a regex mismatch', async () => {
    const caller = new ScriptedCaller().pressWhilePlaying('pin', '12#', 100);
    const { outcome } = await run(caller, async (ch) => {
      const r = await ch.execute(
        'play_and_get_digits',
        '2 4 1 2000 # silence_stream://500?pin silence_stream://100 pin ^9+$ 2000',
      );
      const bad = await ch.execute('speak', 'only text').catch((e: unknown) => e);
      return { pin: r.variables.get('pin'), invalid: r.variables.get('pin_invalid'), bad };
    });
    expect(outcome).toMatchObject({ pin: undefined, invalid: '12' });
    expect((outcome as { bad: unknown }).bad).toBeInstanceOf(HangupError);
  });
});

describe('the applications it knows', () => {
  it('runs a known application that changes nothing; any other name, even one every object has, hangs up', async () => {
    const { outcome, report } = await run(new ScriptedCaller(), async (ch) => {
      const logged = await ch.execute('log', 'INFO hello');
      const unknown = await ch.execute('constructor').catch((e: unknown) => e);
      return { logged: logged.response, unknown };
    });
    expect(outcome).toMatchObject({ logged: '_none_' });
    expect((outcome as { unknown: unknown }).unknown).toBeInstanceOf(HangupError);
    expect(report.hangupCause).toBe('DESTINATION_OUT_OF_ORDER');
    expect(report.text).toContain('invalid application constructor');
  });
});

describe('strict outbound socket', () => {
  async function session(socketArgs = 'async full'): Promise<{ ctl: RawController; uuid: string }> {
    const ctl = await RawController.listen();
    const sim = new Simulator();
    cleanups.push(
      () => ctl.close(),
      () => sim.close(),
    );
    const call = await sim.placeCall(new ScriptedCaller(), { target: ctl.target, socketArgs });
    await ctl.connected;
    const reply = await ctl.command('connect');
    expect(reply?.header('Control')).toBe(socketArgs.includes('full') ? 'full' : 'single-channel');
    return { ctl, uuid: call.uuid };
  }

  it('answers what FreeSWITCH answers, typos included', async () => {
    const { ctl, uuid } = await session();
    const t = async (cmd: string): Promise<string> => (await ctl.command(cmd))?.replyText ?? '';
    expect(await t('myevents')).toBe('+OK Events Enabled');
    expect(await t('myevents')).toBe('-ERR aready enabled.');
    expect(await t('event plain NO_SUCH_EVENT')).toBe('-ERR no keywords supplied');
    expect(await t('event json DTMF')).toBe('+OK event listener enabled json');
    expect(await t('linger 5')).toBe('+OK will linger 5 seconds');
    expect(await t('nolinger')).toBe('+OK will not linger');
    expect(await t('filter Unique-ID')).toBe('-ERR invalid syntax');
    expect(await t(`filter Unique-ID ${uuid}`)).toBe(`+OK filter added. [Unique-ID]=[${uuid}]`);
    expect(await t('getvar caller_id_number')).toBe('+4930123456');
    expect(await t('getvar nothing_here')).toBe('-ERR command not found');
    expect(await t('nolog')).toBe('-ERR not loging');
    expect(await t('sendmsg 00000000-0000-0000-0000-000000000000')).toBe(
      '-ERR invalid session id [00000000-0000-0000-0000-000000000000]',
    );
    expect(await t('frobnicate')).toBe('-ERR command not found');
    expect((await ctl.command('api frobnicate now'))?.bodyText).toBe('-ERR frobnicate Command not found!\n');
    const bg = await ctl.command('bgapi status\nJob-UUID: 11111111-2222-3333-4444-555555555555');
    expect(bg?.replyText).toBe('+OK Job-UUID: 11111111-2222-3333-4444-555555555555');
    expect(bg?.header('Job-UUID')).toBe('11111111-2222-3333-4444-555555555555');
  });

  it('without `full` most commands are `-ERR command not found`', async () => {
    const { ctl } = await session('async');
    for (const cmd of ['linger', 'event plain ALL', 'api status', 'bgapi status']) {
      expect((await ctl.command(cmd))?.replyText).toBe('-ERR command not found');
    }
    expect((await ctl.command('myevents'))?.replyText).toBe('+OK Events Enabled');
  });

  it('`linger 30` closes by itself 30 simulated seconds after the hang-up', async () => {
    const { ctl, uuid } = await session();
    await ctl.command('myevents');
    await ctl.command('linger 30');
    await ctl.command(`api uuid_kill ${uuid} NORMAL_CLEARING`);
    await ctl.until(() => false); // the simulator closes; we never send exit
    const notices = ctl.messages.filter((m) => m.contentType === 'text/disconnect-notice');
    expect(notices.map((m) => [m.header('Content-Disposition'), m.header('Linger-Time') ?? ''])).toEqual([
      ['linger', '30'],
      ['disconnect', ''],
    ]);
  });

  it('sendmsg after the hang-up is accepted and never completes (edge-cases/execute-after-hangup)', async () => {
    const { ctl, uuid } = await session();
    await ctl.command('myevents');
    await ctl.command('linger');
    await ctl.command(`sendmsg\ncall-command: hangup\nhangup-cause: USER_BUSY`);
    await ctl.until((msgs) => msgs.some((m) => m.header('Content-Disposition') === 'linger'));
    const reply = await ctl.command(
      `sendmsg ${uuid}\ncall-command: execute\nexecute-app-name: hangup\nevent-lock: true\nEvent-UUID: 755da173-7cf0-4942-9b86-75e6cae9e54b`,
    );
    expect(reply?.replyText).toBe('+OK');
    const names = ctl.messages.map((m) => m.event()?.name).filter(Boolean);
    // call-command hangup: no CHANNEL_EXECUTE for it (outbound.4), then the closing sequence.
    expect(names.slice(-6)).toEqual([
      'CHANNEL_HANGUP',
      'CHANNEL_UNPARK',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_STATE',
      'CHANNEL_STATE',
      'CHANNEL_HANGUP_COMPLETE',
    ]);
    const complete = ctl.messages.map((m) => m.event()).find((e) => e?.name === 'CHANNEL_HANGUP_COMPLETE');
    expect(complete?.get('Hangup-Cause')).toBe('USER_BUSY');
    expect(complete?.variables().get('hangup_cause_q850')).toBe('17');
  });
});

describe('strict inbound socket', () => {
  async function inbound(): Promise<number> {
    const sim = new Simulator();
    cleanups.push(() => sim.close());
    return (await sim.listenInbound({ port: 0 })).port;
  }

  it('a wrong password gets exactly the bytes of inbound-badauth.1, then the close', async () => {
    const port = await inbound();
    const bytes = await collectUntilClose(port, 'auth WrongPass\n\n');
    expect(bytes.equals(readFileSync(fixturePath('inbound-badauth.1.fs2app.raw')))).toBe(true);
  });

  it('refuses commands before auth, and says goodbye on exit', async () => {
    const port = await inbound();
    const bytes = await collectUntilClose(port, 'api status\n\nauth ClueCon\n\napi version\n\nexit\n\n');
    const msgs: EslMessage[] = [];
    new FrameParser().push(bytes, (f) => msgs.push(new EslMessage(f)));
    expect(
      msgs.map((m) => `${m.contentType} ${(m.replyText ?? m.bodyText ?? '').trim().split('\n')[0]}`.trim()),
    ).toEqual([
      'auth/request',
      'command/reply -ERR command not found',
      'command/reply +OK accepted',
      'api/response FreeSWITCH Version 1.10.12-release (simulator)',
      'command/reply +OK bye',
      'text/disconnect-notice Disconnected, goodbye.',
    ]);
  });

  it('BACKGROUND_JOB has the header set of the inbound.1 capture', async () => {
    const port = await inbound();
    const msgs: EslMessage[] = [];
    const parser = new FrameParser();
    await new Promise<void>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () =>
        s.write(
          'auth ClueCon\n\nevent plain BACKGROUND_JOB\n\nbgapi originate {origination_caller_id_number=+4930999888}loopback/5001/default &park()\nJob-UUID: 11111111-2222-3333-4444-555555555555\n\n',
        ),
      );
      s.on('data', (c: Buffer) =>
        parser.push(c, (f) => {
          msgs.push(new EslMessage(f));
          if (msgs.some((m) => m.event()?.name === 'BACKGROUND_JOB')) {
            s.destroy();
            resolve();
          }
        }),
      );
    });
    const job = msgs.find((m) => m.event()?.name === 'BACKGROUND_JOB') as EslMessage;
    const real = [] as EslMessage[];
    new FrameParser().push(readFileSync(fixturePath('inbound.1.fs2app.raw')), (f) =>
      real.push(new EslMessage(f)),
    );
    const realJob = real.find((m) => m.event()?.name === 'BACKGROUND_JOB') as EslMessage;
    expect([...(job.event()?.headers().keys() ?? [])]).toEqual([
      ...(realJob.event()?.headers().keys() ?? []),
    ]);
    expect(job.event()?.get('Job-Command-Arg')).toBe(
      realJob.event()?.get('Job-Command-Arg')?.replace(',origination_caller_id_name=InboundProbe', ''),
    );
    expect(job.event()?.body).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    const reply = msgs.find((m) => m.replyText?.startsWith('+OK Job-UUID'));
    expect(reply?.headers.entries).toEqual(
      real.find((m) => m.replyText?.startsWith('+OK Job-UUID'))?.headers.entries,
    );
  });
});
