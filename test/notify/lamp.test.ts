// The lamp on the wire: the headers of the FreeSWITCH capture, one send per change, and nothing
// lost while the event socket is down — the latest state per account goes out when it is back.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LampSender,
  maskNumber,
  mwiHeaders,
  openNotifierLog,
  type LampState,
} from '../../src/notify/index.js';
import { recordingLogger } from '../support/log.js';
import { RecordingLampLink } from './recording-lamp-link.js';

const alice = { id: 'alice', mailbox: '+49 30 1234501' };
const lamp = (
  waiting: boolean,
  newVoice: number,
  oldVoice = 0,
  account = 'sip:501@voicebox.example.com',
): LampState => ({
  account,
  waiting,
  voice: { new: newVoice, old: oldVoice },
});

describe('the MESSAGE_WAITING event', () => {
  it('has the headers, order and values of the FreeSWITCH 1.10.12 capture', () => {
    const capture = readFileSync('/work/shared/esl-fixtures/inbound-mwi.txt', 'utf8');
    const block = capture.split('sendevent MESSAGE_WAITING\n')[1]!.split('\n\n')[0]!;
    const expected = block.split('\n').map((line) => line.split(': ') as [string, string]);
    expect(Object.entries(mwiHeaders(lamp(true, 2, 1)))).toEqual(expected);
  });

  it('carries her fax counts when she has fax messages', () => {
    expect(mwiHeaders({ ...lamp(true, 0), fax: { new: 1, old: 0 } })).toMatchObject({
      'MWI-Fax-Message': '1/0 (0/0)',
    });
  });
});

describe('LampSender', () => {
  it('the same state is sent again once the first went (another process may have sent another since)', async () => {
    const link = new RecordingLampLink();
    const sender = new LampSender(link);
    sender.set(lamp(true, 1), 'arrived', alice);
    await sender.idle();
    sender.set(lamp(true, 1), 'changed', alice);
    await sender.idle();
    expect(link.lamps).toEqual([
      'sip:501@voicebox.example.com yes 1/0 (0/0)',
      'sip:501@voicebox.example.com yes 1/0 (0/0)',
    ]);
  });

  it('a state equal to the one being sent is not queued behind it, unless forced', async () => {
    const link = new RecordingLampLink();
    const sender = new LampSender(link);
    sender.set(lamp(true, 1), 'arrived', alice);
    sender.set(lamp(true, 1), 'changed', alice); // the first is still on its way
    await sender.idle();
    expect(link.lamps).toHaveLength(1);
    sender.set(lamp(true, 1), 'arrived', alice);
    sender.set(lamp(true, 1), 'reconcile', alice, { force: true });
    await sender.idle();
    expect(link.lamps).toHaveLength(3);
  });

  it('keeps the latest state per account while the link is down and sends it when it is up', async () => {
    const link = new RecordingLampLink();
    const { log, lines } = recordingLogger();
    const sender = new LampSender(link, { log });
    link.down();
    sender.set(lamp(true, 1), 'arrived', alice);
    sender.set(lamp(true, 2), 'arrived', alice);
    sender.set(lamp(true, 1, 0, 'sip:102@voicebox.example.com'), 'arrived', { id: 'bob', mailbox: '502' });
    await sender.idle();
    sender.set(lamp(false, 0, 2), 'seen', alice);
    await sender.idle();
    expect(link.lamps).toEqual([]);
    expect(lines.filter((l) => l.msg?.includes('not reachable'))).toHaveLength(1); // once, not per lamp

    link.up();
    await sender.idle();
    expect(link.lamps.sort()).toEqual([
      'sip:102@voicebox.example.com yes 1/0 (0/0)',
      'sip:501@voicebox.example.com no 0/2 (0/0)',
    ]);
    expect(sender.waiting).toBe(0);
  });

  it('a state back to the one FreeSWITCH had is still the one sent when the link is back', async () => {
    const link = new RecordingLampLink();
    const sender = new LampSender(link);
    sender.set(lamp(true, 1), 'arrived', alice);
    await sender.idle();
    link.down();
    sender.set(lamp(false, 0, 1), 'seen', alice);
    await sender.idle();
    sender.set(lamp(true, 1), 'arrived', alice);
    link.up();
    await sender.idle();
    expect(link.lamps).toEqual([
      'sip:501@voicebox.example.com yes 1/0 (0/0)',
      'sip:501@voicebox.example.com yes 1/0 (0/0)',
    ]);
  });

  it('a send FreeSWITCH did not answer while the link stays up is sent again after a back-off, the latest state', async () => {
    const link = new RecordingLampLink();
    const take = link.sendEvent.bind(link);
    let unanswered = 2;
    link.sendEvent = (name, headers) =>
      unanswered-- > 0
        ? Promise.reject(new Error('no reply from FreeSWITCH within 10000 ms'))
        : take(name, headers);
    const due: Array<{ run: () => void; ms: number }> = [];
    const timers = {
      setTimeout: (run: () => void, ms: number) => due.push({ run, ms }),
      clearTimeout: () => undefined,
    };
    const sender = new LampSender(link, { timers, retry: { firstMs: 1_000, maxMs: 60_000 } });
    sender.set(lamp(true, 1), 'arrived', alice);
    await sender.idle();
    sender.set(lamp(true, 2), 'arrived', alice); // waits for the back-off, then goes instead
    await sender.idle();
    expect(link.lamps).toEqual([]);
    due.shift()!.run();
    await sender.idle();
    expect(due.map((t) => t.ms)).toEqual([2_000]); // no answer again: twice the wait
    due.shift()!.run();
    await sender.idle();
    expect(link.lamps).toEqual(['sip:501@voicebox.example.com yes 2/0 (0/0)']);
    expect(sender.waiting).toBe(0);
  });

  it('never throws into the caller; an event mod_sofia would drop is logged, not retried', async () => {
    const link = new RecordingLampLink();
    const { log, lines } = recordingLogger();
    link.sendEvent = () => Promise.reject(new TypeError('MESSAGE_WAITING: MWI-Message-Account is missing'));
    const sender = new LampSender(link, { log });
    expect(() => sender.set(lamp(true, 1, 0, ''), 'arrived', alice)).not.toThrow();
    await sender.idle();
    expect(sender.waiting).toBe(0);
    expect(lines.find((l) => l.msg === 'lamp not sent: the event is not valid')).toBeTruthy();
  });
});

describe('the notifier log', () => {
  it('one JSON line per lamp sent, owner-only, with counts and reason and nothing else', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'notifier-log-')), 'notifier.log');
    const notifierLog = openNotifierLog(file);
    const sender = new LampSender(new RecordingLampLink(), { notifierLog });
    sender.set({ ...lamp(true, 1, 3), fax: { new: 1, old: 0 } }, 'arrived', alice);
    await sender.idle();
    notifierLog.write({
      kind: 'sms',
      user: alice,
      to: '+4917012345678',
      messageKind: 'voice',
      count: 2,
      reason: 'arrived',
      outcome: 'sent',
    });
    await notifierLog.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({
      time: expect.any(String),
      user: 'alice',
      mailbox: '+49 30 1234501',
      kind: 'lamp',
      account: 'sip:501@voicebox.example.com',
      state: 'yes',
      voice: '1/3',
      fax: '1/0',
      reason: 'arrived',
    });
    expect(lines[1]).toMatchObject({ kind: 'sms', to: '+49********678', messageKind: 'voice', count: 2 });
  });

  it('a mobile number keeps its country code and last three digits', () => {
    expect(maskNumber('+4917012345678')).toBe('+49********678');
    expect(maskNumber('+12025550123')).toBe('+1*******123');
  });
});
