import { EslProtocolError } from '../errors.js';
import type { Frame } from './frame-parser.js';
import { HeaderBlock } from './headers.js';
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
    if (type === 'text/event-plain') ev = new LazyPlainEvent(this.rawBody ?? Buffer.alloc(0));
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
  let end = body.indexOf('\n\n');
  const headerEnd = end < 0 ? body.length : end;
  const entries: Array<[string, string]> = [];
  const text = body.toString('latin1', 0, headerEnd);
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    if (colon <= 0)
      throw new EslProtocolError(`bad line in event body: ${JSON.stringify(line.slice(0, 60))}`);
    let v = colon + 1;
    while (line.charCodeAt(v) === 0x20) v++;
    entries.push([line.slice(0, colon), line.slice(v)]);
  }
  const block = new HeaderBlock(entries);
  let inner: string | undefined;
  const innerLength = block.raw('Content-Length');
  if (innerLength !== undefined && end >= 0) {
    const n = Number(innerLength);
    end += 2;
    if (!Number.isSafeInteger(n) || n < 0 || end + n > body.length) {
      throw new EslProtocolError(
        `inner Content-Length ${JSON.stringify(innerLength)} does not fit the event`,
      );
    }
    inner = decodeBytes(body.subarray(end, end + n));
  }
  return new PlainEvent(block, inner);
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

/** A plain event whose body is split into headers only when a header other than the name is read. */
class LazyPlainEvent extends BaseEvent {
  private parsed: EslEvent | undefined;
  constructor(private readonly raw: Buffer) {
    super();
  }
  private get event(): EslEvent {
    this.parsed ??= parsePlainEvent(this.raw);
    return this.parsed;
  }
  override get name(): string {
    if (!this.parsed && this.raw.subarray(0, EVENT_NAME_LINE.length).equals(EVENT_NAME_LINE)) {
      const end = this.raw.indexOf(0x0a, EVENT_NAME_LINE.length);
      return percentDecode(this.raw.toString('latin1', EVENT_NAME_LINE.length, end < 0 ? undefined : end));
    }
    return this.event.name;
  }
  get body(): string | undefined {
    return this.event.body;
  }
  get(header: string): string | undefined {
    return this.event.get(header);
  }
  headers(): Map<string, string> {
    return this.event.headers();
  }
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
  headers(): Map<string, string> {
    return this.event.headers();
  }
}
