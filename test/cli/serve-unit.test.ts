// The systemd unit shipped for `voicebox serve` (freeswitch/voicebox.service): systemd accepts
// it, it starts the real binary with options `serve` knows, restarts it when it dies, and runs
// it as its own user with a private umask and a read-only system.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { schema } from '../../src/config/index.js';

const unitFile = resolve('freeswitch/voicebox.service');

/** The unit's keys by section; a key given twice keeps every value. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      return;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`voicebox.service:${i + 1}: not a key=value line: ${raw}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  });
  return sections;
}

const unit = parseUnit(readFileSync(unitFile, 'utf8'));
const service = (key: string): string | undefined => unit.get('Service')?.get(key)?.at(-1);

describe('freeswitch/voicebox.service', () => {
  it('has the three sections and restarts voicebox when it fails', () => {
    expect([...unit.keys()]).toEqual(['Unit', 'Service', 'Install']);
    expect(service('Restart')).toBe('on-failure');
    expect(Number(service('RestartSec'))).toBeGreaterThan(0);
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);
  });

  it("gives Node's thread pool room beside the PIN checks (Node reads it before voicebox runs)", () => {
    const env = unit.get('Service')?.get('Environment') ?? [];
    expect(env).toContain('UV_THREADPOOL_SIZE=16');
  });

  it('starts the real binary with options `voicebox serve` knows', async () => {
    const [node, script, command, ...options] = service('ExecStart')!.split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    // installed as /opt/voicebox: the same layout as this checkout
    expect(script).toMatch(/^\/opt\/voicebox\//);
    expect(existsSync(join(resolve('.'), script!.replace(/^\/opt\/voicebox\//, '')))).toBe(true);
    expect(command).toBe('serve');
    let help = '';
    await run(['node', 'voicebox', 'serve', '--help'], {
      out: (s) => (help += s),
      err: (s) => (help += s),
      color: false,
    });
    for (const option of options.filter((o) => o.startsWith('--'))) expect(help).toContain(option);
    expect(options).toContain('--config');
  });

  it('runs as its own user, owner-and-group-only files, read-only system, private /tmp', () => {
    expect(service('User')).toBe('voicebox');
    expect(service('Group')).toBe('voicebox');
    expect(service('UMask')).toBe('0027');
    expect(service('NoNewPrivileges')).toBe('yes');
    expect(service('ProtectSystem')).toBe('strict');
    expect(service('ProtectHome')).toBe('yes');
    expect(service('PrivateTmp')).toBe('yes');
    expect(service('CapabilityBoundingSet')).toBe('');
    // the data folder is the working directory, and the one place it may write
    expect(service('ReadWritePaths')?.split(/\s+/)).toContain(service('WorkingDirectory'));
    // Node's JIT needs writable and executable memory
    expect(service('MemoryDenyWriteExecute')).toBeUndefined();
  });

  it('allows enough file descriptors for the connection limit', () => {
    const fields = (schema.freeswitch as { fields: Record<string, { default?: unknown }> }).fields;
    const maxConnections = Number(fields.maxConnections?.default);
    expect(Number(service('LimitNOFILE'))).toBeGreaterThanOrEqual(4 * maxConnections);
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  it.skipIf(analyze.error !== undefined)('systemd-analyze verify accepts it without a word', () => {
    const r = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
