import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
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

/** How long a render may run before it is killed, unless configured (`speech.renderTimeoutMs`). */
export const DEFAULT_RENDER_TIMEOUT_MS = 20_000;
/** espeak-ng's speed unless configured (`speech.rate`), and the range its `-s` takes. */
export const DEFAULT_WORDS_PER_MINUTE = 150;
export const MIN_WORDS_PER_MINUTE = 80;
export const MAX_WORDS_PER_MINUTE = 450;

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
  /** espeak-ng speed per language, over `wordsPerMinute` (config `speech.rate`). */
  rates?: Readonly<Record<string, number>>;
  /** Renders at once. Default: the number of cores. */
  concurrency?: number;
  /** Paths of the programs, for hosts where they are not on PATH. */
  commands?: { espeak?: string; sox?: string };
  /**
   * A render that has not ended this long after it started (its wait in the queue not
   * counted) is killed, and its place given to the next. Default 20 s.
   */
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
  /** The espeak-ng speed for a language, words per minute. */
  wordsPerMinuteFor(lang: string): number;
  /** Where `text` in `lang` is (or would be) cached, without rendering it. */
  locate(text: string, lang: string): Omit<RenderedAudio, 'cached'>;
  /** A WAV of `text` (8 or 16 kHz, mono, 16-bit signed PCM), rendered once and cached by content. */
  render(text: string, lang: string): Promise<RenderedAudio>;
  /**
   * The WAV of `text` if it is in the cache already, else undefined: never renders and never
   * waits, so it works however busy or broken the renderer is.
   */
  cached(text: string, lang: string): RenderedAudio | undefined;
}

/** Collapses what cannot change the audio, so equal prompts share one cache file. */
function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/**
 * Words espeak-ng says wrongly as written, respelled for it per language (heard with
 * `espeak-ng -q -x`): "PIN" is spelled out letter by letter (de "P-E-I-EN", en "P-I-N"), German
 * "E-Mail" becomes "Eh-Mäil". The catalogs keep the normal spelling.
 */
const RESPELLED: Readonly<Record<string, ReadonlyArray<readonly [RegExp, string]>>> = {
  de: [
    [/\bPIN(s?)\b/g, 'Pin$1'],
    [/\bE-Mail(s?)\b/g, 'Email$1'],
  ],
  en: [[/\bPIN(s?)\b/g, 'pin$1']],
};

/** `text` as espeak-ng should get it in `lang`: {@link RESPELLED}. */
export function respelled(text: string, lang: string): string {
  let out = text;
  for (const [word, as] of RESPELLED[lang] ?? []) out = out.replace(word, as);
  return out;
}

