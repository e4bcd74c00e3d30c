// Her own way of choosing her callers' language (C6, §5.x.1) and the language of her own menus
// (§5.3.2), heard on a call. Without them, the site's `language_choice` and her greeting language.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMenus } from '../../dsl/index.js';
import type { UserSettings } from '../../src/directory/index.js';
import { maildirTransport } from '../../src/mail/index.js';
import { aliceWithPin, PIN } from '../support/owners.js';
import { startVoicebox, type BoxCall, type Voicebox } from './support.js';

const MUNICH = '+49 89 777888';
const LONDON = '+44 20 79460000';

let box: Voicebox | undefined;
afterEach(async () => {
  await box?.close();
  box = undefined;
});

async function start(site: 'default' | 'by_caller' | 'ask', alice: Partial<UserSettings> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'voicebox-own-language-'));
  const { directory } = await aliceWithPin(dir, (s) => ({ ...s, ...alice }));
  box = await startVoicebox({
    directory,
    transport: maildirTransport({ root: join(dir, 'maildir') }),
    now: () => new Date('2026-12-01T10:00:00+01:00'),
    menu: { language_choice: site },
  });
  return box;
}

/** the prompts as said, with their language: `en:standard_greeting` */
const spoken = (r: BoxCall) =>
  r.events.flatMap((e) =>
    e.kind === 'prompt' && e.text ? e.text.split(/\s(?=[a-z]{2}:\w)/).map((p) => p.replace(/\(.*$/, '')) : [],
  );

/** a caller who leaves no message: what she hears first */
async function firstHeard(b: Voicebox, from: string): Promise<string[]> {
  const r = await b.dial('501').from(from).hears('standard_greeting').hangsUp();
  return spoken(r).slice(0, 1);
}

describe("her own way of choosing her callers' language", () => {
  it('site default, she asks: the caller is asked, and hears the greeting in what he chose', async () => {
    const b = await start('default', { languageChoice: 'ask' });
    const r = await b
      .dial('501')
      .from(MUNICH)
      .hears('choose_language_prompt')
      .press('2')
      .hears('standard_greeting')
      .hangsUp();
    expect(spoken(r).slice(0, 2)).toEqual(['de:choose_language_prompt', 'en:standard_greeting']);
  });

  it('site asks, she chose default: not asked, her greeting language (English) even from Munich', async () => {
    const b = await start('ask', { languageChoice: 'default', language: 'en' });
    expect(await firstHeard(b, MUNICH)).toEqual(['en:standard_greeting']);
  });

  it('site default, she chose by caller: a caller from London hears English, from Munich German', async () => {
    const b = await start('default', { languageChoice: 'by_caller' });
    expect(await firstHeard(b, LONDON)).toEqual(['en:standard_greeting']);
    expect(await firstHeard(b, MUNICH)).toEqual(['de:standard_greeting']);
  });

  it("without her own: the site's rule, as before", async () => {
    expect(await firstHeard(await start('default'), LONDON)).toEqual(['de:standard_greeting']);
    await box?.close();
    expect(await firstHeard(await start('by_caller'), LONDON)).toEqual(['en:standard_greeting']);
    await box?.close();
    const r = await (await start('ask')).dial('501').from(LONDON).hears('choose_language_prompt').hangsUp();
    expect(spoken(r)[0]).toBe('en:choose_language_prompt'); // before the lookup: the caller's language
  });
});

describe('a company that offers one language', () => {
  it('asks no caller to choose, whoever asks for it: her greeting language', async () => {
    const menus = join(mkdtempSync(join(tmpdir(), 'voicebox-one-language-')), 'menus');
    cpSync('menus', menus, { recursive: true, filter: (from) => !from.includes('transcripts') });
    const company = join(menus, 'company.ivr');
    writeFileSync(company, readFileSync(company, 'utf8').replace('offer de, en', 'offer de'));
    const bundle = loadMenus([menus]).bundle;
    const dir = mkdtempSync(join(tmpdir(), 'voicebox-own-language-'));
    const { directory } = await aliceWithPin(dir, (s) => ({ ...s, languageChoice: 'ask' }));
    box = await startVoicebox({
      directory,
      transport: maildirTransport({ root: join(dir, 'maildir') }),
      menu: { language_choice: 'default' },
      bundle,
    });
    expect(await firstHeard(box, LONDON)).toEqual(['de:standard_greeting']);
  });
});

describe('the language of her own menus', () => {
  it('German greeting, English menus: she hears her menus in English, her callers German', async () => {
    const b = await start('by_caller', { language: 'de', menuLanguage: 'en' });
    expect(await firstHeard(b, MUNICH)).toEqual(['de:standard_greeting']);
    const r = await b
      .dial('501')
      .from(MUNICH)
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types(`${PIN}#`)
      .hears('main_menu')
      .hangsUp();
    expect(spoken(r)).toContain('en:main_menu');
  });

  it('without one: her menus in her greeting language', async () => {
    const b = await start('by_caller', { language: 'de' });
    const r = await b
      .dial('501')
      .from(LONDON)
      .hears('standard_greeting')
      .press('*')
      .hears('enter_pin')
      .types(`${PIN}#`)
      .hears('main_menu')
      .hangsUp();
    expect(spoken(r)[0]).toBe('en:standard_greeting');
    expect(spoken(r)).toContain('de:main_menu');
  });
});
