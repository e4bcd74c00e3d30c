import { EVENTS_WITH_VARIABLES, standardHeaders } from './events.js';
import type { SimEvent, SwitchIdentity } from './events.js';
import type { CallerProfile } from './script.js';

type Headers = Array<[string, string]>;

/** The part of a channel's state its events report; the call changes it in place. */
export interface ChannelState {
  answered: boolean;
  hungUp: boolean;
  cause: string | undefined;
  /** `Channel-State`, `Channel-Call-State`, `Channel-State-Number`. */
  channelState: string;
  callState: string;
  stateNumber: number;
  /** Simulated ms of the answer and of the hang-up. */
  answeredAt: number | undefined;
  hangupAt: number | undefined;
}

/**
 * Builds a channel's events with FreeSWITCH 1.10.12's headers, in its order: the standard
 * headers, the channel's, the `Caller-*` profile, `variable_*` on the event types that carry
 * them, then the event's own.
 */
export class ChannelHeaders {
  private readonly createdUs: number;

  constructor(
    private readonly identity: SwitchIdentity,
    private readonly caller: CallerProfile,
    private readonly uuid: string,
    private readonly channelName: string,
    private readonly state: ChannelState,
    private readonly vars: ReadonlyMap<string, string>,
  ) {
    this.createdUs = Math.round(identity.baseEpochMs * 1000);
  }

  /** One event at simulated time `atMs`; `hangupFirst`: `Hangup-Cause` also right after the standard headers. */
  event(name: string, atMs: number, extra: Headers, hangupFirst: boolean): SimEvent {
    const headers: Headers = standardHeaders(this.identity, name, atMs);
    if (hangupFirst && this.state.cause) headers.push(['Hangup-Cause', this.state.cause]);
    headers.push(...this.channel(), ...this.profile('Caller-'));
    if (EVENTS_WITH_VARIABLES.has(name)) headers.push(...this.variables());
    headers.push(...extra);
    return { name, headers, uuid: this.uuid };
  }

  /** The connect reply's CHANNEL_DATA headers. */
  channelData(atMs: number): Headers {
    return [
      ...standardHeaders(this.identity, 'CHANNEL_DATA', atMs),
      ...this.profile('Channel-'),
      ...this.channel(),
      ...this.profile('Caller-'),
      ...this.variables(),
    ];
  }

  private channel(): Headers {
    const s = this.state;
    const h: Headers = [
      ['Channel-State', s.channelState],
      ['Channel-Call-State', s.callState],
      ['Channel-State-Number', String(s.stateNumber)],
      ['Channel-Name', this.channelName],
      ['Unique-ID', this.uuid],
      ['Call-Direction', 'inbound'],
      ['Presence-Call-Direction', 'inbound'],
      ['Channel-HIT-Dialplan', 'true'],
      ['Channel-Call-UUID', this.uuid],
      ['Answer-State', s.hungUp ? 'hangup' : s.answered ? 'answered' : 'ringing'],
    ];
    if (s.cause) h.push(['Hangup-Cause', s.cause]);
    h.push(
      ['Channel-Read-Codec-Name', 'PCMU'],
      ['Channel-Read-Codec-Rate', '8000'],
      ['Channel-Read-Codec-Bit-Rate', '64000'],
      ['Channel-Write-Codec-Name', 'PCMU'],
      ['Channel-Write-Codec-Rate', '8000'],
      ['Channel-Write-Codec-Bit-Rate', '64000'],
    );
    return h;
  }

