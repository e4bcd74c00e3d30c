// Prompts: what `say` says (prompt ids, placeholders, spoken values), checked against the
// catalogs; after the lowering, every prompt used must exist in every language.
import type { Expr, Name, SayItem } from '../ast.js';
import { didYouMean, error } from '../diagnostics.js';
import { article, assignable, describeType, UNKNOWN } from '../types.js';
import {
  enumTypes,
  sayAs,
  summaryWording,
  type GraphExpr,
  type SayPart,
  type SourceLoc,
} from '../../src/graph/index.js';
import { report, type CompileContext, type PromptEntry } from './context.js';
import { expr } from './expressions.js';

/** prompts the runtime plays by itself; every language must have them */
export const systemPrompts = ['invalid_choice', 'goodbye', 'technical_problem'];

/** The forms of a counted prompt, as src/speech's `sayCount` says them: `zero` for 0 if given, `one`, `other`. */
export interface CountForms {
  zero?: string;
  one: string;
  other: string;
}

const COUNT_FORMS = ['zero', 'one', 'other'] as const;

/** A counted prompt as the catalogs hold it (`count_new_fax: { one: …, other: "{count} …" }`): its text is the `other` form. */
export interface CountedPromptEntry extends PromptEntry {
  forms: CountForms;
}

function countFormsOf(forms: CountForms): Array<[string, string]> {
  return COUNT_FORMS.flatMap((form) => {
    const text = forms[form];
    return text === undefined ? [] : [[form, text] as [string, string]];
  });
}

/**
 * The forms of a counted prompt as a catalog writes them, or why they are not (the same rules,
 * and words, as src/speech's catalog, which reads the file for the call): an unknown form, no
 * `one` or `other`, an `other` without {count}, a form with a placeholder `other` lacks.
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
      return { problem: `the form "${form}" must be a text` };
  }
  const { zero, one, other } = value as Partial<Record<(typeof COUNT_FORMS)[number], string>>;
  if (other === undefined)
    return { problem: 'a counted prompt needs an "other" form, e.g. other: "{count} …"' };
  if (one === undefined) return { problem: 'a counted prompt needs a "one" form, e.g. one: "one …"' };
  if (!other.includes('{count}'))
    return { problem: `the form "other" must say the number: put {count} into "${other}"` };
  const expected = placeholdersIn(other);
  for (const [form, text] of [
    ['zero', zero],
    ['one', one],
  ] as const) {
    const extra = placeholdersIn(text ?? '').filter((p) => !expected.includes(p));
    if (extra.length > 0)
      return {
        problem: `the form "${form}" has ${extra.map((p) => `{${p}}`).join(', ')}, which "other" does not have`,
      };
  }
  return { forms: zero === undefined ? { one, other } : { zero, one, other } };
}

function formsOf(entry: PromptEntry | undefined): CountForms | undefined {
  return entry && 'forms' in entry ? (entry as CountedPromptEntry).forms : undefined;
}

/** Records where a prompt is said; `implicit` for the prompts a menu plays by default. */
export function usePrompt(cx: CompileContext, id: string, loc: SourceLoc, implicit = false): void {
  if (!cx.usedPrompts.has(id) || (!implicit && cx.implicitPrompts.has(id))) {
    cx.usedPrompts.set(id, loc);
    if (implicit) cx.implicitPrompts.add(id);
    else cx.implicitPrompts.delete(id);
  }
}

export function sayParts(cx: CompileContext, items: SayItem[]): SayPart[] {
  const parts: SayPart[] = [];
  for (const item of items) {
    if (!item) continue;
    if (item.kind === 'keys') {
      // a menu's prompts handle it (menus.ts); anywhere else there are no keys to say
      report(
        cx,
        error(item.loc, "'say keys' belongs among a menu's prompts", 'there are no keys to say here'),
      );
      continue;
    }
    if (item.kind === 'value') {
      const value = expr(cx, item.value);
      // a text may come in pieces (`message text`): said piece by piece
      const allowed = [...(sayAs[item.as] ?? []), ...(item.as === 'text' ? ['list<string>'] : [])];
      if (value.type !== UNKNOWN && !allowed.some((t) => assignable(value.type, t))) {
        report(
          cx,
          error(
            item.value.loc,
            `'say ${item.as}' needs ${allowed.map((t) => article(describeType(t))).join(' or ')}, but this is ${article(describeType(value.type))}`,
          ),
        );
      }
      const language = item.language ? sayLanguage(cx, item.as, item.language) : undefined;
      parts.push({ kind: 'value', as: item.as, value, ...(language ? { language } : {}) });
      continue;
    }
    parts.push({ kind: 'prompt', id: item.id.text, args: promptArgs(cx, item) });
  }
  return parts;
}

