// A recording's length read from its WAV: for when FreeSWITCH's socket broke before it said.
// And a recording's id read from its file's name: for what the media sweep finds on disk.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  recordingFileName,
  recordingIdOf,
  settledWavAudioMs,
  wavAudioMs,
} from '../../src/runtime/recording.js';
import { writeWav } from '../../src/sim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'voicebox-recording-'));
let n = 0;
const file = (bytes?: Buffer): string => {
  const path = join(dir, `r${++n}.wav`);
  if (bytes) writeFileSync(path, bytes);
  return path;
};
/** An 8 kHz 16-bit mono WAV as FreeSWITCH writes it, `ms` long. */
const wav = (ms: number): Buffer => {
  const path = file();
  writeWav(path, ms, 0);
  return readFileSync(path);
};

describe('the length of a recording, from its file', () => {
  it('reads the data size from a finished WAV', async () => {
    expect(await wavAudioMs(file(wav(4000)))).toBe(4000);
    expect(await settledWavAudioMs(file(wav(1500)), { quietMs: 10 })).toBe(1500);
  });

  it('no file, an empty file, only a header, or no WAV at all: no audio', async () => {
    expect(await wavAudioMs(join(dir, 'never-written.wav'))).toBe(0);
    expect(await wavAudioMs(file(Buffer.alloc(0)))).toBe(0);
    expect(await wavAudioMs(file(wav(0)))).toBe(0);
    expect(wav(0)).toHaveLength(44);
    expect(await wavAudioMs(file(Buffer.from('ID3 not a wave at all, but long enough'.repeat(100))))).toBe(0);
    expect(await wavAudioMs(file(wav(4000).subarray(0, 30)))).toBe(0);
  });

  it('a file FreeSWITCH never finished (sizes still 0 in the header) counts the bytes that are there', async () => {
    const unfinished = wav(3000);
    unfinished.writeUInt32LE(0, 4);
    unfinished.writeUInt32LE(0, 40);
    expect(await wavAudioMs(file(unfinished))).toBe(3000);
  });

  it('a header that promises more than the file holds counts what it holds', async () => {
    const cut = wav(4000).subarray(0, 44 + 16000); // one second of the four
    expect(await wavAudioMs(file(cut))).toBe(1000);
  });

  it('skips other chunks before the audio', async () => {
    const plain = wav(2000);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([5, 0, 0, 0]), Buffer.from('INFOx\0')]);
    const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
    expect(await wavAudioMs(file(withList))).toBe(2000);
  });
});

describe("a recording's id from its file's name", () => {
  it('is the name without .wav, as a call names it', () => {
    const id = '6d9a5e7c-8f4b-4c1e-9a2d-3b5f7e9c1a0d-2';
    expect(recordingFileName(id)).toBe(`${id}.wav`);
    expect(recordingIdOf(recordingFileName(id))).toBe(id);
    expect(recordingIdOf('c1-1.wav')).toBe('c1-1');
  });

  it('is none for a file that is not a recording, or whose name no spool id could be', () => {
    expect(recordingIdOf('c1-1.mp3')).toBeUndefined();
    expect(recordingIdOf('c1-1.wav.part')).toBeUndefined();
    expect(recordingIdOf('.wav')).toBeUndefined();
    expect(recordingIdOf('.hidden.wav')).toBeUndefined();
    expect(recordingIdOf('a b.wav')).toBeUndefined();
    expect(recordingIdOf(`${'x'.repeat(129)}.wav`)).toBeUndefined();
  });
});
