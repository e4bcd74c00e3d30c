import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  commands,
  EslMessage,
  EslProtocolError,
  FrameParser,
  parsePlainEvent,
  percentDecode,
  replies,
  urlEncode,
} from '../../src/esl/index.js';
import { EXPECTED_FRAMES } from './fixture-expectations.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/esl/${name}`, import.meta.url));

function summary(m: EslMessage): string {
  const type = m.contentType ?? '';
  let key = '';
  if (type === 'text/event-plain' || type === 'text/event-json') {
    const ev = m.event();
    key = (ev?.name ?? '') + (ev?.get('Application') !== undefined ? ` ${ev.get('Application')}` : '');
  } else if (type === 'command/reply') key = (m.replyText ?? '').trim();
  else if (type === 'api/response') key = (m.bodyText ?? '').slice(0, 12).trim();
  else if (type === 'text/disconnect-notice') key = m.header('Content-Disposition') ?? '';
  return `${type} ${key}`.trim();
}

function parseChunks(chunks: Buffer[]): EslMessage[] {
  const parser = new FrameParser();
  const out: EslMessage[] = [];
  for (const c of chunks) parser.push(c, (f) => out.push(new EslMessage(f)));
  expect(parser.bufferedBytes).toBe(0);
  return out;
}

function splitAt(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points)].filter((p) => p > 0 && p < buf.length).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Deterministic PRNG so that a failing split can be reproduced. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const FIXTURES = Object.keys(EXPECTED_FRAMES);

describe('framing of the real FreeSWITCH captures', () => {
  it.each(FIXTURES)('%s parses into the reference frames', (name) => {
    const msgs = parseChunks([fixture(`${name}.fs2app.raw`)]);
    expect(msgs.map(summary)).toEqual(EXPECTED_FRAMES[name]);
  });

  it.each(FIXTURES)('%s gives the same frames when split at any byte boundary', (name) => {
    const raw = fixture(`${name}.fs2app.raw`);
    const expected = EXPECTED_FRAMES[name];
    // One byte per chunk puts a boundary everywhere at once.
    const oneByOne = Array.from({ length: raw.length }, (_, i) => raw.subarray(i, i + 1));
    expect(parseChunks(oneByOne).map(summary)).toEqual(expected);
    // Every single two-piece split for small captures; a stride plus random splits for large ones.
    const points: number[][] = [];
    if (raw.length <= 4096) for (let k = 1; k < raw.length; k++) points.push([k]);
    else {
      for (let k = 1; k < raw.length; k += 61) points.push([k]);
      const rnd = lcg(raw.length);
      for (let t = 0; t < 50; t++)
        points.push(Array.from({ length: 1 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * raw.length)));
    }
    for (const p of points) expect(parseChunks(splitAt(raw, p)).map(summary)).toEqual(expected);
  });

  it('parses what the controller sent (command mode), CR-tolerant', () => {
    const parser = new FrameParser({ commands: true });
    const cmds: string[] = [];
    const raw = fixture('outbound.4.app2fs.raw');
    for (let i = 0; i < raw.length; i++)
      parser.push(raw.subarray(i, i + 1), (f) => cmds.push(f.command ?? ''));
    expect(cmds.map((c) => c.split(' ')[0])).toEqual([
      'connect',
      'event',
      'myevents',
      'sendmsg',
      'sendmsg',
      'sendmsg',
      'sendmsg',
    ]);
    const crlf: Array<string | undefined> = [];
    new FrameParser({ commands: true }).push(Buffer.from('\r\n\nauth ClueCon\r\n\r\napi status\n\n'), (f) =>
      crlf.push(f.command),
    );
    expect(crlf).toEqual(['auth ClueCon', 'api status']);
  });
});

