import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { load as loadYaml, YAMLException } from 'js-yaml';
import { schema, type CheckedConfig, type Fields, type Rule } from './schema.js';

export type ConfigValue =
  string | number | boolean | string[] | Record<string, string> | ConfigTree | ConfigTree[] | undefined;
export interface ConfigTree {
  [key: string]: ConfigValue;
}

export interface ConfigProblem {
  /** dotted key, e.g. `directory.ldap.servers` */
  key: string;
  line: number;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.key}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** a list item's dash: `  - areaCode: '8151'` */
const ITEM = /^(\s*)-(?:\s|$)/;

/** the line a dotted key is written on (0 when not written); `sites[1].areaCode` is in the second item */
function lineOf(lines: string[], key: string): number {
  // an item's first key sits on its dash line: read `- areaCode:` as `  areaCode:`
  const keyed = lines.map((l) =>
    l.replace(ITEM, (dash, pad: string) => `${pad} ${dash.slice(pad.length + 1)}`),
  );
  /** where the search for the next part starts and ends, and the line found so far (1-based) */
  let from = 0;
  let until = lines.length;
  let line = 0;
  let indent = -1;
  for (const part of key.split('.')) {
    const [, name = part, index] = /^(.*)\[(\d+)\]$/.exec(part) ?? [];
    let found = -1;
    for (let i = from; i < until; i++) {
      const m = /^(\s*)(?:"([^"]+)"|'([^']+)'|([^\s:#][^:#]*?))\s*:/.exec(keyed[i]!);
      if (!m) continue;
      const level = m[1]!.length;
      if (level <= indent) break;
      if ((m[2] ?? m[3] ?? m[4]) === name) {
        found = i;
        indent = level;
        break;
      }
    }
    if (found < 0) return line;
    from = found + 1;
    line = found + 1;
    if (index === undefined) continue;
    // the items: dash lines at one indent (YAML allows the key's own), up to the next key
    const items: number[] = [];
    let dashAt = -1;
    for (let i = found + 1; i < until; i++) {
      const level = /^\s*/.exec(lines[i]!)![0].length;
      if (ITEM.test(lines[i]!)) {
        if (level < indent) break;
        if (dashAt < 0) dashAt = level;
        if (level === dashAt) items.push(i);
      } else if (/^\s*[^\s#]/.test(lines[i]!) && level <= Math.max(indent, dashAt)) break;
    }
    const item = items[Number(index)];
    if (item === undefined) return line;
    from = item;
    until = items[Number(index) + 1] ?? until;
    line = item + 1;
    indent = dashAt;
  }
  return line;
}

interface Checking {
  problems: Array<{ key: string; message: string }>;
  /** the folder relative paths are taken from */
  base: string;
}

function check(rule: Rule, value: unknown, key: string, ctx: Checking): ConfigValue {
  const { problems } = ctx;
  // an admin reads `spool: spool` beside the config file as "next to this file", wherever
  // voicebox was started from (systemd, cron, a shell in another folder); '' (an `empty` rule's
  // "none", also as its default) names no file — made a path it would be the folder itself
  const atBase = (v: string): string =>
    rule.kind === 'string' && rule.path && v !== '' && !isAbsolute(v) ? resolve(ctx.base, v) : v;
  if (value === undefined || value === null) {
    switch (rule.kind) {
      case 'section':
        if (rule.optional) return undefined;
        return check(rule, {}, key, ctx);
      case 'list':
        if (rule.default) return [...rule.default];
        if (!rule.optional) problems.push({ key, message: 'is required: a list' });
        return undefined;
      case 'map':
        return undefined;
      case 'sections':
        return [];
      case 'string':
        if (rule.default !== undefined) return atBase(rule.default);
        if (!rule.optional) problems.push({ key, message: 'is required' });
        return undefined;
      default:
        if (rule.default !== undefined) return rule.default;
        if (!rule.optional) problems.push({ key, message: 'is required' });
        return undefined;
    }
  }
  switch (rule.kind) {
    case 'string': {
      if (typeof value === 'number') value = String(value);
      // `log: ''` (none), `domain: ''` (off): the sample file shows them so
      if (value === '' && rule.empty) return '';
      if (typeof value !== 'string' || value === '') {
        problems.push({ key, message: `expected a text${rule.hint ? ` (${rule.hint})` : ''}` });
        return rule.default;
      }
      if (rule.pattern && !rule.pattern.test(value)) {
        problems.push({
          key,
          message: `${rule.secret ? 'this value' : `'${value}'`} is not valid${rule.hint ? `: ${rule.hint}` : ''}`,
        });
      }
      return atBase(value);
    }
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        problems.push({ key, message: `expected a number, got ${JSON.stringify(value)}` });
        return rule.default;
      }
      if (rule.integer && !Number.isInteger(value))
        problems.push({ key, message: `expected a whole number, got ${value}` });
      const why = rule.hint ? ` (${rule.hint})` : '';
      if (rule.min !== undefined && value < rule.min)
        problems.push({ key, message: `must be at least ${rule.min}, got ${value}${why}` });
      if (rule.max !== undefined && value > rule.max)
        problems.push({ key, message: `must be at most ${rule.max}, got ${value}${why}` });
      return value;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        problems.push({ key, message: `expected yes/no (true or false), got ${JSON.stringify(value)}` });
        return rule.default;
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !rule.values.includes(value)) {
        problems.push({
          key,
          message: `expected one of ${rule.values.join(', ')}, got ${JSON.stringify(value)}`,
        });
        return rule.default;
      }
      return value;
    case 'list': {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' || v === '')) {
        problems.push({ key, message: 'expected a list of texts' });
        return rule.default && [...rule.default];
      }
      return list as string[];
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push({ key, message: 'expected a map of names to texts' });
        return undefined;
      }
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') problems.push({ key: `${key}.${k}`, message: 'expected a text' });
        else out[k] = v;
      }
      return out;
    }
    case 'sections': {
      if (!Array.isArray(value)) {
        problems.push({ key, message: 'expected a list, each item a section of settings' });
        return [];
      }
      const row: Rule = { kind: 'section', fields: rule.fields };
      return value.map((item: unknown, i) => {
        const at = `${key}[${i}]`;
        if (item === null || typeof item !== 'object' || Array.isArray(item)) {
          problems.push({
            key: at,
            message: `expected a section of settings (${Object.keys(rule.fields).join(', ')})`,
          });
          return {};
        }
        return check(row, item, at, ctx) as ConfigTree;
      });
    }
    case 'section': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push({ key, message: 'expected a section of settings' });
        return undefined;
      }
      const tree: ConfigTree = {};
      const given = value as Record<string, unknown>;
      for (const k of Object.keys(given)) {
        if (!(k in rule.fields)) {
          const known = Object.keys(rule.fields);
          problems.push({
            key: key ? `${key}.${k}` : k,
            message: `unknown setting (known here: ${known.join(', ')})`,
          });
        }
      }
      for (const [k, r] of Object.entries(rule.fields)) {
        const v = check(r, given[k], key ? `${key}.${k}` : k, ctx);
        if (v !== undefined) tree[k] = v;
      }
      for (const p of rule.check?.(tree) ?? [])
        problems.push({ key: key ? `${key}.${p.key}` : p.key, message: p.message });
      return tree;
    }
  }
}

