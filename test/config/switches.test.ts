// The menu switches are one table (src/graph/switches.ts): the checker's `config` record, the
// config file's `menu` section and the runtime's defaults are three views of it that must agree
// — a switch known to the menus but not to the file (or with another default) would silently
// behave differently on a served call than in the simulator.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig, schema } from '../../src/config/index.js';
import { enumTypes, menuSwitches, recordTypes } from '../../src/graph/index.js';
import { defaultMenuConfig } from '../../src/runtime/index.js';

const names = Object.keys(menuSwitches).sort();
const fileRules = schema.menu.fields;

describe('the menu switches', () => {
  it('are the same names for the checker, the config file and the runtime', () => {
    expect(Object.keys(recordTypes.config!).sort()).toEqual(names);
    expect(Object.keys(fileRules).sort()).toEqual(names);
    expect(Object.keys(defaultMenuConfig).sort()).toEqual(names);
  });

  it('have one default: the runtime reads what an absent key of the file gives', () => {
    expect(readConfig().menu).toEqual(defaultMenuConfig);
    for (const [name, sw] of Object.entries(menuSwitches)) {
      const rule = fileRules[name as keyof typeof fileRules];
      const inFile = 'file' in sw ? sw.default / 1000 : sw.default;
      expect(rule.default, name).toBe(inFile);
      expect(defaultMenuConfig[name as keyof typeof defaultMenuConfig], name).toBe(sw.default);
    }
  });

  it("type-check in the menus as the file's rules check them", () => {
    for (const [name, sw] of Object.entries(menuSwitches)) {
      const field = recordTypes.config![name]!;
      const rule = fileRules[name as keyof typeof fileRules];
      expect(field, name).toEqual({ type: sw.type, description: sw.description });
      if (sw.type === 'bool') expect(rule.kind, name).toBe('boolean');
      else if (sw.type === 'duration') expect(rule.kind, name).toBe('number');
      else expect(rule, name).toMatchObject({ kind: 'enum', values: enumTypes[sw.type]!.members });
    }
  });

  it('keep max_message in seconds in the file and milliseconds in the menus', () => {
    expect(fileRules.max_message).toMatchObject({ default: 180, min: 5, max: 3600 });
    expect(defaultMenuConfig.max_message).toBe(180_000);
    const file = join(mkdtempSync(join(tmpdir(), 'voicebox-switches-')), 'voicebox.yaml');
    writeFileSync(file, 'menu:\n  max_message: 60\n  message_order: oldest_first\n  allow_reply: false\n');
    expect(readConfig(file).menu).toEqual({
      ...defaultMenuConfig,
      max_message: 60_000,
      message_order: 'oldest_first',
      allow_reply: false,
    });
  });
});
