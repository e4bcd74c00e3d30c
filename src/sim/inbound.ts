import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { decodeBytes, replies } from '../esl/index.js';
import type { Frame } from '../esl/index.js';
import { SimConnection } from './connection.js';
import type { SwitchServices } from './connection.js';
import { KNOWN_EVENT_TYPES, standardHeaders } from './events.js';
import type { SimEvent } from './events.js';

export interface InboundListenOptions {
  readonly host?: string;
  /** 0 = any free port (read `.port` afterwards). Default 8021. */
  readonly port?: number;
  /** Default `ClueCon`. */
  readonly password?: string;
  /** Time allowed to authenticate (real ms). Default 25 s, as FreeSWITCH. */
  readonly authTimeoutMs?: number;
  /** Keep every byte the clients send (`received`), to compare with the captures. Default false. */
  readonly keepInput?: boolean;
}

/** What the listener and its connections share: the faults a test switches on, and what clients did. */
interface InboundState {
  /** A hung FreeSWITCH: commands are read and never answered. */
  stalled: boolean;
  readonly logins: Array<'accepted' | 'refused'>;
  readonly received: Buffer[];
  readonly keepInput: boolean;
}

/** mod_event_socket's inbound side: auth/request, one auth attempt, then the command set. */
class SimInboundConnection extends SimConnection {
  private authed = false;
  private sawCommand = false;
  private authTimer: NodeJS.Timeout | undefined;

  constructor(
    socket: Socket,
    sw: SwitchServices,
    private readonly password: string,
    authTimeoutMs: number,
    private readonly state: InboundState,
    private readonly onGone: (c: SimInboundConnection) => void,
  ) {
    super(socket, sw);
    if (state.keepInput) socket.on('data', (chunk: Buffer) => state.received.push(chunk));
    this.write(replies.authRequest());
    this.authTimer = setTimeout(() => {
      this.authTimer = undefined;
      if (!this.sawCommand) this.goodbye(false);
    }, authTimeoutMs);
  }

  protected override onClosed(): void {
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.onGone(this);
  }

  protected handle(command: string, frame: Frame): void {
    if (this.state.stalled) return;
    const first = !this.sawCommand;
    this.sawCommand = true;
    const [rawWord = '', ...rest] = command.split(/\s+/);
    const word = rawWord.toLowerCase();
    if (word === 'exit' || command.startsWith('...')) return this.goodbye(true);
    if (!this.authed) {
      if (word === 'auth' && first) {
        if (rest.join(' ') === this.password) {
          this.authed = true;
          this.state.logins.push('accepted');
          if (this.authTimer) clearTimeout(this.authTimer);
          this.authTimer = undefined;
          return this.reply('+OK accepted');
        }
        this.state.logins.push('refused');
        // Wrong password: the reply and the goodbye go out in one write, then close (inbound-badauth.1).
        this.write(Buffer.concat([replies.commandReply('-ERR invalid'), replies.disconnectNotice()]));
        return this.close();
      }
      if (word === 'auth' && rest.join(' ') === this.password) {
        this.authed = true;
        this.state.logins.push('accepted');
        return this.reply('+OK accepted');
      }
      return this.reply('-ERR command not found');
    }
    if (word === 'auth') return this.reply('-ERR command not found');
    // strncasecmp(cmd, "sendevent", 9) on the line as sent: `sendeventX` is a sendevent too
    if (/^sendevent/i.test(frame.command ?? '')) return this.sendEvent(frame);
    if (word === 'sendmsg') {
      const uuid = rest[0];
      const call = uuid ? this.sw.calls.get(uuid) : undefined;
      if (!call) return this.reply(`-ERR invalid session id [${uuid ?? ''}]`);
      this.reply('+OK');
      const h = frame.headers;
      call.enqueue({
        command: (h.text('call-command') ?? '').toLowerCase() === 'hangup' ? 'hangup' : 'execute',
        app: h.text('execute-app-name') ?? '',
        arg: h.text('execute-app-arg') ?? frame.body?.toString('utf8') ?? '',
        appUuid: h.text('Event-UUID') ?? '',
        eventLock: (h.text('event-lock') ?? '') === 'true',
        loops: 1,
      });
      return;
    }
    if (!this.handleCommon(command, frame, undefined)) this.reply('-ERR command not found');
  }

  /**
   * `sendevent` as mod_event_socket's parse_command runs it: `+OK <Event-UUID>`, then the event
   * fired to every subscriber — unless its `Unique-ID` names a live channel, which takes it instead.
   */
  private sendEvent(frame: Frame): void {
    const { event, eventUuid, channel } = eventFromSendevent(this.sw, frame);
    this.reply(`+OK ${eventUuid}`);
    this.sw.noteSentEvent(event.name, event.headers);
    if (channel === undefined) this.sw.publish(event);
  }

  override deliver(ev: SimEvent): void {
    if (this.authed) super.deliver(ev);
  }

