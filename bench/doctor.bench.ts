// `voicebox doctor` against a private lab (two slapd, Dovecot, Postfix): how long the connection
// test takes, per check and in all, the median of RUNS runs (DOCTOR_RUNS, default 5) with the
// lab's config and the seeded alice (501) as doctor.user. What an admin waits for, and what a
// monitoring script that runs it every few minutes costs. Needs root and the lab's packages.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChecks, type CheckResult } from '../src/cli/doctor.js';
import { readConfig } from '../src/config/index.js';
import { privateLab } from './lab.js';

const RUNS = Number(process.env['DOCTOR_RUNS'] ?? 5);

const { lab, work, down } = privateLab<{ config: string }>('doctor');
try {
  const file = join(work, 'doctor.yaml');
  writeFileSync(file, `${readFileSync(lab.config, 'utf8')}\ndoctor:\n  user: '501'\n`);
  const config = readConfig(file);
  const times = new Map<string, number[]>();
  const totals: number[] = [];
  let failed: CheckResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const results = await runChecks(config, { user: config.doctor.user });
    totals.push(performance.now() - started);
    failed = results.filter((r) => r.status === 'fail');
    for (const r of results) {
      if (r.status === 'skip') continue;
      const key = `${r.area} ${r.target} ${r.step}`;
      times.set(key, [...(times.get(key) ?? []), r.ms]);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `doctor against the lab, median of ${RUNS} runs (first run included: cold connections, cold espeak-ng):`,
  );
  const width = Math.max(...[...times.keys()].map((k) => k.length));
  for (const [check, ms] of times)
    console.log(`  ${check.padEnd(width)} ${String(median(ms)).padStart(5)} ms  (max ${Math.max(...ms)} ms)`);
  console.log(`  ${'all checks'.padEnd(width)} ${median(totals).toFixed(0).padStart(5)} ms`);
  if (failed.length > 0) {
    console.log(
      `  FAILED in the last run: ${failed.map((r) => `${r.area} ${r.step}: ${r.detail}`).join('; ')}`,
    );
    process.exitCode = 1;
  }
} finally {
  down();
}
