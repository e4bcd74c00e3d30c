// The shipped menus: they validate cleanly, and their compiled graph is pinned by a
// golden file (regenerate it with UPDATE_GOLDEN=1 after an intended change).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';

const golden = 'test/fixtures/dsl/golden/menus.bundle.json';

describe('shipped menus', () => {
  const loaded = loadMenus(['menus/']);

  it('validate without errors or warnings', () => {
    expect(loaded.diagnostics.map((d) => `${d.loc.file}:${d.loc.line}:${d.loc.col} ${d.message}`)).toEqual(
      [],
    );
  });

  it('hold the caller side, remote inquiry, the access number and settings', () => {
    expect(Object.keys(loaded.bundle.flows).sort()).toEqual(['access', 'inquiry', 'settings', 'voicebox']);
  });

  it('declare the reference company defaults', () => {
    const { officeHours, profiles, languages } = loaded.bundle;
    expect(officeHours?.timeZone).toBe('Europe/Berlin');
    expect(officeHours?.days.map((d) => d.day)).toEqual([1, 2, 3, 4, 5]);
    expect(officeHours?.days[0]).toEqual({
      day: 1,
      hours: [{ from: '08:00', to: '17:00' }],
      breaks: [{ from: '12:00', to: '13:00' }],
    });
    expect(profiles).toEqual({
      available: ['work', 'mobile', 'home', 'vacation', 'custom1', 'custom2'],
      default: 'work',
      internal: 'internal',
      offHours: 'home',
      breaks: 'mobile',
    });
    expect(languages.default).toBe('de');
    expect(languages.otherwise).toBe('en');
    expect(languages.byCallerPrefix.map((r) => `${r.prefix}>${r.language}`).sort()).toEqual([
      '+41>de',
      '+43>de',
      '+49>de',
    ]);
  });

  it('compile to the golden graph', () => {
    const json = JSON.stringify(loaded.bundle, null, 2) + '\n';
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, json);
    expect(existsSync(golden)).toBe(true);
    expect(json).toBe(readFileSync(golden, 'utf8'));
  });

  it('compile to the same bytes every time', () => {
    const again = loadMenus(['menus/voicebox.ivr', 'menus/']);
    expect(JSON.stringify(again.bundle)).toBe(JSON.stringify(loaded.bundle));
  });
});
