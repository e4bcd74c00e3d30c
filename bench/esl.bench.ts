// ESL parse throughput: our codec vs modesl 1.2.1's Parser, over every capture in
// test/fixtures/esl, and a 4 MiB api/response delivered in 1 KiB chunks.
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EslMessage, FrameParser } from '../src/esl/index.js';

type ModeslParser = new (socket: EventEmitter) => EventEmitter;
const require = createRequire(import.meta.url);
const ModeslParserCtor = require('modesl/lib/esl/Parser.js') as ModeslParser;

// Run from bench/ by tsx, or compiled elsewhere and started from the project root.
const besideSource = fileURLToPath(new URL('../test/fixtures/esl/', import.meta.url));
const root = existsSync(besideSource) ? besideSource : join(process.cwd(), 'test', 'fixtures', 'esl');
const files = [
  ...readdirSync(root).map((f) => join(root, f)),
  ...readdirSync(join(root, 'edge-cases')).map((f) => join(root, 'edge-cases', f)),
].filter((f) => f.endsWith('.fs2app.raw'));
const captures = files.map((f) => readFileSync(f));
const totalBytes = captures.reduce((n, b) => n + b.length, 0);

/** Splits like TCP would: chunks of the sizes seen in the captures (a few KiB). */
function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}
const chunkedCaptures = captures.map((c) => chunked(c, 4096));

function ours(decode: 'lazy' | 'full'): number {
  let n = 0;
  for (const chunks of chunkedCaptures) {
    const p = new FrameParser();
    for (const c of chunks)
      p.push(c, (f) => {
        const m = new EslMessage(f);
        const ev = m.event();
        if (decode === 'full') {
          if (ev) ev.headers();
          else for (const [k] of m.headers.entries) m.header(k);
        } else if (ev) void ev.name;
        n++;
      });
  }
  return n;
}

function modesl(): number {
  let n = 0;
  for (const chunks of chunkedCaptures) {
    const socket = new EventEmitter();
    const parser = new ModeslParserCtor(socket);
    parser.on('esl::event', () => n++);
    for (const c of chunks) socket.emit('data', c);
  }
  return n;
}

function measure(name: string, run: () => number, minMs = 400): void {
  run(); // warm-up
  let messages = 0;
  let rounds = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    messages += run();
    rounds++;
    elapsed = performance.now() - t0;
  }
  const perSec = (messages / elapsed) * 1000;
  const mbps = ((totalBytes * rounds) / elapsed / 1000).toFixed(1);
  console.log(
    `  ${name.padEnd(34)} ${Math.round(perSec).toLocaleString('en').padStart(10)} msg/s  ${mbps} MB/s`,
  );
}

console.log(`parse throughput over ${captures.length} captures (${totalBytes} bytes, 4 KiB chunks)`);
measure('voicebox codec, lazy (name only)', () => ours('lazy'));
measure('voicebox codec, full decode', () => ours('full'));
measure('modesl 1.2.1 Parser', modesl);

// One big api/response (e.g. `show channels` on a busy switch) arriving in 1 KiB pieces.
const body = Buffer.alloc(4 * 1024 * 1024, 0x61);
const big = Buffer.concat([
  Buffer.from(`Content-Type: api/response\nContent-Length: ${body.length}\n\n`),
  body,
]);
const bigChunks = chunked(big, 1024);

function time(name: string, run: () => void, rounds: number): void {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  const best = Math.min(...times).toFixed(1);
  const first = (times[0] ?? 0).toFixed(1);
  console.log(`  ${name.padEnd(34)} ${best.padStart(10)} ms (best of ${rounds}; first run ${first} ms)`);
}

console.log('4 MiB api/response in 1 KiB chunks');
time(
  'voicebox codec',
  () => {
    const p = new FrameParser({ maxBodyBytes: 8 * 1024 * 1024 });
    let got = 0;
    for (const c of bigChunks) p.push(c, (f) => (got = f.body?.length ?? 0));
    if (got !== body.length) throw new Error('body lost');
  },
  10,
);
time(
  'modesl 1.2.1 Parser',
  () => {
    const socket = new EventEmitter();
    const parser = new ModeslParserCtor(socket);
    let got = 0;
    parser.on('esl::event', (_e: unknown, _h: unknown, b: string) => (got = b.length));
    for (const c of bigChunks) socket.emit('data', c);
    if (got !== body.length) throw new Error('modesl lost the body');
  },
  1,
);
