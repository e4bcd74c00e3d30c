// Just enough MIME to read the messages voicebox itself writes and ordinary mail: headers
// (unfolded, RFC 2047 decoded), the part tree, base64 / quoted-printable, charsets. The IMAP
// adapter never needs it (the server parses); the Maildir adapter reads files with it.

export type Headers = Map<string, string[]>;

/** Splits a message into its header block and body at the first empty line. */
export function splitHeaderBody(raw: Buffer): { header: string; body: Buffer } {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  if (match === null) return { header: raw.toString('utf8'), body: Buffer.alloc(0) };
  return {
    header: raw.subarray(0, match.index).toString('utf8'),
    body: raw.subarray(match.index + match[0].length),
  };
}

/** Header lines → lower-case name → values in order; folded lines joined. */
export function parseHeaders(header: string): Headers {
  const headers: Headers = new Map();
  let current: string | undefined;
  for (const line of header.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current !== undefined) {
      current += ' ' + line.trim();
      continue;
    }
    if (current !== undefined) addHeader(headers, current);
    current = line;
  }
  if (current !== undefined) addHeader(headers, current);
  return headers;
}

function addHeader(headers: Headers, line: string): void {
  const colon = line.indexOf(':');
  if (colon <= 0) return;
  const name = line.slice(0, colon).trim().toLowerCase();
  const list = headers.get(name) ?? [];
  list.push(line.slice(colon + 1).trim());
  headers.set(name, list);
}

export const header = (headers: Headers, name: string): string | undefined => headers.get(name)?.[0];

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder((charset ?? 'utf-8').trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('utf8'); // an unknown charset must not cost the message
  }
}

export function decodeQuotedPrintable(text: string, headerMode = false): Buffer {
  const source = headerMode ? text.replace(/_/g, ' ') : text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (source[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 1, i + 3))) {
      bytes.push(parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (`=?utf-8?B?...?=`) in a header value → text. */
export function decodeWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_all, charset: string, enc: string, data: string) =>
        decodeCharset(
          enc.toUpperCase() === 'B' ? Buffer.from(data, 'base64') : decodeQuotedPrintable(data, true),
          charset,
        ),
    );
}

/** `"Bob Berger" <+4930@voice.example.com>` → name and address (the first mailbox of a list). */
export function parseAddress(value: string | undefined): { name: string; address: string } {
  const decoded = decodeWords(value ?? '').trim();
  const angle = /^(.*?)<([^>]*)>/.exec(decoded);
  if (angle !== null) {
    return {
      name: (angle[1] ?? '')
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .replace(/\\(.)/g, '$1')
        .trim(),
      address: (angle[2] ?? '').trim(),
    };
  }
  const bare = decoded.split(',')[0]?.trim() ?? '';
  const comment = /^(\S+@\S+)\s*\((.*)\)$/.exec(bare);
  return comment !== null
    ? { name: comment[2] ?? '', address: comment[1] ?? '' }
    : { name: '', address: bare };
}

/** `text/plain; charset="utf-8"` → the lower-case value and its parameters. */
export function parseParams(value: string | undefined): { value: string; params: Record<string, string> } {
  const [first = '', ...rest] = (value ?? '').split(';');
  const params: Record<string, string> = {};
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    params[key.replace(/\*$/, '')] = decodeWords(
      param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return { value: first.trim().toLowerCase(), params };
}

export interface MimePart {
  headers: Headers;
  /** `text/plain`, `audio/wav`, `multipart/mixed`, ... */
  type: string;
  params: Record<string, string>;
  /** `attachment`, `inline` or '' */
  disposition: string;
  filename?: string;
  /** still transfer-encoded */
  body: Buffer;
  children: MimePart[];
}

const MAX_DEPTH = 20;

/** The part tree of a whole message (headers and body). */
export function parseMime(raw: Buffer, depth = 0): MimePart {
  const { header: head, body } = splitHeaderBody(raw);
  const headers = parseHeaders(head);
  const contentType = parseParams(header(headers, 'content-type') ?? 'text/plain');
  const disposition = parseParams(header(headers, 'content-disposition'));
  const filename = disposition.params['filename'] ?? contentType.params['name'];
  const part: MimePart = {
    headers,
    type: contentType.value || 'text/plain',
    params: contentType.params,
    disposition: disposition.value,
    ...(filename !== undefined ? { filename } : {}),
    body,
    children: [],
  };
  const boundary = contentType.params['boundary'];
  if (part.type.startsWith('multipart/') && boundary !== undefined && depth < MAX_DEPTH) {
    const text = body.toString('latin1');
    const delimiter = new RegExp(`(?:^|\\r?\\n)--${escapeRegExp(boundary)}(--)?[ \\t]*(?:\\r?\\n|$)`, 'g');
    let start = -1; // before the first delimiter is the preamble
    let closed = false;
    for (let m = delimiter.exec(text); m !== null; m = delimiter.exec(text)) {
      if (start >= 0)
        part.children.push(parseMime(Buffer.from(text.slice(start, m.index), 'latin1'), depth + 1));
      closed = m[1] === '--';
      if (closed) break; // the closing delimiter; the epilogue is ignored
      start = m.index + m[0].length;
    }
    // the start of a message (or one without its closing delimiter): its last part as far as it goes
    if (!closed && start >= 0 && start < text.length) {
      part.children.push(parseMime(Buffer.from(text.slice(start), 'latin1'), depth + 1));
    }
  }
  return part;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The part's bytes with the transfer encoding removed. */
export function decodeBody(part: MimePart): Buffer {
  const encoding = (header(part.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  if (encoding === 'base64')
    return Buffer.from(part.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body.toString('latin1'));
  return part.body;
}

/** A text part as a string, in its charset. */
export const partText = (part: MimePart, maxBytes = Infinity): string =>
  decodeCharset(decodeBody(part).subarray(0, maxBytes), part.params['charset']);

/** Every leaf part, depth first. */
export function leaves(part: MimePart): MimePart[] {
  return part.children.length === 0 ? [part] : part.children.flatMap(leaves);
}
