import { EslProtocolError } from '../errors.js';
import type { Frame } from './frame-parser.js';
import type { HeaderBlock } from './headers.js';
import { decodeBytes, percentDecode } from './percent.js';

/** What FreeSWITCH put in `Content-Type`. */
export type ContentType =
  | 'auth/request'
  | 'command/reply'
  | 'api/response'
  | 'text/event-plain'
  | 'text/event-json'
  | 'text/event-xml'
  | 'text/disconnect-notice'
  | 'text/rude-rejection'
  | 'log/data'
  | (string & Record<never, never>);

/**
 * An event, whichever format it came in (plain, json, or the outbound `connect` reply).
 * Header values are decoded on first access.
 */
export interface EslEvent {
  /** `Event-Name`, e.g. `CHANNEL_EXECUTE_COMPLETE`. */
  readonly name: string;
  /** Decoded value of a header; array headers come back in FreeSWITCH's `ARRAY::a|:b` form. */
  get(header: string): string | undefined;
  /** Array headers split (`ARRAY::a|:b` → [a, b]); a plain value → [value]; missing → []. */
  getAll(header: string): string[];
  /** Every header, decoded, in wire order (first occurrence wins for duplicates). */
  headers(): Map<string, string>;
  /** Channel variables (`variable_*` headers) without the prefix. */
  variables(): Map<string, string>;
  /** One channel variable: the same as `variables().get(name)`, without building the map. */
  variable(name: string): string | undefined;
  /** The event's own body (BACKGROUND_JOB result, ...), if it has one. */
  readonly body: string | undefined;
}

/** One message from FreeSWITCH. */
export class EslMessage {
  readonly headers: HeaderBlock;
  readonly rawBody: Buffer | undefined;
  private cachedEvent: EslEvent | null | undefined;

  constructor(frame: Frame) {
    this.headers = frame.headers;
    this.rawBody = frame.body;
  }

  get contentType(): ContentType | undefined {
    return this.headers.raw('Content-Type');
  }

  /** A decoded outer header (FreeSWITCH's libesl decodes every outer header too). */
  header(name: string): string | undefined {
    return this.headers.decoded(name);
  }

  /** `Reply-Text` of a command/reply (decoded: the connect reply sends `%2BOK%0A`). */
  get replyText(): string | undefined {
    return this.headers.decoded('Reply-Text');
  }

  /** Body as text (UTF-8, Latin-1 for bytes that are not UTF-8). */
  get bodyText(): string | undefined {
    return this.rawBody === undefined ? undefined : decodeBytes(this.rawBody);
  }

  /**
   * The event this message carries: the body of `text/event-plain` / `text/event-json`,
   * or the outer headers of the outbound `connect` reply (CHANNEL_DATA). Undefined otherwise.
   * The body is parsed on first use (the name alone is read without parsing); that use throws
   * {@link EslProtocolError} if the body is garbled.
   */
  event(): EslEvent | undefined {
    if (this.cachedEvent !== undefined) return this.cachedEvent ?? undefined;
    let ev: EslEvent | undefined;
    const type = this.contentType;
    if (type === 'text/event-plain') ev = new PlainBodyEvent(this.rawBody ?? Buffer.alloc(0));
    else if (type === 'text/event-json') ev = new LazyJsonEvent(this.rawBody ?? Buffer.alloc(0));
    else if (this.headers.raw('Event-Name') !== undefined) ev = new PlainEvent(this.headers, undefined);
    this.cachedEvent = ev ?? null;
    return ev;
  }
}

abstract class BaseEvent implements EslEvent {
  abstract get(header: string): string | undefined;
  abstract headers(): Map<string, string>;
  abstract readonly body: string | undefined;

  get name(): string {
    return this.get('Event-Name') ?? '';
  }

  getAll(header: string): string[] {
    const v = this.get(header);
    if (v === undefined) return [];
    return v.startsWith('ARRAY::') ? v.slice(7).split('|:') : [v];
  }

  variables(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, v] of this.headers()) if (k.startsWith('variable_')) out.set(k.slice(9), v);
    return out;
  }

  variable(name: string): string | undefined {
    return this.headers().get('variable_' + name);
  }
}

class PlainEvent extends BaseEvent {
  private all: Map<string, string> | undefined;
  constructor(
    private readonly block: HeaderBlock,
    readonly body: string | undefined,
  ) {
    super();
  }
  get(header: string): string | undefined {
    return this.block.decoded(header);
  }
  override variable(name: string): string | undefined {
    if (this.all) return this.all.get('variable_' + name);
    const key = 'variable_' + name;
    for (const [k, v] of this.block.entries) if (k === key) return percentDecode(v);
    return undefined;
  }
  headers(): Map<string, string> {
    if (!this.all) {
      this.all = new Map();
      for (const [k, v] of this.block.entries) if (!this.all.has(k)) this.all.set(k, percentDecode(v));
    }
    return this.all;
  }
}