/** `say text … in LANGUAGE`: a language or a string naming one ('' for the call's) */
function sayLanguage(cx: CompileContext, as: string, e: Expr): GraphExpr | undefined {
  const language = expr(cx, e);
  if (as !== 'text') {
    report(
      cx,
      error(
        e.loc,
        `only a text has a language of its own; 'say ${as}' is said in the call's language`,
        'write `say text part in m.language`',
      ),
    );
    return undefined;
  }
  if (language.type !== UNKNOWN && !['language', 'string'].some((t) => assignable(language.type, t))) {
    report(cx, error(e.loc, `'in' needs a language, but this is ${article(describeType(language.type))}`));
    return undefined;
  }
  return language;
}

function promptArgs(cx: CompileContext, item: SayItem & { kind: 'prompt' }): Record<string, GraphExpr> {
  const id = item.id.text;
  usePrompt(cx, id, item.id.loc);
  const entry = catalogEntry(cx, id, item.id);
  const args: Record<string, GraphExpr> = {};
  const placeholders = entry?.placeholders ?? [];
  item.args.forEach((a, i) => {
    const name =
      a.name?.text ?? (item.args.length === 1 && placeholders.length === 1 ? placeholders[0]! : undefined);
    const g = expr(cx, a.value);
    // a summary is said with the counted prompts of its categories (the runtime's `spoken`)
    if (g.type === 'summary') {
      for (const { prompt } of summaryWording.counts) usePrompt(cx, prompt, a.loc, true);
      usePrompt(cx, summaryWording.nothingNew, a.loc, true);
    }
    // a message's kind is said by its prompt: `message_kind_voice` ("eine Sprachnachricht")
    const kinds = g.type === 'message_kind' ? enumTypes.message_kind?.members : undefined;
    if (Array.isArray(kinds)) for (const kind of kinds) usePrompt(cx, `message_kind_${kind}`, a.loc, true);
    if (name === 'count' && formsOf(entry) && g.type !== UNKNOWN && !assignable(g.type, 'number')) {
      report(
        cx,
        error(
          a.value.loc,
          `prompt '${id}' is counted: its {count} needs a number, but this is ${article(describeType(g.type))}`,
        ),
      );
    }
    if (!name) {
      report(
        cx,
        error(
          a.loc,
          `name the placeholder this value fills, e.g. \`${id}(${placeholders[i] ?? 'count'}: ...)\``,
        ),
      );
      return;
    }
    if (entry && !placeholders.includes(name)) {
      report(
        cx,
        error(
          a.name?.loc ?? a.loc,
          `prompt '${id}' has no placeholder {${name}}`,
          placeholders.length
            ? `its placeholders: ${placeholders.map((p) => `{${p}}`).join(', ')}`
            : `its text has no placeholders: "${entry.text}"`,
        ),
      );
    }
    args[name] = g;
  });
  if (entry) {
    for (const p of placeholders) {
      if (!(p in args))
        report(
          cx,
          error(item.id.loc, `prompt '${id}' needs a value for {${p}}`, `write \`say ${id}(${p}: ...)\``),
        );
    }
  }
  return args;
}

/**
 * A key's label: a prompt whose only placeholder is `{key}`, in every language (`say keys` fills
 * it with the key's name: "die 3", "star").
 */
