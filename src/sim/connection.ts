import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { EslProtocolError, FrameParser, replies } from '../esl/index.js';
import type { Frame, Logger } from '../esl/index.js';
import type { ApiContext } from './api.js';
import { runApi } from './api.js';
import { standardHeaders, Subscription } from './events.js';
import type { SimEvent, SwitchIdentity } from './events.js';

/** What a simulated event-socket connection needs from the simulated switch. */
export interface SwitchServices extends ApiContext {
  readonly identity: SwitchIdentity;
  readonly logger: Logger;
  /** Fires an event to every listening connection. */
  publish(event: SimEvent): void;
  /** Called for every `sendevent` (the simulator records MWI here). */
  noteSentEvent(name: string, headers: ReadonlyArray<readonly [string, string]>): void;
}

/** FreeSWITCH's 16 MiB command body limit (mod_event_socket MAX_CONTENT_LENGTH). */
const MAX_COMMAND_BODY = 16 * 1024 * 1024;

/**
 * The server side of one event-socket connection: command framing (FreeSWITCH's
 * read_packet rules), replies in order, and the commands both modes share
 * (event, nixevent, noevents, filter, api, bgapi, sendevent, log, exit).
 */
export abstract class SimConnection {
  protected readonly sub = new Subscription();
  protected closed = false;
  private readonly parser = new FrameParser({
    commands: true,
    maxHeaderBytes: 10 * 1024 * 1024,
    maxBodyBytes: MAX_COMMAND_BODY,
  });
  private logging = false;
  /** Events fired while a command runs wait for its reply (as in the captures, test/fixtures/esl). */
  private held: Buffer[] | undefined;

