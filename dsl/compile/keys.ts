// What a menu says about its keys: a key the caller may not have must never be named in a
// prompt said whether or not it is there. Such a key carries a label instead, which `say keys`
// says only while the key is enabled.
import type { MenuDecl } from '../ast.js';
import { error, warning } from '../diagnostics.js';
import { exprText } from '../draw.js';
import type { GraphExpr, SourceLoc } from '../../src/graph/index.js';
import { report, type CompileContext } from './context.js';

/** a prompt or `say keys` among a menu's prompts, with the condition it is said under */
export type SaidPrompt =
  | { kind: 'prompt'; id: string; loc: SourceLoc; when?: GraphExpr }
  | { kind: 'keys'; loc: SourceLoc; when?: GraphExpr };

interface KeyOption {
  key: string;
  label?: string;
  when?: GraphExpr;
}

/** labels are said by `say keys`: a menu with labels and without it announces nothing */
export function checkLabels(cx: CompileContext, m: MenuDecl, said: SaidPrompt[]): void {
  const saysKeys = said.some((s) => s.kind === 'keys');
  const labelled = m.options.filter((o) => o.label);
  if (labelled.length > 0 && !saysKeys) {
    const first = labelled[0]!;
    report(
      cx,
      warning(
        first.label!.loc,
        `menu '${m.name.text}' has labelled keys but never says them`,
        'add `say keys` to its prompts',
      ),
    );
  }
  if (saysKeys && labelled.length === 0) {
    const at = said.find((s) => s.kind === 'keys')!;
    report(
      cx,
      warning(
        at.loc,
        `'say keys' says nothing: no key of menu '${m.name.text}' has a label`,
        'write `press 1 label <prompt> -> ...`',
      ),
    );
  }
}

/** the parts of a condition joined by `and` */
function conjuncts(e: GraphExpr): string[] {
  if (e.kind === 'binary' && e.op === 'and') return [...conjuncts(e.left), ...conjuncts(e.right)];
  return [JSON.stringify(e)];
}

/** a prompt said only under `sayWhen` may name a key enabled under `keyWhen` */
function implies(sayWhen: GraphExpr | undefined, keyWhen: GraphExpr): boolean {
  if (!sayWhen) return false;
  const held = new Set(conjuncts(sayWhen));
  return conjuncts(keyWhen).every((c) => held.has(c));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * How a prompt's text names a key, in the languages voicebox speaks: "die 5", "Taste 5",
 * "press 5", a list's ", 5." and "5 oder 9"; the star and hash keys by their names.
 */
export function namesKey(text: string, key: string): boolean {
  if (key === '*') return /\*|\bstern(?:-?taste)?\b|\bstar\b/i.test(text);
  if (key === '#') return /#|\braute(?:-?taste)?\b|\bhash\b|\bpound\b/i.test(text);
  const k = `(?<![\\d{])${escape(key)}(?![\\d}])`;
  return new RegExp(
    [
      `\\b(?:die|der|Taste|press|key|drücken Sie)\\s+${k}`,
      `,\\s*${k}\\s*(?:[.,;!]|$|oder\\b|or\\b)`,
      `\\b(?:oder|or)\\s+${k}`,
    ].join('|'),
    'i',
  ).test(text);
}

function keyText(key: string): string {
  return key === '#' ? 'hash' : key;
}

function hiddenWhen(whens: GraphExpr[]): string {
  const text = (e: GraphExpr): string => (e.kind === 'binary' ? `(${exprText(e)})` : exprText(e));
  return `hidden when not ${whens.map(text).join(' and not ')}`;
}

/**
 * A prompt of the menu names a key that has a `when`, and is said also when that `when` does not
 * hold: the caller would hear of a key that does nothing.
 */
export function checkNamedKeys(cx: CompileContext, options: KeyOption[], said: SaidPrompt[]): void {
  const conditions = new Map<string, GraphExpr[] | null>();
  for (const o of options) {
    const before = conditions.get(o.key);
    if (before === null) continue;
    if (!o.when) conditions.set(o.key, null);
    else conditions.set(o.key, [...(before ?? []), o.when]);
  }
  const reported = new Set<string>();
  for (const s of said) {
    if (s.kind !== 'prompt') continue;
    for (const [key, whens] of conditions) {
      if (!whens || whens.some((w) => implies(s.when, w))) continue;
      const id = `${s.loc.file}:${s.loc.line}:${s.loc.col}:${s.id}:${key}`;
      if (reported.has(id)) continue;
      for (const catalog of cx.catalogs.values()) {
        const entry = catalog.get(s.id);
        if (!entry || !namesKey(entry.text, key)) continue;
        reported.add(id);
        report(
          cx,
          error(
            s.loc,
            `prompt '${s.id}' names key ${keyText(key)}, ${hiddenWhen(whens)}`,
            `give the key a label and say it with \`say keys\`, or say '${s.id}' only \`if ${exprText(whens[0]!)}\``,
          ),
        );
        break;
      }
    }
  }
}
