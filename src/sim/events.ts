import type { EventHeaders } from '../esl/index.js';

/** An event as the simulated switch fires it, before it is serialised per connection. */
export interface SimEvent {
  readonly name: string;
  readonly headers: EventHeaders;
  readonly body?: string;
  /** Unique-ID of the channel it belongs to (for myevents / filters). */
  readonly uuid?: string;
}

/** Identity of the simulated switch, shared by every call and connection. */
export interface SwitchIdentity {
  readonly coreUuid: string;
  readonly hostname: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Wall-clock epoch (ms) that simulated time 0 of a call maps to, for Event-Date-* headers. */
  readonly baseEpochMs: number;
  nextSequence(): number;
}

/** Where FreeSWITCH fires each event from (file, function, line), as in the 1.10.12 captures. */
const ORIGIN: Record<string, readonly [string, string, number]> = {
  CHANNEL_DATA: ['mod_event_socket.c', 'parse_command', 2021],
  CHANNEL_EXECUTE: ['switch_core_session.c', 'switch_core_session_exec', 2944],
  CHANNEL_EXECUTE_COMPLETE: ['switch_core_session.c', 'switch_core_session_exec', 2967],
  CHANNEL_HANGUP: ['switch_channel.c', 'switch_channel_perform_hangup', 3445],
  CHANNEL_UNPARK: ['switch_ivr.c', 'switch_ivr_park', 1213],
  CHANNEL_PARK: ['switch_ivr.c', 'switch_ivr_park', 1005],
  CHANNEL_STATE: ['switch_channel.c', 'switch_channel_perform_set_running_state', 2408],
  CHANNEL_HANGUP_COMPLETE: ['switch_core_state_machine.c', 'switch_core_session_reporting_state', 943],
  DTMF: ['switch_channel.c', 'switch_channel_dequeue_dtmf', 677],
  RECORD_START: ['switch_ivr_play_say.c', 'switch_ivr_record_file_event', 767],
  RECORD_STOP: ['switch_ivr_play_say.c', 'switch_ivr_record_file_event', 1030],
  PLAYBACK_START: ['switch_ivr_play_say.c', 'switch_ivr_play_file', 1585],
  PLAYBACK_STOP: ['switch_ivr_play_say.c', 'switch_ivr_play_file', 2085],
  CHANNEL_ANSWER: ['switch_channel.c', 'switch_channel_perform_mark_answered', 3539],
  CHANNEL_BRIDGE: ['switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1683],
  CHANNEL_UNBRIDGE: ['switch_ivr_bridge.c', 'switch_ivr_multi_threaded_bridge', 1888],
  BACKGROUND_JOB: ['mod_event_socket.c', 'api_exec', 1572],
  CHANNEL_DESTROY: ['switch_core_session.c', 'switch_core_session_perform_destroy', 1713],
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** The standard headers every event starts with (every event in the captures, test/fixtures/esl). */
export function standardHeaders(id: SwitchIdentity, name: string, atMs: number): Array<[string, string]> {
  const epochMs = id.baseEpochMs + atMs;
  const d = new Date(epochMs);
  const local = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const [file, func, line] = ORIGIN[name] ?? ['mod_event_socket.c', 'parse_command', 2600];
  return [
    ['Event-Name', name],
    ['Core-UUID', id.coreUuid],
    ['FreeSWITCH-Hostname', id.hostname],
    ['FreeSWITCH-Switchname', id.hostname],
    ['FreeSWITCH-IPv4', id.ipv4],
    ['FreeSWITCH-IPv6', id.ipv6],
    ['Event-Date-Local', local],
    ['Event-Date-GMT', d.toUTCString()],
    ['Event-Date-Timestamp', String(Math.round(epochMs * 1000))],
    ['Event-Calling-File', file],
    ['Event-Calling-Function', func],
    ['Event-Calling-Line-Number', String(line)],
    ['Event-Sequence', String(id.nextSequence())],
  ];
}

/** Event types whose serialisation includes the channel variables (see the captures in test/fixtures/esl). */
export const EVENTS_WITH_VARIABLES = new Set([
  'CHANNEL_CREATE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_ANSWER',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_DATA',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_DESTROY',
  'RECORD_START',
  'RECORD_STOP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'CUSTOM',
]);

/** Every event type name FreeSWITCH knows (switch_event.c EVENT_NAMES); `event` skips others silently. */
export const KNOWN_EVENT_TYPES = new Set(
  (
    'CUSTOM CLONE CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_ANSWER ' +
    'CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HOLD ' +
    'CHANNEL_UNHOLD CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA ' +
    'CHANNEL_OUTGOING CHANNEL_PARK CHANNEL_UNPARK CHANNEL_APPLICATION CHANNEL_ORIGINATE CHANNEL_UUID ' +
    'API LOG INBOUND_CHAN OUTBOUND_CHAN STARTUP SHUTDOWN PUBLISH UNPUBLISH TALK NOTALK SESSION_CRASH ' +
    'MODULE_LOAD MODULE_UNLOAD DTMF MESSAGE PRESENCE_IN NOTIFY_IN PRESENCE_OUT PRESENCE_PROBE ' +
    'MESSAGE_WAITING MESSAGE_QUERY ROSTER CODEC BACKGROUND_JOB DETECTED_SPEECH DETECTED_TONE ' +
    'PRIVATE_COMMAND HEARTBEAT TRAP ADD_SCHEDULE DEL_SCHEDULE EXE_SCHEDULE RE_SCHEDULE RELOADXML ' +
    'NOTIFY PHONE_FEATURE PHONE_FEATURE_SUBSCRIBE SEND_MESSAGE RECV_MESSAGE REQUEST_PARAMS ' +
    'CHANNEL_DATA GENERAL COMMAND SESSION_HEARTBEAT CLIENT_DISCONNECTED SERVER_DISCONNECTED ' +
    'SEND_INFO RECV_INFO RECV_RTCP_MESSAGE SEND_RTCP_MESSAGE CALL_SECURE NAT RECORD_START ' +
    'RECORD_STOP PLAYBACK_START PLAYBACK_STOP CALL_UPDATE FAILURE SOCKET_DATA MEDIA_BUG_START ' +
    'MEDIA_BUG_STOP CONFERENCE_DATA_QUERY CONFERENCE_DATA CALL_SETUP_REQ CALL_SETUP_RESULT ' +
    'CALL_DETAIL DEVICE_STATE TEXT SHUTDOWN_REQUESTED ALL'
  ).split(' '),
);

/** The types `myevents` subscribes (sent in every outbound capture, test/fixtures/esl/README.md). */
export const MYEVENTS_TYPES = [
  'CHANNEL_ANSWER',
  'CHANNEL_APPLICATION',
  'CHANNEL_BRIDGE',
  'CHANNEL_CREATE',
  'CHANNEL_DATA',
  'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_STATE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_UNPARK',
  'DETECTED_SPEECH',
  'DTMF',
  'NOTALK',
  'TALK',
];

/** Q.850 codes of the causes the simulator produces. */
export const Q850: Record<string, number> = {
  UNALLOCATED_NUMBER: 1,
  NO_ROUTE_DESTINATION: 3,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  DESTINATION_OUT_OF_ORDER: 27,
  NORMAL_TEMPORARY_FAILURE: 41,
  ORIGINATOR_CANCEL: 487,
  BLIND_TRANSFER: 0,
};

/** Subscription and filter state of one event-socket connection, and the delivery rule. */
export class Subscription {
  format: 'plain' | 'json' = 'plain';
  readonly types = new Set<string>();
  all = false;
  readonly customSubclasses = new Set<string>();
  readonly filters: Array<{ header: string; value: string }> = [];
  /** Outbound `myevents`: only this channel's events. */
  myUuid: string | undefined;

  get active(): boolean {
    return this.all || this.types.size > 0;
  }

  /** `event [format] TYPE...`; returns false when no type was recognised. */
  subscribe(args: string[]): boolean {
    let words = args;
    const first = words[0]?.toLowerCase();
    if (first === 'plain' || first === 'json' || first === 'xml') {
      this.format = first === 'xml' ? 'plain' : first;
      words = words.slice(1);
    }
    let any = false;
    let custom = false;
    for (const w of words) {
      const name = w.toUpperCase().replace(/^SWITCH_EVENT_/, '');
      if (custom) {
        this.customSubclasses.add(w);
        any = true;
        continue;
      }
      if (name === 'ALL') {
        this.all = true;
        any = true;
      } else if (name === 'CUSTOM') {
        custom = true;
        any = true;
      } else if (KNOWN_EVENT_TYPES.has(name)) {
        this.types.add(name);
        any = true;
      }
    }
    return any;
  }

  wants(ev: SimEvent): boolean {
    if (ev.name === 'CUSTOM') {
      const sub = ev.headers.find(([k]) => k === 'Event-Subclass')?.[1];
      if (!this.all && (sub === undefined || !this.customSubclasses.has(sub))) return false;
    } else if (!this.all && !this.types.has(ev.name)) return false;
    if (this.filters.length > 0 && !this.passesFilters(ev)) return false;
    if (this.myUuid !== undefined && ev.uuid !== this.myUuid) return false;
    return true;
  }

  private passesFilters(ev: SimEvent): boolean {
    let matched = false;
    for (const f of this.filters) {
      const value = ev.headers.find(([k]) => k.toLowerCase() === f.header.toLowerCase())?.[1];
      if (value === undefined) continue;
      const negative = f.value.startsWith('-');
      const pattern = negative ? f.value.slice(1) : f.value;
      const hit = pattern.startsWith('/')
        ? safeRegex(pattern.slice(1).replace(/\/$/, ''))?.test(value) === true
        : value.toLowerCase() === pattern.toLowerCase();
      if (hit && negative) return false;
      if (hit) matched = true;
    }
    return matched;
  }
}

function safeRegex(source: string): RegExp | undefined {
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}