describe('the outbound connect reply', () => {
  it('is one header block with the channel data, every value URL-decoded', () => {
    const [reply] = parseChunks([fixture('outbound.1.fs2app.raw')]);
    expect(reply?.contentType).toBe('command/reply');
    expect(reply?.replyText).toBe('+OK\n');
    expect(reply?.header('Socket-Mode')).toBe('async');
    expect(reply?.header('Control')).toBe('full');
    const ev = reply?.event();
    expect(ev?.name).toBe('CHANNEL_DATA');
    expect(ev?.get('Caller-Caller-ID-Number')).toBe('+4930123456');
    expect(ev?.get('Caller-Callee-ID-Name')).toBe('Outbound Call');
    expect(ev?.variables().get('current_application_data')).toBe('127.0.0.1:8084 async full');
    expect(ev?.getAll('variable_DP_MATCH')).toEqual(['5001', '5001']);
  });
});

describe('other content types', () => {
  it('log/data, rude rejection and the linger notice frame by their headers', () => {
    const log =
      'Content-Type: log/data\nContent-Length: 12\nLog-Level: 7\nText-Channel: 3\nLog-File: x.c\nLog-Func: f\nLog-Line: 1\nUser-Data: \n\n[DEBUG] hi\n\n';
    const rude = 'Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n';
    const linger =
      'Content-Type: text/disconnect-notice\nControlled-Session-UUID: u\nContent-Disposition: linger\nChannel-Name: sofia/internal/1001@172.16.50.134\nLinger-Time: -1\nContent-Length: 0\n\n';
    const msgs = parseChunks([Buffer.from(log + rude + linger + 'Content-Type: auth/request\n\n')]);
    expect(msgs.map((m) => m.contentType)).toEqual([
      'log/data',
      'text/rude-rejection',
      'text/disconnect-notice',
      'auth/request',
    ]);
    expect(msgs[0]?.bodyText).toBe('[DEBUG] hi\n\n');
    expect(msgs[0]?.header('User-Data')).toBe('');
    expect(msgs[1]?.bodyText).toBe('Access Denied, go away.\n');
    expect(msgs[2]?.header('Channel-Name')).toBe('sofia/internal/1001@172.16.50.134');
    expect(msgs[2]?.rawBody?.length).toBe(0);
    expect(
      replies
        .disconnectNotice({
          controlledSessionUuid: 'u',
          disposition: 'linger',
          channelName: 'sofia/internal/1001@172.16.50.134',
          lingerTime: -1,
        })
        .toString(),
    ).toBe(linger);
  });
});

describe('event bodies', () => {
  it('json and plain carry the same values', () => {
    const json = parseChunks([fixture('outbound.1.fs2app.raw')]).map((m) => m.event());
    const plain = parseChunks([fixture('outbound.3.fs2app.raw')]).map((m) => m.event());
    const jsonComplete = json.find((e) => e?.name === 'CHANNEL_EXECUTE_COMPLETE');
    const plainComplete = plain.find((e) => e?.name === 'CHANNEL_EXECUTE_COMPLETE');
    expect(jsonComplete?.get('Application-Response')).toBe('FILE PLAYED');
    expect(jsonComplete?.get('Application-Data')).toBe('tone_stream://%(200,0,440);loops=3');
    expect(jsonComplete?.get('Event-Date-GMT')).toBe('Fri, 27 Nov 2026 04:25:25 GMT');
    expect(plainComplete?.get('Application-Data')).toBe('/rec/x.wav 2');
    expect(plainComplete?.variables().get('record_ms')).toBe('2940');
    for (const ev of [jsonComplete, plainComplete]) {
      expect(ev?.get('Caller-Caller-ID-Number')).toBe('+4930123456');
      expect(ev?.get('FreeSWITCH-IPv6')).toBe('fd00::2');
      expect(ev?.getAll('variable_DP_MATCH')).toHaveLength(2);
    }
  });

  it('a plain DTMF event decodes %23 to #', () => {
    const dtmf = parseChunks([fixture('outbound.2.fs2app.raw')])
      .map((m) => m.event())
      .filter((e) => e?.name === 'DTMF')
      .map((e) => e?.get('DTMF-Digit'));
    expect(dtmf).toEqual(['1', '2', '3', '#', '4', '5', '#']);
  });

  it('BACKGROUND_JOB nests its own Content-Length and body inside the plain body', () => {
    const job = parseChunks([fixture('inbound.1.fs2app.raw')])
      .map((m) => m.event())
      .find((e) => e?.name === 'BACKGROUND_JOB');
    expect(job?.get('Job-UUID')).toBe('11111111-2222-3333-4444-555555555555');
    expect(job?.get('Job-Command-Arg')).toContain('{origination_caller_id_number=+4930999888');
    expect(job?.body).toBe('+OK 3dbb17b0-a960-4551-a3d8-6e6863fd19ff\n');
  });

  it('an inner body may contain blank lines and multi-byte text', () => {
    const body = 'line 1\n\nline 3 — Grüße\n';
    const ev = parsePlainEvent(
      replies.plainEventBody(
        [
          ['Event-Name', 'BACKGROUND_JOB'],
          ['Job-UUID', 'j1'],
        ],
        body,
      ),
    );
    expect(ev.body).toBe(body);
    expect(ev.get('job-uuid')).toBe('j1');
  });

  it('round-trips through our serialisers in both formats', () => {
    const headers: Array<[string, string]> = [
      ['Event-Name', 'CUSTOM'],
      ['Caller-Caller-ID-Name', 'José Müller <x> 50% & co'],
      ['Empty', ''],
      ['variable_list', 'ARRAY::a|:b'],
    ];
    for (const format of ['plain', 'json'] as const) {
      const [msg] = parseChunks([replies.eventMessage(format, headers, 'body\n')]);
      const ev = msg?.event();
      expect(ev?.get('Caller-Caller-ID-Name')).toBe('José Müller <x> 50% & co');
      expect(ev?.getAll('variable_list')).toEqual(['a', 'b']);
      expect(ev?.body).toBe('body\n');
    }
  });
});