export function createRenderer(options: RendererOptions): Renderer {
  const sampleRate = options.sampleRate ?? 8000;
  if (!SAMPLE_RATES.includes(sampleRate)) {
    throw new RangeError(`sample rate must be one of ${SAMPLE_RATES.join(', ')}, got ${String(sampleRate)}`);
  }
  const voices: Record<string, string> = { ...DEFAULT_VOICES, ...options.voices };
  const wordsPerMinute = options.wordsPerMinute ?? DEFAULT_WORDS_PER_MINUTE;
  const rates: Record<string, number> = { ...options.rates };
  for (const [lang, rate] of [['*', wordsPerMinute] as const, ...Object.entries(rates)]) {
    if (!Number.isInteger(rate) || rate < MIN_WORDS_PER_MINUTE || rate > MAX_WORDS_PER_MINUTE) {
      throw new RangeError(
        `words per minute${lang === '*' ? '' : ` for "${lang}"`} must be a whole number from ${MIN_WORDS_PER_MINUTE} to ${MAX_WORDS_PER_MINUTE}, got ${String(rate)}`,
      );
    }
  }
  const espeak = options.commands?.espeak ?? 'espeak-ng';
  const sox = options.commands?.sox ?? 'sox';
  const timeoutMs = options.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
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

  function wordsPerMinuteFor(lang: string): number {
    return rates[lang] ?? wordsPerMinute;
  }

  function locate(text: string, lang: string): Omit<RenderedAudio, 'cached'> {
    const said = respelled(normalizeText(text), lang);
    if (said === '') throw new RangeError('nothing to say: the text is empty');
    const voice = voiceFor(lang);
    const key = JSON.stringify({
      engine: 'espeak-ng',
      voice,
      wordsPerMinute: wordsPerMinuteFor(lang),
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
      .run(() =>
        withDeadline(
          timeoutMs,
          () => new SpeechRenderFailed(`rendering took longer than ${timeoutMs} ms`, target.text, ''),
          (signal) => produce(target, lang, signal),
        ),
      )
      .finally(() => inFlight.delete(target.localPath));
    inFlight.set(target.localPath, job);
    return job;
  }

  async function produce(
    target: Omit<RenderedAudio, 'cached'>,
    lang: string,
    signal: AbortSignal,
  ): Promise<RenderedAudio> {
    // Another process may have finished it while this one waited.
    if (await hasAudio(target.localPath)) return { ...target, cached: true };
    await mkdir(ttsCacheDir(options.mediaRoot, lang), { recursive: true });
    signal.throwIfAborted();
    const tmp = `${target.localPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await synthesize(
        { espeak, sox, voice: voiceFor(lang), wordsPerMinute: wordsPerMinuteFor(lang), sampleRate },
        target.text,
        tmp,
        signal,
      );
      if (!(await hasAudio(tmp))) {
        throw new SpeechRenderFailed('espeak-ng and sox produced no audio', target.text, '');
      }
      signal.throwIfAborted();
      // rename() is atomic within a directory: a reader sees no file or the whole file.
      await rename(tmp, target.localPath);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    return { ...target, cached: false };
  }

  function cached(text: string, lang: string): RenderedAudio | undefined {
    let target: Omit<RenderedAudio, 'cached'>;
    try {
      target = locate(text, lang);
    } catch {
      return undefined;
    }
    const size = statSync(target.localPath, { throwIfNoEntry: false })?.size ?? 0;
    return size > WAV_HEADER_BYTES ? { ...target, cached: true } : undefined;
  }

  return { sampleRate, mediaRoot: options.mediaRoot, voiceFor, wordsPerMinuteFor, locate, render, cached };
}

async function hasAudio(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > WAV_HEADER_BYTES;
  } catch {
    return false;
  }
}

/**
 * How long programs that were killed, or have exited, get to close their pipes before this
 * side closes them: a pipe can outlive its program (a wrapper script's child holds it, or
 * nobody reads it) and a child process is only "closed" once all its pipes are.
 */
const PIPE_GRACE_MS = 2000;

/**
 * Runs `work` with a signal that aborts after `timeoutMs`, and settles by then plus
 * PIPE_GRACE_MS whatever `work` does: the caller's concurrency slot is never held for good,
 * even by a file-system call that hangs (a dead network mount).
 */
function withDeadline<T>(
  timeoutMs: number,
  timeoutError: () => Error,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const abort = setTimeout(() => controller.abort(timeoutError()), timeoutMs);
    const giveUp = setTimeout(() => reject(timeoutError()), timeoutMs + PIPE_GRACE_MS);
    work(controller.signal)
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(abort);
        clearTimeout(giveUp);
      });
  });
}

interface SynthesisSettings {
  espeak: string;
  sox: string;
  voice: string;
  wordsPerMinute: number;
  sampleRate: SampleRate;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGKILL to the program and everything it started (it leads its own process group). */
function killAll(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already, or the program never led one
    child.kill('SIGKILL');
  }
}

/**
 * Settles when the program has ended: with its exit status once its pipes are closed (so
 * stderr is complete), or PIPE_GRACE_MS after its exit with the pipes closed from this side.
 */
function finished(child: ChildProcess, command: string, debianPackage: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    for (const pipe of [child.stdin, child.stdout, child.stderr]) pipe?.on('error', () => undefined);
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT' || error.code === 'EACCES'
          ? new SpeechEngineMissing(command, debianPackage)
          : error,
      );
    });
    child.once('exit', () => {
      const closeFromHere = setTimeout(() => {
        for (const pipe of [child.stdin, child.stdout, child.stderr]) pipe?.destroy();
      }, PIPE_GRACE_MS);
      child.once('close', () => clearTimeout(closeFromHere));
    });
    child.once('close', (code, signal) => resolve({ code, signal, stderr: stderr.trim() }));
  });
}

/** espeak-ng (22050 Hz WAV on stdout) piped into sox, which writes the telephony WAV to `out`. */
async function synthesize(
  settings: SynthesisSettings,
  text: string,
  out: string,
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  // Each program leads its own process group, so a kill reaches whatever it started too.
  const espeak = spawn(
    settings.espeak,
    ['-v', settings.voice, '-s', String(settings.wordsPerMinute), '-b', '1', '--stdin', '--stdout'],
    { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
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
    { env, stdio: ['pipe', 'ignore', 'pipe'], detached: true },
  );
  const soxDone = finished(sox, settings.sox, 'sox');

  // Which program was stopped from here because the other had failed: its own exit status
  // says nothing, the other's does.
  let espeakStopped = false;
  let soxStopped = false;
  const stopEspeak = () => {
    // pipe() leaves espeak-ng's stdout paused once sox is gone: espeak-ng would block on a
    // full pipe and its stdout never end. Drain it, and stop espeak-ng.
    espeak.stdout.unpipe(sox.stdin);
    espeak.stdout.resume();
    if (!hasExited(espeak)) {
      espeakStopped = true;
      killAll(espeak);
    }
  };
  const stopSox = () => {
    // Nothing more will reach sox's stdin.
    sox.stdin.end();
    if (!hasExited(sox)) {
      soxStopped = true;
      killAll(sox);
    }
  };
  sox.once('exit', stopEspeak);
  sox.once('error', stopEspeak);
  espeak.once('exit', (code) => {
    // A good espeak-ng ends sox's input through the pipe and sox finishes the file.
    if (code !== 0) stopSox();
  });
  espeak.once('error', stopSox);
  const onAbort = () => {
    stopEspeak();
    stopSox();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  espeak.stdout.pipe(sox.stdin);
  espeak.stdin.end(text, 'utf8');

  const [espeakResult, soxResult] = await Promise.allSettled([espeakDone, soxDone]).finally(() =>
    signal.removeEventListener('abort', onAbort),
  );

  signal.throwIfAborted();
  if (espeakResult.status === 'rejected') throw espeakResult.reason;
  if (soxResult.status === 'rejected') throw soxResult.reason;
  const espeakFailed = espeakResult.value.code !== 0;
  const soxFailed = soxResult.value.code !== 0;
  if (espeakFailed && !espeakStopped) {
    throw new SpeechRenderFailed(
      `espeak-ng -v ${settings.voice} failed (${exitOf(espeakResult.value)})`,
      text,
      espeakResult.value.stderr,
    );
  }
  if (soxFailed && !soxStopped) {
    throw new SpeechRenderFailed(
      `sox failed to convert to ${settings.sampleRate} Hz (${exitOf(soxResult.value)})`,
      text,
      soxResult.value.stderr,
    );
  }
  if (espeakFailed || soxFailed) {
    throw new SpeechRenderFailed('espeak-ng and sox stopped each other', text, '');
  }
}

function exitOf(result: Finished): string {
  return result.signal ? `killed by ${result.signal}` : `exit ${String(result.code)}`;
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
