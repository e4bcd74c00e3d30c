// An uploaded file or a browser recording, made into what FreeSWITCH plays: 8 kHz mono 16-bit
// signed WAV, normalised (browser recordings are quiet), silence at the ends trimmed.
//
// Everything about the file comes from the browser and is treated as an attack until checked:
// its first bytes must be a WAV, MP3 or Ogg header (a renamed page or picture never reaches sox);
// the name the browser gave is never used — the format sox reads is the one the bytes showed;
// sox runs without a shell, with a time limit, in a folder only voicebox can read.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { makeFolder } from '../greetings/index.js';
import type { WebDeps } from './context.js';

export type AudioRejectReason = 'not_audio' | 'too_long' | 'too_large' | 'empty' | 'missing';

/** the file cannot become a greeting; `message` says why in English (the pages have their own texts) */
export class AudioRejected extends Error {
  constructor(
    readonly reason: AudioRejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'AudioRejected';
  }
}

/** the containers taken; sox is told this type, never the browser's file name */
export type AudioContainer = 'wav' | 'mp3' | 'ogg';

const ACCEPTED = 'WAV, MP3 or Ogg Vorbis';

/** the formats offered to the browser's file picker */
export const AUDIO_ACCEPT = 'audio/wav,audio/mpeg,audio/ogg,.wav,.mp3,.ogg';

/**
 * What the first bytes say the file is: RIFF....WAVE, an ID3 tag or an MPEG audio frame sync
 * (layer I–III; AAC's ADTS has layer 0 and sox cannot read it), OggS. Anything else (text, HTML,
 * a picture) is not audio. Ogg carrying Opus is refused here: this sox reads only Vorbis in Ogg.
 */
export function sniffAudio(head: Buffer): AudioContainer | undefined {
  if (
    head.length >= 12 &&
    head.toString('latin1', 0, 4) === 'RIFF' &&
    head.toString('latin1', 8, 12) === 'WAVE'
  )
    return 'wav';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  const [b0, b1] = [head[0], head[1]];
  if (b0 === 0xff && b1 !== undefined && (b1 & 0xe0) === 0xe0 && (b1 & 0x06) !== 0) return 'mp3';
  if (head.length >= 4 && head.toString('latin1', 0, 4) === 'OggS') {
    if (head.includes('OpusHead', 0, 'latin1')) return undefined;
    return 'ogg';
  }
  return undefined;
}

/** at most this long for one sox run: a 30-minute MP3 converts in seconds */
const SOX_TIMEOUT_MS = 120_000;
/** seconds of quiet kept before and after the trimmed recording, so no word is clipped */
const PAD_SECONDS = 0.15;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        timeout: SOX_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 1024 * 1024,
        env: { ...process.env, LC_ALL: 'C' },
      },
      (error, stdout, stderr) => {
        if (error) {
          const why = String(stderr).trim().split('\n').pop() ?? '';
          reject(new Error(`${command} failed${why ? `: ${why}` : ''}`, { cause: error }));
        } else resolve(String(stdout));
      },
    );
  });
}

/** the length sox reads from the file (its header for WAV/Ogg, an estimate for MP3); undefined: unreadable */
async function secondsOf(file: string): Promise<number | undefined> {
  try {
    const seconds = Number((await run('sox', ['--info', '-D', file])).trim());
    return Number.isFinite(seconds) ? seconds : undefined;
  } catch {
    return undefined;
  }
}

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const notAudio = (detail: string) =>
  new AudioRejected('not_audio', `${detail}: a greeting must be a ${ACCEPTED} file`);

const tooLong = (seconds: number, max: number) =>
  new AudioRejected(
    'too_long',
    `the recording is ${Math.round(seconds)} seconds long; at most ${max} seconds are taken`,
  );

/**
 * Checks `input` and converts it to an 8 kHz mono 16-bit signed WAV in `workDir` (which the
 * caller owns and removes). Throws AudioRejected when it cannot be a greeting.
 */
