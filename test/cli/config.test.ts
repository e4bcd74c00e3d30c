// `voicebox config example` and `voicebox config check`, as an admin uses them: the sample file
// is the schema (every key, its default), the shipped copy is the generator's output, and a
// check names every mistake with its key and line and never shows a secret.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { loadConfig, parseConfig, schema, type ConfigError, type Rule } from '../../src/config/index.js';

async function voicebox(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(['node', 'voicebox', ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
  });
  return { code, out, err };
}

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'voicebox-config-cli-')), 'voicebox.yaml');
  writeFileSync(file, text);
  return file;
}

/** every leaf key of the schema, dotted, with its rule */
function leaves(fields: Record<string, Rule>, prefix = ''): Array<[string, Rule]> {
  return Object.entries(fields).flatMap(([k, r]): Array<[string, Rule]> =>
    r.kind === 'section' ? leaves(r.fields, `${prefix}${k}.`) : [[`${prefix}${k}`, r]],
  );
}

function names(fields: Record<string, Rule>): string[] {
  return Object.entries(fields).flatMap(([k, r]) => [k, ...(r.kind === 'section' ? names(r.fields) : [])]);
}

/** the example with every key line made active ("# " taken away), notes left as comments */
function uncommented(text: string): string {
  const keys = new Set(names(schema));
  return text
    .split('\n')
    .map((l) => {
      const m = /^(\s*)# (\s*([A-Za-z_]+):(?: .*)?)$/.exec(l);
      return m && keys.has(m[3]!) ? `${m[1]}${m[2]}` : l;
    })
    .join('\n');
}

describe('voicebox config example', () => {
  it('is the checked-in examples/voicebox.yaml (regenerate: voicebox config example > examples/voicebox.yaml)', async () => {
    const { code, out } = await voicebox('config', 'example');
    expect(code).toBe(0);
    expect(readFileSync('examples/voicebox.yaml', 'utf8')).toBe(out);
  });

  it('reads as the defaults, and names every key of the schema with its default', async () => {
    const { out } = await voicebox('config', 'example');
    const file = configFile(out);
    expect(loadConfig(file)).toEqual(parseConfig({}, file, '', dirname(file)));
    const active = load(uncommented(out)) as Record<string, Record<string, unknown>>;
    for (const [key, rule] of leaves(schema)) {
      const path = key.split('.');
      let at: unknown = active;
      for (const p of path.slice(0, -1)) at = (at as Record<string, unknown>)[p];
      const holder = at as Record<string, unknown>;
      expect(holder, key).toBeTypeOf('object');
      expect(Object.keys(holder), key).toContain(path[path.length - 1]);
      const value = holder[path[path.length - 1]!];
      if ('default' in rule && rule.default !== undefined) expect(value, key).toEqual(rule.default);
      else expect(value, key).toBeNull();
    }
  });

  it('with every key made active, only the keys that have no default are missing', async () => {
    const { out } = await voicebox('config', 'example');
    let problems: string[] = [];
    try {
      parseConfig(load(uncommented(out)));
    } catch (e) {
      problems = (e as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
    }
    expect(problems.sort()).toEqual([
      'directory.ldap.servers: is required: a list',
      'mail.smtp.host: is required',
      'mailbox.imap.hostRule.attribute: is required',
      'mailbox.imap.hostRule.pattern: is required',
      'mailbox.imap.hostRule.replacement: is required',
    ]);
  });

  it("turns the schema's hints into comments above their keys", async () => {
    const { out } = await voicebox('config', 'example');
    expect(out).toContain('  # HOST:PORT, e.g. 127.0.0.1:8084\n  # listen: 127.0.0.1:8084\n');
    expect(out).toMatch(
      /# must contain \{number\}, e\.g\. sofia\/gateway\/pbx\/\{number\}\n {2}# dialString: user\/\{number\}\n/,
    );
    expect(out).toMatch(/# \(one of: yaml, ldap\)\n {2}# type: yaml\n/);
  });
});

describe('voicebox config check', () => {
  it('reports every mistake with its file, line and key, exits 1 and never shows a secret', async () => {
    const file = configFile(
      'freeswitch:\n  listen: nope\n  token: hunter2\nmail:\n  smtp:\n    port: 99999\n    password: hunter3\nmenu:\n  colour: blue\n',
    );
    const { code, out, err } = await voicebox('config', 'check', '--config', file);
    expect(code).toBe(1);
    expect(out).toBe('');
    const lines = err.trim().split('\n');
    expect(lines).toEqual([
      `${file}:2: freeswitch.listen: 'nope' is not valid: HOST:PORT, e.g. 127.0.0.1:8084`,
      expect.stringMatching(new RegExp(`^${file}:3: freeswitch.token: this value is not valid: `)),
      `${file}:5: mail.smtp.host: is required`,
      `${file}:6: mail.smtp.port: must be at most 65535, got 99999`,
      expect.stringMatching(new RegExp(`^${file}:9: menu.colour: unknown setting`)),
      `5 problems in ${file}`,
    ]);
    expect(err).not.toContain('hunter');
  });

  it('says where broken YAML is', async () => {
    const file = configFile('freeswitch:\n  listen: [1, 2\n');
    const { code, err } = await voicebox('config', 'check', '--config', file);
    expect(code).toBe(1);
    expect(err).toMatch(new RegExp(`^${file}:3: \\(file\\): not valid YAML`));
  });

  it("prints the settings in effect: paths from the config file's folder, secrets hidden", async () => {
    const file = configFile(
      'freeswitch:\n  token: f3b9c2a77e1d4c0b9a8e6d5c4b3a2910\nmail:\n  spool: var/spool\n  smtp:\n    host: mail.example.com\n    password: hunter3\n',
    );
    const dir = file.slice(0, -'/voicebox.yaml'.length);
    const { code, out, err } = await voicebox('config', 'check', '--config', file);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`relative paths are taken from ${dir}`);
    const shown = load(out) as {
      mail: { spool: string; maildir: string; smtp: { password: string } };
      freeswitch: { token: string };
    };
    expect(shown.mail.spool).toBe(join(dir, 'var/spool'));
    expect(shown.mail.maildir).toBe(join(dir, 'maildir'));
    expect(shown.mail.smtp.password).toBe('********');
    expect(shown.freeswitch.token).toBe('********');
    expect(out).not.toContain('hunter3');
    expect(out).not.toContain('f3b9c2a77e1d4c0b9a8e6d5c4b3a2910');
  });

  it('names the welcome mail file it cannot read, with its key and line', async () => {
    const file = configFile(
      'welcome:\n  from: voicemailbox@example.com\n  attachments:\n    - /nonexistent/quick-guide.pdf\n',
    );
    const { code, err } = await voicebox('config', 'check', '--config', file);
    expect(code).not.toBe(0);
    expect(err.trim().split('\n')).toEqual([
      `${file}:3: welcome.attachments: '/nonexistent/quick-guide.pdf' cannot be read by voicebox: ENOENT`,
      `1 problem in ${file}`,
    ]);
  });

  it('a missing file is a problem of the file, not a crash', async () => {
    const { code, err } = await voicebox('config', 'check', '--config', '/nonexistent/voicebox.yaml');
    expect(code).toBe(1);
    expect(err).toContain('/nonexistent/voicebox.yaml: (file): cannot read: ENOENT');
  });
});
