// Every file in test/fixtures/dsl/bad is a mistake an integrator could make; the
// `# expect:` lines at its end are the diagnostics voicebox must give, exactly.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';

const dir = 'test/fixtures/dsl/bad';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ivr'))
  .sort();

describe('bad inputs', () => {
  it('has a corpus of at least 40 mistakes', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  for (const file of files) {
    it(file, () => {
      const path = `${dir}/${file}`;
      const expected = [...readFileSync(path, 'utf8').matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
      const loaded = loadMenus([path], { prompts: 'test/fixtures/dsl/prompts' });
      const actual = loaded.diagnostics.map((d) => `${d.loc.line}:${d.loc.col} ${d.severity}: ${d.message}`);
      expect(actual).toEqual(expected);
      expect(loaded.diagnostics.every((d) => d.loc.file === path)).toBe(true);
      expect(expected.length).toBeGreaterThan(0);
    });
  }
});