  private profile(prefix: string): Headers {
    const c = this.caller;
    const us = (ms: number | undefined): string =>
      ms === undefined ? '0' : String(this.createdUs + Math.round(ms * 1000));
    const h: Headers = [
      [`${prefix}Direction`, 'inbound'],
      [`${prefix}Logical-Direction`, 'inbound'],
      [`${prefix}Dialplan`, 'XML'],
    ];
    if (c.name) h.push([`${prefix}Caller-ID-Name`, c.name]);
    h.push([`${prefix}Caller-ID-Number`, c.number]);
    if (c.name) h.push([`${prefix}Orig-Caller-ID-Name`, c.name]);
    h.push(
      [`${prefix}Orig-Caller-ID-Number`, c.number],
      [`${prefix}Callee-ID-Name`, 'Outbound Call'],
      [`${prefix}Callee-ID-Number`, c.dialed],
      [`${prefix}ANI`, c.number],
      [`${prefix}Destination-Number`, c.dialed],
      [`${prefix}Unique-ID`, this.uuid],
      [`${prefix}Source`, 'mod_sofia'],
      [`${prefix}Context`, 'default'],
    );
    if (c.rdnis !== undefined) h.push([`${prefix}RDNIS`, c.rdnis]);
    h.push(
      [`${prefix}Channel-Name`, this.channelName],
      [`${prefix}Profile-Index`, '1'],
      [`${prefix}Profile-Created-Time`, us(0)],
      [`${prefix}Channel-Created-Time`, us(0)],
      [`${prefix}Channel-Answered-Time`, us(this.state.answeredAt)],
      [`${prefix}Channel-Progress-Time`, '0'],
      [`${prefix}Channel-Progress-Media-Time`, '0'],
      [`${prefix}Channel-Hangup-Time`, us(this.state.hangupAt)],
      [`${prefix}Channel-Transfer-Time`, '0'],
      [`${prefix}Channel-Resurrect-Time`, '0'],
      [`${prefix}Channel-Bridged-Time`, '0'],
      [`${prefix}Channel-Last-Hold`, '0'],
      [`${prefix}Channel-Hold-Accum`, '0'],
      [`${prefix}Screen-Bit`, 'true'],
      [`${prefix}Privacy-Hide-Name`, 'false'],
      [`${prefix}Privacy-Hide-Number`, 'false'],
    );
    return h;
  }

  private variables(): Headers {
    return [...this.vars].map(([k, v]) => [`variable_${k}`, v]);
  }
}

/** The CDR variables FreeSWITCH adds before CHANNEL_HANGUP_COMPLETE (`nowMs`: the call's simulated time). */
export function addCdrVariables(
  vars: Map<string, string>,
  identity: SwitchIdentity,
  caller: CallerProfile,
  state: ChannelState,
  nowMs: number,
): void {
  const end = state.hangupAt ?? nowMs;
  const base = identity.baseEpochMs;
  const stamp = (ms: number): string => new Date(base + ms).toISOString().replace('T', ' ').slice(0, 19);
  const billMs = state.answeredAt === undefined ? 0 : end - state.answeredAt;
  const set = (k: string, v: string): void => void vars.set(k, v);
  set('digits_dialed', 'none');
  set('start_stamp', stamp(0));
  if (state.answeredAt !== undefined) set('answer_stamp', stamp(state.answeredAt));
  set('end_stamp', stamp(end));
  set('start_epoch', String(Math.floor(base / 1000)));
  set('end_epoch', String(Math.floor((base + end) / 1000)));
  set('caller_id', caller.name ? `"${caller.name}" <${caller.number}>` : caller.number);
  set('duration', String(Math.round(end / 1000)));
  set('billsec', String(Math.round(billMs / 1000)));
  set('mduration', String(end));
  set('billmsec', String(billMs));
}

/** The variables a channel has when it reaches the socket application (`socketAppData`: `host:port …`). */
export function setInitialVariables(
  vars: Map<string, string>,
  uuid: string,
  channelName: string,
  caller: CallerProfile,
  socketAppData: string,
): void {
  const set = (k: string, v: string): void => void vars.set(k, v);
  set('direction', 'inbound');
  set('uuid', uuid);
  set('session_id', '1');
  set('channel_name', channelName);
  set('read_codec', 'PCMU');
  set('read_rate', '8000');
  set('write_codec', 'PCMU');
  set('write_rate', '8000');
  set('caller_id_number', caller.number);
  if (caller.name) set('caller_id_name', caller.name);
  set('destination_number', caller.dialed);
  for (const [k, v] of Object.entries(caller.variables)) set(k, v);
  set('call_uuid', uuid);
  set('current_application_data', socketAppData);
  set('current_application', 'socket');
  set('socket_host', socketAppData.split(':')[0] ?? '127.0.0.1');
}
