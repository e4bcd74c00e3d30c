// A greeting file from the browser becomes what FreeSWITCH plays (8 kHz mono 16-bit WAV), and
// anything that is not a sound file is refused with its reason before sox is asked to convert it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioRejected, convertGreeting, sniffAudio, type AudioRejectReason } from '../../src/web/audio.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'web');
const root = mkdtempSync(join(tmpdir(), 'voicebox-web-audio-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** a work folder of its own per conversion, as receiveAudio makes one per upload */
const workDir = () => mkdtempSync(join(root, `work-${++n}-`));

function info(file: string): {
  rate: number;
  channels: number;
  bits: number;
  encoding: string;
  seconds: number;
} {
  const field = (flag: string) => execFileSync('sox', ['--info', flag, file], { encoding: 'utf8' }).trim();
  return {
    rate: Number(field('-r')),
    channels: Number(field('-c')),
    bits: Number(field('-b')),
    encoding: field('-e'),
    seconds: Number(field('-D')),
  };
}

/** the RMS level sox measures (on stderr): a greeting converted to silence would be ~0 */
function rms(file: string): number {
  const { stderr } = spawnSync('sox', [file, '-n', 'stat'], { encoding: 'utf8' });
  return Number(/RMS\s+amplitude:\s+([0-9.]+)/.exec(stderr)?.[1] ?? 'NaN');
}

async function rejection(input: string, maxSeconds = 60): Promise<AudioRejectReason> {
  try {
    await convertGreeting(input, { workDir: workDir(), maxSeconds });
  } catch (e) {
    if (e instanceof AudioRejected) return e.reason;
    throw e;
  }
  throw new Error(`${input} was taken`);
}

function expectNarrowband(file: string): void {
  expect(info(file)).toMatchObject({ rate: 8000, channels: 1, bits: 16, encoding: 'Signed Integer PCM' });
}

describe('convertGreeting', () => {
  it('makes a 44.1 kHz stereo WAV an 8 kHz mono 16-bit WAV that still sounds', async () => {
    const speech = join(root, 'speech.wav');
    execFileSync('espeak-ng', ['-w', join(root, 'raw.wav'), 'Hello, this is my greeting.']);
    // with a second of silence before it, as a browser recording starts before she speaks
    execFileSync('sox', ['-n', '-r', '22050', '-c', '1', join(root, 'lead.wav'), 'trim', '0', '1']);
    execFileSync('sox', [join(root, 'lead.wav'), join(root, 'raw.wav'), '-r', '44100', '-c', '2', speech]);
    expect(info(speech)).toMatchObject({ rate: 44100, channels: 2 });

    const { file, seconds } = await convertGreeting(speech, { workDir: workDir(), maxSeconds: 60 });
    expectNarrowband(file);
    expect(seconds).toBeCloseTo(info(file).seconds, 2);
    // the leading second of silence is gone, the words are not
    expect(seconds).toBeLessThan(info(speech).seconds - 0.7);
    expect(seconds).toBeGreaterThan(1);
    expect(rms(file)).toBeGreaterThan(0.05);
  });

  it('normalises a quiet recording', async () => {
    const quiet = join(root, 'quiet.wav');
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', quiet, 'synth', '2', 'sine', '440', 'vol', '0.02']);
    const { file } = await convertGreeting(quiet, { workDir: workDir(), maxSeconds: 60 });
    expect(rms(file)).toBeGreaterThan(0.4);
  });

  it.each([
    ['an MP3', 'greeting.mp3'],
    ['an Ogg Vorbis file', 'greeting.ogg'],
  ])('converts %s', async (_what, name) => {
    const { file, seconds } = await convertGreeting(join(fixtures, name), {
      workDir: workDir(),
      maxSeconds: 60,
    });
    expectNarrowband(file);
    expect(seconds).toBeGreaterThan(1);
    // the caller's file is left as it was
    expect(readFileSync(join(fixtures, name)).length).toBeGreaterThan(1000);
  });

  it('reads the format from the bytes, not from the name', async () => {
    const disguised = join(root, 'greeting.wav');
    writeFileSync(disguised, readFileSync(join(fixtures, 'greeting.mp3')));
    expectNarrowband((await convertGreeting(disguised, { workDir: workDir(), maxSeconds: 60 })).file);
  });

  it('refuses a text or HTML file named .wav, and a picture, as not audio', async () => {
    expect(await rejection(join(fixtures, 'page.wav'))).toBe('not_audio');
    expect(await rejection(join(fixtures, 'picture.png'))).toBe('not_audio');
  });

  it('refuses a WAV header followed by garbage as not audio, without a crash', async () => {
    expect(await rejection(join(fixtures, 'broken.wav'))).toBe('not_audio');
    const garbage = join(root, 'garbage.wav');
    writeFileSync(
      garbage,
      Buffer.concat([Buffer.from('RIFF\x10\x00\x00\x00WAVE', 'latin1'), Buffer.alloc(300, 0x5a)]),
    );
    expect(await rejection(garbage)).toBe('not_audio');
    const cut = join(root, 'cut.ogg');
    writeFileSync(cut, readFileSync(join(fixtures, 'greeting.ogg')).subarray(0, 200));
    expect(await rejection(cut)).toBe('not_audio');
  });

  it('refuses Opus in Ogg, which sox cannot read, naming the formats it takes', async () => {
    const opus = join(root, 'voice.ogg');
    const page = Buffer.alloc(64);
    page.write('OggS', 0, 'latin1');
    page.write('OpusHead', 28, 'latin1');
    writeFileSync(opus, page);
    const error = await convertGreeting(opus, { workDir: workDir(), maxSeconds: 60 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AudioRejected);
    expect((error as AudioRejected).reason).toBe('not_audio');
    expect((error as AudioRejected).message).toMatch(/WAV, MP3 or Ogg Vorbis/);
  });

  it('refuses an empty file', async () => {
    const empty = join(root, 'empty.wav');
    writeFileSync(empty, '');
    expect(await rejection(empty)).toBe('empty');
  });

  it('refuses a recording in which nothing can be heard', async () => {
    const silence = join(root, 'silence.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', silence, 'trim', '0', '2']);
    expect(await rejection(silence)).toBe('empty');
  });

  it('refuses a greeting longer than the limit', async () => {
    const long = join(root, 'long.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', long, 'synth', '6', 'sine', '300']);
    expect(await rejection(long, 5)).toBe('too_long');
    expectNarrowband((await convertGreeting(long, { workDir: workDir(), maxSeconds: 10 })).file);
  });

  it('refuses a WAV whose header claims more than the limit', async () => {
    const liar = join(root, 'liar.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', liar, 'synth', '1', 'sine', '300']);
    const bytes = readFileSync(liar);
    // data chunk size of an hour
    const data = bytes.indexOf('data', 12, 'latin1');
    bytes.writeUInt32LE(8000 * 2 * 3600, data + 4);
    writeFileSync(liar, bytes);
    expect(await rejection(liar, 60)).toBe('too_long');
  });
});

describe('sniffAudio', () => {
  it('knows WAV, MP3 (ID3 or frame sync) and Ogg by their first bytes', () => {
    expect(sniffAudio(Buffer.from('RIFF\x00\x00\x00\x00WAVEfmt ', 'latin1'))).toBe('wav');
    expect(sniffAudio(Buffer.from('ID3\x04\x00', 'latin1'))).toBe('mp3');
    expect(sniffAudio(Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe('mp3');
    expect(sniffAudio(Buffer.from('OggS\x00\x02', 'latin1'))).toBe('ogg');
    // AAC (ADTS) has the sync but layer 0
    expect(sniffAudio(Buffer.from([0xff, 0xf1, 0x50, 0x80]))).toBeUndefined();
    expect(sniffAudio(Buffer.from('RIFF\x00\x00\x00\x00AVI ', 'latin1'))).toBeUndefined();
    expect(sniffAudio(Buffer.alloc(0))).toBeUndefined();
  });
});
