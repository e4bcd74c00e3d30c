// The admin's view: `voicebox validate | compile | graph` as run from a shell.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { voicebox } from '../support/in-process.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'voicebox-cli-'));
}

describe('voicebox validate', () => {
  it('accepts the shipped menus', async () => {
    const r = await voicebox('validate', 'menus/');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: 4 files, 4 flows, \d+ nodes, \d+ prompts\n$/);
  });

  it('reports a syntax error, an unknown target, a duplicate key and a missing translation in one run', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'prompts'));
    writeFileSync(
      join(dir, 'prompts', 'en.yaml'),
      'hello: "Hello."\nbye: "Bye."\ninvalid_choice: "No."\ngoodbye: "Goodbye."\ntechnical_problem: "Sorry."\n',
    );
    writeFileSync(
      join(dir, 'prompts', 'de.yaml'),
      'hello: "Hallo."\ninvalid_choice: "Nein."\ngoodbye: "Tschüss."\ntechnical_problem: "Pardon."\n',
    );
    const file = join(dir, 'broken.ivr');
    writeFileSync(
      file,
      [
        'languages {',
        '  default en',
        '  offer en, de',
        '}',
        'flow demo {',
        '  menu main {',
        '    say hello, bye',
        '    press 1 -> nowhere',
        '    press 2 -> main',
        '    press 2 -> main',
        '    press 3 -> (',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const r = await voicebox('validate', file);
    expect(r.code).toBe(1);
    const headers = r.err.split('\n').filter((l) => / error: /.test(l));
    expect(headers).toHaveLength(4);
    expect(headers.map((h) => h.replace(file, 'F'))).toEqual([
      "F:7:16: error: prompt 'bye' has no de translation",
      "F:8:16: error: unknown menu or step 'nowhere'",
      "F:10:11: error: key 2 is already used in menu 'main'",
      expect.stringMatching(/^F:11:16: error: unexpected '\('/),
    ]);
    // each error shows its line and a caret under the spot
    expect(r.err).toContain('   8 |     press 1 -> nowhere\n     |                ^~~~~~~\n');
    expect(r.err).toMatch(/4 errors, 0 warnings\n$/);
  });

  it('passes with warnings, and fails on them with --strict', async () => {
    const dir = scratch();
    cpSync('test/fixtures/dsl/prompts', join(dir, 'prompts'), { recursive: true });
    cpSync('test/fixtures/dsl/bad/09-unreachable-menu.ivr', join(dir, 'menu.ivr'));
    const relaxed = await voicebox('validate', join(dir, 'menu.ivr'));
    expect(relaxed.code).toBe(0);
    expect(relaxed.err).toContain("warning: menu 'lonely' is never reached");
    const strict = await voicebox('validate', '--strict', join(dir, 'menu.ivr'));
    expect(strict.code).toBe(1);
  });

  it('says clearly when a path does not exist', async () => {
    const r = await voicebox('validate', 'no/such/menus');
    expect(r.code).toBe(1);
    expect(r.err).toContain('no/such/menus:0:0: error: no such file or folder');
  });
});

describe('voicebox compile', () => {
  it('writes the same bytes for the same input', async () => {
    const dir = scratch();
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect((await voicebox('compile', 'menus/', '-o', a)).code).toBe(0);
    expect((await voicebox('compile', 'menus/', '-o', b)).code).toBe(0);
    const bytes = readFileSync(a, 'utf8');
    expect(bytes).toBe(readFileSync(b, 'utf8'));
    const bundle = JSON.parse(bytes) as { format: string; flows: Record<string, unknown> };
    expect(bundle.format).toBe('voicebox-ivr-bundle');
    expect(Object.keys(bundle.flows)).toContain('voicebox');
  });

  it('writes nothing when the menus have errors', async () => {
    const dir = scratch();
    const out = join(dir, 'bundle.json');
    const r = await voicebox(
      'compile',
      'test/fixtures/dsl/bad/02-unknown-target.ivr',
      '--prompts',
      'test/fixtures/dsl/prompts',
      '-o',
      out,
    );
    expect(r.code).toBe(1);
    expect(() => readFileSync(out)).toThrow();
  });
});

describe('voicebox graph', () => {
  it('draws DOT', async () => {
    const r = await voicebox('graph', 'menus/voicebox.ivr', '--format', 'dot');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^digraph voicebox \{/);
    expect(r.out).toContain('"voicebox.greeting" -> "voicebox.leave_message" [label="0"]');
  });

  it('draws a Mermaid flowchart of one menu', async () => {
    const r = await voicebox('graph', 'menus/', '--menu', 'settings.change_pin', '--format', 'mermaid');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^flowchart TD\n/);
    expect(r.out).toContain('menu change_pin');
    expect(r.out).toContain('menu confirm_pin');
    // the door to the inquiry flow is drawn, but not what lies behind it
    expect(r.out).not.toContain('menu pin');
  });

  it('names an unknown menu', async () => {
    const r = await voicebox('graph', 'menus/', '--menu', 'nosuch');
    expect(r.code).toBe(1);
    expect(r.err).toContain("no flow or menu named 'nosuch'");
  });

  it('renders SVG through Graphviz', async () => {
    const r = await voicebox('graph', 'menus/voicebox.ivr', '--format', 'svg');
    expect(r.code).toBe(0);
    expect(r.out).toContain('<svg');
  });

  it('the DOT of every shipped flow is accepted by Graphviz', async () => {
    const r = await voicebox('graph', 'menus/', '--format', 'dot');
    const dot = spawnSync('dot', ['-Tsvg'], { input: r.out, encoding: 'utf8' });
    expect(dot.stderr).toBe('');
    expect(dot.status).toBe(0);
    expect(dot.stdout).toContain('<svg');
  });
});

describe('help', () => {
  it('every command explains itself with an example', async () => {
    for (const command of [['validate'], ['compile'], ['graph'], ['prompts', 'build']]) {
      const r = await voicebox(...command, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain('Example');
    }
  });
});
