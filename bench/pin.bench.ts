// PIN hashes: what one check costs at the old scrypt cost and at today's, and what that means
// for someone trying every 4-digit PIN against a stolen users file on one core.
import { hashPin, PIN_HASH_COST, verifyPin, type ScryptCost } from '../src/pin/index.js';

const OLD_COST: ScryptCost = { N: 16384, r: 8, p: 1 };

async function measure(name: string, cost: ScryptCost): Promise<void> {
  const stored = await hashPin('4711', cost);
  const times: number[] = [];
  for (let i = 0; i < 9; i++) {
    const start = performance.now();
    await verifyPin('4712', stored);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const [min, median] = [times[0]!, times[4]!];
  const space = (min * 10_000) / 1000;
  console.log(
    `${name.padEnd(28)} N=${cost.N} r=${cost.r} p=${cost.p}  one check: min ${min.toFixed(0)} ms, ` +
      `median ${median.toFixed(0)} ms  →  all 10,000 4-digit PINs on one core: ${(space / 60).toFixed(0)} min`,
  );
}

await measure('old cost', OLD_COST);
await measure('today (PIN_HASH_COST)', PIN_HASH_COST);
