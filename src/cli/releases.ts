// Menu releases on disk (`voicebox deploy`): deploy.dir/<n>/ holds bundle.json, the prompt
// catalogs it was compiled with (prompts/) and release.json; deploy.dir/live names the live one.
// Every change is a rename, so a reader (serve, another deploy) sees a release whole or not at all.
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { Bundle } from '../graph/index.js';
import { compileMenus } from './runtime.js';

/** What release.json says of a release. */
export interface ReleaseInfo {
  readonly release: number;
  /** ISO time of the install */
  readonly createdAt: string;
  /** SHA-256 of bundle.json, hex */
  readonly sha256: string;
  /** the menus it was compiled from */
  readonly source: string;
  /** the OS user who installed it */
  readonly by: string;
}

/** A release that cannot be used: missing, damaged, or not what release.json says. */
export class ReleaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseError';
  }
}

const RELEASE = /^[1-9]\d{0,8}$/;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Written, flushed to disk, owner-only. */
function writeDurable(file: string, content: string | Buffer): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '?');
  }
}

/** The release folder (owner-only: menus may name internal numbers and addresses). */
export function ensureReleaseDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new ReleaseError(
      `deploy.dir ${dir}: cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): set deploy.dir to a folder voicebox may write`,
    );
  }
}

/** The numbers of the releases installed, lowest first. */
export function releaseNumbers(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => RELEASE.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/** The live release's number; undefined when none was ever made live. */
export function liveRelease(dir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'live'), 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!RELEASE.test(text))
    throw new ReleaseError(`${join(dir, 'live')} does not name a release: '${text.slice(0, 40)}'`);
  return Number(text);
}

/** Makes release n live: a new file renamed over `live`, so it is never half-written. */
export function setLive(dir: string, n: number | undefined): void {
  const live = join(dir, 'live');
  if (n === undefined) {
    rmSync(live, { force: true });
  } else {
    const tmp = join(dir, `.live-${randomBytes(6).toString('hex')}`);
    writeDurable(tmp, `${n}\n`);
    renameSync(tmp, live);
  }
  fsyncPath(dir);
}

/** The release before `n` still on disk (what `--rollback` goes back to). */
export function releaseBefore(dir: string, n: number): number | undefined {
  return releaseNumbers(dir)
    .filter((r) => r < n)
    .pop();
}

/** release.json of release n (not checked against its bundle: {@link readRelease} does). */
export function releaseInfo(dir: string, n: number): ReleaseInfo {
  const file = join(dir, String(n), 'release.json');
  let info: Partial<ReleaseInfo>;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as Partial<ReleaseInfo>;
  } catch (e) {
    throw new ReleaseError(`release ${n}: cannot read ${file}: ${(e as Error).message}`);
  }
  if (info.release !== n || typeof info.sha256 !== 'string' || typeof info.createdAt !== 'string')
    throw new ReleaseError(`release ${n}: ${file} is not a release description`);
  return {
    release: n,
    createdAt: info.createdAt,
    sha256: info.sha256,
    source: typeof info.source === 'string' ? info.source : '?',
    by: typeof info.by === 'string' ? info.by : '?',
  };
}

/** A release as serve runs it: the bundle (its hash checked) and where its catalogs are. */
export interface StoredRelease {
  readonly info: ReleaseInfo;
  readonly bundle: Bundle;
  /** the folder of the prompt catalogs the bundle was compiled with */
  readonly catalogs: string;
}

/** Reads release n, refusing one whose bundle.json is not the one release.json names. */
export function readRelease(dir: string, n: number): StoredRelease {
  const info = releaseInfo(dir, n);
  const file = join(dir, String(n), 'bundle.json');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ReleaseError(`release ${n}: cannot read ${file}: ${(e as Error).message}`);
  }
  const actual = sha256(bytes);
  if (actual !== info.sha256)
    throw new ReleaseError(
      `release ${n}: bundle.json has SHA-256 ${actual.slice(0, 12)}…, release.json says ${info.sha256.slice(0, 12)}…: changed after it was installed; deploy the menus again`,
    );
  let bundle: Bundle;
  try {
    bundle = JSON.parse(bytes.toString('utf8')) as Bundle;
  } catch (e) {
    throw new ReleaseError(`release ${n}: bundle.json is not JSON: ${(e as Error).message}`);
  }
  if (typeof bundle !== 'object' || bundle === null || typeof bundle.flows !== 'object')
    throw new ReleaseError(`release ${n}: bundle.json holds no flows`);
  return { info, bundle, catalogs: join(dir, String(n), 'prompts') };
}

/**
 * Compiles `menus` (errors — with `strict`, warnings too — throw MenusInvalid and install
 * nothing) and installs it as the next release: written into a temporary folder, flushed, then
 * renamed to its number. Two installs at once cannot take the same number: the rename fails
 * when the folder exists, and the later one takes the next.
 */
export function installRelease(dir: string, menus: string, options: { strict?: boolean } = {}): ReleaseInfo {
  const source = resolve(menus);
  const compiled = compileMenus(source, options);
  ensureReleaseDir(dir);
  const tmp = mkdtempSync(join(dir, '.tmp-'));
  try {
    const bundle = Buffer.from(JSON.stringify(compiled.bundle, null, 2) + '\n', 'utf8');
    writeDurable(join(tmp, 'bundle.json'), bundle);
    const prompts = join(tmp, 'prompts');
    mkdirSync(prompts, { mode: 0o700 });
    for (const name of readdirSync(compiled.catalogs)) {
      if (!/\.ya?ml$/.test(name)) continue;
      copyFileSync(join(compiled.catalogs, name), join(prompts, name));
      chmodSync(join(prompts, name), 0o600);
      fsyncPath(join(prompts, name));
    }
    fsyncPath(prompts);
    const base = {
      createdAt: new Date().toISOString(),
      sha256: sha256(bundle),
      source,
      by: osUser(),
    };
    for (let n = (releaseNumbers(dir).pop() ?? 0) + 1; ; n++) {
      const info: ReleaseInfo = { release: n, ...base };
      rmSync(join(tmp, 'release.json'), { force: true });
      writeDurable(join(tmp, 'release.json'), JSON.stringify(info, null, 2) + '\n');
      fsyncPath(tmp);
      try {
        renameSync(tmp, join(dir, String(n)));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY') continue; // another install took n
        throw e;
      }
      fsyncPath(dir);
      return info;
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Removes the oldest releases beyond `keep`, never the live one or the one before it (the
 * rollback), and temporary folders an install that died left behind (older than an hour).
 */
export function pruneReleases(dir: string, keep: number): number[] {
  const live = liveRelease(dir);
  const kept = new Set<number>();
  if (live !== undefined) {
    kept.add(live);
    const before = releaseBefore(dir, live);
    if (before !== undefined) kept.add(before);
  }
  const all = releaseNumbers(dir);
  const removable = all.filter((n) => !kept.has(n));
  const excess = all.length - keep;
  const removed = removable.slice(0, Math.max(0, excess));
  for (const n of removed) rmSync(join(dir, String(n)), { recursive: true, force: true });
  for (const name of readdirSync(dir)) {
    if (!name.startsWith('.tmp-') && !name.startsWith('.live-')) continue;
    const path = join(dir, name);
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
  return removed;
}
