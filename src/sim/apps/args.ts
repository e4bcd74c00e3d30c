/** FreeSWITCH-style argument split: at spaces, honouring single and double quotes. */
export function splitArgs(arg: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of arg.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** An integer argument (truncated), `fallback` when absent or not a number. */
export function int(s: string | undefined, fallback: number): number {
  const n = Number(s);
  return s !== undefined && s !== '' && Number.isFinite(n) ? Math.trunc(n) : fallback;
}

/** A regular expression from the dialplan, or undefined when it does not compile. */
export function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}
