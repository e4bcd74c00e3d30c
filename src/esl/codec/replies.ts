// FreeSWITCH → client messages, byte for byte as mod_event_socket writes them (checked
// against the captures in test/fixtures/esl). Used by the simulator; kept beside the
// parser so that both directions of the codec live in one place.
import { urlEncode } from './percent.js';

export type EventHeaders = ReadonlyArray<readonly [string, string]>;

export const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

export const authRequest = (): Buffer => Buffer.from('Content-Type: auth/request\n\n');

/** `command/reply`; `extra` headers follow `Reply-Text` (bgapi adds `Job-UUID`). */
export function commandReply(text: string, extra: EventHeaders = []): Buffer {
  let s = `Content-Type: command/reply\nReply-Text: ${text}\n`;
  for (const [k, v] of extra) s += `${k}: ${v}\n`;
  return Buffer.from(s + '\n', 'utf8');
}

export function apiResponse(output: string): Buffer {
  const body = Buffer.from(output, 'utf8');
  return Buffer.concat([Buffer.from(`Content-Type: api/response\nContent-Length: ${body.length}\n\n`), body]);
}

export interface DisconnectNotice {
  /** Outbound / session-bound connections only. */
  readonly controlledSessionUuid?: string;
  readonly disposition?: 'disconnect' | 'linger';
  /** Linger notice only (sent unencoded). */
  readonly channelName?: string;
  readonly lingerTime?: number;
  /** Default: the goodbye text (67 bytes); the linger notice has no body. */
  readonly body?: string;
}

export function disconnectNotice(n: DisconnectNotice = {}): Buffer {
  const body = Buffer.from(n.disposition === 'linger' ? '' : (n.body ?? GOODBYE), 'utf8');
  let s = 'Content-Type: text/disconnect-notice\n';
  if (n.controlledSessionUuid) s += `Controlled-Session-UUID: ${n.controlledSessionUuid}\n`;
  if (n.disposition) s += `Content-Disposition: ${n.disposition}\n`;
  if (n.channelName !== undefined) s += `Channel-Name: ${n.channelName}\n`;
  if (n.lingerTime !== undefined) s += `Linger-Time: ${n.lingerTime}\n`;
  s += `Content-Length: ${body.length}\n\n`;
  return Buffer.concat([Buffer.from(s, 'utf8'), body]);
}

const encodeValue = (v: string): string => (v.length === 0 ? '_undef_' : urlEncode(v));

/**
 * Outbound `connect` reply: the CHANNEL_DATA event serialised into the outer headers,
 * URL-encoded, then the four reply headers, then one empty line; no Content-Length.
 */
export function connectReply(channelData: EventHeaders, mode: 'async' | 'static', full: boolean): Buffer {
  let s = '';
  for (const [k, v] of channelData) s += `${k}: ${encodeValue(v)}\n`;
  s += `Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: ${mode}\nControl: ${full ? 'full' : 'single-channel'}\n\n`;
  return Buffer.from(s, 'utf8');
}

/** Serialised event body in plain format: encoded header lines, blank line, optional inner body. */
export function plainEventBody(headers: EventHeaders, body?: string): Buffer {
  let s = '';
  for (const [k, v] of headers) s += `${k}: ${encodeValue(v)}\n`;
  if (body === undefined) return Buffer.from(s + '\n', 'utf8');
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${s}Content-Length: ${bytes.length}\n\n`, 'utf8'), bytes]);
}

/** Serialised event body in json format: one line, arrays for `ARRAY::` values, `_body` last. */
export function jsonEventBody(headers: EventHeaders, body?: string): Buffer {
  const obj: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    if (k in obj) continue; // cJSON keeps the first of duplicate names (Hangup-Cause)
    obj[k] = v.startsWith('ARRAY::') ? v.slice(7).split('|:') : v;
  }
  if (body !== undefined) {
    obj['Content-Length'] = String(Buffer.byteLength(body, 'utf8'));
    obj['_body'] = body;
  }
  return Buffer.from(JSON.stringify(obj), 'utf8');
}

export function eventMessage(format: 'plain' | 'json', headers: EventHeaders, body?: string): Buffer {
  const payload = format === 'json' ? jsonEventBody(headers, body) : plainEventBody(headers, body);
  return Buffer.concat([
    Buffer.from(`Content-Length: ${payload.length}\nContent-Type: text/event-${format}\n\n`),
    payload,
  ]);
}
