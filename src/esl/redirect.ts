// The number a call was forwarded from, as FreeSWITCH 1.10 hands it to the socket. Pure: no I/O.
//
// Where it comes from (read in FreeSWITCH's source, signalwire/freeswitch; none of our captures
// holds a forwarded call):
// - `Caller-RDNIS`: the caller profile's rdnis. `switch_ivr_session_transfer` (switch_ivr.c) sets
//   it to the number dialled before a `transfer` — a dialplan that sends an unanswered extension
//   to the voice-box number. mod_sofia itself never fills it from SIP.
// - `variable_sip_h_Diversion`: `sofia_handle_sip_i_invite` (mod_sofia/sofia.c) copies an INVITE's
//   Diversion header (draft-levy-sip-diversion-08) into the variable `sip_h_Diversion`, as sent:
//   `<sip:101@pbx.example.com>;reason=no-answer`. A PBX or carrier that forwarded the call sends it;
//   the topmost entry is the last forwarding, the one to the voice-box number.
// - `variable_sip_history_info`: the same function joins every History-Info header (RFC 7044)
//   into `sip_history_info`, `, `-separated, in order; the last entry is the voice-box number, the
//   one before it the number that forwarded.

/** One source that was present but did not hold a number (logged by the Channel, then ignored). */
export interface IgnoredRedirect {
  readonly source: string;
  readonly value: string;
}

export interface Redirect {
  /** digits, with a leading `+` when presented so; absent when no source holds a number */
  readonly number?: string;
  /** which source it came from: `Caller-RDNIS`, `sip_h_Diversion`, `sip_history_info` */
  readonly source?: string;
  readonly ignored: readonly IgnoredRedirect[];
}

/** A number: an optional `+` and 1–32 digits, once visual separators are gone. */
const NUMBER = /^\+?[0-9]{1,32}$/;

/** `+49 (30) 1234-101` → `+49301234101`; undefined for anything else (a name, `*)(uid=*`, a URI). */
export function redirectNumber(raw: string): string | undefined {
  let text = raw;
  if (/%[0-9A-Fa-f]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  if (text.length > 64) return undefined;
  const n = text.replace(/[ ().-]/g, '');
  return NUMBER.test(n) ? n : undefined;
}

/** The user part of a SIP or tel URI: `sip:101@host;user=phone` → `101`, `tel:+4930;phone-context=…` → `+4930`. */
function uriUser(uri: string): string | undefined {
  const m = /^\s*(?:sips?:([^@;?>]*)@|tel:([^;?>]*))/i.exec(uri);
  const user = m?.[1] ?? m?.[2];
  return user === undefined ? undefined : (user.split(';')[0] ?? '');
}

/** The URI of one name-addr / addr-spec: inside `<…>` if there are brackets, else up to the first `;`. */
function addressUri(entry: string): string {
  const open = entry.indexOf('<');
  if (open >= 0) {
    const close = entry.indexOf('>', open);
    return entry.slice(open + 1, close < 0 ? undefined : close);
  }
  return entry.split(';')[0] ?? '';
}

/** Splits a header value at the commas between entries (not those inside quotes or `<…>`). */
function entries(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth = Math.max(0, depth - 1);
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(value.slice(start, i));
      start = i + 1;
    }
  }
  out.push(value.slice(start));
  return out.map((e) => e.trim()).filter((e) => e !== '');
}

/** Headers and variables longer than this are not read (a Diversion of 1 MiB is an attack). */
const MAX_HEADER = 4096;

/**
 * The redirecting number of a call from its CHANNEL_DATA headers (`get` returns '' when absent),
 * in this order: `Caller-RDNIS`, the topmost `Diversion`'s URI user, the History-Info entry before
 * the last. A present but malformed source is reported in `ignored` and the next one is tried.
 */
export function redirectOf(get: (header: string) => string): Redirect {
  const ignored: IgnoredRedirect[] = [];
  // for the log: one line, short, no control characters
  const shown = (v: string) => v.slice(0, 128).replace(/[\p{Cc}\u202A-\u202E\u2066-\u2069]/gu, ' ');
  const sources: Array<[string, string, (value: string) => string | undefined]> = [
    ['Caller-RDNIS', get('Caller-RDNIS'), (v) => v],
    ['sip_h_Diversion', get('variable_sip_h_Diversion'), (v) => uriUser(addressUri(entries(v)[0] ?? ''))],
    [
      'sip_history_info',
      get('variable_sip_history_info'),
      (v) => {
        const list = entries(v);
        const before = list.length >= 2 ? list[list.length - 2] : undefined;
        return before === undefined ? undefined : uriUser(addressUri(before));
      },
    ],
  ];
  for (const [source, value, extract] of sources) {
    if (value.trim() === '') continue;
    const raw = value.length > MAX_HEADER ? undefined : extract(value);
    const number = raw === undefined ? undefined : redirectNumber(raw);
    if (number !== undefined) return { number, source, ignored };
    ignored.push({ source, value: shown(value) });
  }
  return { ignored };
}
