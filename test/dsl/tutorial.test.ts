// The tutorial in dsl/README.md, done as a user would: on a copy of the shipped menus.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import { actions } from '../../src/graph/index.js';

function copyOfMenus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-tutorial-'));
  cpSync('menus', dir, { recursive: true });
  return dir;
}

function edit(path: string, from: string, to: string): void {
  const text = readFileSync(path, 'utf8');
  expect(text).toContain(from);
  writeFileSync(path, text.replace(from, to));
}

const errors = (dir: string) =>
  loadMenus([dir], { cwd: dir })
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col}: ${d.message}`);

describe('the tutorial', () => {
  it('changes the quick-message key', () => {
    const dir = copyOfMenus();
    edit(join(dir, 'voicebox.ivr'), 'press 0 -> leave_message', 'press 9 -> leave_message');
    expect(errors(dir)).toEqual([]);
  });

  it('catches a quick-message key the menu already uses', () => {
    const dir = copyOfMenus();
    edit(join(dir, 'voicebox.ivr'), 'press 0 -> leave_message', 'press 1 -> leave_message');
    expect(errors(dir)).toEqual(["voicebox.ivr:133:11: key 1 is already used in menu 'greeting'"]);
  });

  it('adds "press 3 for the reception"', () => {
    const dir = copyOfMenus();
    const voicebox = join(dir, 'voicebox.ivr');
    edit(
      voicebox,
      '    press 0 -> leave_message',
      '    say press_3_reception\n    press 3 -> reception\n    press 0 -> leave_message',
    );
    edit(
      voicebox,
      '  step transfer_call {',
      '  step reception {\n    say connecting\n    transfer to "+49301234500"\n      on failed -> leave_message\n  }\n\n  step transfer_call {',
    );
    // first without the German text, as the tutorial warns
    writeFileSync(
      join(dir, 'prompts', 'en.yaml'),
      readFileSync(join(dir, 'prompts', 'en.yaml'), 'utf8') +
        'press_3_reception: "For the reception, press 3."\n',
    );
    expect(errors(dir)).toEqual([
      expect.stringContaining("prompt 'press_3_reception' has no de translation"),
    ]);
    writeFileSync(
      join(dir, 'prompts', 'de.yaml'),
      readFileSync(join(dir, 'prompts', 'de.yaml'), 'utf8') +
        'press_3_reception: "Für die Zentrale drücken Sie die 3."\n',
    );
    const loaded = loadMenus([dir], { cwd: dir });
    expect(loaded.diagnostics).toEqual([]);
    const greeting = loaded.bundle.flows.voicebox!.nodes['voicebox.greeting'];
    expect(greeting?.kind === 'menu' && greeting.options.find((o) => o.key === '3')?.next).toBe(
      'voicebox.reception',
    );
  });
});

describe('the language reference', () => {
  it('documents every builtin action', () => {
    const readme = readFileSync('dsl/README.md', 'utf8');
    for (const [name, signature] of Object.entries(actions)) {
      const params = signature.params.map((p) => `${p.name}: ${p.type}`).join(', ');
      expect(readme, name).toContain(`\`${name}(${params})\``);
    }
  });
});
