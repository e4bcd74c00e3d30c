import { compileFiles, parse, type PromptCatalogs, type PromptEntry } from '../../dsl/index.js';

const texts: Record<string, string> = {
  invalid_choice: 'Not valid.',
  goodbye: 'Goodbye.',
  technical_problem: 'Sorry.',
  hello: 'Hello.',
  thanks: 'Thank you.',
  count_prompt: 'You have {count} messages.',
  message_number: 'Message {number}.',
};

/** en and de catalogs holding the prompts above */
export function catalogs(extra: Record<string, string> = {}): PromptCatalogs {
  const result: PromptCatalogs = new Map();
  for (const lang of ['en', 'de']) {
    const map = new Map<string, PromptEntry>();
    for (const [id, text] of Object.entries({ ...texts, ...extra })) {
      const placeholders = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      map.set(id, { text, placeholders, loc: { file: `${lang}.yaml`, line: 1, col: 1, length: 1 } });
    }
    result.set(lang, map);
  }
  return result;
}

export const header = 'languages {\n  default en\n  offer en, de\n}\n';

/** compile one in-memory file (the languages header is added) */
export function compileSource(source: string, extraPrompts: Record<string, string> = {}) {
  const parsed = parse('test.ivr', header + source);
  const result = compileFiles([parsed.file], catalogs(extraPrompts));
  const diagnostics = [...parsed.diagnostics, ...result.diagnostics];
  return {
    bundle: result.bundle,
    diagnostics,
    errors: diagnostics
      .filter((d) => d.severity === 'error')
      .sort((a, b) => a.loc.line - b.loc.line || a.loc.col - b.loc.col)
      .map((d) => `${d.loc.line - 4}:${d.loc.col} ${d.message}`),
  };
}
