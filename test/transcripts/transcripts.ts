// All scenarios' transcripts: run, written to menus/transcripts, or compared with what is there.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { textOf, type Transcript } from './format.js';
import {
  loadShipped,
  runScenario,
  ScriptNotFollowed,
  TRANSCRIPTS,
  type Scenario,
  type Shipped,
} from './runner.js';
import type { FlippedRun } from './flips.js';
import { scenarios as shippedScenarios } from './scenarios.js';

/** Calls run at once: each logs in with scrypt (two at a time, src/pin) — more gain nothing. */
const AT_ONCE = 4;

export interface Run {
  readonly shipped: Shipped;
  readonly transcripts: readonly Transcript[];
  /** `file: why` for each call that did not go as its script says */
  readonly failures: readonly string[];
}

/** `work` for each item, {@link AT_ONCE} at a time; the results in the items' order. */
async function inTurn<I, R>(items: readonly I[], work: (item: I) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  return results;
}

/** Why a call failed, with what was said up to there: a prompt that moved, a menu that went elsewhere. */
function failure(file: string, e: unknown): string {
  const said = e instanceof ScriptNotFollowed ? `\n${textOf(e.transcript).replace(/^/gm, '    ')}` : '';
  return `${file}: ${(e as Error).message}${said}`;
}

/** Every scenario in every language it has a call for, in a stable order. */
export async function runAll(scenarios: readonly Scenario[] = shippedScenarios): Promise<Run> {
  const shipped = await loadShipped();
  const jobs = scenarios.flatMap((s) => Object.keys(s.calls).map((lang) => ({ s, lang })));
  const failures: string[] = [];
  const transcripts = await inTurn(jobs, async ({ s, lang }) => {
    try {
      return await runScenario(shipped, s, lang);
    } catch (e) {
      failures.push(failure(`${TRANSCRIPTS}/${s.name}.${lang}.txt`, e));
      return undefined;
    }
  });
  return { shipped, transcripts: transcripts.filter((t) => t !== undefined), failures };
}

/** A flipped call's transcript, and what was flipped. */
export interface FlippedTranscript {
  readonly run: FlippedRun;
  readonly transcript: Transcript;
}

/**
 * The flipped calls of check (b). A call that leaves its script because a key is hidden now is
 * what a flip may do: its transcript up to there is checked. Any other failure, or an error
 * voicebox met on the call, is a finding.
 */
export async function runFlipped(
  shipped: Shipped,
  runs: readonly FlippedRun[],
): Promise<{ transcripts: FlippedTranscript[]; failures: string[] }> {
  const failures: string[] = [];
  const done = await inTurn(runs, async (run): Promise<FlippedTranscript | undefined> => {
    const name = `${TRANSCRIPTS}/${run.scenario.name}.${run.language}.txt with ${run.flip.name}`;
    let transcript: Transcript;
    try {
      transcript = await runScenario(shipped, run.scenario, run.language);
    } catch (e) {
      if (!(e instanceof ScriptNotFollowed)) {
        failures.push(failure(name, e));
        return undefined;
      }
      transcript = e.transcript;
    }
    const errors = transcript.lines.filter((l) => l.startsWith('[error:'));
    if (errors.length > 0)
      failures.push(`${name}: voicebox met an error:\n${textOf(transcript).replace(/^/gm, '    ')}`);
    return { run, transcript };
  });
  return { transcripts: done.filter((t) => t !== undefined), failures };
}

/** The files in menus/transcripts now. */
export function filesThere(): string[] {
  try {
    return readdirSync(TRANSCRIPTS)
      .filter((f) => f.endsWith('.txt'))
      .sort();
  } catch {
    return [];
  }
}

/** Writes every transcript, and removes files no scenario makes any more. */
export function writeAll(transcripts: readonly Transcript[], keep: readonly string[] = []): void {
  mkdirSync(TRANSCRIPTS, { recursive: true });
  const made = new Set([...transcripts.map((t) => t.file), ...keep]);
  for (const f of filesThere()) if (!made.has(join(TRANSCRIPTS, f))) rmSync(join(TRANSCRIPTS, f));
  for (const t of transcripts) writeFileSync(t.file, textOf(t));
}

/** A unified diff of two texts, whole lines, three lines of context. */
export function unifiedDiff(file: string, before: string, after: string): string {
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  // the longest common subsequence, by dynamic programming (transcripts are short)
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Array<{ op: ' ' | '-' | '+'; text: string; ai: number; bi: number }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ op: ' ', text: a[i]!, ai: i++, bi: j++ });
    else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!))
      ops.push({ op: '+', text: b[j]!, ai: i, bi: j++ });
    else ops.push({ op: '-', text: a[i]!, ai: i++, bi: j });
  }
  const out = [`--- a/${file}`, `+++ b/${file}`];
  const CONTEXT = 3;
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.op === ' ') {
      k++;
      continue;
    }
    const start = Math.max(0, k - CONTEXT);
    let end = k;
    // extend the hunk while changes are within 2 × CONTEXT of each other
    for (;;) {
      while (end < ops.length && ops[end]!.op !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.op === ' ' && gap - end < 2 * CONTEXT) gap++;
      if (gap < ops.length && ops[gap]!.op !== ' ') end = gap;
      else break;
    }
    end = Math.min(ops.length, end + CONTEXT);
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.op !== '+').length;
    const bLen = hunk.filter((o) => o.op !== '-').length;
    const first = hunk[0]!;
    out.push(`@@ -${aLen ? first.ai + 1 : first.ai},${aLen} +${bLen ? first.bi + 1 : first.bi},${bLen} @@`);
    for (const o of hunk) out.push(`${o.op}${o.text}`);
    k = end;
  }
  return out.join('\n') + '\n';
}

/** What differs between the transcripts and the files: one diff per changed, missing or extra file. */
export function compareAll(transcripts: readonly Transcript[]): string[] {
  const diffs: string[] = [];
  const made = new Set<string>();
  for (const t of transcripts) {
    made.add(t.file);
    let there = '';
    try {
      there = readFileSync(t.file, 'utf8');
    } catch {
      // missing: all of it is new
    }
    const now = textOf(t);
    if (there !== now) diffs.push(unifiedDiff(t.file, there, now));
  }
  for (const f of filesThere()) {
    const file = join(TRANSCRIPTS, f);
    if (!made.has(file)) diffs.push(unifiedDiff(file, readFileSync(file, 'utf8'), ''));
  }
  return diffs;
}
