import type { EventHeaders } from '../esl/index.js';

/** `MWI-Voice-Message: new/old (urgentNew/urgentOld)` — the counts a phone shows beside its lamp. */
export interface VoiceCounts {
  readonly new: number;
  readonly old: number;
  readonly urgentNew: number;
  readonly urgentOld: number;
}

/** One message-waiting NOTIFY as mod_sofia sends it to the phones of an account. */
export interface Lamp {
  /** `sip:user@domain`, as the NOTIFY's `Message-Account` says it (mod_sofia prepends `sip:`). */
  readonly account: string;
  /** `Messages-Waiting: yes` — the lamp is on. */
  readonly waiting: boolean;
  /** Undefined when the event had no `MWI-Voice-Message` or one a phone cannot read. */
  readonly voice: VoiceCounts | undefined;
  /** The `message-summary` body: every `MWI-*` header of the event without its prefix, in order. */
  readonly headers: EventHeaders;
  /** The event's `Event-UUID`: what the `sendevent` reply said. */
  readonly eventUuid: string;
  /** Wall-clock ms when the switch took it. */
  readonly at: number;
}

/** An event `sendevent` took (`+OK`) that reached no phone, and why. */
export interface DroppedEvent {
  readonly name: string;
  readonly headers: EventHeaders;
  readonly reason: string;
  readonly at: number;
}

/** A test's wait for a lamp: see {@link LampBoard.waitFor}. */
export interface LampWait {
  /** Index in `lamps` to look from; default 0 (a lamp already recorded counts). */
  readonly from?: number;
}

const header = (headers: EventHeaders, name: string): string | undefined => {
  const lower = name.toLowerCase();
  return headers.find(([k]) => k.toLowerCase() === lower)?.[1];
};

/** Strips `sip:` and compares user and domain case-insensitively, so either spelling finds a lamp. */
const accountKey = (account: string): string => account.replace(/^sip:/i, '').toLowerCase();

const VOICE = /^\s*(\d{1,9})\/(\d{1,9})(?:\s*\((\d{1,9})\/(\d{1,9})\))?\s*$/;

function voiceCounts(value: string | undefined): VoiceCounts | undefined {
  const m = value === undefined ? null : VOICE.exec(value);
  if (!m) return undefined;
  return {
    new: Number(m[1]),
    old: Number(m[2]),
    urgentNew: Number(m[3] ?? 0),
    urgentOld: Number(m[4] ?? 0),
  };
}

/**
 * What mod_sofia makes of a MESSAGE_WAITING event (sofia_presence.c,
 * actual_sofia_presence_mwi_event_handler): the lamp its NOTIFY lights or puts out, or why
 * no phone gets one.
 */
export function readMessageWaiting(headers: EventHeaders, at: number): { lamp: Lamp } | { reason: string } {
  const account = header(headers, 'MWI-Message-Account');
  if (account === undefined) return { reason: "Missing required Header 'MWI-Message-Account'" };
  const yn = header(headers, 'MWI-Messages-Waiting');
  if (yn === undefined) return { reason: "Missing required Header 'MWI-Messages-Waiting'" };
  // sofia_glue_get_user_host: no domain, no profile to send the NOTIFY from
  const domain = /@([^:; ]*)/.exec(account)?.[1] ?? '';
  if (domain === '') return { reason: `Cannot find profile for the account ${JSON.stringify(account)}` };
  const waiting = yn.trim().toLowerCase();
  if (waiting !== 'yes' && waiting !== 'no') {
    // mod_sofia sends it on unchecked, but RFC 3842 knows only yes and no: no phone reads it
    return { reason: `MWI-Messages-Waiting ${JSON.stringify(yn)} is neither yes nor no` };
  }
  const sipAccount = /^sip:/i.test(account) ? account : `sip:${account}`;
  const summary = headers
    .filter(([k]) => /^mwi-/i.test(k))
    .map(([k, v]): [string, string] => [
      k.slice(4),
      k.toLowerCase() === 'mwi-message-account' && !/^sip:/i.test(v) ? `sip:${v}` : v,
    ]);
  return {
    lamp: {
      account: sipAccount,
      waiting: waiting === 'yes',
      voice: voiceCounts(header(headers, 'MWI-Voice-Message')),
      headers: summary,
      eventUuid: header(headers, 'Event-UUID') ?? '',
      at,
    },
  };
}

interface Waiter {
  readonly predicate: (lamp: Lamp) => boolean;
  readonly resolve: (lamp: Lamp) => void;
  readonly reject: (err: Error) => void;
}

/** The lamps the simulated phones got and the events that reached none, in order; tests await them. */
export class LampBoard {
  readonly lamps: Lamp[] = [];
  readonly dropped: DroppedEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private closed = false;

  /** A MESSAGE_WAITING the switch fired: a lamp, or dropped as mod_sofia drops it. */
  messageWaiting(headers: EventHeaders, at = Date.now()): void {
    const outcome = readMessageWaiting(headers, at);
    if ('reason' in outcome) return this.drop('MESSAGE_WAITING', headers, outcome.reason, at);
    this.lamps.push(outcome.lamp);
    for (const w of [...this.waiters]) {
      if (!w.predicate(outcome.lamp)) continue;
      this.waiters.delete(w);
      w.resolve(outcome.lamp);
    }
  }

  drop(name: string, headers: EventHeaders, reason: string, at = Date.now()): void {
    this.dropped.push({ name, headers, reason, at });
  }

  /** The latest lamp of an account (`sip:501@example.com` or `501@example.com`). */
  lampOf(account: string): Lamp | undefined {
    const key = accountKey(account);
    return this.lamps.findLast((l) => accountKey(l.account) === key);
  }

  /** The first lamp from `options.from` on that matches; rejects when the simulator closes first. */
  waitFor(predicate: (lamp: Lamp) => boolean, options: LampWait = {}): Promise<Lamp> {
    const seen = this.lamps.slice(options.from ?? 0).find(predicate);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => this.waiters.add({ predicate, resolve, reject }));
  }

  close(): void {
    this.closed = true;
    const err = this.closedError();
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }

  private closedError(): Error {
    const seen = this.lamps.map((l) => `${l.account} ${l.waiting ? 'on' : 'off'}`).join(', ') || 'none';
    const dropped = this.dropped.map((d) => d.reason).join('; ') || 'none';
    return new Error(`the simulator closed before the lamp awaited; lamps: ${seen}; dropped: ${dropped}`);
  }
}