describe('percent-decoding', () => {
  it('decodes UTF-8 byte escapes', () => {
    expect(percentDecode('Jos%C3%A9')).toBe('José');
    expect(percentDecode('%F0%9F%98%80')).toBe('😀');
  });
  it('falls back to Latin-1 for bytes that are not UTF-8 (Jos%E9 → José), never throws', () => {
    expect(percentDecode('Jos%E9')).toBe('José');
    expect(percentDecode('Jos%E9 %C3%A9')).toBe('José é');
    expect(() => percentDecode('%ED%A0%BD%ED%B8%80')).not.toThrow();
    expect(percentDecode('%ED%A0%BD')).toBe('\u00ed\u00a0\u00bd');
  });
  it('keeps malformed escapes literally and does not turn + into a space', () => {
    expect(percentDecode('100%')).toBe('100%');
    expect(percentDecode('%G1%2')).toBe('%G1%2');
    expect(percentDecode('a+b%20c')).toBe('a+b c');
  });
  it('survives a Latin-1 caller name in a whole connect reply', () => {
    const reply = Buffer.from(
      'Event-Name: CHANNEL_DATA\nUnique-ID: u1\nCaller-Caller-ID-Name: Jos%E9\nContent-Type: command/reply\nReply-Text: %2BOK%0A\n\n',
    );
    const [m] = parseChunks([reply]);
    expect(m?.event()?.get('Caller-Caller-ID-Name')).toBe('José');
  });
  it('encodes as FreeSWITCH does: per byte, upper-case, no double encoding', () => {
    expect(urlEncode('+4930 #1')).toBe('%2B4930%20%231');
    expect(urlEncode('José')).toBe('Jos%C3%A9');
    expect(urlEncode('50%AB')).toBe('50%AB');
    expect(urlEncode("a-b_c.d/e!$'()*,~")).toBe("a-b_c.d/e!$'()*,~");
  });
});

