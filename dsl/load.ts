// Reading a set of menus from disk: .ivr files (following their imports) and the
// prompt catalogs beside them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { load as loadYaml, YAMLException } from 'js-yaml';
import type { IvrFile } from './ast.js';
import { compileFiles, type CompileResult, type PromptCatalogs, type PromptEntry } from './compile/index.js';
import { readCountForms, type CountedPromptEntry } from './compile/prompts.js';
import { compareDiagnostics, error, type Diagnostic } from './diagnostics.js';
import { parse } from './parser.js';

export interface LoadOptions {
  /** folder of the prompt catalogs; default: `prompts/` beside the first menu file */
  prompts?: string;
  /** how paths appear in diagnostics and the bundle; default: relative to the cwd */
  cwd?: string;
}

export interface LoadedMenus extends CompileResult {
  /** file → text, for showing source lines in diagnostics */
  sources: Map<string, string>;
  catalogDir: string | undefined;
}

function listIvr(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      found.push(...listIvr(path));
    } else if (entry.name.endsWith('.ivr')) found.push(path);
  }
  return found;
}

const placeholderPattern = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function loadCatalogs(
  dir: string,
  show: (p: string) => string,
  sources: Map<string, string>,
  out: Diagnostic[],
): PromptCatalogs {
  const catalogs: PromptCatalogs = new Map();
  if (!existsSync(dir)) return catalogs;
  for (const name of readdirSync(dir).sort()) {
    const m = /^([a-z]{2,3}(?:-[A-Za-z]{2,4})?)\.ya?ml$/.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    const file = show(path);
    const text = readFileSync(path, 'utf8');
    sources.set(file, text);
    const lines = text.split('\n');
    const lineOf = (key: string): number => {
      const i = lines.findIndex(
        (l) => l.startsWith(`${key}:`) || l.startsWith(`"${key}":`) || l.startsWith(`'${key}':`),
      );
      return i + 1;
    };
    let data: unknown;
    try {
      data = loadYaml(text, { filename: file });
    } catch (e) {
      const mark = e instanceof YAMLException ? e.mark : undefined;
      out.push(
        error(
          { file, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1, length: 1 },
          `this prompt catalog is not valid YAML: ${e instanceof YAMLException ? e.reason : String(e)}`,
        ),
      );
      continue;
    }
    const catalog = new Map<string, PromptEntry>();
    if (data === null || data === undefined) {
      catalogs.set(m[1]!, catalog);
      continue;
    }
    if (typeof data !== 'object' || Array.isArray(data)) {
      out.push(
        error(
          { file, line: 1, col: 1, length: 1 },
          'a prompt catalog must map prompt names to texts',
          'write lines such as `goodbye: "Goodbye."`',
        ),
      );
      continue;
    }
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      const line = lineOf(key);
      const loc = { file, line: Math.max(1, line), col: 1, length: key.length };
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        out.push(error(loc, `'${key}' is not a prompt name`, 'use letters, digits and _'));
        continue;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        // a counted prompt: `count_new_fax: { one: "ein neues Fax", other: "{count} neue Faxe" }`
        const read = readCountForms(value as Record<string, unknown>);
        if ('problem' in read) {
          out.push(
            error(
              loc,
              `prompt '${key}': ${read.problem}`,
              `write \`${key}: { one: "...", other: "{count} ..." }\``,
            ),
          );
          continue;
        }
        const texts = Object.values(read.forms).join(' ');
        const placeholders = [...new Set([...texts.matchAll(placeholderPattern)].map((p) => p[1]!))];
        const entry: CountedPromptEntry = { text: read.forms.other, placeholders, loc, forms: read.forms };
        catalog.set(key, entry);
        continue;
      }
      if (typeof value !== 'string' || value.trim() === '') {
        out.push(
          error(
            loc,
            `prompt '${key}' must be a text, or the forms of a counted prompt`,
            `write \`${key}: "..."\` or \`${key}: { one: "...", other: "{count} ..." }\``,
          ),
        );
        continue;
      }
      const placeholders = [...new Set([...value.matchAll(placeholderPattern)].map((p) => p[1]!))];
      catalog.set(key, { text: value, placeholders, loc });
    }
    catalogs.set(m[1]!, catalog);
  }
  return catalogs;
}

/** Parses the given files and folders (and what they import), loads prompts, compiles. */
export function loadMenus(paths: string[], options: LoadOptions = {}): LoadedMenus {
  const cwd = options.cwd ?? process.cwd();
  const show = (p: string) => {
    const r = relative(cwd, p);
    return r.startsWith('..') ? p : r || '.';
  };
  const diagnostics: Diagnostic[] = [];
  const sources = new Map<string, string>();
  const files: IvrFile[] = [];
  const seen = new Set<string>();
  const queue: string[] = [];
  let catalogDir = options.prompts ? resolve(cwd, options.prompts) : undefined;

  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) {
      diagnostics.push(error({ file: p, line: 0, col: 0, length: 1 }, 'no such file or folder'));
      continue;
    }
    if (statSync(abs).isDirectory()) {
      const found = listIvr(abs);
      if (found.length === 0)
        diagnostics.push(error({ file: p, line: 0, col: 0, length: 1 }, 'this folder holds no .ivr files'));
      queue.push(...found);
      catalogDir ??= join(abs, 'prompts');
    } else {
      queue.push(abs);
      catalogDir ??= join(dirname(abs), 'prompts');
    }
  }
  while (queue.length) {
    const abs = queue.shift()!;
    if (seen.has(abs)) continue;
    seen.add(abs);
    const file = show(abs);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      diagnostics.push(error({ file, line: 0, col: 0, length: 1 }, `cannot read: ${(e as Error).message}`));
      continue;
    }
    sources.set(file, text);
    const parsed = parse(file, text);
    diagnostics.push(...parsed.diagnostics);
    files.push(parsed.file);
    for (const imp of parsed.file.imports) {
      const target = resolve(dirname(abs), imp.path);
      if (!existsSync(target) || !statSync(target).isFile()) {
        diagnostics.push(
          error(
            imp.loc,
            `cannot import '${imp.path}': no such file`,
            `the path is relative to ${basename(abs)}'s folder`,
          ),
        );
        continue;
      }
      queue.push(target);
    }
  }
  const catalogs = catalogDir ? loadCatalogs(catalogDir, show, sources, diagnostics) : new Map();
  if (catalogDir && catalogs.size === 0 && files.length > 0) {
    diagnostics.push(
      error(
        { file: show(catalogDir), line: 0, col: 0, length: 1 },
        'no prompt catalogs found',
        'create prompts/en.yaml (and one per language) beside the menus, or pass --prompts DIR',
      ),
    );
  }
  const result = compileFiles(files, catalogs);
  // on a tree broken by syntax errors the checker may stumble; the syntax errors say it all
  const broken = diagnostics.some((d) => d.severity === 'error');
  const checked = broken
    ? result.diagnostics.filter((d) => !d.message.startsWith('internal error'))
    : result.diagnostics;
  const all = [...diagnostics, ...checked].sort(compareDiagnostics);
  return {
    bundle: result.bundle,
    diagnostics: dedupe(all),
    sources,
    catalogDir: catalogDir && show(catalogDir),
  };
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.loc.file}:${d.loc.line}:${d.loc.col}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
