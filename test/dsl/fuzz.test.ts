// Mutated menu files must give diagnostics, never an exception: a broken file an
// integrator saves must not crash `voicebox validate` or the server that loads it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFiles, parse } from '../../dsl/index.js';
import { catalogs } from './helpers.js';

/** small deterministic PRNG (mulberry32), so a failure can be replayed by its seed */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = [
  '{',
  '}',
  '(',
  ')',
  '->',
  '"',
  '#',
  '*',
  ':',
  ',',
  '=',
  '==',
  'menu',
  'step',
  'press',
  'say',
  'if',
  'else',
  'for each',
  'on',
  'goto',
  'record',
  'transfer to',
  'hang up',
  'retry',
  'repeat',
  'next',
  '0',
  '99',
  '5s',
  '08:00',
  '12-24',
  '+49',
  'x',
  '\n',
  ' ',
  'é',
  '\u0000',
  '"unterminated',
];

function mutate(text: string, rnd: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    if (op < 0.35) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 20));
    else if (op < 0.7) s = s.slice(0, at) + pieces[Math.floor(rnd() * pieces.length)]! + s.slice(at);
    else {
      const other = Math.floor(rnd() * s.length);
      const len = Math.floor(rnd() * 30);
      s = s.slice(0, at) + s.slice(other, other + len) + s.slice(at);
    }
  }
  return s;
}

const sources = ['menus/company.ivr', 'menus/voicebox.ivr', 'menus/inquiry.ivr', 'menus/settings.ivr'].map(
  (p) => ({
    path: p,
    text: readFileSync(p, 'utf8'),
  }),
);
const prompts = catalogs();

describe('fuzzing the parser and checker', () => {
  // FUZZ_SEEDS=5000 for a longer hunt; the seeds are fixed, so CI runs the same cases every time
  const seeds = Array.from({ length: Number(process.env.FUZZ_SEEDS ?? 300) }, (_, i) => i + 1);
  it.each(seeds.map((s) => [s]))('seed %i gives diagnostics, not an exception', (seed) => {
    const rnd = random(seed);
    const victim = sources[seed % sources.length]!;
    const files = sources.map((s) => (s === victim ? { ...s, text: mutate(s.text, rnd) } : s));
    const parsed = files.map((f) => parse(f.path, f.text));
    const result = compileFiles(
      parsed.map((p) => p.file),
      prompts,
    );
    const all = [...parsed.flatMap((p) => p.diagnostics), ...result.diagnostics];
    for (const d of all) {
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.loc.line).toBeGreaterThanOrEqual(0);
      expect(['error', 'warning']).toContain(d.severity);
    }
    // a tree broken by syntax errors may trip the checker (loadMenus then shows only
    // the syntax errors); a tree without them must not
    const syntaxErrors = parsed.some((p) => p.diagnostics.length > 0);
    if (!syntaxErrors) expect(all.filter((d) => d.message.startsWith('internal error'))).toEqual([]);
    // the result is always plain data
    expect(() => JSON.stringify(result.bundle)).not.toThrow();
  });
});

describe('the checker never throws', () => {
  it('turns a failure of its own into an internal-error diagnostic', () => {
    // a syntax tree no parser would build: a flow without a body
    const broken = {
      path: 'x.ivr',
      imports: [],
      languages: [],
      officeHours: [],
      profiles: [],
      flows: [{ name: { text: 'f', loc: { file: 'x.ivr', line: 1, col: 1, length: 1 } } }],
    };
    const result = compileFiles([broken as never], prompts);
    expect(result.diagnostics.map((d) => d.message.split(':')[0])).toEqual(['internal error in the checker']);
  });
});
