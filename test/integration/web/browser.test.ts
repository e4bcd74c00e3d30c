// The owners' web page in a real browser (Chromium), on the same `voicebox serve` that answers
// the calls: what she changes on the page is what the next caller hears, what a caller leaves
// is on her messages page, and a PIN guessed on the page locks the phone login too.
// The owners are this file's own: Wera, whose mail is the lab's `wera` (lab/README.md: the web
// page tests' own mailbox), and Wilma, who has no mailbox of the lab (her test sends no mail).
// Screenshots of every page at desktop and phone width land in the test's own folder, or in
// VOICEBOX_SCREENSHOTS (docs/web to renew the ones docs/web/README.md shows).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { YamlDirectory } from '../../../src/directory/index.js';
import { hashPin } from '../../../src/pin/index.js';
import { ScriptedCaller, Simulator, type CallReport } from '../../../src/sim/index.js';
import { createRenderer, loadCatalogs, promptTextIn } from '../../../src/speech/index.js';
import { launchBrowser, newWindow, screenshots, spokenWav } from '../../web/browser.js';
import { imapClient, withImap } from '../lab/support.js';

const lab = inject('lab');
const root = resolve('.');

const PIN = '2468';
/** an outside caller (Munich): the greeting of her profile in force, not the internal one */
const STRANGER = '+49 89 777888';
const WERA = { mailbox: '+49 30 1234571', digits: '49301234571' };
const WILMA = { mailbox: '+49 30 1234572' };

const dir = mkdtempSync(join(tmpdir(), 'voicebox-browser-'));
// a plain test run leaves the tracked screenshots alone: a CI run must not dirty the tree
const shots = process.env['VOICEBOX_SCREENSHOTS']
  ? resolve(root, process.env['VOICEBOX_SCREENSHOTS'])
  : join(dir, 'screenshots');
const usersFile = join(dir, 'users.yaml');
const media = join(dir, 'media');

/** how long anything the test waits for may take on a loaded machine (a deadline, not a sleep) */
const DEADLINE_MS = 60_000;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = DEADLINE_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (!serve.alive())
      throw new Error(`voicebox serve is gone while waiting for ${what}:\n${serve.stderr()}`);
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function usersYaml(pinHash: string): string {
  // no time switches (officeHours=none): the test runs at any hour and hears her choice
  const settings = [
    'enabled=Y',
    'language=de',
    'profile=work',
    'officeHours=none',
    `pinHash=${pinHash}`,
    'wrongPinCount=0',
    'welcomeSentAt=2026-01-01T00:00:00.000Z',
  ];
  const list = settings.map((s) => `      - ${JSON.stringify(s)}`).join('\n');
  return [
    'users:',
    '  wera:',
    '    name: Wera Weber',
    '    email: wera@example.com',
    '    login: wera',
    `    mailbox: '${WERA.mailbox}'`,
    "    numbers: { office: '+49 30 1234171' }",
    '    settings:',
    list,
    '  wilma:',
    '    name: Wilma Wolf',
    '    email: wilma@example.com',
    `    mailbox: '${WILMA.mailbox}'`,
    "    numbers: { office: '+49 30 1234172' }",
    '    settings:',
    list,
    '',
  ].join('\n');
}

/** the lab's Postfix and Dovecot (master user), her users file, everything else in `dir` */
function configYaml(): string {
  return `media:
  local: ${media}
location:
  countryCode: '49'
  areaCode: '30'
  subscriberBase: '1234'
  extensionLength: 3
  outsideLinePrefix: '0'
directory:
  type: yaml
  file: ${usersFile}
  localSettings: ${join(dir, 'local-settings.json')}
login:
  wrongPinLog: ${join(dir, 'wrong-pin.log')}
  # Wilma has no mailbox in the lab: no lock mail to bounce
  notifyLock: false
mail:
  domain: example.com
  spool: ${join(dir, 'spool')}
  smtp:
    host: ${lab.host}
    port: ${lab.smtp.port}
mailbox:
  type: imap
  imap:
    host: ${lab.host}
    port: ${lab.imap.port}
    rejectUnauthorized: false
    access: administrative
    adminMode: master
    masterUser: ${lab.imap.master.user}
    masterPassword: ${lab.imap.master.password}
    masterSeparator: '${lab.imap.master.separator}'
deploy:
  dir: ${join(dir, 'deploy')}
admin:
  auditLog: ${join(dir, 'audit.log')}
web:
  listen: 127.0.0.1:${webPort}
  sessionKeyFile: ${join(dir, 'web-session.key')}
`;
}

