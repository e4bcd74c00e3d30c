// What `serve` and `call` share: menus compiled and checked, prompts, speech, logging.
import { mkdirSync } from 'node:fs';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { formatDiagnostic, loadMenus } from '../../dsl/index.js';
import type { Bundle } from '../graph/index.js';
import { speechVoice, type RuntimeLogger, type Voice } from '../runtime/index.js';
import { createRenderer, loadCatalogs, type MediaRoot } from '../speech/index.js';

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
}

/** Compiles the menus (refusing any with errors) and sets up prompts and speech. */
export async function loadRuntime(options: { menus: string; media: MediaRoot }): Promise<LoadedRuntime> {
  const loaded = loadMenus([options.menus]);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new MenusInvalid(errors.map((d) => formatDiagnostic(d, { sources: loaded.sources })).join('\n'));
  }
  const menusDir = statSync(options.menus).isDirectory() ? options.menus : dirname(options.menus);
  const catalogs = await loadCatalogs(join(menusDir, 'prompts'));
  mkdirSync(options.media.local, { recursive: true });
  const renderer = createRenderer({ mediaRoot: options.media });
  return { bundle: loaded.bundle, voice: speechVoice(catalogs, renderer), mediaRoot: options.media };
}

export function defaultMediaRoot(dir?: string): MediaRoot {
  const local = resolve(dir ?? process.env.VOICEBOX_MEDIA ?? 'media');
  return { local, freeswitch: local };
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
