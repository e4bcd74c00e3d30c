// A caller reaches a user at the company's second site (location.sites, the manual §4.4): the
// standard greeting says her number as her extension there, or as the whole canonical number
// (menu.announce_number_as, §4.4 "Default announcement").
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config/index.js';
import { YamlDirectory } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import type { Location } from '../../src/phone/index.js';
import { startVoicebox, type Voicebox } from '../actions/support.js';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

/** the shipped location (Berlin, 030 1234-…) and a second site, Starnberg 08151 36856-.. */
const twoSites: Location = {
  ...readConfig().location,
  sites: [{ name: 'Starnberg', areaCode: '8151', subscriberBase: '36856', extensionLength: 2 }],
};

/** Sina works in Starnberg: her mailbox is her office number there, extension 12 */
async function sinasVoicebox(menu: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-sites-'));
  const usersFile = join(dir, 'users.yaml');
  writeFileSync(
    usersFile,
    `users:
  sina:
    name: Sina Seidl
    email: sina@example.com
    mailbox: '+49 8151 3685612'
    settings: [enabled=Y, language=de, welcomeSentAt=2026-01-01T00:00:00.000Z]
`,
  );
  box = await startVoicebox({
    directory: new YamlDirectory({ file: usersFile }),
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    location: twoSites,
    menu,
  });
  return box;
}

describe('the standard greeting of a user at the second site', () => {
  it('says her extension at her own site', async () => {
    const b = await sinasVoicebox({ announce_number_as: 'extension' });
    const r = await b.dial('+4981513685612').from('+4989777888').hears('standard_greeting').hangsUp();
    // before several sites: her number was no extension of the company, all 13 digits were said
    expect(r.heard[0]).toBe('standard_greeting(1 2)');
  });

  it('says her whole number, with her site’s area code, when the number is announced canonical', async () => {
    const b = await sinasVoicebox({ announce_number_as: 'canonical' });
    const r = await b.dial('+4981513685612').from('+4989777888').hears('standard_greeting').hangsUp();
    expect(r.heard[0]).toBe(
      'standard_greeting(plus vier neun, acht eins fünf eins, drei sechs acht, fünf sechs eins zwei)',
    );
  });
});
