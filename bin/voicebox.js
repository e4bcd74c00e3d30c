#!/usr/bin/env node
// The one CLI entry. The TypeScript sources are compiled to dist/ by `npm ci` (the
// package's prepare script); run `npm run build` after editing them.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `voicebox call ... | head`: a closed pipe ends the output, not with a stack trace
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'voicebox: not built yet — run `npm ci` (or `npm run build`) in the voicebox folder first.\n',
  );
  process.exit(2);
}
// Node reads a whole import graph at once: `serve` holds ~400 files open for a moment at start
// and fails under a lower open-file limit. There, read module files a few at a time; elsewhere
// the hook would cost ~30 MB of memory for the life of the process (its thread) for nothing.
if (process.argv[2] === 'serve' && openFileLimit() < 1024) {
  const { register } = await import('node:module');
  register(new URL('../dist/src/cli/module-load-limit.js', import.meta.url));
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);

function openFileLimit() {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}
