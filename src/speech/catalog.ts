import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { MissingPlaceholderValue, PromptCatalogError } from './errors.js';
import { COUNT_FORMS, sayCount, sayNumber, type CountForm, type CountForms } from './say.js';
import type { Language } from './wording/index.js';

/**
 * One language's prompts: `menus/prompts/<language>.yaml`, a flat map `prompt_id: "text"`, where
 * a counted prompt is a map of its forms: `count_new_fax: { one: "ein neues Fax", other:
 * "{count} neue Faxe" }`.
 */
export interface PromptCatalog {
  language: string;
  file: string;
  /** every prompt's text; for a counted prompt its `other` form */
  prompts: ReadonlyMap<string, string>;
  /** the counted prompts' forms, said by `sayCount` */
  counts: ReadonlyMap<string, CountForms>;
}

/** What `parseCatalog` reads from one file. */
export interface ParsedCatalog {
  prompts: Map<string, string>;
  counts: Map<string, CountForms>;
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

/**
 * The forms of a counted prompt as written in a catalog (`{ one: "…", other: "{count} …" }`),
 * or why they are not: an unknown form, a missing `other`, an `other` that does not say the
 * number, a form that is not text.
 */
export function readCountForms(
  value: Readonly<Record<string, unknown>>,
): { forms: CountForms } | { problem: string } {
  const known: readonly string[] = COUNT_FORMS;
  for (const [form, text] of Object.entries(value)) {
    if (!known.includes(form))
      return {
        problem: `unknown form "${form}"; a counted prompt has the forms one, other and (if needed) zero`,
      };
    if (typeof text !== 'string' || text.trim() === '')
      return { problem: `the form "${form}" must be a text, found ${describe(text)}` };
    const problem = braceProblem(text);
    if (problem) return { problem: `form "${form}": ${problem}` };
  }
  const { zero, one, other } = value as Partial<Record<CountForm, string>>;
  if (other === undefined)
    return { problem: 'a counted prompt needs an "other" form, e.g. other: "{count} …"' };
  if (one === undefined) return { problem: 'a counted prompt needs a "one" form, e.g. one: "one …"' };
  if (!other.includes('{count}'))
    return { problem: `the form "other" must say the number: put {count} into "${other}"` };
  const otherPlaceholders = placeholdersOf(other);
  for (const [form, text] of [
    ['zero', zero],
    ['one', one],
  ] as const) {
    const extra = placeholdersOf(text ?? '').filter((p) => !otherPlaceholders.includes(p));
    if (extra.length > 0)
      return {
        problem: `the form "${form}" has ${extra.map((p) => `{${p}}`).join(', ')}, which "other" does not have`,
      };
  }
  return { forms: zero === undefined ? { one, other } : { zero, one, other } };
}

/** The forms of a counted prompt in the order they are listed, with their texts. */
export function countFormsOf(forms: CountForms): Array<[CountForm, string]> {
  return COUNT_FORMS.flatMap((form) => {
    const text = forms[form];
    return text === undefined ? [] : [[form, text] as [CountForm, string]];
  });
}

/** Parses and validates a catalog's YAML text; `file` is only used in error messages. */
export function parseCatalog(source: string, file: string): ParsedCatalog {
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
  const counts = new Map<string, CountForms>();
  for (const [key, value] of Object.entries(document)) {
    if (key.trim() === '') throw new PromptCatalogError(file, 'a prompt id is empty');
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const read = readCountForms(value as Record<string, unknown>);
      if ('problem' in read) throw new PromptCatalogError(file, read.problem, key);
      counts.set(key, read.forms);
      prompts.set(key, read.forms.other);
      continue;
    }
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
  return { prompts, counts };
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
  return { language: basename(file, extname(file)), file, ...parseCatalog(source, file) };
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
  return text.replace(PLACEHOLDER, (match, name: string, offset: number) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) throw new MissingPlaceholderValue(name, text);
    const words = typeof value === 'number' ? sayNumber(value, lang) : value;
    // "Received {date}." with "… ten a.m.": one period, not "a.m.."
    const periodFollows = text.charAt(offset + match.length) === '.';
    return periodFollows && words.endsWith('.') ? words.slice(0, -1) : words;
  });
}

/**
 * A prompt's text in `catalog` with its placeholders filled, or undefined when the catalog has no
 * such prompt. A counted prompt takes the form for `count` ("ein neues Fax", "zwei neue Faxe");
 * without a count it is said in its `other` form.
 */
export function promptTextIn(
  catalog: Pick<PromptCatalog, 'prompts' | 'counts'>,
  id: string,
  values: Readonly<Record<string, PlaceholderValue>>,
  lang: Language,
  count?: number,
): string | undefined {
  const forms = catalog.counts.get(id);
  if (forms !== undefined && count !== undefined) {
    // sayCount puts the number in; the other placeholders are filled as in any prompt
    const others = Object.fromEntries(Object.entries(values).filter(([name]) => name !== 'count'));
    return fillPlaceholders(sayCount(count, forms, lang), others, lang);
  }
  const text = catalog.prompts.get(id);
  return text === undefined ? undefined : fillPlaceholders(text, values, lang);
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
  const formSet = (catalog: PromptCatalog, id: string): string => {
    const forms = catalog.counts.get(id);
    return forms === undefined
      ? 'a text'
      : `the forms ${countFormsOf(forms)
          .map(([f]) => f)
          .join(', ')}`;
  };
  for (const promptId of ids) {
    const having = languages.filter((c) => c.prompts.has(promptId));
    const reference = having[0];
    if (!reference) continue;
    const expected = placeholderSet(reference.prompts.get(promptId) ?? '');
    const expectedForms = formSet(reference, promptId);
    for (const catalog of languages) {
      const text = catalog.prompts.get(promptId);
      if (text === undefined) {
        const where = having.map((c) => c.language).join(', ');
        mismatches.push({ promptId, language: catalog.language, problem: `missing (defined in ${where})` });
      } else if (formSet(catalog, promptId) !== expectedForms) {
        mismatches.push({
          promptId,
          language: catalog.language,
          problem: `has ${formSet(catalog, promptId)}, ${reference.language} has ${expectedForms}`,
        });
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
