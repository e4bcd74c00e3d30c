// Compiler-style diagnostics: `path:line:col: error: message`, the source line, a
// caret under the spot, then a hint.
import type { SourceLoc } from '../src/graph/index.js';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  loc: SourceLoc;
  message: string;
  hint: string | undefined;
}

export function error(loc: SourceLoc, message: string, hint?: string): Diagnostic {
  return { severity: 'error', loc, message, hint };
}

export function warning(loc: SourceLoc, message: string, hint?: string): Diagnostic {
  return { severity: 'warning', loc, message, hint };
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    (a.loc.file < b.loc.file ? -1 : a.loc.file > b.loc.file ? 1 : 0) ||
    a.loc.line - b.loc.line ||
    a.loc.col - b.loc.col ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

export interface FormatOptions {
  /** the text of each source file, to show the offending line */
  sources?: ReadonlyMap<string, string>;
  color?: boolean;
}

export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const color = options.color ?? false;
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const label = d.severity === 'error' ? paint('1;31', 'error') : paint('1;33', 'warning');
  const lines = [`${paint('1', `${d.loc.file}:${d.loc.line}:${d.loc.col}`)}: ${label}: ${d.message}`];
  const source = options.sources?.get(d.loc.file);
  if (source !== undefined && d.loc.line > 0) {
    const text = source.split('\n')[d.loc.line - 1];
    if (text !== undefined) {
      const shownLine = text.replace(/\t/g, ' ').replace(/\r$/, '');
      const gutter = String(d.loc.line).padStart(4);
      lines.push(`${gutter} | ${shownLine}`);
      const width = Math.max(1, Math.min(d.loc.length, shownLine.length - d.loc.col + 1));
      lines.push(
        `${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, d.loc.col - 1))}${paint('1;32', '^' + '~'.repeat(width - 1))}`,
      );
    }
  }
  if (d.hint) lines.push(`${' '.repeat(4)} = hint: ${d.hint}`);
  return lines.join('\n');
}

/** Levenshtein distance, for "did you mean" hints. */
export function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      best = c;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
