// The owners' web page against a private lab (its LDAP as the directory, its Dovecot and
// Postfix): `voicebox serve` as shipped, with web.listen. Figures:
// - "her voice box" (/box) with a logged-in session: 50 GETs over HTTP, and 10 navigations of
//   Debian's Chromium until its load event (skipped when /usr/bin/chromium is missing);
// - a 1-minute greeting (60 s WAV, 44.1 kHz stereo, 10 MB) from the POST of the upload until
//   GET of its audio answers 200 with an 8 kHz WAV, five times (five profiles).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { hashPin } from '../src/pin/index.js';
import { labDirectory, privateLab } from './lab.js';

interface LabState {
  config: string;
  ldap: { bindDn: string; bindPassword: string; baseDn: string; servers: Array<{ url: string }> };
}

const CHROMIUM = '/usr/bin/chromium';
const GETS = 50;
const NAVIGATIONS = 10;
const PROFILES = ['work', 'mobile', 'home', 'custom1', 'custom2'];
const OWNER = { number: '+49 30 1234501', pin: '2468' };

const { lab, work, down } = privateLab<LabState>('web');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const fmt = (t: number[]) => {
  const s = [...t].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms`;
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** a browser's cookies and the page's CSRF token, over plain fetch */
class Session {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(private readonly base: string) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  }

  /** GET a page, keeping its CSRF token */
  async page(path: string): Promise<string> {
    const res = await this.request(path);
    const body = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(body);
    if (m) this.csrf = m[1]!;
    return body;
  }

  async login(user: string, secret: string): Promise<void> {
    await this.page('/login');
    const res = await this.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ user, secret, _csrf: this.csrf }).toString(),
    });
    const to = res.headers.get('location');
    if (res.status !== 303 || !to?.startsWith('/box')) throw new Error(`login refused: ${res.status} ${to}`);
  }
}

/** the sample rate in a WAV's fmt chunk (the canonical 44-byte header voicebox writes) */
const wavRate = (b: Buffer): number =>
  b.length >= 28 && b.toString('latin1', 0, 4) === 'RIFF' ? b.readUInt32LE(24) : 0;

async function main(): Promise<void> {
  const directory = labDirectory(lab.ldap, 0);
  const owner = await directory.findByNumber([OWNER.number]);
  if (!owner) throw new Error(`the lab has no owner ${OWNER.number}`);
  const pinHash = await hashPin(OWNER.pin);
  await directory.updateSettings(owner, (s) => ({
    ...s,
    pinHash,
    wrongPinCount: 0,
    welcomeSentAt: '2026-01-01T00:00:00.000Z',
    pinChangedAt: new Date().toISOString(),
  }));

  const port = await freePort();
  const config = join(work, 'voicebox-web.yaml');
  writeFileSync(
    config,
    `${readFileSync(lab.config, 'utf8')}
deploy:
  dir: ${join(work, 'deploy')}
admin:
  auditLog: ${join(work, 'audit.log')}
web:
  listen: 127.0.0.1:${port}
  sessionKeyFile: ${join(work, 'web-session.key')}
  loginsPerMinute: 100
`,
  );
  // serve as compiled for this bench run, in a process of its own (its event loop is not ours)
  const main = new URL('../src/cli/main.js', import.meta.url).href;
  const serve = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { run } from '${main}'; process.exitCode = await run(process.argv);`,
      'voicebox',
      'serve',
      '--config',
      config,
      '--listen',
      '127.0.0.1:0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: fileURLToPath(new URL('../..', import.meta.url)) },
  );
  let err = '';
  serve.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const base = `http://127.0.0.1:${port}`;
  try {
    const startDeadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${base}/login`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (serve.exitCode !== null || Date.now() > startDeadline)
        throw new Error(`voicebox serve did not open the web page:\n${err.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const session = new Session(base);
    await session.login(OWNER.number, OWNER.pin);
    for (let i = 0; i < 5; i++) await session.page('/box'); // warm: first renders, LDAP connection
    const gets: number[] = [];
    for (let i = 0; i < GETS; i++) {
      const t0 = performance.now();
      const res = await session.request('/box');
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`GET /box answered ${res.status}`);
      gets.push(performance.now() - t0);
    }

    let navigations: number[] | undefined;
    if (existsSync(CHROMIUM)) {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage({ baseURL: base });
        await page.goto('/login');
        await page.fill('input[name="user"]', OWNER.number);
        await page.fill('input[name="secret"]', OWNER.pin);
        await Promise.all([page.waitForURL(/\/box/), page.press('input[name="secret"]', 'Enter')]);
        navigations = [];
        for (let i = 0; i < NAVIGATIONS; i++) {
          const t0 = performance.now();
          await page.goto('/box', { waitUntil: 'load' });
          navigations.push(performance.now() - t0);
        }
      } finally {
        await browser.close();
      }
    }

    const wav = join(work, 'minute.wav');
    execFileSync('sox', ['-n', '-r', '44100', '-c', '2', '-b', '16', wav, 'synth', '60', 'sine', '300-900']);
    const bytes = readFileSync(wav);
    const uploads: number[] = [];
    for (const profile of PROFILES) {
      await session.page('/greetings');
      const form = new FormData();
      form.append('_csrf', session.csrf);
      form.append('audio', new Blob([bytes], { type: 'audio/wav' }), 'minute.wav');
      const t0 = performance.now();
      const posted = await session.request(`/greetings/${profile}/de`, {
        method: 'POST',
        headers: { 'csrf-token': session.csrf },
        body: form,
      });
      await posted.arrayBuffer();
      const to = posted.headers.get('location') ?? '';
      if (posted.status !== 303 || to.includes('error'))
        throw new Error(`upload for ${profile} refused: ${posted.status} ${to}`);
      for (;;) {
        const res = await session.request(`/greetings/audio/${profile}/de`);
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status === 200 && wavRate(body) === 8000) break;
        if (performance.now() - t0 > 60_000) throw new Error(`the ${profile} greeting never became playable`);
      }
      uploads.push(performance.now() - t0);
    }

    console.log(
      `web: voicebox serve (compiled) against a private lab: LDAP directory, ${OWNER.number} logged in`,
    );
    console.log(`  GET /box, logged in, over HTTP (${GETS}): ${fmt(gets)}`);
    console.log(
      navigations
        ? `  /box in Chromium until its load event (${NAVIGATIONS}): ${fmt(navigations)}`
        : `  /box in Chromium: skipped (${CHROMIUM} missing; bash test/run installs it)`,
    );
    console.log(
      `  1-minute greeting (60 s, 44.1 kHz stereo, ${(bytes.length / 1e6).toFixed(1)} MB) POSTed → its audio playable at 8 kHz (${uploads.length}): ${fmt(uploads)}`,
    );
  } finally {
    serve.kill('SIGTERM');
    await new Promise((r) => (serve.exitCode !== null ? r(undefined) : serve.once('exit', r)));
  }
}

try {
  await main();
} finally {
  down();
}
