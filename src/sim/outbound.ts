import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { replies } from '../esl/index.js';
import type { Frame } from '../esl/index.js';
import type { SimCall } from './call.js';
import { SimConnection } from './connection.js';
import type { SwitchServices } from './connection.js';
import type { ClockTimer } from './clock.js';
import { MYEVENTS_TYPES } from './events.js';
import type { SimEvent } from './events.js';
import type { SocketFault } from './script.js';

/** Commands an outbound socket without `full` may use (the rest: `-ERR command not found`). */
const WITHOUT_FULL = new Set([
  'connect',
  'myevents',
  'getvar',
  'resume',
  'filter',
  'divert_events',
  'sendmsg',
  'exit',
]);

/**
 * FreeSWITCH's side of one outbound socket (`socket HOST:PORT async full`): it has dialled
 * the controller, waits for `connect`, answers with the channel data, then runs the
 * controller's commands against its {@link SimCall} and streams the call's events.
 */
export class SimOutboundSession extends SimConnection {
  private connected = false;
  private myevents = false;
  private linger: number | undefined;
  private lingerTimer: ClockTimer | undefined;
  private lingering = false;
  private faulted = false;
  /** An `api` on this socket hung the call up: the linger notice is due after its reply. */
  private downByApi = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private readonly unsink: () => void;
  private resolveClosed!: () => void;
  readonly closedPromise: Promise<void>;

