#!/usr/bin/env node
// The one CLI entry. The TypeScript sources are compiled to dist/ by `npm ci` (the
// package's prepare script); run `npm run build` after editing them.
import { existsSync } from 'node:fs';
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
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
