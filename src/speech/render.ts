import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SpeechEngineMissing, SpeechRenderFailed } from './errors.js';
import { ConcurrencyLimit } from './limit.js';
import { toFreeSwitchPath, ttsCacheDir, type MediaRoot } from './media.js';

/** Sample rates FreeSWITCH plays without resampling on narrowband (8 kHz) and wideband (16 kHz) calls. */
export type SampleRate = 8000 | 16000;
export const SAMPLE_RATES: readonly SampleRate[] = [8000, 16000];

/** espeak-ng voice per language. `en` is en-gb in espeak-ng, so US English is asked for by name. */
export const DEFAULT_VOICES: Readonly<Record<string, string>> = { en: 'en-us', de: 'de' };

/** The size of the canonical WAV header sox writes; a file no longer than this holds no audio. */
const WAV_HEADER_BYTES = 44;

export interface RendererOptions {
  mediaRoot: MediaRoot;
  /** Default 8000. */
  sampleRate?: SampleRate;
  /** espeak-ng voice per language, merged over DEFAULT_VOICES. */
  voices?: Readonly<Record<string, string>>;
  /** espeak-ng speed (`-s`), words per minute. Default 150. */
  wordsPerMinute?: number;
  /** Renders at once. Default: the number of cores. */
  concurrency?: number;
  /** Paths of the programs, for hosts where they are not on PATH. */
  commands?: { espeak?: string; sox?: string };
  /** Kill a render that takes longer than this. Default 30 s. */
  timeoutMs?: number;
}

export interface RenderedAudio {
  text: string;
  language: string;
  /** sha256 (hex) of engine, voice, speed, sample rate and text: the cache key and file name. */
  hash: string;
  /** Where voicebox sees the WAV. */
  localPath: string;
  /** The same file as FreeSWITCH sees it — what goes into `playback`. */
  freeswitchPath: string;
  /** True when the file was already there and nothing was rendered. */
  cached: boolean;
}

export interface Renderer {
  readonly sampleRate: SampleRate;
  readonly mediaRoot: MediaRoot;
  /** The espeak-ng voice used for a language; throws RangeError for a language without one. */
  voiceFor(lang: string): string;
  /** Where `text` in `lang` is (or would be) cached, without rendering it. */
  locate(text: string, lang: string): Omit<RenderedAudio, 'cached'>;
  /** A WAV of `text` (8 or 16 kHz, mono, 16-bit signed PCM), rendered once and cached by content. */
  render(text: string, lang: string): Promise<RenderedAudio>;
}

/** Collapses what cannot change the audio, so equal prompts share one cache file. */
function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

