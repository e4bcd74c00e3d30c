// Client → FreeSWITCH commands. Each function returns the whole command as one Buffer so
// that it goes out in one socket write (modesl writes a sendmsg in 5–6 pieces, and with
// Nagle that costs ~40 ms per step).
//
// FreeSWITCH takes header values literally (it never URL-decodes what a client sends), so
// a line break inside a value would start a new header or a new command. Values are
// checked, not escaped: a bad value is a programming error, reported before anything is sent.

export type EventFormat = 'plain' | 'json';

export type CommandHeaders = ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>;

function checkLine(what: string, value: string): void {
  if (/[\r\n]/.test(value))
    throw new TypeError(`${what} must not contain a line break: ${JSON.stringify(value)}`);
}

/** Generic command: one line, optional headers, optional body (adds `Content-Length` in bytes). */
export function command(line: string, headers: CommandHeaders = [], body?: string | Buffer): Buffer {
  checkLine('command', line);
  if (line.length === 0) throw new TypeError('empty command');
  let head = line + '\n';
  const list = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of list as ReadonlyArray<readonly [string, string]>) {
    checkLine('header name', name);
    checkLine(`header ${name}`, value);
    if (name.length === 0 || name.includes(':'))
      throw new TypeError(`bad header name ${JSON.stringify(name)}`);
    head += `${name}: ${value}\n`;
  }
  if (body === undefined) return Buffer.from(head + '\n', 'utf8');
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  head += `Content-Length: ${bodyBytes.length}\n\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), bodyBytes]);
}

export const connect = (): Buffer => command('connect');
export const exit = (): Buffer => command('exit');
export const auth = (password: string): Buffer => command(`auth ${password}`);
export const linger = (seconds?: number): Buffer =>
  command(seconds === undefined ? 'linger' : `linger ${Math.trunc(seconds)}`);
export const nolinger = (): Buffer => command('nolinger');
export const myevents = (format?: EventFormat, uuid?: string): Buffer =>
  command(['myevents', uuid, format].filter((x) => x !== undefined).join(' '));
export const events = (format: EventFormat, names: readonly string[]): Buffer => {
  if (names.length === 0) throw new TypeError('event: no event names');
  return command(`event ${format} ${names.join(' ')}`);
};
export const filter = (header: string, value: string): Buffer => command(`filter ${header} ${value}`);
export const filterDelete = (header: string, value?: string): Buffer =>
  command(`filter delete ${header}${value === undefined ? '' : ' ' + value}`);
export const api = (cmd: string): Buffer => command(`api ${cmd}`);
export const bgapi = (cmd: string, jobUuid: string): Buffer =>
  command(`bgapi ${cmd}`, [['Job-UUID', jobUuid]]);

/** `sendevent NAME` with headers and an optional body (MWI: MESSAGE_WAITING + MWI-* headers). */
export const sendevent = (name: string, headers: CommandHeaders, body?: string): Buffer =>
  command(`sendevent ${name}`, headers, body);

/** Arguments longer than this, or with a line break, travel as a `text/plain` body. */
export const MAX_INLINE_ARG = 1024;

export interface ExecuteMessage {
  readonly app: string;
  readonly arg?: string;
  /** Echoed by FreeSWITCH as `Application-UUID` on CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE. */
  readonly eventUuid: string;
  /** Target channel; optional on an outbound socket (the controlled channel). */
  readonly uuid?: string;
  /** `event-lock: true` keeps queued applications from running nested inside this one. Default true. */
  readonly eventLock?: boolean;
  readonly loops?: number;
}

/** `sendmsg` / `call-command: execute`. */
export function execute(msg: ExecuteMessage): Buffer {
  checkLine('application', msg.app);
  if (!/^[A-Za-z0-9_:.-]+$/.test(msg.app))
    throw new TypeError(`bad application name ${JSON.stringify(msg.app)}`);
  const headers: Array<[string, string]> = [
    ['call-command', 'execute'],
    ['execute-app-name', msg.app],
  ];
  const arg = msg.arg ?? '';
  const asBody = arg.length > MAX_INLINE_ARG || /[\r\n]/.test(arg);
  if (arg.length > 0 && !asBody) headers.push(['execute-app-arg', arg]);
  if (msg.eventLock ?? true) headers.push(['event-lock', 'true']);
  if (msg.loops !== undefined) headers.push(['loops', String(Math.trunc(msg.loops))]);
  headers.push(['Event-UUID', msg.eventUuid]);
  const line = msg.uuid ? `sendmsg ${msg.uuid}` : 'sendmsg';
  if (!asBody) return command(line, headers);
  headers.push(['content-type', 'text/plain']);
  return command(line, headers, arg);
}

/** `sendmsg` / `call-command: hangup`. */
export const hangupMessage = (cause: string, uuid?: string): Buffer =>
  command(uuid ? `sendmsg ${uuid}` : 'sendmsg', [
    ['call-command', 'hangup'],
    ['hangup-cause', cause],
  ]);
