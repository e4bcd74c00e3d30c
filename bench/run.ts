// `npm run bench`: compiles voicebox as it ships (tsc → dist/), then runs every
// bench/*.bench.ts from dist/ in its own Node process, from the project root (so
// peak heap and RSS of one bench do not leak into the next). Figures go to stdout.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.bench.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const files = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n== ${file}\n`);
  const compiled = join(root, 'dist-bench', 'bench', file.replace(/\.ts$/, '.js'));
  const result = spawnSync(process.execPath, ['--expose-gc', compiled], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
