// Prompts: what `say` says (prompt ids, placeholders, spoken values), checked against the
// catalogs; after the lowering, every prompt used must exist in every language.
import type { Name, SayItem } from '../ast.js';
import { didYouMean, error } from '../diagnostics.js';
import { article, assignable, describeType, UNKNOWN } from '../types.js';
import { sayAs, type GraphExpr, type SayPart, type SourceLoc } from '../../src/graph/index.js';
import { report, type CompileContext, type PromptEntry } from './context.js';
import { expr } from './expressions.js';

/** prompts the runtime plays by itself; every language must have them */
export const systemPrompts = ['invalid_choice', 'goodbye', 'technical_problem'];

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
    if (item.kind === 'value') {
      const value = expr(cx, item.value);
      const allowed = sayAs[item.as] ?? [];
      if (value.type !== UNKNOWN && !allowed.some((t) => assignable(value.type, t))) {
        report(
          cx,
          error(
            item.value.loc,
            `'say ${item.as}' needs ${allowed.map((t) => article(describeType(t))).join(' or ')}, but this is ${article(describeType(value.type))}`,
          ),
        );
      }
      parts.push({ kind: 'value', as: item.as, value });
      continue;
    }
    parts.push({ kind: 'prompt', id: item.id.text, args: promptArgs(cx, item) });
  }
  return parts;
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

function anyCatalogLoc(cx: CompileContext, lang: string): SourceLoc {
  const first = cx.catalogs.get(lang)?.values().next().value;
  return first
    ? { ...first.loc, line: 1, col: 1 }
    : { file: `prompts/${lang}.yaml`, line: 1, col: 1, length: 1 };
}
