// A recording's length read from its WAV: for when FreeSWITCH's socket broke before it said.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settledWavAudioMs, wavAudioMs } from '../../src/runtime/recording.js';
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
