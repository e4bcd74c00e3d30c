import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CALLER_ID_LIMITS, EslTimeoutError, HangupError } from '../../src/esl/index.js';
import type { Channel, EslEvent, RecordResult } from '../../src/esl/index.js';
import { RECORD_START_LOSS_MS, ScriptedCaller, wavDurationMs } from '../../src/sim/index.js';
import type { CallReport, SimulatorOptions } from '../../src/sim/index.js';
import { harness } from './harness.js';
import type { Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Runs `body` as the call handler; resolves with what it returned (or threw) and the simulator's report. */
async function scenario<T>(
  caller: ScriptedCaller,
  body: (ch: Channel, dir: string) => Promise<T>,
  serverOptions = {},
  simOptions: SimulatorOptions = {},
): Promise<{ result: T | undefined; error: unknown; report: CallReport; channel: Channel }> {
  let result: T | undefined;
  let error: unknown;
  let channel: Channel | undefined;
  let dir = '';
  h = await harness(
    async (ch) => {
      channel = ch;
      try {
        result = await body(ch, dir);
      } catch (err) {
        error = err;
      }
    },
    serverOptions,
    simOptions,
  );
  dir = h.dir;
  const report = await h.sim.runCall(caller, { target: h.target });
  await channel?.closed;
  if (!channel) throw new Error('no channel');
  return { result, error, report, channel };
}

describe('Channel against the simulator', () => {
  it('exposes the channel data from the connect reply', async () => {
    const caller = new ScriptedCaller({
      number: '+4930123456',
      name: 'José Müller',
      dialed: '5001',
      variables: { vb_mailbox: '1000' },
    });
    const { result } = await scenario(caller, async (ch) => ({
      uuid: ch.uuid,
      number: ch.callerNumber,
      name: ch.callerName,
      called: ch.calledNumber,
      mailbox: ch.data.variables.get('vb_mailbox'),
      answered: ch.data.answered,
      // read one at a time or whole, the variables are the variable_* headers
      variablesAgree: (() => {
        const expected = [...ch.data.headers]
          .filter(([k]) => k.startsWith('variable_'))
          .map(([k, v]) => [k.slice(9), v]);
        const one = expected.every(([k, v]) => ch.data.variables.get(k!) === v && ch.data.variables.has(k!));
        return (
          one && expected.length > 10 && JSON.stringify([...ch.data.variables]) === JSON.stringify(expected)
        );
      })(),
    }));
    expect(result).toMatchObject({
      number: '+4930123456',
      name: 'José Müller',
      called: '5001',
      mailbox: '1000',
      answered: false,
      variablesAgree: true,
    });
    expect(result?.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('bounds caller number, caller name and dialled number to one printable line (5,000 characters sent)', async () => {
    const caller = new ScriptedCaller({
      number: '+49 30\t' + '1'.repeat(5000),
      // a line break to forge a header, a bidi override to reverse what a log shows, emoji at the cut
      name: 'Mallory\r\nBcc: victim@example.com \u202Eevil ' + '😀'.repeat(5000),
      dialed: '501\u0000' + '9'.repeat(5000),
    });
    const { result } = await scenario(caller, async (ch) => ({
      number: ch.callerNumber,
      name: ch.callerName,
      called: ch.calledNumber,
      raw: ch.data.headers.get('Caller-Caller-ID-Name')?.length,
    }));
    expect(result?.number).toBe('+49 30 ' + '1'.repeat(57));
    expect(result?.called).toBe('501 ' + '9'.repeat(60));
    expect(result?.name.startsWith('Mallory Bcc: victim@example.com evil 😀')).toBe(true);
    expect(Array.from(result?.name ?? '')).toHaveLength(128);
    expect(result?.name).not.toMatch(/[\p{Cc}\u202A-\u202E]/u);
    // never half an emoji
    expect(result?.name).not.toMatch(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
    );
    // what FreeSWITCH sent stays readable as it was
    expect(result?.raw).toBeGreaterThan(10_000);
    expect(CALLER_ID_LIMITS).toEqual({ number: 64, name: 128 });
  });

  it('refuses a call whose Unique-ID could steer a file path, and takes the next call', async () => {
    const calls: string[] = [];
    h = await harness((ch) => void calls.push(ch.uuid));
    await h.sim.runCall(new ScriptedCaller({ uuid: '../../../etc/cron.d/x' }), { target: h.target });
    await h.sim.runCall(new ScriptedCaller({ uuid: 'a/b' }), { target: h.target });
    const good = '7f4de4bc-17d7-11dd-b7a0-db4edd065621';
    await h.sim.runCall(new ScriptedCaller({ uuid: good }), { target: h.target });
    expect(calls).toEqual([good]);
  });

  it('matches completions to executes by Application-UUID, also when they complete out of order', async () => {
    const { result, report } = await scenario(new ScriptedCaller(), async (ch) => {
      await ch.answer();
      const order: string[] = [];
      // Without event-lock the second playback runs nested inside the first and finishes first.
      const long = ch
        .execute('playback', 'silence_stream://5000', { eventLock: false })
        .then((r) => (order.push('long'), r));
      const short = ch
        .execute('playback', 'silence_stream://1000', { eventLock: false })
        .then((r) => (order.push('short'), r));
      const [a, b] = await Promise.all([long, short]);
      return { order, a: a.variables.get('playback_ms'), b: b.variables.get('playback_ms') };
    });
    expect(result?.order).toEqual(['short', 'long']);
    expect(result?.b).toBe('1000');
    expect(result?.a).toBe('5000');
    expect(report.durationMs).toBe(6000); // the outer playback paused while the nested one ran
  });

  it('hang-up during playback rejects every pending operation with HangupError at once', async () => {
    const caller = new ScriptedCaller().hangupWhilePlaying('long-prompt', 1500);
    const atHangup: string[] = [];
    const { result, report } = await scenario(caller, async (ch) => {
      await ch.answer();
      const first = ch.execute('playback', 'silence_stream://9000?long-prompt');
      const queued = ch.execute('playback', 'silence_stream://1000');
      ch.onEvent((e: EslEvent) => {
        // When CHANNEL_HANGUP is handled both promises are already settled — not after the
        // closing sequence, and not waiting for completions FreeSWITCH will never send.
        if (e.name === 'CHANNEL_HANGUP') atHangup.push(inspect(first), inspect(queued));
      });
      return Promise.all([first.catch((e: unknown) => e), queued.catch((e: unknown) => e)]);
    });
    expect(atHangup).toHaveLength(2);
    for (const state of atHangup) expect(state).toContain('<rejected> HangupError');
    expect(result?.[0]).toBeInstanceOf(HangupError);
    expect(result?.[1]).toBeInstanceOf(HangupError);
    expect((result?.[0] as HangupError).hangupCause).toBe('NORMAL_CLEARING');
    // the mark the runtime knows the end of a call by (CallMedia's hang-up contract)
    expect(result?.[0]).toMatchObject({ callHungUp: true });
    expect(result?.[1]).toMatchObject({ callHungUp: true });
    expect(report.endedBy).toBe('caller');
  });

  it('an execute after the hang-up rejects at once and sends nothing', async () => {
    const caller = new ScriptedCaller().hangupAtStep(1, 500);
    const { result, report, channel } = await scenario(caller, async (ch) => {
      await ch.execute('playback', 'silence_stream://2000').catch(() => undefined);
      const after = await ch.playback('silence_stream://100').catch((e: unknown) => e);
      return { after, up: ch.isUp };
    });
    expect(result?.after).toBeInstanceOf(HangupError);
    expect(result?.after).toMatchObject({ callHungUp: true });
    expect(result?.up).toBe(false);
    expect(report.transcript.filter((e) => e.kind === 'playback')).toHaveLength(1);
    expect(channel.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('an application that never completes ends by its timeout, or by the hang-up', async () => {
    const timedOut = await scenario(new ScriptedCaller(), async (ch) =>
      ch.execute('park', '', { timeoutMs: 300 }).catch((e: unknown) => e),
    );
    expect(timedOut.result).toBeInstanceOf(EslTimeoutError);
    await h?.close();
    h = undefined;
    const hungUp = await scenario(new ScriptedCaller().hangupDuring('park', 60_000), async (ch) =>
      ch.execute('park').catch((e: unknown) => e),
    );
    expect(hungUp.result).toBeInstanceOf(HangupError);
    expect(hungUp.report.durationMs).toBe(60_000);
  });

  it('record with a hang-up during the recording still yields the file', async () => {
    const caller = new ScriptedCaller().hangupDuring('record', 2500);
    const { result } = await scenario(caller, async (ch, dir) => {
      await ch.answer();
      return ch.record(join(dir, 'msg.wav'), { maxSeconds: 120 });
    });
    expect(result?.hungUp).toBe(true);
    expect(result?.recordMs).toBe(2500 - RECORD_START_LOSS_MS);
    expect(result && existsSync(result.file)).toBe(true);
    expect(result && wavDurationMs(result.file)).toBe(2500 - RECORD_START_LOSS_MS);
  });

  it('record: the socket closing after RECORD_STOP but before the completion still gives its length', async () => {
    const caller = new ScriptedCaller()
      .hangupDuring('record', 2500)
      .breakSocket('CHANNEL_EXECUTE_COMPLETE', 'close', 'record');
    let recorded: Promise<RecordResult> | undefined;
    await scenario(caller, async (ch, dir) => {
      await ch.answer();
      recorded = ch.record(join(dir, 'msg.wav'), { maxSeconds: 120 });
      return recorded;
    });
    expect(await recorded).toMatchObject({ hungUp: true, recordMs: 2500 - RECORD_START_LOSS_MS });
  });

  it('record: the socket reset before RECORD_STOP resolves without a length; the file is there', async () => {
    const caller = new ScriptedCaller().pressDuring('record', '#', 2500).breakSocket('RECORD_STOP', 'reset');
    let recorded: Promise<RecordResult> | undefined;
    await scenario(caller, async (ch, dir) => {
      await ch.answer();
      recorded = ch.record(join(dir, 'msg.wav'), { maxSeconds: 120 });
      return recorded;
    });
    const result = await recorded;
    expect(result).toMatchObject({ hungUp: true, silence: false });
    expect(result?.recordMs).toBeUndefined();
    expect(result && wavDurationMs(result.file)).toBe(2500 - RECORD_START_LOSS_MS);
  });

  it('record ends on a terminator, on silence, or at the time limit', async () => {
    const { result } = await scenario(
      new ScriptedCaller().pressDuring('record', '#', 4000).silentAfter('sleep', 0),
      async (ch, dir) => {
        const byKey = await ch.record(join(dir, 'a.wav'), { maxSeconds: 60 });
        await ch.sleep(10);
        const bySilence = await ch.record(join(dir, 'b.wav'), { maxSeconds: 60, silenceHits: 2 });
        const byLimit = await ch.record(join(dir, 'c.wav'), { maxSeconds: 3, silenceThreshold: 0 });
        return { byKey, bySilence, byLimit };
      },
    );
    expect(result?.byKey).toMatchObject({
      recordMs: 4000 - RECORD_START_LOSS_MS,
      terminator: '#',
      silence: false,
      hungUp: false,
    });
    expect(result?.bySilence).toMatchObject({ recordMs: 2000 - RECORD_START_LOSS_MS, silence: true });
    expect(result?.byLimit).toMatchObject({ recordMs: 3000 - RECORD_START_LOSS_MS, silence: false });
  });

  it('keys typed between two applications reach the next input; the key that ended the prompt counts once', async () => {
    // `5` ends the prompt; FreeSWITCH's park loop eats `0`, `1`, `#` (edge-cases/dtmf-between-apps)
    const caller = new ScriptedCaller().pressWhilePlaying('menu', '501#', 500);
    const { result, report } = await scenario(caller, async (ch) => {
      const prompt = await ch.playback('silence_stream://3000?menu', { terminators: '0123456789' });
      const input = await ch.read({
        min: 1,
        max: 4,
        file: 'silence_stream://250',
        timeoutMs: 3000,
        terminators: '#',
      });
      return { prompt, input };
    });
    expect(result).toEqual({
      prompt: { response: 'FILE PLAYED', terminator: '5' },
      input: { digits: '01', result: 'success', terminator: '#' },
    });
    expect(report.transcript.filter((e) => e.text.includes('lost')).map((e) => e.text)).toEqual([
      '0 (no application: lost)',
      '1 (no application: lost)',
      '# (no application: lost)',
    ]);
    // the keys typed ahead completed the input: no `read` ran, nobody waited for its timeout
    expect(report.transcript.some((e) => e.kind === 'read')).toBe(false);
  });

  it('a key typed ahead ends the next prompt before it plays; keys behind it wait for the input', async () => {
    const caller = new ScriptedCaller().pressWhilePlaying('first', '12', 500);
    const { result, report } = await scenario(caller, async (ch) => {
      const first = await ch.playback('silence_stream://3000?first', { terminators: '1' });
      const quiet = await ch.playback('silence_stream://1000?info', { terminators: 'none' });
      const second = await ch.playback('silence_stream://3000?second', { terminators: '2' });
      return { first, quiet, second };
    });
    expect(result).toEqual({
      first: { response: 'FILE PLAYED', terminator: '1' },
      quiet: { response: 'FILE PLAYED' },
      second: { response: 'FILE PLAYED', terminator: '2' },
    });
    expect(report.transcript.filter((e) => e.kind === 'playback').map((e) => e.text)).toEqual([
      'silence_stream://3000?first (0.5s, stopped by 1)',
      'silence_stream://1000?info (1.0s)',
    ]);
  });

  it('on a 20 ms tick, keys typed while the read waits to start go in front of what it collects', async () => {
    for (const typed of ['4', '42', '421#']) {
      const caller = new ScriptedCaller()
        .pressAfterPlayed('menu', typed)
        .pressDuring('read', typed.endsWith('#') ? '' : '3#', 300);
      const { result } = await scenario(
        caller,
        async (ch) => {
          await ch.playback('silence_stream://1000?menu', { terminators: 'none' });
          return ch.read({ min: 1, max: 6, file: 'silence_stream://250', timeoutMs: 3000, terminators: '#' });
        },
        {},
        { appTickMs: 20 },
      );
      const digits = typed.endsWith('#') ? typed.slice(0, -1) : `${typed}3`;
      expect(result, typed).toEqual({ digits, result: 'success', terminator: '#' });
      await h?.close();
      h = undefined;
    }
  });

  it('one application start per prompt: terminators by uuid_setvar, and only when they change', async () => {
    const { result, report } = await scenario(new ScriptedCaller(), async (ch) => {
      const starts: string[] = [];
      ch.onEvent((e) => {
        if (e.name === 'CHANNEL_EXECUTE') starts.push(e.get('Application') ?? '');
      });
      await ch.playback('silence_stream://100?a', { terminators: '12' });
      await ch.playback('silence_stream://100?b', { terminators: '12' });
      await ch.playback('silence_stream://100?c', { terminators: 'none' });
      return {
        starts,
        terminators: await ch.execute('info').then((r) => r.variables.get('playback_terminators')),
      };
    });
    expect(result).toEqual({ starts: ['playback', 'playback', 'playback', 'info'], terminators: 'none' });
    expect(report.transcript.some((e) => e.kind === 'set')).toBe(false);
  });

  it('playback returns the terminator pressed; other digits do not stop it', async () => {
    const caller = new ScriptedCaller()
      .pressWhilePlaying('menu', '5', 300)
      .pressWhilePlaying('menu', '#', 800);
    const { result, report } = await scenario(caller, async (ch) =>
      ch.playback('silence_stream://4000?menu'),
    );
    expect(result).toEqual({ response: 'FILE PLAYED', terminator: '#' });
    expect(report.transcript.filter((e) => e.kind === 'dtmf').map((e) => e.text)).toEqual(['5', '#']);
  });

  it('playAndGetDigits returns the digits; invalid input is retried', async () => {
    const caller = new ScriptedCaller()
      .pressWhilePlaying('enter-pin', '99#', 500)
      .on({ played: 'bad-pin' }, { dtmf: '1234#' });
    const { result } = await scenario(caller, async (ch) =>
      ch.playAndGetDigits({
        min: 4,
        max: 8,
        tries: 3,
        timeoutMs: 5000,
        terminators: '#',
        file: 'silence_stream://3000?enter-pin',
        invalidFile: 'silence_stream://500?bad-pin',
        regex: '^\\d{4,8}$',
      }),
    );
    expect(result).toBe('1234');
  });

  it('read collects digits with the terminator', async () => {
    const { result } = await scenario(new ScriptedCaller().pressAt(100, '42#'), async (ch) =>
      ch.read({ min: 1, max: 4, file: 'silence_stream://1000', timeoutMs: 3000, terminators: '#' }),
    );
    expect(result).toEqual({ digits: '42', result: 'success', terminator: '#' });
  });

  it('bridge reports answered, busy, no answer and failure from DIALSTATUS/originate_disposition', async () => {
    const caller = new ScriptedCaller()
      .destination('user/1001', { outcome: 'answered', talkMs: 3000 })
      .destination('user/1002', { outcome: 'busy' })
      .destination('user/1003', { outcome: 'no-answer', ringMs: 20_000 })
      .destination('user/1004', { outcome: 'failed', cause: 'CALL_REJECTED' });
    const { result, report } = await scenario(caller, async (ch) => {
      const out = [];
      for (const t of ['user/1001', 'user/1002', 'user/1003', 'user/1004']) out.push(await ch.bridge(t));
      return out;
    });
    expect(result).toEqual([
      { outcome: 'answered', disposition: 'SUCCESS', dialStatus: 'SUCCESS', hangupCause: 'NORMAL_CLEARING' },
      { outcome: 'busy', disposition: 'USER_BUSY', dialStatus: 'BUSY' },
      { outcome: 'no-answer', disposition: 'NO_ANSWER', dialStatus: 'NOANSWER' },
      { outcome: 'failed', disposition: 'CALL_REJECTED', dialStatus: 'CALL_REJECTED' },
    ]);
    expect(report.transcript.filter((e) => e.kind === 'bridge').map((e) => e.text)).toEqual([
      'user/1001 answered',
      'user/1002 busy (USER_BUSY)',
      'user/1003 no-answer (NO_ANSWER)',
      'user/1004 failed (CALL_REJECTED)',
    ]);
  });

  it('transfer hands the call away and ends the session; later calls reject', async () => {
    const caller = new ScriptedCaller().destination('operator', { outcome: 'answered', talkMs: 10_000 });
    const { result, report } = await scenario(caller, async (ch) => {
      await ch.transfer('operator', 'XML', 'default');
      return ch.answer().catch((e: unknown) => e);
    });
    expect(result).toBeInstanceOf(HangupError);
    expect((result as HangupError).transferred).toBe(true);
    expect(result).toMatchObject({ callHungUp: true });
    expect(report.transcript.map((e) => `${e.kind} ${e.text}`)).toContain('transfer operator answered');
    expect(report.endedBy).toBe('destination');
  });

  it('an unknown application hangs the call up as FreeSWITCH does', async () => {
    const { result, report } = await scenario(new ScriptedCaller(), async (ch) =>
      ch.execute('no_such_app', 'x').catch((e: unknown) => e),
    );
    expect(result).toBeInstanceOf(HangupError);
    expect((result as HangupError).hangupCause).toBe('DESTINATION_OUT_OF_ORDER');
    expect(report.hangupCause).toBe('DESTINATION_OUT_OF_ORDER');
  });

  it('set, speak and a multi-line argument (sent as a body)', async () => {
    const { result } = await scenario(new ScriptedCaller(), async (ch) => {
      await ch.set('vb_note', 'line one\nline two');
      const r = await ch.execute('log', 'INFO ok');
      const spoken = await ch.speak('Hello from voicebox');
      return { note: r.variables.get('vb_note'), spoken };
    });
    expect(result?.note).toBe('line one\nline two');
    expect(result?.spoken.response).toBe('_none_');
  });

  it('works the same with json events', async () => {
    const caller = new ScriptedCaller({ name: 'Zoë' })
      .pressWhilePlaying('menu', '#', 700)
      .hangupDuring('record', 1500);
    const { result } = await scenario(
      caller,
      async (ch, dir) => ({
        name: ch.callerName,
        played: await ch.playback('silence_stream://3000?menu'),
        recorded: await ch.record(join(dir, 'j.wav'), { maxSeconds: 10 }),
      }),
      { events: 'json' },
    );
    expect(result).toMatchObject({
      name: 'Zoë',
      played: { response: 'FILE PLAYED', terminator: '#' },
      recorded: { recordMs: 1500 - RECORD_START_LOSS_MS, hungUp: true },
    });
  });

  it('lingers: sends exit after CHANNEL_HANGUP_COMPLETE and the session closes cleanly', async () => {
    const { report, channel } = await scenario(
      new ScriptedCaller().hangupAt(1000),
      async (ch) => ch.execute('park').catch(() => undefined),
      { lingerGraceMs: 120_000, exitTimeoutMs: 120_000 },
    );
    // Only a proper `exit` (answered by +OK bye and a close) can end the session before the long timers.
    expect(report.hangupCause).toBe('NORMAL_CLEARING');
    expect(channel.isUp).toBe(false);
    for (let i = 0; i < 100 && (h?.server.activeCalls ?? 0) > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(h?.server.activeCalls).toBe(0);
  });
});

describe('Channel lifecycle', () => {
  it('leaves no timers, sockets or calls behind', async () => {
    const count = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap').length;
    const before = count();
    const local = await harness(async (ch) => {
      await ch.answer();
      await ch.playback('silence_stream://500').catch(() => undefined);
      await ch.execute('park').catch(() => undefined);
    });
    for (let i = 0; i < 3; i++)
      await local.sim.runCall(new ScriptedCaller().hangupDuring('park', 1000), { target: local.target });
    for (let i = 0; i < 100 && local.server.activeCalls > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(local.server.activeCalls).toBe(0);
    await local.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count()).toBeLessThanOrEqual(before);
  });
});
