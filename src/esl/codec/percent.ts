import { isUtf8 } from 'node:buffer';

// FreeSWITCH escapes bytes, not characters (switch_url_encode_opt): every byte of a
// multi-byte UTF-8 character becomes its own %XY, and a SIP peer may hand it Latin-1
// or CESU bytes that are not UTF-8 at all. So we decode to bytes first and only then
// to text, and we never throw: a caller-controlled display name must not be able to
// take the process down (modesl issue #59).

const HEX: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[0x41 + i] = 10 + i;
    table[0x61 + i] = 10 + i;
  }
  return table;
})();

function hexValue(code: number): number {
  return code < 128 ? (HEX[code] ?? -1) : -1;
}

const NEEDS_DECODING = /[%\u0080-\u00ff]/;

/**
 * Percent-decodes a header value as FreeSWITCH's own esl_url_decode does (no `+` → space),
 * then reads the bytes as UTF-8; bytes that do not form valid UTF-8 are read as Latin-1.
 * `raw` is a "binary" string: one char per byte (as produced by `buffer.toString('latin1')`).
 * Malformed escapes (`%G1`, a trailing `%`) are kept literally.
 */
export function percentDecode(raw: string): string {
  if (!NEEDS_DECODING.test(raw)) return raw;
  // Most encoded values only escape ASCII (`%20`, `%3A`, `%2B`, `%40`): build the string directly.
  let out = '';
  let last = 0;
  for (let i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i)) {
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) {
      i++;
      continue;
    }
    const byte = (hi << 4) | lo;
    if (byte >= 0x80) return percentDecodeBytes(raw);
    out += raw.slice(last, i) + String.fromCharCode(byte);
    i += 3;
    last = i;
  }
  out += raw.slice(last);
  return /[\u0080-\u00ff]/.test(out) ? percentDecodeBytes(raw) : out;
}

function percentDecodeBytes(raw: string): string {
  const bytes = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 && i + 2 < raw.length) {
      const hi = hexValue(raw.charCodeAt(i + 1));
      const lo = hexValue(raw.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    bytes[n++] = c & 0xff;
  }
  return decodeBytes(bytes.subarray(0, n));
}

/** Bytes → text: UTF-8 where the bytes are valid UTF-8, Latin-1 for every byte that is not. */
export function decodeBytes(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const len = utf8SequenceLength(bytes, i);
    if (len > 1) {
      out += Buffer.from(bytes.buffer, bytes.byteOffset + i, len).toString('utf8');
      i += len;
    } else {
      out += String.fromCharCode(bytes[i] ?? 0);
      i += 1;
    }
  }
  return out;
}

/** Length of a valid (non-surrogate, shortest-form) UTF-8 sequence starting at `i`, else 0 or 1 for ASCII. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const b0 = b[i] ?? 0;
  if (b0 < 0x80) return 1;
  const cont = (k: number): boolean => {
    const x = b[i + k];
    return x !== undefined && (x & 0xc0) === 0x80;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const b1 = b[i + 1] ?? 0;
    if (b0 === 0xe0 && b1 < 0xa0) return 0; // overlong
    if (b0 === 0xed && b1 >= 0xa0) return 0; // UTF-16 surrogate (CESU-8)
    return 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const b1 = b[i + 1] ?? 0;
    if (b0 === 0xf0 && b1 < 0x90) return 0;
    if (b0 === 0xf4 && b1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}

// SWITCH_URL_UNSAFE plus control and non-ASCII bytes (switch_utils.h / switch_url_encode_opt).
const UNSAFE = new Uint8Array(256);
for (let i = 0; i < 256; i++) UNSAFE[i] = i < 0x20 || i > 0x7e ? 1 : 0;
for (const ch of '\r\n #%&+:;<=>?@[\\]^`{|}"') UNSAFE[ch.charCodeAt(0)] = 1;
const UPPER_HEX = '0123456789ABCDEF';

function isUpperHex(code: number | undefined): boolean {
  return code !== undefined && ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46));
}

/**
 * Encodes a value the way FreeSWITCH serialises event headers: per UTF-8 byte, upper-case
 * hex, and a `%` already followed by two upper-case hex digits is copied as is
 * (`double_encode = FALSE`).
 */
export function urlEncode(value: string): string {
  // Fast path: nothing to escape.
  let clean = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7e || UNSAFE[c] === 1) {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0x25 && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])) {
      out += '%';
      continue;
    }
    if (UNSAFE[b] === 1) out += '%' + (UPPER_HEX[b >> 4] ?? '0') + (UPPER_HEX[b & 15] ?? '0');
    else out += String.fromCharCode(b);
  }
  return out;
}
