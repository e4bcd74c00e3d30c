// `voicebox validate` on counted prompts: a form missing in one language, a form with a
// placeholder the flow cannot fill, a counted prompt that is plain text elsewhere, a count that is
// not a number, and the prompts a summary is said with — each found before a caller hears it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-counts-'));
  mkdirSync(join(dir, 'prompts'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SYSTEM = {
  de: 'goodbye: "Auf Wiederhören."\ninvalid_choice: "Wie bitte?"\ntechnical_problem: "Ein Fehler."\n',
  en: 'goodbye: "Goodbye."\ninvalid_choice: "Pardon?"\ntechnical_problem: "A problem."\n',
};

/** the problems `validate` reports for a flow saying `statements`, as `file:line: message` */
function validate(statements: string, catalogs: { de: string; en: string }): string[] {
  writeFileSync(
    join(dir, 'm.ivr'),
    `languages {\n  default de\n  otherwise en\n}\n\nflow f {\n  step s {\n${statements}\n    hang up\n  }\n}\n`,
  );
  writeFileSync(join(dir, 'prompts', 'de.yaml'), SYSTEM.de + catalogs.de);
  writeFileSync(join(dir, 'prompts', 'en.yaml'), SYSTEM.en + catalogs.en);
  return loadMenus(['m.ivr'], { cwd: dir }).diagnostics.map(
    (d) => `${d.loc.file}:${d.loc.line}: ${d.message}`,
  );
}

const FAX_DE =
  'count_new_fax:\n  zero: "keine neuen Faxe"\n  one: "ein neues Fax"\n  other: "{count} neue Faxe"\n';
const FAX_EN = 'count_new_fax:\n  zero: "no new faxes"\n  one: "one new fax"\n  other: "{count} new faxes"\n';

describe('counted prompts in validate', () => {
  it('accepts the same forms in every language, with a number for {count}', () => {
    expect(validate('    say count_new_fax(count: 2)', { de: FAX_DE, en: FAX_EN })).toEqual([]);
  });

  it('reports a form missing in one language, at that catalog', () => {
    const en = 'count_new_fax:\n  one: "one new fax"\n  other: "{count} new faxes"\n';
    expect(validate('    say count_new_fax(count: 2)', { de: FAX_DE, en })).toEqual([
      "prompts/en.yaml:4: prompt 'count_new_fax' has no 'zero' form in en",
    ]);
  });

  it('reports a form with a placeholder the flow does not fill', () => {
    const en = FAX_EN.replace('"{count} new faxes"', '"{count} new faxes from {sender}"');
    expect(validate('    say count_new_fax(count: 2)', { de: FAX_DE, en })).toEqual([
      "prompts/en.yaml:4: the 'other' form of prompt 'count_new_fax' in en has {sender}, which the flow does not fill",
    ]);
  });

  it('reports a prompt that is counted in one language and plain text in another', () => {
    expect(
      validate('    say count_new_fax(count: 2)', { de: FAX_DE, en: 'count_new_fax: "{count} new faxes"\n' }),
    ).toEqual(["prompts/en.yaml:4: prompt 'count_new_fax' is counted in de but a plain text in en"]);
  });

  it('reports forms the catalog cannot read: an unknown form, no other', () => {
    const de =
      'count_new_fax:\n  one: "ein neues Fax"\n  few: "{count} neue Faxe"\n  other: "{count} neue Faxe"\n';
    const en = 'count_new_fax:\n  one: "one new fax"\n';
    expect(validate('', { de, en })).toEqual([
      'prompts/de.yaml:4: prompt \'count_new_fax\': unknown form "few"; a counted prompt has the forms one, other and (if needed) zero',
      'prompts/en.yaml:4: prompt \'count_new_fax\': a counted prompt needs an "other" form, e.g. other: "{count} …"',
    ]);
  });

  it('reports a count that is not a number', () => {
    expect(validate('    say count_new_fax(count: "viele")', { de: FAX_DE, en: FAX_EN })).toEqual([
      "m.ivr:8: prompt 'count_new_fax' is counted: its {count} needs a number, but this is a string",
    ]);
  });
});

describe('the prompts a summary is said with', () => {
  const summaryFlow = [
    '    user = lookup user(call.called)',
    '      on unknown -> hang up',
    '    summary = message summary(user)',
    '      on unavailable -> hang up',
    '    say you_have(items: summary)',
  ].join('\n');

  it('must exist in every language, though no flow names them', () => {
    const problems = validate(summaryFlow, {
      de: 'you_have: "Sie haben {items}."\n',
      en: 'you_have: "You have {items}."\n',
    });
    expect(problems).toContain("m.ivr:12: prompt 'count_new_voice' has no de translation");
    expect(problems).toContain("m.ivr:12: prompt 'count_old_sms' has no en translation");
    expect(problems).toContain("m.ivr:12: prompt 'no_new_messages' has no de translation");
  });

  it('are all in the shipped catalogs', () => {
    const shipped = loadMenus(['menus']).diagnostics.filter((d) =>
      /count_|no_new_messages|you_have/.test(d.message),
    );
    expect(shipped).toEqual([]);
  });
});