interface ServeProcess {
  readonly port: number;
  alive(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}

/** `voicebox serve` from the sources, in a process of its own, as an admin starts it */
async function startServe(config: string): Promise<ServeProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/cli/run-from-source.ts',
      'serve',
      '--config',
      config,
      '--listen',
      '127.0.0.1:0',
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let err = '';
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.on('exit', () => {
      exited = true;
      r();
    }),
  );
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      const m = /listening for FreeSWITCH on [^\s]+:(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    void exit.then(() => reject(new Error(`voicebox serve did not start:\n${err}`)));
  });
  return {
    port,
    alive: () => !exited,
    stderr: () => err.slice(-4000),
    async stop() {
      if (!exited) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** a free port of loopback for web.listen (the page is asked until it answers) */
async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

let webPort = 0;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
let base = '';
const sim = new Simulator({ toLocalPath: (p) => p, missingFiles: 'not-found' });
let lockedPrompt = '';

/** the file of a prompt as serve's voice renders it (the cache is named by the text's hash) */
async function promptFile(id: string, language: 'de' | 'en'): Promise<string> {
  const catalogs = await loadCatalogs(join(root, 'menus', 'prompts'));
  const text = promptTextIn(catalogs.get(language)!, id, {}, language);
  if (text === undefined) throw new Error(`no prompt ${id} in ${language}`);
  return createRenderer({ mediaRoot: { local: media, freeswitch: media } }).locate(text, language)
    .freeswitchPath;
}

function call(caller: ScriptedCaller): Promise<CallReport> {
  return sim.runCall(caller, { target: `127.0.0.1:${serve.port}` });
}

/** a caller from outside dials her mailbox and hangs up once her greeting plays */
async function greetingHeard(mailbox: string): Promise<string | undefined> {
  const report = await call(
    new ScriptedCaller({ number: STRANGER, dialed: mailbox }).hangupWhilePlaying('/greetings/', 300),
  );
  return /(\S*\/greetings\/\S+\.wav)/.exec(report.text)?.[1];
}

/** what sox says of a WAV: its length, loudness (RMS, 0..1) and sample rate */
function statOf(file: string): { seconds: number; rms: number; rate: number } {
  // `sox … stat` writes to stderr
  const text = execFileSync('sh', ['-c', 'sox "$1" -n stat 2>&1', 'sh', file], { encoding: 'utf8' });
  const read = (label: string) => Number(new RegExp(`${label}:\\s+([-0-9.]+)`).exec(text)?.[1]);
  const rate = Number(execFileSync('soxi', ['-r', file], { encoding: 'utf8' }).trim());
  return { seconds: read('Length \\(seconds\\)'), rms: read('RMS\\s+amplitude'), rate };
}

beforeAll(async () => {
  await withImap(imapClient(lab, 'wera', 'werapw'), async (c) => {
    // a run before this one (same lab) may have left mail: her INBOX starts empty
    await c.mailboxOpen('INBOX');
    await c.messageDelete('1:*').catch(() => undefined);
  });
  writeFileSync(usersFile, usersYaml(await hashPin(PIN)), { mode: 0o600 });
  webPort = await freePort();
  const config = join(dir, 'voicebox.yaml');
  writeFileSync(config, configYaml(), { mode: 0o600 });
  serve = await startServe(config);
  base = `http://127.0.0.1:${webPort}`;
  await until('the web page', async () => {
    const r = await fetch(`${base}/login`).catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  });
  lockedPrompt = await promptFile('login_locked', 'de');
  const microphone = spokenWav(
    dir,
    'Guten Tag, hier ist die Voice-Box von Wera Weber. Bitte sprechen Sie nach dem Ton.',
  );
  browser = await launchBrowser({ microphone });
  page = (await newWindow(browser, { baseURL: base })).page;
  // the delete buttons may ask first: she says yes
  page.on('dialog', (d) => void d.accept());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function login(user: string, secret: string): Promise<void> {
  await page.goto('/login');
  await page.fill('input[name="user"]', user);
  await page.fill('input[name="secret"]', secret);
  await Promise.all([page.waitForNavigation(), page.press('input[name="secret"]', 'Enter')]);
}

/** a form's own submit button (each part of a page is a form of its own) */
async function submit(testid: string): Promise<void> {
  await Promise.all([
    page.waitForNavigation(),
    page.click(
      `[data-testid="${testid}"] button[type="submit"], [data-testid="${testid}"] input[type="submit"]`,
    ),
  ]);
}

/** an owner's settings as her users file holds them now */
async function settingsOf(mailbox: string) {
  const user = await new YamlDirectory({ file: usersFile }).findByNumber([mailbox]);
  if (!user) throw new Error(`${mailbox} is not in the users file`);
  return user.settings;
}

/** the part of the page's AudioContext the test reads (the test is compiled without the DOM's types) */
interface AudioClock {
  readonly currentTime: number;
  resume(): Promise<void>;
}

/** the part of an <audio> element the test reads */
interface AudioElement {
  readonly duration: number;
  readonly error: { code: number } | null;
  preload: string;
  load(): void;
  addEventListener(type: string, listener: () => void, options: { once: boolean }): void;
}

/**
 * Runs in the page: the audio element's length once the browser has loaded its header (it
 * fetches it now if it had not: preload="none"); fails when the browser cannot play it.
 */
async function durationOf(element: unknown): Promise<number> {
  const audio = element as AudioElement;
  if (audio.duration > 0) return audio.duration;
  await new Promise<void>((ok, fail) => {
    audio.addEventListener('loadedmetadata', () => ok(), { once: true });
    audio.addEventListener('error', () => fail(new Error(`audio error ${audio.error?.code}`)), {
      once: true,
    });
    if (audio.preload === 'none') {
      audio.preload = 'auto';
      audio.load();
    }
  });
  return audio.duration;
}

/** a pattern that matches only the first time it is asked: the first thing the caller hears */
function firstTimeOnly(): RegExp {
  let seen = false;
  const re = /./;
  re.test = () => (seen ? false : (seen = true));
  return re;
}

describe('the web page in Chromium, on the voicebox that answers the calls', () => {
  it('she logs in with her mailbox number and PIN and sees her voice box', async () => {
    await page.goto('/login');
    await screenshots(page, shots, 'login');
    await login(WERA.mailbox, PIN);
    expect(new URL(page.url()).pathname).toBe('/box');
    await expect(page.textContent('[data-testid="who"]')).resolves.toContain('Wera Weber');
    await screenshots(page, shots, 'box');
  }, 120_000);

  it('a greeting uploaded for the profile in force is what the next caller hears', async () => {
    const upload = spokenWav(join(dir, 'upload'), 'Hallo, hier ist Wera Weber im Büro.', 'work.wav');
    await page.goto('/greetings');
    await page.setInputFiles('[data-testid="upload-work-de"] input[type="file"]', upload);
    await submit('upload-work-de');
    await expect(page.getAttribute('[data-testid="notice"]', 'class')).resolves.toContain('ok');
    const heard = await greetingHeard(WERA.mailbox);
    expect(heard).toBe(join(media, 'greetings', WERA.digits, 'work.de.wav'));
    // her words, converted: as long as what she uploaded, 8 kHz for FreeSWITCH
    const played = statOf(heard!);
    expect(played.rate).toBe(8000);
    expect(Math.abs(played.seconds - statOf(upload).seconds)).toBeLessThan(1);
    await screenshots(page, shots, 'greetings');
  }, 120_000);

  it('a profile chosen on the page is the one the next caller gets', async () => {
    const home = spokenWav(join(dir, 'upload'), 'Wera Weber ist gerade zu Hause.', 'home.wav');
    await page.goto('/greetings');
    await page.setInputFiles('[data-testid="upload-home-de"] input[type="file"]', home);
    await submit('upload-home-de');
    // still at work: the caller hears the work greeting
    expect(await greetingHeard(WERA.mailbox)).toBe(join(media, 'greetings', WERA.digits, 'work.de.wav'));
    await page.goto('/box');
    await page.check('[data-testid="profile-home"]');
    await submit('profile-form');
    await expect(page.textContent('[data-testid="notice"]')).resolves.toBeTruthy();
    expect(await greetingHeard(WERA.mailbox)).toBe(join(media, 'greetings', WERA.digits, 'home.de.wav'));
  }, 120_000);

  it('a greeting recorded with the microphone is saved at 8 kHz and is not silent', async () => {
    const file = join(media, 'greetings', WERA.digits, 'mobile.de.wav');
    expect(existsSync(file)).toBe(false);
    await page.goto('/greetings');
    const button = '[data-testid="record-mobile-de"]';
    await page.click(button);
    await page.waitForSelector(`${button}[data-state="recording"]`);
    // a few seconds of her words: until the page's audio clock (the one that drives the
    // recorder's capture) has run that long since recording began
    // (a function, not a string: the page's CSP allows no eval)
    await page.waitForFunction(
      () => {
        const w = globalThis as unknown as {
          AudioContext: new () => AudioClock;
          clock?: AudioClock;
        };
        w.clock ??= new w.AudioContext();
        void w.clock.resume();
        return w.clock.currentTime >= 3;
      },
      undefined,
      { timeout: DEADLINE_MS, polling: 100 },
    );
    await page.click(button);
    await page.waitForSelector(`${button}[data-state="recorded"]`);
    // what she hears before she saves: her words, seconds long
    const preview = await page.locator('[data-testid="record-mobile-de-preview"]').evaluate(durationOf);
    expect(preview).toBeGreaterThan(2);
    await Promise.all([page.waitForNavigation(), page.click('[data-testid="record-mobile-de-save"]')]);
    await until('the recorded greeting', async () => (existsSync(file) ? true : undefined));
    const recorded = statOf(file);
    expect(recorded.rate).toBe(8000);
    expect(recorded.seconds).toBeGreaterThan(0.5);
    expect(recorded.rms).toBeGreaterThan(0.01);
  }, 120_000);

  it('a message a caller left is on her messages page: she listens and deletes it, and it is gone from IMAP', async () => {
    const caller = '+49 89 555 0101';
    await call(
      new ScriptedCaller({ number: caller, dialed: WERA.mailbox })
        .pressWhilePlaying('/greetings/', '0', 300)
        .pressDuring('record', '#', 3000),
    );
    const item = await until('the message on /messages', async () => {
      await page.goto('/messages');
      const items = page.locator('li[data-testid^="message-"]');
      return (await items.count()) > 0 ? items.first() : undefined;
    });
    const uid = (await item.getAttribute('data-testid'))!.slice('message-'.length);
    const from = await page.textContent(`[data-testid="caller-${uid}"]`);
    expect(from?.replace(/\D/g, '')).toContain('5550101');
    await screenshots(page, shots, 'messages');
    // the audio element loads the WAV: its duration is known
    const duration = await page.locator(`[data-testid="play-${uid}"]`).evaluate(durationOf);
    expect(duration).toBeGreaterThan(1);
    await Promise.all([page.waitForNavigation(), page.click(`[data-testid="delete-${uid}"]`)]);
    expect(await page.locator(`[data-testid="message-${uid}"]`).count()).toBe(0);
    const left = await withImap(imapClient(lab, 'wera', 'werapw'), async (c) => {
      await c.mailboxOpen('INBOX');
      const found = await c.search({ deleted: false });
      return Array.isArray(found) ? found.length : 0;
    });
    expect(left).toBe(0);
  }, 180_000);

  it('three wrong PINs on the page lock her phone login too', async () => {
    const { page: other, context } = await newWindow(browser, { baseURL: base });
    try {
      for (let i = 0; i < 3; i++) {
        await other.goto('/login');
        await other.fill('input[name="user"]', WILMA.mailbox);
        await other.fill('input[name="secret"]', '9753');
        await Promise.all([other.waitForNavigation(), other.press('input[name="secret"]', 'Enter')]);
        expect(new URL(other.url()).pathname).not.toBe('/box');
      }
    } finally {
      await context.close();
    }
    expect((await settingsOf(WILMA.mailbox)).lockedAt).toBeTruthy();
    // she calls her own mailbox and presses * for her messages: refused before the PIN
    const report = await call(
      new ScriptedCaller({ number: STRANGER, dialed: WILMA.mailbox }).pressWhilePlaying(
        firstTimeOnly(),
        '*',
        300,
      ),
    );
    expect(report.text).toContain(lockedPrompt);
  }, 120_000);

  it('a form posted without its CSRF token is refused and changes nothing', async () => {
    const r = await page.request.post('/box/profile', { form: { profile: 'work' }, maxRedirects: 0 });
    expect(r.status()).toBe(403);
    expect((await settingsOf(WERA.mailbox)).activeProfile).toBe('home');
  });
});