  constructor(
    protected readonly socket: Socket,
    protected readonly sw: SwitchServices,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.onClosed();
    });
  }

  protected abstract handle(command: string, frame: Frame): void;
  protected abstract onClosed(): void;
  protected onInput(): void {}

  /** Events the switch fires; delivered when subscribed and the filters pass. */
  deliver(ev: SimEvent): void {
    if (this.closed || !this.sub.active || !this.sub.wants(ev)) return;
    const bytes = replies.eventMessage(this.sub.format, ev.headers, ev.body);
    if (this.held) this.held.push(bytes);
    else this.write(bytes);
  }

  protected write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** After a command's reply and the events it caused (the outbound socket checks its channel here). */
  protected afterCommand(): void {}

  protected reply(text: string, extra: ReadonlyArray<readonly [string, string]> = []): void {
    this.write(replies.commandReply(text, extra));
  }

  /** `+OK bye`, the goodbye notice, close. */
  protected goodbye(withReply: boolean, notice: replies.DisconnectNotice = {}): void {
    const parts = withReply ? [replies.commandReply('+OK bye')] : [];
    parts.push(replies.disconnectNotice(notice));
    this.write(Buffer.concat(parts));
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.socket.destroySoon();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.onInput();
    try {
      this.parser.push(chunk, (frame) => {
        if (this.closed || frame.command === undefined) return;
        // mod_event_socket's listener runs a command, writes its reply, then flushes the events
        this.held = [];
        try {
          this.handle(frame.command.trim(), frame);
        } finally {
          const events = this.held;
          this.held = undefined;
          for (const bytes of events) this.write(bytes);
        }
        this.afterCommand();
      });
    } catch (err) {
      if (!(err instanceof EslProtocolError)) throw err;
      // mod_event_socket drops the connection on an absurd Content-Length.
      this.sw.logger.warn({ err: err.message }, 'simulator: dropping event-socket connection');
      this.closed = true;
      this.socket.destroy();
      this.onClosed();
    }
  }

  /** Commands common to inbound and outbound; returns false if `command` is not one of them. */
  protected handleCommon(command: string, frame: Frame, owner: string | undefined): boolean {
    const [word = '', ...rest] = command.split(/\s+/);
    const args = rest.join(' ');
    switch (word.toLowerCase()) {
      case 'event':
        if (!this.sub.subscribe(rest)) this.reply('-ERR no keywords supplied');
        else this.reply(`+OK event listener enabled ${this.sub.format}`);
        return true;
      case 'nixevent':
        if (rest.length === 0) this.reply('-ERR no keywords supplied');
        else {
          for (const w of rest) this.sub.types.delete(w.toUpperCase());
          this.reply('+OK events nixed');
        }
        return true;
      case 'noevents':
        if (!this.sub.active) this.reply('-ERR not listening for events');
        else {
          this.sub.types.clear();
          this.sub.all = false;
          this.reply('+OK no longer listening for events');
        }
        return true;
      case 'filter':
        this.filter(rest);
        return true;
      case 'api': {
        const output = runApi(this.sw, args, owner);
        this.write(replies.apiResponse(output === '' ? '-ERR no reply\n' : output));
        return true;
      }
      case 'bgapi': {
        const jobUuid = frame.headers.text('Job-UUID') ?? randomUUID();
        this.reply(`+OK Job-UUID: ${jobUuid}`, [['Job-UUID', jobUuid]]);
        setImmediate(() => {
          const output = runApi(this.sw, args);
          const space = args.indexOf(' ');
          const headers: Array<[string, string]> = [
            ...standardHeaders(this.sw.identity, 'BACKGROUND_JOB', 0),
            ['Job-UUID', jobUuid],
            ['Job-Command', space < 0 ? args : args.slice(0, space)],
          ];
          if (space >= 0) headers.push(['Job-Command-Arg', args.slice(space + 1)]);
          const ev: SimEvent =
            owner === undefined
              ? { name: 'BACKGROUND_JOB', headers, body: output }
              : { name: 'BACKGROUND_JOB', headers, body: output, uuid: owner };
          this.sw.publish(ev);
          if (owner !== undefined) this.deliver(ev); // outbound: the job belongs to this session
        });
        return true;
      }
      case 'sendevent': {
        const name = (rest[0] ?? 'CUSTOM').toUpperCase();
        const eventUuid = randomUUID();
        const headers: Array<[string, string]> = [
          ['Command', `sendevent ${name}`],
          // The client's headers, taken literally (FreeSWITCH does not decode them).
          ...frame.headers.entries
            .filter(([k]) => k.toLowerCase() !== 'content-length')
            .map(([k, v]) => [k, Buffer.from(v, 'latin1').toString('utf8')] as [string, string]),
          ['Event-UUID', eventUuid],
          ...standardHeaders(this.sw.identity, name, 0),
        ];
        this.reply(`+OK ${eventUuid}`);
        this.sw.noteSentEvent(name, headers);
        const body = frame.body?.toString('utf8');
        this.sw.publish(body === undefined ? { name, headers } : { name, headers, body });
        return true;
      }
      case 'log':
        this.logging = true;
        this.reply(`+OK log level ${rest[0] ?? 'debug'} [7]`);
        return true;
      case 'nolog':
        this.reply(this.logging ? '+OK no longer logging' : '-ERR not loging');
        this.logging = false;
        return true;
      default:
        return false;
    }
  }

  private filter(rest: string[]): void {
    let words = rest;
    if (words[0]?.toLowerCase() === 'add') words = words.slice(1);
    if (words[0]?.toLowerCase() === 'delete') {
      const [header = '', ...value] = words.slice(1);
      if (!header) return this.reply('-ERR invalid syntax');
      const v = value.join(' ');
      const keep = this.sub.filters.filter(
        (f) => !(header.toLowerCase() === 'all' || (f.header === header && (v === '' || f.value === v))),
      );
      this.sub.filters.splice(0, this.sub.filters.length, ...keep);
      return this.reply(`+OK filter deleted. [${header}]=[${v}]`);
    }
    const [header = '', ...value] = words;
    if (!header || value.length === 0) return this.reply('-ERR invalid syntax');
    this.sub.filters.push({ header, value: value.join(' ') });
    this.reply(`+OK filter added. [${header}]=[${value.join(' ')}]`);
  }
}