export function createRenderer(options: RendererOptions): Renderer {
  const sampleRate = options.sampleRate ?? 8000;
  if (!SAMPLE_RATES.includes(sampleRate)) {
    throw new RangeError(`sample rate must be one of ${SAMPLE_RATES.join(', ')}, got ${String(sampleRate)}`);
  }
  const voices: Record<string, string> = { ...DEFAULT_VOICES, ...options.voices };
  const wordsPerMinute = options.wordsPerMinute ?? 150;
  const espeak = options.commands?.espeak ?? 'espeak-ng';
  const sox = options.commands?.sox ?? 'sox';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const limit = new ConcurrencyLimit(options.concurrency ?? availableParallelism());
  // Two calls asking for the same new prompt at once share one render.
  const inFlight = new Map<string, Promise<RenderedAudio>>();

  function voiceFor(lang: string): string {
    const voice = voices[lang];
    if (!voice) {
      throw new RangeError(
        `no espeak-ng voice configured for language "${lang}" (configured: ${Object.keys(voices).join(', ')})`,
      );
    }
    return voice;
  }

  function locate(text: string, lang: string): Omit<RenderedAudio, 'cached'> {
    const said = normalizeText(text);
    if (said === '') throw new RangeError('nothing to say: the text is empty');
    const voice = voiceFor(lang);
    const key = JSON.stringify({
      engine: 'espeak-ng',
      voice,
      wordsPerMinute,
      sampleRate,
      format: 'wav-pcm16-mono',
      text: said,
    });
    const hash = createHash('sha256').update(key).digest('hex');
    const localPath = join(ttsCacheDir(options.mediaRoot, lang), `${hash}.wav`);
    return {
      text: said,
      language: lang,
      hash,
      localPath,
      freeswitchPath: toFreeSwitchPath(options.mediaRoot, localPath),
    };
  }

  async function render(text: string, lang: string): Promise<RenderedAudio> {
    const target = locate(text, lang);
    if (await hasAudio(target.localPath)) return { ...target, cached: true };
    const pending = inFlight.get(target.localPath);
    if (pending) return pending;
    const job = limit
      .run(async () => {
        // Another process may have finished it while this one waited.
        if (await hasAudio(target.localPath)) return { ...target, cached: true };
        await mkdir(ttsCacheDir(options.mediaRoot, lang), { recursive: true });
        const tmp = `${target.localPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
        try {
          await synthesize(
            { espeak, sox, voice: voiceFor(lang), wordsPerMinute, sampleRate, timeoutMs },
            target.text,
            tmp,
          );
          if (!(await hasAudio(tmp))) {
            throw new SpeechRenderFailed('espeak-ng and sox produced no audio', target.text, '');
          }
          // rename() is atomic within a directory: a reader sees no file or the whole file.
          await rename(tmp, target.localPath);
        } catch (error) {
          await unlink(tmp).catch(() => undefined);
          throw error;
        }
        return { ...target, cached: false };
      })
      .finally(() => inFlight.delete(target.localPath));
    inFlight.set(target.localPath, job);
    return job;
  }

  return { sampleRate, mediaRoot: options.mediaRoot, voiceFor, locate, render };
}

async function hasAudio(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > WAV_HEADER_BYTES;
  } catch {
    return false;
  }
}

interface SynthesisSettings {
  espeak: string;
  sox: string;
  voice: string;
  wordsPerMinute: number;
  sampleRate: SampleRate;
  timeoutMs: number;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function finished(child: ChildProcess, command: string, debianPackage: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT' || error.code === 'EACCES'
          ? new SpeechEngineMissing(command, debianPackage)
          : error,
      );
    });
    child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
  });
}

/** espeak-ng (22050 Hz WAV on stdout) piped into sox, which writes the telephony WAV to `out`. */
async function synthesize(settings: SynthesisSettings, text: string, out: string): Promise<void> {
  const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  const espeak = spawn(
    settings.espeak,
    ['-v', settings.voice, '-s', String(settings.wordsPerMinute), '-b', '1', '--stdin', '--stdout'],
    { env, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const espeakDone = finished(espeak, settings.espeak, 'espeak-ng');
  const sox = spawn(
    settings.sox,
    [
      '-q',
      '-t',
      'wav',
      '-',
      '-r',
      String(settings.sampleRate),
      '-c',
      '1',
      '-b',
      '16',
      '-e',
      'signed-integer',
    ].concat(['-t', 'wav', out]),
    { env, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const soxDone = finished(sox, settings.sox, 'sox');
  // A program that died early closes its pipe; the failure is reported from its exit, not from EPIPE.
  espeak.stdin.on('error', () => undefined);
  sox.stdin.on('error', () => undefined);
  espeak.stdout.pipe(sox.stdin);
  espeak.stdin.end(text, 'utf8');

  const timer = setTimeout(() => {
    espeak.kill('SIGKILL');
    sox.kill('SIGKILL');
  }, settings.timeoutMs);
  const [espeakResult, soxResult] = await Promise.allSettled([
    espeakDone.catch((error: unknown) => {
      // Without espeak-ng nothing will ever reach sox's stdin: close it so sox ends too.
      sox.stdin.end();
      throw error;
    }),
    soxDone.catch((error: unknown) => {
      // Without sox nobody drains espeak-ng's stdout, and it would block on a full pipe.
      espeak.kill('SIGKILL');
      throw error;
    }),
  ]).finally(() => clearTimeout(timer));

  if (espeakResult.status === 'rejected') throw espeakResult.reason;
  if (soxResult.status === 'rejected') throw soxResult.reason;
  const timedOut = espeakResult.value.signal === 'SIGKILL' || soxResult.value.signal === 'SIGKILL';
  if (timedOut) {
    throw new SpeechRenderFailed(`rendering took longer than ${settings.timeoutMs} ms`, text, '');
  }
  if (espeakResult.value.code !== 0) {
    throw new SpeechRenderFailed(
      `espeak-ng -v ${settings.voice} failed (exit ${String(espeakResult.value.code)})`,
      text,
      espeakResult.value.stderr,
    );
  }
  if (soxResult.value.code !== 0) {
    throw new SpeechRenderFailed(
      `sox failed to convert to ${settings.sampleRate} Hz (exit ${String(soxResult.value.code)})`,
      text,
      soxResult.value.stderr,
    );
  }
}

/** The versions of espeak-ng and sox, or SpeechEngineMissing — for a start-up check. */
export async function checkSpeechEngines(
  commands: { espeak?: string; sox?: string } = {},
): Promise<{ espeak: string; sox: string }> {
  const version = async (command: string, debianPackage: string): Promise<string> => {
    const child = spawn(command, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    const result = await finished(child, command, debianPackage);
    if (result.code !== 0) throw new SpeechEngineMissing(command, debianPackage);
    return (stdout.trim() || result.stderr).split('\n')[0] ?? '';
  };
  const [espeak, sox] = await Promise.all([
    version(commands.espeak ?? 'espeak-ng', 'espeak-ng'),
    version(commands.sox ?? 'sox', 'sox'),
  ]);
  return { espeak, sox };
}