/**
 * Checks a parsed config against the schema and fills in the defaults; relative paths are
 * taken from `base` (the config file's folder; without a file, the working directory).
 */
export function parseConfig(
  data: unknown,
  file = '(defaults)',
  text = '',
  base = process.cwd(),
): CheckedConfig {
  const problems: Array<{ key: string; message: string }> = [];
  const tree = check({ kind: 'section', fields: schema }, data ?? {}, '', { problems, base });
  if (problems.length > 0) {
    const lines = text.split('\n');
    throw new ConfigError(
      file,
      problems.map((p) => ({ ...p, line: lineOf(lines, p.key) })).sort((a, b) => a.line - b.line),
    );
  }
  // the one place the checked tree becomes the typed config: `check` gave every key of the
  // schema a value of its rule's kind (or left it out where the rule allows), so the tree has
  // the shape CheckedConfig reads off the same rules
  return tree as CheckedConfig;
}

/** Reads and checks a config file; without a file, the embedded defaults. */
export function loadConfig(file?: string): CheckedConfig {
  if (!file) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [
      {
        key: '(file)',
        line: 0,
        message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      },
    ]);
  }
  let data: unknown;
  try {
    // js-yaml 5 refuses an empty document; an empty file (or one of comments only) means
    // "all defaults"
    data = text.replace(/^\s*#.*$/gm, '').trim() === '' ? {} : loadYaml(text);
  } catch (e) {
    const mark = e instanceof YAMLException ? e.mark : undefined;
    throw new ConfigError(file, [
      {
        key: '(file)',
        line: (mark?.line ?? -1) + 1,
        message: `not valid YAML: ${e instanceof YAMLException ? e.reason : String(e)}`,
      },
    ]);
  }
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    throw new ConfigError(file, [{ key: '(file)', line: 1, message: 'expected a map of settings' }]);
  }
  return parseConfig(data, file, text, dirname(resolve(file)));
}

/** The config with every secret replaced, safe for logs and `--print-config`. */
export function redacted(tree: ConfigTree, rules: Fields = schema): ConfigTree {
  const out: ConfigTree = {};
  for (const [k, v] of Object.entries(tree)) {
    const rule = rules[k];
    if (rule?.kind === 'section' && v && typeof v === 'object' && !Array.isArray(v))
      out[k] = redacted(v as ConfigTree, rule.fields);
    else if (rule?.kind === 'sections' && Array.isArray(v))
      out[k] = (v as ConfigTree[]).map((item) => redacted(item, rule.fields));
    else if (rule?.kind === 'string' && rule.secret && v !== undefined) out[k] = '********';
    else out[k] = v;
  }
  return out;
}
