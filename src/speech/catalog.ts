import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { MissingPlaceholderValue, PromptCatalogError } from './errors.js';
import { sayNumber } from './say.js';
import type { Language } from './wording/index.js';

/** One language's prompts: `menus/prompts/<language>.yaml`, a flat map `prompt_id: "text"`. */
export interface PromptCatalog {
  language: string;
  file: string;
  prompts: ReadonlyMap<string, string>;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The placeholder names in a prompt text, in order of first appearance:
 * "You have {count} messages from {caller}" → ["count", "caller"].
 */
export function placeholdersOf(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[1] ?? ''))];
}

/** Why a prompt text is malformed, or undefined: a stray brace is almost always a typo in a placeholder. */
function braceProblem(text: string): string | undefined {
  const stray = text.replace(PLACEHOLDER, '').match(/[{}]/);
  if (!stray) return undefined;
  return `stray "${stray[0]}" in "${text}"; a placeholder is a name in braces, e.g. {number}`;
}

function describe(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** Parses and validates a catalog's YAML text; `file` is only used in error messages. */
export function parseCatalog(source: string, file: string): Map<string, string> {
  let document: unknown;
  try {
    document = load(source, { filename: file });
  } catch (error) {
    if (error instanceof YAMLException) {
      const where = error.mark ? ` (line ${error.mark.line + 1}, column ${error.mark.column + 1})` : '';
      const problem =
        error.reason === 'expected a document, but the input is empty'
          ? 'the file is empty; expected a map of prompt_id: "text"'
          : `${error.reason}${where}`;
      throw new PromptCatalogError(file, problem);
    }
    throw error;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new PromptCatalogError(file, `expected a map of prompt_id: "text", found ${describe(document)}`);
  }
  const prompts = new Map<string, string>();
  for (const [key, value] of Object.entries(document)) {
    if (key.trim() === '') throw new PromptCatalogError(file, 'a prompt id is empty');
    if (typeof value !== 'string') {
      const hint =
        typeof value === 'number' || typeof value === 'boolean'
          ? ` (quote it: ${key}: "${String(value)}")`
          : '';
      throw new PromptCatalogError(file, `expected text, found ${describe(value)}${hint}`, key);
    }
    if (value.trim() === '') throw new PromptCatalogError(file, 'the text is empty', key);
    const problem = braceProblem(value);
    if (problem) throw new PromptCatalogError(file, problem, key);
    prompts.set(key, value);
  }
  return prompts;
}

/** Reads one catalog; its language is the file name without extension (`de.yaml` → "de"). */
export async function loadCatalog(file: string): Promise<PromptCatalog> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PromptCatalogError(file, code === 'ENOENT' ? 'no such file' : `cannot read: ${String(error)}`);
  }
  return { language: basename(file, extname(file)), file, prompts: parseCatalog(source, file) };
}

/** Every `*.yaml` / `*.yml` catalog in `dir`, by language. */
export async function loadCatalogs(dir: string): Promise<Map<string, PromptCatalog>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PromptCatalogError(
      dir,
      code === 'ENOENT' ? 'no such directory' : `cannot read: ${String(error)}`,
    );
  }
  const files = names.filter((name) => /\.ya?ml$/.test(name)).sort();
  const catalogs = new Map<string, PromptCatalog>();
  for (const name of files) {
    const catalog = await loadCatalog(join(dir, name));
    const other = catalogs.get(catalog.language);
    if (other)
      throw new PromptCatalogError(catalog.file, `language "${catalog.language}" is also in ${other.file}`);
    catalogs.set(catalog.language, catalog);
  }
  return catalogs;
}

/** A value for a placeholder: text is said as written, a number in words of the prompt's language. */
export type PlaceholderValue = string | number;

/**
 * The text with every `{name}` replaced: `fillPlaceholders("You have {count} messages", { count: 3 }, 'en')`
 * → "You have three messages". A placeholder without a value is an error, not silence.
 */
export function fillPlaceholders(
  text: string,
  values: Readonly<Record<string, PlaceholderValue>>,
  lang: Language,
): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw new MissingPlaceholderValue(name, text);
    return typeof value === 'number' ? sayNumber(value, lang) : value;
  });
}

/** A difference between the catalogs of two languages that would make one of them fail during a call. */
export interface CatalogMismatch {
  promptId: string;
  language: string;
  problem: string;
}

/**
 * Compares the catalogs with each other: a prompt missing in one language, or with other
 * placeholders than in the rest, would only show up when a caller of that language hears it.
 */
export function compareCatalogs(catalogs: ReadonlyMap<string, PromptCatalog>): CatalogMismatch[] {
  const languages = [...catalogs.values()].sort((a, b) => a.language.localeCompare(b.language));
  const ids = [...new Set(languages.flatMap((c) => [...c.prompts.keys()]))].sort();
  const placeholderSet = (text: string): string => placeholdersOf(text).sort().join(', ');
  const mismatches: CatalogMismatch[] = [];
  for (const promptId of ids) {
    const having = languages.filter((c) => c.prompts.has(promptId));
    const reference = having[0];
    if (!reference) continue;
    const expected = placeholderSet(reference.prompts.get(promptId) ?? '');
    for (const catalog of languages) {
      const text = catalog.prompts.get(promptId);
      if (text === undefined) {
        const where = having.map((c) => c.language).join(', ');
        mismatches.push({ promptId, language: catalog.language, problem: `missing (defined in ${where})` });
      } else if (placeholderSet(text) !== expected) {
        mismatches.push({
          promptId,
          language: catalog.language,
          problem: `placeholders {${placeholderSet(text)}} differ from ${reference.language}'s {${expected}}`,
        });
      }
    }
  }
  return mismatches;
}
