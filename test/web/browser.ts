// The web page in a real browser: Debian's Chromium driven by playwright-core, with a fresh
// profile per launch and a fake microphone that "speaks" a WAV of the test's own, so the
// recorder on the greetings page records real words. Screenshots at desktop and phone width.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** where test/run installs Chromium (Debian's `chromium` package) */
export const CHROMIUM = '/usr/bin/chromium';

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

export class ChromiumMissing extends Error {
  override name = 'ChromiumMissing';
}

/**
 * A WAV of spoken words for the fake microphone: espeak-ng, resampled to 48 kHz (what
 * Chromium's audio capture runs at, so it plays the file without resampling it itself).
 */
export function spokenWav(dir: string, words: string, name = 'microphone.wav'): string {
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, `${name}.espeak.wav`);
  const file = join(dir, name);
  execFileSync('espeak-ng', ['-v', 'de', '-w', raw, words]);
  // a little quieter first: espeak-ng's peaks would clip in the resampling
  execFileSync('sox', [
    raw,
    '-r',
    '48000',
    '-c',
    '1',
    '-b',
    '16',
    '-e',
    'signed-integer',
    file,
    'gain',
    '-3',
  ]);
  return file;
}

export interface BrowserOptions {
  /** the WAV the fake microphone plays (looped) */
  microphone?: string;
}

/**
 * Chromium headless, sandbox off (tests run as root in a container), no network of its own
 * (updates, sync, QUIC), the microphone faked and allowed without asking. Every launch gets a
 * new temp profile from playwright, so no cookie or permission leaks from one run to the next.
 */
export async function launchBrowser(o: BrowserOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new ChromiumMissing(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium package (bash test/run installs it as root: apt-get install chromium)`,
    );
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    // the browser's own words (the file picker's button, date fields) in German as the pages
    // are; Chromium has them only with Debian's chromium-l10n, else they stay English
    '--lang=de-DE',
  ];
  if (o.microphone) args.push(`--use-file-for-fake-audio-capture=${o.microphone}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** a new browser window (own cookies) at desktop size, German first unless told */
export async function newWindow(
  browser: Browser,
  o: { baseURL: string; locale?: 'de-DE' | 'en-US' },
): Promise<{ context: BrowserContext; page: Page }> {
  const locale = o.locale ?? 'de-DE';
  const context = await browser.newContext({
    baseURL: o.baseURL,
    viewport: DESKTOP,
    locale,
    extraHTTPHeaders: { 'accept-language': locale === 'de-DE' ? 'de-DE,de;q=0.9' : 'en-US,en;q=0.9' },
    permissions: ['microphone'],
  });
  return { context, page: await context.newPage() };
}

/**
 * The page as it is now, at desktop and at phone width: `<dir>/<name>-desktop.png` and
 * `<name>-phone.png`, whole pages (not only what fits the window). The window is left at
 * desktop size again.
 */
export async function screenshots(page: Page, dir: string, name: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [size, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(viewport);
    const file = join(dir, `${name}-${size}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
    files.push(file);
  }
  await page.setViewportSize(DESKTOP);
  return files;
}
