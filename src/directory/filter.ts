// The LDAP search filter for a called number: a template from the config, every value escaped
// (RFC 4515). A called number is hostile input: `*)(uid=*` must find nobody. Pure: no I/O.
import { DirectoryConfigError } from './types.js';

/**
 * Escapes a value for an LDAP filter (RFC 4515 §3): `\` `*` `(` `)` NUL as `\5c` `\2a` `\28` `\29`
 * `\00`; other control characters too, so a logged filter stays one readable line.
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === '*' || ch === '(' || ch === ')' || c < 0x20 || c === 0x7f) {
      out += `\\${c.toString(16).padStart(2, '0')}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** Placeholders and what each becomes, per number format the caller gave. */
const asGiven = (f: string): string => f;
const PLACEHOLDERS: Record<string, (format: string) => string> = {
  NUMBER: asGiven,
  // ixi-UMS's names (the ixi-UMS Voice-Mail Server manual §4.2.3): UMS without white space, UMS_WHTSPC as given (canonical has spaces)
  UMS: (f) => f.replace(/\s+/g, ''),
  UMS_WHTSPC: asGiven,
};

/** Formats longer than this are not phone numbers: ignored (hostile input stays small). */
export const MAX_FORMAT_LENGTH = 64;
/** At most this many formats are searched. */
export const MAX_FORMATS = 16;

export interface FilterTemplate {
  readonly source: string;
  /** The filter for these number formats, or undefined when none is usable (then search nobody). */
  build(formats: string[]): string | undefined;
}

interface Piece {
  text: string;
  /** a simple item `(attr=…${NUMBER}…)` to expand once per format */
  expand: boolean;
}

/** The usable formats: trimmed, non-empty, short, unique, at most MAX_FORMATS. */
export function usableFormats(formats: string[]): string[] {
  const out: string[] = [];
  for (const f of formats) {
    const t = f.trim();
    if (t === '' || t.length > MAX_FORMAT_LENGTH || out.includes(t)) continue;
    out.push(t);
    if (out.length === MAX_FORMATS) break;
  }
  return out;
}

/**
 * Compiles a filter template. Each simple item holding a placeholder, e.g.
 * `(voiceboxMailboxNumber=${NUMBER})`, expands to an OR over all number formats:
 * `(|(voiceboxMailboxNumber=+49 30 1234501)(voiceboxMailboxNumber=+49301234501))`.
 * Throws DirectoryConfigError (naming `key`) for an unbalanced template, an unknown placeholder,
 * a placeholder outside a simple item, or a template without placeholder.
 */
export function compileFilterTemplate(source: string, key = 'ldap.filter'): FilterTemplate {
  const bad = (why: string) => new DirectoryConfigError(`${key}: ${why} in filter template ${source}`);
  const t = source.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) throw bad('a filter must be enclosed in parentheses');
  for (const m of t.matchAll(/\$\{([^}]*)\}/g)) {
    if (!(m[1] !== undefined && m[1] in PLACEHOLDERS)) {
      throw bad(`unknown placeholder \${${m[1] ?? ''}} (known: ${Object.keys(PLACEHOLDERS).join(', ')})`);
    }
  }
  if (!/\$\{/.test(t)) throw bad('no ${NUMBER} placeholder');

  // split into pieces: innermost items with a placeholder are expanded, the rest is copied
  const pieces: Piece[] = [];
  const stack: { start: number; leaf: boolean }[] = [];
  let copiedUpTo = 0;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (ch === '(') {
      const parent = stack[stack.length - 1];
      if (parent !== undefined) parent.leaf = false;
      stack.push({ start: i, leaf: true });
    } else if (ch === ')') {
      const open = stack.pop();
      if (open === undefined) throw bad(`unbalanced ")" at ${i + 1}`);
      const item = t.slice(open.start, i + 1);
      if (open.leaf && item.includes('${')) {
        pieces.push({ text: t.slice(copiedUpTo, open.start), expand: false });
        pieces.push({ text: item, expand: true });
        copiedUpTo = i + 1;
      }
    }
    if (stack.length === 0 && i < t.length - 1) throw bad(`text after the filter's end at ${i + 2}`);
  }
  if (stack.length > 0) throw bad('unbalanced "("');
  pieces.push({ text: t.slice(copiedUpTo), expand: false });
  if (pieces.some((p) => !p.expand && p.text.includes('${'))) {
    throw bad('a placeholder must be inside a simple item such as (attribute=${NUMBER})');
  }

  return {
    source,
    build(formats: string[]): string | undefined {
      const usable = usableFormats(formats);
      if (usable.length === 0) return undefined;
      return pieces
        .map((p) => {
          if (!p.expand) return p.text;
          const alternatives = [
            ...new Set(
              usable.map((f) =>
                p.text.replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) =>
                  escapeFilterValue((PLACEHOLDERS[name] ?? asGiven)(f)),
                ),
              ),
            ),
          ];
          return alternatives.length === 1 ? alternatives[0] : `(|${alternatives.join('')})`;
        })
        .join('');
    },
  };
}
