// A module-loading hook for `voicebox serve` under a low open-file limit (bin/voicebox.js
// registers it there): at most a few module files are read at once. Node's ESM loader reads a
// whole import graph in parallel, and chevrotain's lodash-es alone is some 640 files, so serve
// held ~400 file descriptors for a moment at start and did not start at all under a limit of
// 128 (EMFILE). With this hook the peak is about 40 and serve starts under a limit of 64.

const MAX_READS_AT_ONCE = 16;
let reading = 0;
const waiting: Array<() => void> = [];

type NextLoad = (url: string, context: object) => Promise<unknown>;

export async function load(url: string, context: object, nextLoad: NextLoad): Promise<unknown> {
  if (reading >= MAX_READS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  reading++;
  try {
    return await nextLoad(url, context);
  } finally {
    reading--;
    waiting.shift()?.();
  }
}