class JsonEvent extends BaseEvent {
  private all: Map<string, string> | undefined;
  constructor(private readonly obj: Record<string, unknown>) {
    super();
  }
  get body(): string | undefined {
    const b = this.obj['_body'];
    return typeof b === 'string' ? b : undefined;
  }
  get(header: string): string | undefined {
    let v = this.obj[header];
    if (v === undefined) {
      const lower = header.toLowerCase();
      const key = Object.keys(this.obj).find((k) => k.toLowerCase() === lower);
      if (key !== undefined) v = this.obj[key];
    }
    return jsonValue(v);
  }
  override variable(name: string): string | undefined {
    const key = 'variable_' + name;
    return Object.hasOwn(this.obj, key) ? jsonValue(this.obj[key]) : undefined;
  }
  headers(): Map<string, string> {
    if (!this.all) {
      this.all = new Map();
      for (const [k, v] of Object.entries(this.obj)) {
        if (k === '_body') continue;
        const s = jsonValue(v);
        if (s !== undefined) this.all.set(k, s);
      }
    }
    return this.all;
  }
}

function jsonValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return 'ARRAY::' + v.map((x) => String(x)).join('|:');
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Parses a `text/event-plain` body: URL-encoded header lines, a blank line, then an optional inner body. */
export function parsePlainEvent(body: Buffer): EslEvent {
  const event = new PlainBodyEvent(body);
  event.lines(); // throws EslProtocolError now on a garbled body
  return event;
}