export async function convertGreeting(
  input: string,
  o: { workDir: string; maxSeconds: number },
): Promise<{ file: string; seconds: number }> {
  if ((await stat(input)).size === 0) throw new AudioRejected('empty', 'the file is empty');
  const container = sniffAudio(await readHead(input));
  if (!container) throw notAudio('the file is not a sound file');
  // sox picks its reader by the extension: the one the bytes showed, in a name of our own
  const typed = join(o.workDir, `input.${container}`);
  // an upload in the work folder is moved; a file of the caller's (a test, the bench) is copied
  if (dirname(resolve(input)) === resolve(o.workDir)) await rename(input, typed);
  else await copyFile(input, typed);

  const declared = await secondsOf(typed);
  if (declared === undefined) throw notAudio(`the ${container.toUpperCase()} file cannot be read`);
  if (declared <= 0) throw new AudioRejected('empty', 'the recording has no sound');
  if (declared > o.maxSeconds) throw tooLong(declared, o.maxSeconds);

  const file = join(o.workDir, 'greeting.wav');
  try {
    await run('sox', [
      '--no-show-progress',
      '--temp',
      o.workDir,
      '-t',
      container,
      typed,
      '-r',
      '8000',
      '-c',
      '1',
      '-b',
      '16',
      '-e',
      'signed-integer',
      '-t',
      'wav',
      file,
      // normalised first, so the silence threshold is relative to her voice, not to the microphone's level
      'gain',
      '-n',
      '-3',
      'silence',
      '1',
      '0.05',
      '-45d',
      'reverse',
      'silence',
      '1',
      '0.05',
      '-45d',
      'reverse',
      'pad',
      String(PAD_SECONDS),
      String(PAD_SECONDS),
    ]);
  } catch {
    throw notAudio(`the ${container.toUpperCase()} file cannot be read`);
  }
  // the header can lie about the length (an MP3's is an estimate): the result is what counts
  const seconds = await secondsOf(file);
  if (seconds === undefined) throw notAudio(`the ${container.toUpperCase()} file cannot be read`);
  if (seconds > o.maxSeconds + 2 * PAD_SECONDS) throw tooLong(seconds, o.maxSeconds);
  if (seconds <= 2 * PAD_SECONDS + 0.01)
    throw new AudioRejected('empty', 'nothing can be heard in the recording');
  return { file, seconds };
}

/** a folder of its own per upload, under the media root (on the greetings' file system), owner-only */
async function uploadFolder(deps: WebDeps): Promise<string> {
  const base = join(deps.media.local, 'web-upload');
  await makeFolder(base, 0o700);
  return mkdtemp(join(base, 'upload-'));
}

function isMultipartLimit(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT';
}

/**
 * Reads the one multipart file field `audio` of the request to a temp file (at most
 * web.maxUploadBytes: more → too_large), checks and converts it. The caller saves `file`
 * (e.g. deps.greetings.saveGreeting) and then calls `done()`, which removes the temp folder.
 */
export async function receiveAudio(
  request: FastifyRequest,
  deps: WebDeps,
): Promise<{ file: string; seconds: number; done(): Promise<void> }> {
  const maxBytes = deps.config.web.maxUploadBytes;
  if (!request.isMultipart())
    throw new AudioRejected('missing', 'no file was sent (a multipart form with the field audio)');
  const workDir = await uploadFolder(deps);
  const done = () => rm(workDir, { recursive: true, force: true });
  try {
    let part;
    try {
      part = await request.file({ limits: { fileSize: maxBytes, files: 1 } });
    } catch (e) {
      if (isMultipartLimit(e))
        throw new AudioRejected('too_large', `the file is larger than ${maxBytes} bytes`);
      throw new AudioRejected('missing', 'the upload could not be read');
    }
    if (!part || part.fieldname !== 'audio')
      throw new AudioRejected('missing', 'no file was sent in the field audio');
    const input = join(workDir, 'upload');
    try {
      await pipeline(part.file, createWriteStream(input, { mode: 0o600 }));
    } catch (e) {
      if (isMultipartLimit(e) || part.file.truncated)
        throw new AudioRejected('too_large', `the file is larger than ${maxBytes} bytes`);
      throw new AudioRejected('missing', 'the upload broke off');
    }
    if (part.file.truncated)
      throw new AudioRejected('too_large', `the file is larger than ${maxBytes} bytes`);
    const converted = await convertGreeting(input, {
      workDir,
      maxSeconds: deps.config.web.maxGreetingSeconds,
    });
    return { ...converted, done };
  } catch (e) {
    await done();
    throw e;
  }
}
