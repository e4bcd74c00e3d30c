// `npm run transcripts`: runs every scenario and writes menus/transcripts/;
// `npm run transcripts -- --check`: compares instead, prints a diff per changed file, exit 1.
import { compareAll, runAll, writeAll } from './transcripts.js';

const check = process.argv.includes('--check');
const { shipped, transcripts, failures } = await runAll();
for (const f of failures) process.stderr.write(`${f}\n`);
if (failures.length > 0) process.exitCode = 1;
if (shipped.errors.length > 0)
  process.stderr.write(
    `warning: voicebox would refuse these menus (the transcripts show them anyway):\n${shipped.errors.join('\n')}\n`,
  );
if (check) {
  const diffs = compareAll(transcripts);
  for (const d of diffs) process.stdout.write(d);
  if (diffs.length > 0) {
    process.stderr.write(
      `${diffs.length} transcript(s) differ: look at the diff, then run npm run transcripts\n`,
    );
    process.exitCode = 1;
  } else process.stdout.write(`${transcripts.length} transcripts as in menus/transcripts\n`);
} else {
  // a failed call's old file stays as it was
  writeAll(
    transcripts,
    failures.map((f) => f.slice(0, f.indexOf(': '))),
  );
  process.stdout.write(`${transcripts.length} transcripts written to menus/transcripts\n`);
}
