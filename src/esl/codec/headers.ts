import { decodeBytes, percentDecode } from './percent.js';

/**
 * One header block as it came off the wire, in wire order, values undecoded.
 * Values are "binary" strings (one char per byte) so that percent-decoding and UTF-8
 * decoding can happen later, only for the headers somebody actually reads.
 */
export class HeaderBlock {
  private index: Map<string, string> | undefined;

  constructor(readonly entries: ReadonlyArray<readonly [name: string, rawValue: string]>) {}

  /** Raw value of the first header with this name (case-insensitive), undecoded. */
  raw(name: string): string | undefined {
    if (this.entries.length <= 8) {
      const lower = name.toLowerCase();
      // Names are binary strings, whose lower case has their length: compare lengths first.
      for (const [k, v] of this.entries)
        if (k === name || (k.length === lower.length && k.toLowerCase() === lower)) return v;
      return undefined;
    }
    if (!this.index) {
      this.index = new Map();
      for (const [k, v] of this.entries) {
        const key = k.toLowerCase();
        if (!this.index.has(key)) this.index.set(key, v);
      }
    }
    return this.index.get(name.toLowerCase());
  }

  /** Percent-decoded value (for FreeSWITCH → client headers, which may be URL-encoded). */
  decoded(name: string): string | undefined {
    const v = this.raw(name);
    return v === undefined ? undefined : percentDecode(v);
  }

  /** Literal value read as UTF-8 (for client → FreeSWITCH headers, which FreeSWITCH never decodes). */
  text(name: string): string | undefined {
    const v = this.raw(name);
    return v === undefined ? undefined : decodeBytes(Buffer.from(v, 'latin1'));
  }

  get size(): number {
    return this.entries.length;
  }
}