export function useLabel(cx: CompileContext, label: Name): void {
  usePrompt(cx, label.text, label.loc);
  if (!catalogEntry(cx, label.text, label)) return;
  for (const [lang, catalog] of [...cx.catalogs.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const entry = catalog.get(label.text);
    if (!entry) continue; // the translations pass reports it
    if (!entry.placeholders.includes('key')) {
      report(
        cx,
        error(
          label.loc,
          `label '${label.text}' has no {key} in its ${lang} text`,
          `say where the key goes, e.g. "${lang === 'de' ? 'Zum Löschen drücken Sie {key}.' : 'To delete, press {key}.'}"`,
        ),
      );
    }
    const others = entry.placeholders.filter((p) => p !== 'key');
    if (others.length > 0) {
      report(
        cx,
        error(
          label.loc,
          `label '${label.text}' has ${others.map((p) => `{${p}}`).join(', ')} in its ${lang} text, which 'say keys' cannot fill`,
          'a label holds only {key}',
        ),
      );
    }
  }
}

/** the catalog entry in the default language, reporting a prompt unknown everywhere */
function catalogEntry(cx: CompileContext, id: string, name: Name): PromptEntry | undefined {
  for (const lang of [cx.decls.languages.default, ...cx.decls.languageSet]) {
    const entry = cx.catalogs.get(lang)?.get(id);
    if (entry) return entry;
  }
  const known = new Set<string>();
  for (const c of cx.catalogs.values()) for (const k of c.keys()) known.add(k);
  const guess = didYouMean(id, known);
  report(
    cx,
    error(
      name.loc,
      `unknown prompt '${id}'`,
      guess
        ? `did you mean '${guess}'? or add '${id}' to the prompt catalogs`
        : `add '${id}: "..."' to each prompts/<language>.yaml`,
    ),
  );
  cx.reportedPromptGaps.add(id);
  return undefined;
}

/** every used prompt must exist in every language the menus speak */
export function checkTranslations(cx: CompileContext): void {
  checkCountForms(cx);
  for (const id of systemPrompts)
    if (!cx.usedPrompts.has(id)) cx.usedPrompts.set(id, { file: '', line: 0, col: 0, length: 1 });
  const languages = [...cx.decls.languageSet].filter((l) => cx.catalogs.has(l)).sort();
  for (const [id, loc] of [...cx.usedPrompts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (cx.reportedPromptGaps.has(id)) continue;
    for (const lang of languages) {
      if (cx.catalogs.get(lang)!.has(id)) continue;
      const anchor = loc.file ? loc : anyCatalogLoc(cx, lang);
      report(
        cx,
        error(
          anchor,
          `prompt '${id}' has no ${lang} translation`,
          `add '${id}: "..."' to prompts/${lang}.yaml`,
        ),
      );
    }
  }
}

/**
 * A counted prompt has the same forms in every language (a German `zero` without an English one
 * would leave the English caller "zero new messages"), and no form has a placeholder its use
 * cannot fill: the `other` form's placeholders are the ones the flow gives values for.
 */
function checkCountForms(cx: CompileContext): void {
  const languages = [...cx.decls.languageSet].filter((l) => cx.catalogs.has(l)).sort();
  for (const id of [...cx.usedPrompts.keys()].sort()) {
    if (cx.reportedPromptGaps.has(id)) continue;
    const entries = languages.flatMap((lang) => {
      const entry = cx.catalogs.get(lang)!.get(id);
      return entry ? [{ lang, entry, forms: formsOf(entry) }] : [];
    });
    const counted = entries.filter((e) => e.forms);
    if (counted.length === 0) continue;
    const reference = counted[0]!;
    const names = (forms: CountForms) => countFormsOf(forms).map(([form]) => form);
    const allForms = [...new Set(counted.flatMap((e) => names(e.forms!)))];
    for (const { lang, entry, forms } of entries) {
      if (!forms) {
        report(
          cx,
          error(
            entry.loc,
            `prompt '${id}' is counted in ${reference.lang} but a plain text in ${lang}`,
            `give it the forms ${allForms.join(', ')}: \`${id}: { one: "...", other: "{count} ..." }\``,
          ),
        );
        continue;
      }
      for (const form of allForms.filter((f) => !names(forms).includes(f))) {
        const having = counted.filter((e) => names(e.forms!).includes(form)).map((e) => e.lang);
        report(
          cx,
          error(
            entry.loc,
            `prompt '${id}' has no '${form}' form in ${lang}`,
            `${having.join(', ')} ${having.length === 1 ? 'has' : 'have'} one; add \`${form}: "..."\` to its forms in prompts/${lang}.yaml`,
          ),
        );
      }
      const expected = new Set(placeholdersIn(reference.forms!.other));
      for (const [form, text] of countFormsOf(forms)) {
        const extra = placeholdersIn(text).filter((p) => !expected.has(p));
        if (extra.length > 0)
          report(
            cx,
            error(
              entry.loc,
              `the '${form}' form of prompt '${id}' in ${lang} has ${extra.map((p) => `{${p}}`).join(', ')}, which the flow does not fill`,
              `its placeholders: ${[...expected].map((p) => `{${p}}`).join(', ')}`,
            ),
          );
      }
    }
  }
}

function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!))];
}

function anyCatalogLoc(cx: CompileContext, lang: string): SourceLoc {
  const first = cx.catalogs.get(lang)?.values().next().value;
  return first
    ? { ...first.loc, line: 1, col: 1 }
    : { file: `prompts/${lang}.yaml`, line: 1, col: 1, length: 1 };
}