  shutdown(): void {
    this.goodbye(false, { body: 'The system is being shut down.\n' });
  }

  /** Gone without a word, as when FreeSWITCH crashes or the network breaks. */
  drop(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

/** Where FreeSWITCH 1.10.12 fires every `sendevent` from, whatever its name (inbound-mwi capture). */
const SENDEVENT_ORIGIN: Readonly<Record<string, string>> = {
  'Event-Calling-File': 'mod_event_socket.c',
  'Event-Calling-Function': 'parse_command',
  'Event-Calling-Line-Number': '2275',
};

/** switch_name_event: case-insensitive, any 13-character prefix (`SWITCH_EVENT_`) skipped. */
function eventType(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (KNOWN_EVENT_TYPES.has(upper)) return upper;
  const rest = upper.slice(13);
  return upper.length > 13 && KNOWN_EVENT_TYPES.has(rest) ? rest : undefined;
}

/**
 * The event a `sendevent` frame makes (mod_event_socket read_packet + parse_command): header
 * `Command` with the line as sent, the client's headers literally (its `Content-Length` too),
 * `Event-UUID`, then the standard headers. An unknown name leaves the event a CLONE; CUSTOM
 * moves `Event-Subclass` behind `Event-UUID` (switch_event_set_subclass_name). A body only
 * when `Content-Length` > 0, cut at the first NUL (`"%s"`).
 */
export function eventFromSendevent(
  sw: SwitchServices,
  frame: Frame,
): { event: SimEvent; eventUuid: string; channel: string | undefined } {
  const line = frame.command ?? '';
  const ename = line.slice(9).replace(/^[\t ]+/, '');
  const name = eventType(ename) ?? 'CLONE';
  const eventUuid = randomUUID();
  let clientHeaders: Array<[string, string]> = frame.headers.entries.map(([k, v]) => [
    k,
    decodeBytes(Buffer.from(v, 'latin1')),
  ]);
  const subclass = frame.headers.text('Event-Subclass');
  const moved: Array<[string, string]> = [];
  if (name === 'CUSTOM' && subclass !== undefined) {
    clientHeaders = clientHeaders.filter(([k]) => k.toLowerCase() !== 'event-subclass');
    moved.push(['Event-Subclass', subclass]);
  }
  const atMs = Date.now() - sw.identity.baseEpochMs;
  const headers: Array<[string, string]> = [
    ['Command', decodeBytes(Buffer.from(line, 'latin1'))],
    ...clientHeaders,
    ['Event-UUID', eventUuid],
    ...moved,
    ...standardHeaders(sw.identity, name, atMs).map(([k, v]): [string, string] => [
      k,
      SENDEVENT_ORIGIN[k] ?? v,
    ]),
  ];
  const unique = frame.headers.text('Unique-ID');
  const channel = unique !== undefined && sw.calls.has(unique) ? unique : undefined;
  const text = frame.body && frame.body.length > 0 ? decodeBytes(frame.body) : '';
  const body = text.split('\0', 1)[0] ?? '';
  const event: SimEvent = body === '' ? { name, headers } : { name, headers, body };
  return { event, eventUuid, channel };
}

/** A listening inbound event socket of the simulator. */
export class SimInboundServer {
  private readonly server: Server;
  private readonly connections = new Set<SimInboundConnection>();
  private readonly state: InboundState;

  constructor(
    private readonly sw: SwitchServices,
    private readonly options: InboundListenOptions,
  ) {
    this.state = { stalled: false, logins: [], received: [], keepInput: options.keepInput ?? false };
    this.server = createServer((socket) => {
      const conn = new SimInboundConnection(
        socket,
        sw,
        options.password ?? 'ClueCon',
        options.authTimeoutMs ?? 25_000,
        this.state,
        (c) => this.connections.delete(c),
      );
      this.connections.add(conn);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 8021, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  /** Delivers a switch-wide event to every authenticated, subscribed connection. */
  deliver(ev: SimEvent): void {
    for (const c of this.connections) c.deliver(ev);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Every `auth` a client sent, in order: accepted or refused. */
  get logins(): readonly ('accepted' | 'refused')[] {
    return this.state.logins;
  }

  /** The bytes clients sent, in order of arrival (only with `keepInput`). */
  get received(): Buffer {
    return Buffer.concat(this.state.received);
  }

  /** Closes every connection without a notice (a crash, a broken network); new ones are still accepted. */
  dropConnections(): void {
    for (const c of [...this.connections]) c.drop();
  }

  /**
   * A hung FreeSWITCH: while `on`, commands on every connection (and new logins) are read and
   * never answered; the sockets stay open.
   */
  stall(on: boolean): void {
    this.state.stalled = on;
  }

  /** Stops listening; open connections get the shutdown notice and are closed. */
  close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of [...this.connections]) c.shutdown();
    this.connections.clear();
    void this.sw;
    return done;
  }
}