/** Parses a `text/event-json` body. */
export function parseJsonEvent(body: Buffer): EslEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeBytes(body));
  } catch (err) {
    throw new EslProtocolError(`event-json body is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new EslProtocolError('event-json body is not an object');
  }
  return new JsonEvent(parsed as Record<string, unknown>);
}

const EVENT_NAME_LINE = Buffer.from('Event-Name: ');
const LF = 0x0a;
const COLON = 0x3a;
const SPACE = 0x20;
/** `variable_` as bytes. */
const VARIABLE_PREFIX = Buffer.from('variable_', 'latin1');

/**
 * The line index of the plain event read last: 4 offsets per header line (name start, colon,
 * value start, line end). One for the process, since events are read one at a time as they
 * are dispatched: reading an event allocates nothing but the strings asked for. An event read
 * again after another one has been read is indexed again (a pass over its header bytes).
 */
let scratch = new Int32Array(4 * 512);
let scratchCount = 0;
/** Which event `scratch` holds (events are numbered; 0: none). */
let scratchOwner = 0;
let eventIds = 0;

/**
 * A `text/event-plain` body, read in place. On use (other than the name) one pass over the
 * header bytes records, per line, where its name, colon, value and end are; no string is
 * made until a header is read, and only that header's value is then percent-decoded. The
 * values are the same as splitting every line (`parsePlainEvent` does it this way too): the
 * first header whose name matches case-insensitively, as HeaderBlock.raw does, and a garbled
 * line or inner Content-Length throws {@link EslProtocolError} on the first use.
 */
class PlainBodyEvent extends BaseEvent {
  private readonly id = ++eventIds;
  /** The body has been indexed once (and found sound). */
  private checked = false;
  private innerStart = -1;
  private innerEnd = -1;
  private all: Map<string, string> | undefined;

  constructor(private readonly raw: Buffer) {
    super();
  }

  /** Puts this event's line index into `scratch` (unless it is there); returns the number of offsets. */
  lines(): number {
    if (scratchOwner === this.id) return scratchCount;
    scratchOwner = 0;
    const raw = this.raw;
    let end = raw.indexOf('\n\n');
    const headerEnd = end < 0 ? raw.length : end;
    let n = 0;
    let pos = 0;
    while (pos < headerEnd) {
      // One pass over the bytes (cheaper than a Buffer#indexOf call per line).
      let colon = pos;
      while (colon < headerEnd && raw[colon] !== COLON && raw[colon] !== LF) colon++;
      let lf = colon;
      while (lf < headerEnd && raw[lf] !== LF) lf++;
      if (lf > pos) {
        if (colon === pos || colon === lf) {
          const line = raw.toString('latin1', pos, lf);
          throw new EslProtocolError(`bad line in event body: ${JSON.stringify(line.slice(0, 60))}`);
        }
        let v = colon + 1;
        while (v < lf && raw[v] === SPACE) v++;
        if (n + 4 > scratch.length) {
          const bigger = new Int32Array(scratch.length * 2);
          bigger.set(scratch);
          scratch = bigger;
        }
        scratch[n] = pos;
        scratch[n + 1] = colon;
        scratch[n + 2] = v;
        scratch[n + 3] = lf;
        n += 4;
      }
      pos = lf + 1;
    }
    if (!this.checked) {
      const at = find(raw, scratch, n, 'content-length');
      if (at >= 0 && end >= 0) {
        const innerLength = raw.toString('latin1', scratch[at + 2], scratch[at + 3]);
        const len = Number(innerLength);
        end += 2;
        if (!Number.isSafeInteger(len) || len < 0 || end + len > raw.length) {
          throw new EslProtocolError(
            `inner Content-Length ${JSON.stringify(innerLength)} does not fit the event`,
          );
        }
        this.innerStart = end;
        this.innerEnd = end + len;
      }
      this.checked = true;
    }
    scratchOwner = this.id;
    scratchCount = n;
    return n;
  }

  override get name(): string {
    const raw = this.raw;
    if (
      !this.checked &&
      raw.length >= EVENT_NAME_LINE.length &&
      raw.compare(EVENT_NAME_LINE, 0, EVENT_NAME_LINE.length, 0, EVENT_NAME_LINE.length) === 0
    ) {
      const end = raw.indexOf(LF, EVENT_NAME_LINE.length);
      return percentDecode(raw.toString('latin1', EVENT_NAME_LINE.length, end < 0 ? undefined : end));
    }
    return this.get('Event-Name') ?? '';
  }

  get body(): string | undefined {
    this.lines();
    return this.innerStart < 0 ? undefined : decodeBytes(this.raw.subarray(this.innerStart, this.innerEnd));
  }

  get(header: string): string | undefined {
    const n = this.lines();
    const at = find(this.raw, scratch, n, header.toLowerCase());
    return at < 0 ? undefined : percentDecode(this.raw.toString('latin1', scratch[at + 2], scratch[at + 3]));
  }

  override variable(name: string): string | undefined {
    const n = this.lines();
    const index = scratch;
    const raw = this.raw;
    const length = VARIABLE_PREFIX.length + name.length;
    for (let i = 0; i < n; i += 4) {
      const start = index[i] as number;
      if ((index[i + 1] as number) - start !== length) continue;
      if (
        raw.compare(VARIABLE_PREFIX, 0, VARIABLE_PREFIX.length, start, start + VARIABLE_PREFIX.length) !== 0
      )
        continue;
      let k = 0;
      const from = start + VARIABLE_PREFIX.length;
      while (k < name.length && raw[from + k] === name.charCodeAt(k)) k++;
      if (k === name.length) return percentDecode(raw.toString('latin1', index[i + 2], index[i + 3]));
    }
    return undefined;
  }

  headers(): Map<string, string> {
    if (!this.all) {
      const n = this.lines();
      const index = scratch;
      const raw = this.raw;
      const all = new Map<string, string>();
      for (let i = 0; i < n; i += 4) {
        const k = raw.toString('latin1', index[i], index[i + 1]);
        if (!all.has(k)) all.set(k, percentDecode(raw.toString('latin1', index[i + 2], index[i + 3])));
      }
      this.all = all;
    }
    return this.all;
  }
}

/**
 * The first of `count / 4` lines (4 offsets each in `index`) whose name, lower-cased as String#toLowerCase
 * does for Latin-1, is `lower`; -1 if none.
 */
function find(raw: Buffer, index: Int32Array, count: number, lower: string): number {
  const length = lower.length;
  for (let i = 0; i < count; i += 4) {
    const start = index[i] as number;
    if ((index[i + 1] as number) - start !== length) continue;
    let k = 0;
    for (; k < length; k++) {
      let b = raw[start + k] as number;
      if ((b >= 0x41 && b <= 0x5a) || (b >= 0xc0 && b <= 0xde && b !== 0xd7)) b += 0x20;
      if (b !== lower.charCodeAt(k)) break;
    }
    if (k === length) return i;
  }
  return -1;
}

const JSON_NAME = /^\{"Event-Name":"([A-Za-z0-9_:]+)"/;

/** A json event parsed on first use; FreeSWITCH puts Event-Name first, so the name needs no parse. */
class LazyJsonEvent extends BaseEvent {
  private parsed: EslEvent | undefined;
  constructor(private readonly raw: Buffer) {
    super();
  }
  private get event(): EslEvent {
    this.parsed ??= parseJsonEvent(this.raw);
    return this.parsed;
  }
  override get name(): string {
    if (!this.parsed) {
      const m = JSON_NAME.exec(this.raw.toString('latin1', 0, Math.min(this.raw.length, 80)));
      if (m?.[1] !== undefined) return m[1];
    }
    return this.event.name;
  }
  get body(): string | undefined {
    return this.event.body;
  }
  get(header: string): string | undefined {
    return this.event.get(header);
  }
  override variable(name: string): string | undefined {
    return this.event.variable(name);
  }
  headers(): Map<string, string> {
    return this.event.headers();
  }
}