describe('garbage and limits', () => {
  function collect(parser: FrameParser, input: Buffer): { frames: number; error: unknown } {
    let frames = 0;
    try {
      parser.push(input, () => frames++);
      return { frames, error: undefined };
    } catch (error) {
      return { frames, error };
    }
  }
  it('rejects an oversized Content-Length after delivering the frames before it', () => {
    const input = Buffer.from(
      'Content-Type: command/reply\nReply-Text: +OK\n\nContent-Type: api/response\nContent-Length: 99999999\n\n',
    );
    const r = collect(new FrameParser({ maxBodyBytes: 1024 * 1024 }), input);
    expect(r.frames).toBe(1);
    expect(r.error).toBeInstanceOf(EslProtocolError);
  });
  it('rejects a non-numeric or negative Content-Length', () => {
    for (const v of ['abc', '-5', '1e3', '']) {
      const r = collect(
        new FrameParser(),
        Buffer.from(`Content-Type: api/response\nContent-Length: ${v}\n\n`),
      );
      expect(r.error).toBeInstanceOf(EslProtocolError);
    }
  });
  it('rejects lines that are not headers, and a header block without end', () => {
    expect(collect(new FrameParser(), Buffer.from('HTTP/1.1 200 OK\n\n')).error).toBeInstanceOf(
      EslProtocolError,
    );
    const parser = new FrameParser({ maxHeaderBytes: 1000 });
    expect(collect(parser, Buffer.alloc(2000, 0x41)).error).toBeInstanceOf(EslProtocolError);
  });
  it('takes a 4 MiB body in 1 KiB chunks in one piece', () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 0x61);
    body.write('\n\nContent-Length: 5\n\n', 1000);
    const raw = Buffer.concat([
      Buffer.from(`Content-Type: api/response\nContent-Length: ${body.length}\n\n`),
      body,
    ]);
    const chunks = [];
    for (let i = 0; i < raw.length; i += 1024) chunks.push(raw.subarray(i, i + 1024));
    const [m] = parseChunks(chunks);
    expect(m?.rawBody?.equals(body)).toBe(true);
  });
});

describe('command serialisation', () => {
  it('sendmsg execute: one buffer with Event-UUID and event-lock', () => {
    const bytes = commands.execute({ app: 'playback', arg: '/tmp/a.wav', eventUuid: 'e1' }).toString();
    expect(bytes).toBe(
      'sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: /tmp/a.wav\nevent-lock: true\nEvent-UUID: e1\n\n',
    );
  });
  it('long or multi-line arguments travel as a text/plain body with a byte Content-Length', () => {
    const arg = 'flite|kal|Grüße\nzweite Zeile';
    const raw = commands.execute({ app: 'speak', arg, eventUuid: 'e2', uuid: 'u1' });
    const frames: Array<{ command?: string; body?: Buffer; type?: string }> = [];
    new FrameParser({ commands: true }).push(raw, (f) =>
      frames.push({ command: f.command, body: f.body, type: f.headers.raw('content-type') }),
    );
    expect(frames).toHaveLength(1);
    expect(frames[0]?.command).toBe('sendmsg u1');
    expect(frames[0]?.type).toBe('text/plain');
    expect(frames[0]?.body?.toString('utf8')).toBe(arg);
  });
  it('refuses line breaks that would inject a header or a command', () => {
    expect(() => commands.api('status\n\napi shutdown')).toThrow(TypeError);
    expect(() => commands.sendevent('MESSAGE_WAITING', [['MWI-Message-Account', 'a\nEvil: 1']])).toThrow(
      TypeError,
    );
    expect(() => commands.execute({ app: 'play back', eventUuid: 'x' })).toThrow(TypeError);
  });
  it('bgapi carries our Job-UUID; event/linger/myevents/filter/exit/auth lines', () => {
    expect(commands.bgapi('status', 'j-1').toString()).toBe('bgapi status\nJob-UUID: j-1\n\n');
    expect(commands.events('json', ['DTMF', 'CHANNEL_HANGUP']).toString()).toBe(
      'event json DTMF CHANNEL_HANGUP\n\n',
    );
    expect(commands.linger().toString()).toBe('linger\n\n');
    expect(commands.linger(10).toString()).toBe('linger 10\n\n');
    expect(commands.myevents('plain').toString()).toBe('myevents plain\n\n');
    expect(commands.filter('Unique-ID', 'u').toString()).toBe('filter Unique-ID u\n\n');
    expect(commands.exit().toString()).toBe('exit\n\n');
    expect(commands.auth('ClueCon').toString()).toBe('auth ClueCon\n\n');
    expect(commands.hangupMessage('USER_BUSY').toString()).toBe(
      'sendmsg\ncall-command: hangup\nhangup-cause: USER_BUSY\n\n',
    );
  });
});
