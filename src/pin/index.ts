// PINs are stored only as salted scrypt hashes (X3) and compared in constant time.
// ixi-UMS stored them base64-encoded; such a legacy PIN is accepted once and then
// replaced by a hash.
import { randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * The cost of a new hash. A 4-digit PIN has 10,000 values, so the hash cost is all that
 * stands between a stolen users file and every PIN in it: N=2^14, r=8, p=1 let one core try
 * them all in 5 minutes. p=5 multiplies the work without the memory (32 MiB per hash, p runs
 * one after another in Node): a login waits ~0.4 s, the whole 4-digit space takes one core
 * over an hour (figures in src/pin/README.md).
 */
export const PIN_HASH_COST = { N: 32768, r: 8, p: 5 } as const;
const KEYLEN = 32;
/** room for the cost above (128·N·r = 32 MiB) and for older, cheaper hashes */
const MAXMEM = 64 * 1024 * 1024;
/** a stored hash asking for more is refused: it would hold a call (and a thread) for seconds */
const MAX_P = 16;

export interface ScryptCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/**
 * Hashes that may run at once. Each holds one of libuv's threads (4 unless UV_THREADPOOL_SIZE
 * says more) for ~0.4 s, and every fs call of every call waits for the same threads: a burst
 * of PIN attempts must leave threads for the spool's fsync, recordings and greetings.
 */
export const MAX_CONCURRENT_PIN_HASHES = 2;

let hashesRunning = 0;
let hashesPeak = 0;
let hashesStarted = 0;
const hashesWaiting: (() => void)[] = [];

/**
 * PIN hashes running now and waiting for a slot, the most that ran at once since the last reset,
 * and how many were started since the process began
 */
export function pinHashLoad(): { running: number; waiting: number; peak: number; started: number } {
  return { running: hashesRunning, waiting: hashesWaiting.length, peak: hashesPeak, started: hashesStarted };
}

/** starts a new peak count (for figures and tests) */
export function resetPinHashPeak(): void {
  hashesPeak = hashesRunning;
}

async function scryptAsync(
  pin: string,
  salt: Buffer,
  keylen: number,
  options: ScryptOptions,
): Promise<Buffer> {
  if (hashesRunning >= MAX_CONCURRENT_PIN_HASHES)
    await new Promise<void>((resolve) => hashesWaiting.push(resolve));
  else hashesRunning++;
  hashesPeak = Math.max(hashesPeak, hashesRunning);
  hashesStarted++;
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      scrypt(pin, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
    );
  } finally {
    // the slot passes straight to the next in line, so the count never dips in between
    const next = hashesWaiting.shift();
    if (next) next();
    else hashesRunning--;
  }
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  hash: Buffer;
}

/** `scrypt$N$r$p$salt$hash`; undefined when it is not one of ours */
function parse(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map((x) => (/^[1-9][0-9]{0,9}$/.test(x!) ? Number(x) : NaN));
  const hash = Buffer.from(parts[5]!, 'base64');
  if (!n || !r || !p || p > MAX_P || hash.length === 0) return undefined;
  return { cost: { N: n, r, p }, salt: Buffer.from(parts[4]!, 'base64'), hash };
}

/** `scrypt$N$r$p$salt$hash` (base64): the cost travels with the hash, so it can be raised later */
export async function hashPin(pin: string, cost: ScryptCost = PIN_HASH_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, KEYLEN, { ...cost, maxmem: MAXMEM });
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (parsed === undefined) return false;
  let key: Buffer;
  try {
    key = await scryptAsync(pin, parsed.salt, parsed.hash.length, { ...parsed.cost, maxmem: MAXMEM });
  } catch {
    return false;
  }
  return timingSafeEqual(key, parsed.hash);
}

/**
 * The work of checking a PIN against a hash at today's cost, for nothing: a login that fails
 * without one (nobody by that name, a legacy PIN, a directory password) takes as long as one
 * that checked a hash, so the time does not tell who exists. It waits its turn with the real
 * checks, so a burst of them leaves libuv's threads to the calls' disk work.
 */
export async function spendPinHash(secret: string): Promise<void> {
  await scryptAsync(secret, randomBytes(16), KEYLEN, { ...PIN_HASH_COST, maxmem: MAXMEM });
}

/** a check against this stored hash does today's full hash work (false: none, or a cheaper one) */
export function pinHashIsCurrent(stored: string | undefined): boolean {
  return stored !== undefined && parse(stored) !== undefined && !pinHashOutdated(stored);
}

/** the hash was made at a lower cost than a new one: re-hash it once the PIN is known */
export function pinHashOutdated(stored: string): boolean {
  const parsed = parse(stored);
  if (parsed === undefined) return false;
  const { N, r, p } = parsed.cost;
  return (
    N * r * p < PIN_HASH_COST.N * PIN_HASH_COST.r * PIN_HASH_COST.p ||
    N * r < PIN_HASH_COST.N * PIN_HASH_COST.r
  );
}

/** ixi-UMS's base64 PIN, compared in constant time */
export function verifyLegacyPin(pin: string, base64: string): boolean {
  const a = Buffer.from(pin, 'utf8');
  const b = Buffer.from(base64, 'base64');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A fresh PIN of `length` digits that is not trivial. */
export function generatePin(length: number): string {
  for (;;) {
    let pin = '';
    for (let i = 0; i < length; i++) pin += String(randomInt(10));
    if (!isTrivialPin(pin)) return pin;
  }
}

/** 1111, 1234, 4321, 0000 … — refused as new PINs (S4) */
export function isTrivialPin(pin: string): boolean {
  if (/^(\d)\1+$/.test(pin)) return true;
  const digits = [...pin].map(Number);
  const steps = digits.slice(1).map((d, i) => d - digits[i]!);
  return steps.every((s) => s === 1) || steps.every((s) => s === -1);
}
