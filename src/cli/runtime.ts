// What `serve` and `call` share: menus compiled and checked, prompts, speech, logging.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { formatDiagnostic, loadMenus } from '../../dsl/index.js';
import type { Bundle } from '../graph/index.js';
import { makeFolder } from '../greetings/index.js';
import { speechVoice, type PreparedPrompts, type RuntimeLogger, type Voice } from '../runtime/index.js';
import { createRenderer, loadCatalogs, type MediaRoot, type Renderer } from '../speech/index.js';

/** the folder holding package.json, bin/ and menus/ (run from dist/ or from the sources) */
export const packageRoot = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export const shippedMenus = join(packageRoot, 'menus');

export class MenusInvalid extends Error {
  constructor(readonly report: string) {
    super('the menus have errors');
    this.name = 'MenusInvalid';
  }
}

export interface LoadedRuntime {
  bundle: Bundle;
  voice: Voice;
  mediaRoot: MediaRoot;
  /** the prompts a failing call plays, rendered before the first call (see PREPARED_PROMPTS) */
  prepared: PreparedPrompts;
}

/** The menus compiled and checked: the bundle, and the folder of the catalogs it was checked with. */
export interface CompiledMenus {
  bundle: Bundle;
  /** the prompt catalogs (`prompts/` beside the menus) */
  catalogs: string;
}

/** Compiles the menus, refusing any with errors (and with `strict`, any with warnings). */
export function compileMenus(menus: string, options: { strict?: boolean } = {}): CompiledMenus {
  const loaded = loadMenus([menus]);
  const refused = loaded.diagnostics.filter((d) => d.severity === 'error' || options.strict);
  if (refused.length > 0) {
    throw new MenusInvalid(refused.map((d) => formatDiagnostic(d, { sources: loaded.sources })).join('\n'));
  }
  const menusDir = statSync(menus).isDirectory() ? menus : dirname(menus);
  return {
    bundle: loaded.bundle,
    catalogs: loaded.catalogDir ? resolve(loaded.catalogDir) : join(menusDir, 'prompts'),
  };
}

/** How prompts become audio: one renderer (and its cache) for every release a serve runs. */
export async function speechRenderer(options: {
  media: MediaRoot;
  speech?: {
    renderTimeoutMs?: number;
    concurrency?: number;
    /** config speech.voices and speech.rate: espeak-ng's voice and words per minute per language */
    voices?: Readonly<Record<string, string>>;
    rate?: Readonly<Record<string, number>>;
  };
}): Promise<Renderer> {
  // callers' voices live in here: FreeSWITCH's group may enter (freeswitch/README.md), nobody else
  await makeFolder(options.media.local, 0o750);
  return createRenderer({
    mediaRoot: options.media,
    ...(options.speech?.renderTimeoutMs ? { timeoutMs: options.speech.renderTimeoutMs } : {}),
    ...(options.speech?.concurrency ? { concurrency: options.speech.concurrency } : {}),
    ...(options.speech?.voices ? { voices: options.speech.voices } : {}),
    ...(options.speech?.rate ? { rates: options.speech.rate } : {}),
  });
}

/**
 * A compiled bundle and its catalogs made ready to run: the voice over the catalogs, and what a
 * failing call plays rendered before the first call, so no failure waits for the renderer. A
 * release (`voicebox deploy`) is loaded this way without compiling again.
 */
export async function runtimeFrom(options: {
  bundle: Bundle;
  catalogs: string;
  media: MediaRoot;
  renderer: Renderer;
}): Promise<LoadedRuntime> {
  const catalogs = await loadCatalogs(options.catalogs);
  const voice = speechVoice(catalogs, options.renderer);
  const prepared = await voice.prepare();
  return { bundle: options.bundle, voice, mediaRoot: options.media, prepared };
}

/**
 * Compiles the menus (refusing any with errors), sets up prompts and speech, and renders
 * what a failing call plays, so no failure waits for the renderer.
 */
export async function loadRuntime(options: {
  menus: string;
  media: MediaRoot;
  speech?: Parameters<typeof speechRenderer>[0]['speech'];
}): Promise<LoadedRuntime> {
  const compiled = compileMenus(options.menus);
  const renderer = await speechRenderer(options);
  return runtimeFrom({ ...compiled, media: options.media, renderer });
}

/** One line for the start-up log: are the prompts of a failing call there? */
export function logPrepared(log: RuntimeLogger, prepared: PreparedPrompts): void {
  if (prepared.failures.length === 0) {
    log.info({ prompts: prepared.ready }, 'the prompts for failing calls are rendered');
    return;
  }
  log.error(
    {
      failed: prepared.failures.map((f) => ({ prompt: f.id, language: f.language, err: f.error.message })),
    },
    'prompts for failing calls could not be rendered: such calls hang up without them',
  );
}

export function defaultMediaRoot(dir?: string): MediaRoot {
  const local = resolve(dir ?? process.env.VOICEBOX_MEDIA ?? 'media');
  return { local, freeswitch: local };
}

/**
 * The media folder named by `--media`: taken from the working directory (FreeSWITCH would
 * look for a relative path in its own sounds folder), and the same path for FreeSWITCH. When
 * the config names another folder for FreeSWITCH (`media.freeswitch`: a mount on another
 * host), one flag cannot say where FreeSWITCH sees the new folder: refused, not guessed.
 */
export function mediaFromFlag(configured: MediaRoot, flag: string): MediaRoot {
  if (configured.freeswitch !== configured.local)
    throw new Error(
      `--media ${flag}: the config sets media.freeswitch (${configured.freeswitch}), the folder as FreeSWITCH sees it; ` +
        'set media.local in the config instead, or leave out media.freeswitch when both see the same path',
    );
  return defaultMediaRoot(flag);
}

export function logger(level: string, destination: 'stderr' | 'silent'): RuntimeLogger {
  if (destination === 'silent') return pino({ level: 'silent' });
  return pino({ level }, pino.destination(2));
}

export function menusPath(given: string | undefined): string {
  const path = resolve(given ?? shippedMenus);
  if (!existsSync(path)) throw new Error(`no menus at ${path}`);
  return path;
}
