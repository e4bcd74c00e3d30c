// The limits of `voicebox serve` in the settings: safe defaults, and a bad value is reported
// with its key and what the key is for.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';

function configFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'voicebox-limits-')), 'voicebox.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('freeswitch.maxConnections and freeswitch.maxBufferedBytes', () => {
  it('default to 500 connections and 64 MiB', () => {
    const config = readConfig();
    expect(config.freeswitch.maxConnections).toBe(500);
    expect(config.freeswitch.maxBufferedBytes).toBe(64 * 1024 * 1024);
  });

  it('a bad value is reported with its key and a hint', () => {
    const file = configFile('freeswitch:\n  maxConnections: 0\n  maxBufferedBytes: 1.5\n');
    let message = '';
    try {
      readConfig(file);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/freeswitch\.maxConnections.*must be at least 1, got 0 \(calls at once/);
    expect(message).toMatch(/freeswitch\.maxBufferedBytes.*whole number/);
  });
});
