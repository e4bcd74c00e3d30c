// A message is never lost when FreeSWITCH's socket breaks around the end of a recording:
// the recording on disk is delivered, its length read from the WAV when FreeSWITCH could
// not report it. Over TCP, against the embedded defaults (Maildir). Once delivered, the
// recording is gone from the media folder: the mail is the only copy of the caller's voice.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScriptedCaller, wavDurationMs, type SocketFaultKind } from '../../src/sim/index.js';
import { serveEmbedded, type Served } from './served.js';

let box: Served | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

type Ending = 'presses #' | 'hangs up';

/** Dials Alice's 501, presses 0 during the greeting, talks 4 s, then presses # or hangs up. */
function caller(ending: Ending): ScriptedCaller {
  const c = new ScriptedCaller({ number: '+4930555123', dialed: '501' }).pressWhilePlaying(
    /standard_greeting/,
    '0',
    500,
  );
  return ending === 'presses #' ? c.pressDuring('record', '#', 4000) : c.hangupDuring('record', 4000);
}

/** The recording's file as voicebox saw it. */
function recordingOf(events: Array<{ kind: string }>, media: string): string {
  const rec = events.find((e): e is { kind: 'record'; file: string } => e.kind === 'record');
  expect(rec, 'a recording was made').toBeDefined();
  return join(media, 'recordings', rec!.file.split('/').at(-1)!);
}

const faults: Array<[string, (c: ScriptedCaller) => ScriptedCaller]> = [
  ['TCP RST before RECORD_STOP', (c) => c.breakSocket('RECORD_STOP', 'reset')],
  ['FIN before RECORD_STOP', (c) => c.breakSocket('RECORD_STOP', 'close')],
  ['half of RECORD_STOP, then RST', (c) => c.breakSocket('RECORD_STOP', 'half-frame')],
  [
    'RECORD_STOP, then FIN with no CHANNEL_EXECUTE_COMPLETE',
    (c) => c.breakSocket('CHANNEL_EXECUTE_COMPLETE', 'close', 'record'),
  ],
  ['no fault: linger, the completion after the hang-up (control)', (c) => c],
];

describe('a recording survives the socket breaking around its end', () => {
  for (const ending of ['hangs up', 'presses #'] as const) {
    for (const [fault, withFault] of faults) {
      it(`the caller ${ending} after 4 s; ${fault}: the message is delivered, 4 s long`, async () => {
        box = await serveEmbedded();
        const { events } = await box.call(withFault(caller(ending)));
        const file = recordingOf(events, box.media);

        const mails = await box.voiceMails('alice');
        expect(mails).toHaveLength(1);
        expect(mails[0]).toMatch(/^X-Voicebox-Duration: 4$/m);
        expect(mails[0]).toMatch(/^Dauer: +4 Sekunden$/m);
        // the WAV itself is attached, whole
        const attached = /Content-Type: audio\/wav[^]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(mails[0]!)?.[1];
        const copy = join(box.dir, 'attached.wav');
        writeFileSync(copy, Buffer.from(attached!.replace(/\s/g, ''), 'base64'));
        // FreeSWITCH's file is a little shorter than the talk (its first frames are dropped)
        expect(wavDurationMs(copy)).toBeGreaterThan(3800);
        expect(wavDurationMs(copy)).toBeLessThanOrEqual(4000);
        expect(box.log.some((l) => l.msg === 'voice message spooled')).toBe(true);
        expect(existsSync(file), 'the recording is deleted once delivered').toBe(false);
      });
    }
  }

  it.each<SocketFaultKind>(['reset', 'close', 'half-frame'])(
    'a recording with no audio in it (only a header) is not a message, whatever the socket did (%s)',
    async (how) => {
      box = await serveEmbedded();
      const c = new ScriptedCaller({ number: '+4930555123', dialed: '501' })
        .pressWhilePlaying(/standard_greeting/, '0', 500)
        .hangupDuring('record', 0)
        .breakSocket('RECORD_STOP', how);
      const { events } = await box.call(c);
      expect(events.find((e) => e.kind === 'record')).toMatchObject({ ms: 0, hungUp: true });
      expect(await box.voiceMails('alice')).toEqual([]);
      // FreeSWITCH wrote a 44-byte header: no message, so nothing of the caller is kept
      expect(existsSync(recordingOf(events, box.media))).toBe(false);
    },
  );
});