  constructor(
    socket: Socket,
    sw: SwitchServices,
    private readonly call: SimCall,
    private readonly mode: { async: boolean; full: boolean },
    connectTimeoutMs: number,
  ) {
    super(socket, sw);
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.unsink = call.addSink((ev) => this.deliver(ev));
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      if (!this.connected) this.close();
    }, connectTimeoutMs);
    void call.done.then(() => this.afterHangupComplete());
  }

  override deliver(ev: SimEvent): void {
    const fault = this.call.script.socketFault;
    if (fault && !this.faulted && !this.closed && faultStrikes(fault, ev)) {
      this.faulted = true;
      this.breakSocket(fault, ev);
      return;
    }
    super.deliver(ev);
  }

  /** The scripted fault: the socket breaks instead of sending `ev`; the call goes on as FreeSWITCH's would. */
  private breakSocket(fault: SocketFault, ev: SimEvent): void {
    const what = fault.application ? `${ev.name} of ${fault.application}` : ev.name;
    this.call.noteSocketFault(`socket ${fault.how} before ${what}`);
    if (fault.how === 'close') {
      this.close();
      return;
    }
    this.closed = true;
    if (fault.how === 'reset') {
      this.socket.resetAndDestroy();
      return;
    }
    const frame = replies.eventMessage(this.sub.format, ev.headers, ev.body);
    // the half must have left before the RST, or the RST would discard it unsent
    this.socket.write(frame.subarray(0, Math.floor(frame.length / 2)), () => {
      if (!this.socket.destroyed) this.socket.resetAndDestroy();
    });
  }

  protected override onInput(): void {
    this.call.noteInput();
  }

  protected override onClosed(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.lingerTimer?.cancel();
    this.unsink();
    this.call.socketClosed();
    this.resolveClosed();
  }

  protected handle(command: string, frame: Frame): void {
    const [rawWord = '', ...rest] = command.split(/\s+/);
    const word = rawWord.toLowerCase();
    if (word === 'exit' || command.startsWith('...')) {
      this.goodbye(true, { controlledSessionUuid: this.call.uuid, disposition: 'disconnect' });
      return;
    }
    if (!this.connected) {
      // Only `connect` gets a reply before the session is connected (parse_command).
      if (word === 'connect') this.onConnect();
      return;
    }
    if (!this.mode.full && !WITHOUT_FULL.has(word)) {
      this.reply('-ERR command not found');
      return;
    }
    switch (word) {
      case 'connect':
        this.onConnect();
        return;
      case 'myevents':
        if (this.myevents) return this.reply('-ERR aready enabled.');
        this.myevents = true;
        this.sub.myUuid = this.call.uuid;
        this.sub.subscribe([...(rest[0] ? [rest[0]] : []), ...MYEVENTS_TYPES]);
        return this.reply('+OK Events Enabled');
      case 'linger': {
        const n = rest[0] === undefined ? undefined : Number(rest[0]);
        this.linger = n !== undefined && Number.isFinite(n) && n > 0 ? n : -1;
        return this.reply(this.linger > 0 ? `+OK will linger ${this.linger} seconds` : '+OK will linger');
      }
      case 'nolinger':
        this.linger = undefined;
        return this.reply('+OK will not linger');
      case 'getvar': {
        const v = this.call.getVar(rest.join(' '));
        return this.reply(v === undefined || v === '' ? '-ERR command not found' : v);
      }
      case 'resume':
        this.call.setVar('socket_resume', 'true');
        return this.reply('+OK');
      case 'divert_events':
        if (!rest[0]) return this.reply('-ERR missing value.');
        return this.reply(rest[0] === 'on' ? '+OK events diverted' : '+OK events not diverted');
      case 'sendmsg':
        return this.sendmsg(rest[0], frame);
      default: {
        const wasUp = this.call.isUp;
        if (!this.handleCommon(command, frame, this.call.uuid)) this.reply('-ERR command not found');
        if (word === 'api' && wasUp && !this.call.isUp) this.downByApi = true;
      }
    }
  }

  private onConnect(): void {
    this.connected = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.write(
      replies.connectReply(this.call.channelData(), this.mode.async ? 'async' : 'static', this.mode.full),
    );
  }

  private sendmsg(target: string | undefined, frame: Frame): void {
    if (target && target !== this.call.uuid) {
      const other = this.sw.calls.get(target);
      if (!other) return this.reply(`-ERR invalid session id [${target}]`);
      this.reply('+OK');
      return other.enqueue(this.message(frame));
    }
    // Reply first: events caused by the message follow the reply (the outbound captures,
    // test/fixtures/esl/README.md, "Facts these bytes show").
    this.reply('+OK');
    this.call.enqueue(this.message(frame));
  }

  private message(frame: Frame): Parameters<SimCall['enqueue']>[0] {
    const h = frame.headers;
    const commandName = (h.text('call-command') ?? 'execute').toLowerCase();
    let arg = h.text('execute-app-arg') ?? '';
    if (frame.body && (h.text('content-type') ?? '').toLowerCase() === 'text/plain')
      arg = frame.body.toString('utf8');
    const loops = Number(h.text('loops') ?? '1');
    return {
      command: commandName === 'hangup' ? 'hangup' : 'execute',
      app: h.text('execute-app-name') ?? '',
      arg,
      appUuid: h.text('Event-UUID') ?? randomUUID(),
      eventLock: (h.text('event-lock') ?? '').toLowerCase() === 'true',
      loops: Number.isFinite(loops) ? loops : 1,
      ...(h.text('hangup-cause') ? { hangupCause: h.text('hangup-cause') } : {}),
    };
  }

  /**
   * A command on this socket hung the call up (`api uuid_kill`): the listener sees the channel
   * down as soon as it has written the reply and CHANNEL_HANGUP, and sends the linger notice
   * before the channel's own closing events (voicebox-real/leave-message).
   */
  protected override afterCommand(): void {
    if (this.downByApi) this.sendLingerNotice();
  }

  /** After CHANNEL_HANGUP_COMPLETE: linger notice and wait for `exit`, or goodbye and close. */
  private afterHangupComplete(): void {
    if (this.closed || this.lingering) return;
    if (this.linger === undefined) {
      this.goodbye(false, { controlledSessionUuid: this.call.uuid, disposition: 'disconnect' });
      return;
    }
    this.sendLingerNotice();
  }

  private sendLingerNotice(): void {
    if (this.closed || this.lingering || this.linger === undefined) return;
    this.lingering = true;
    this.write(
      replies.disconnectNotice({
        controlledSessionUuid: this.call.uuid,
        disposition: 'linger',
        channelName: this.call.channelName,
        lingerTime: this.linger,
      }),
    );
    if (this.linger > 0) {
      this.lingerTimer = this.call.clock.setTimer(this.linger * 1000, () =>
        this.goodbye(false, { controlledSessionUuid: this.call.uuid, disposition: 'disconnect' }),
      );
    }
  }
}

function faultStrikes(fault: SocketFault, ev: SimEvent): boolean {
  if (ev.name !== fault.before) return false;
  if (fault.application === undefined) return true;
  return ev.headers.some(([k, v]) => k === 'Application' && v === fault.application);
}
