// A voicebox command run in this process, as an admin types it: its exit code and what it
// printed on standard output and standard error (no colours).
import { run } from '../../src/cli/main.js';

export async function voicebox(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(['node', 'voicebox', ...args], {
    out: (s) => (out += s),
    err: (s) => (err += s),
    color: false,
  });
  return { code, out, err };
}
