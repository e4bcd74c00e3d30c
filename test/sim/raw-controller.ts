import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { EslMessage, FrameParser } from '../../src/esl/index.js';

/**
 * A minimal controller that speaks raw bytes, like the test controller of the captures:
 * it lets a test send exact commands and see every message the simulator sends.
 */
export class RawController {
  readonly messages: EslMessage[] = [];
  private server: Server;
  private socket: Socket | undefined;
  private readonly parser = new FrameParser();
  private waiters: Array<() => void> = [];
  private accepted!: () => void;
  readonly connected: Promise<void>;
  closed = false;

  private constructor() {
    this.connected = new Promise((resolve) => (this.accepted = resolve));
    this.server = createServer((socket) => {
      this.socket = socket;
      socket.on('data', (chunk: Buffer) =>
        this.parser.push(chunk, (f) => {
          this.messages.push(new EslMessage(f));
          this.wake();
        }),
      );
      socket.on('close', () => {
        this.closed = true;
        this.wake();
      });
      this.accepted();
    });
  }

  static async listen(): Promise<RawController> {
    const c = new RawController();
    await new Promise<void>((resolve) => c.server.listen(0, '127.0.0.1', resolve));
    return c;
  }

  get target(): string {
    const a = this.server.address();
    return `127.0.0.1:${a !== null && typeof a === 'object' ? a.port : 0}`;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Waits until `pred` holds for the messages received so far (or the socket closed). */
  async until(pred: (msgs: EslMessage[]) => boolean): Promise<void> {
    while (!pred(this.messages) && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  private replies(): number {
    return this.messages.filter((m) => m.contentType === 'command/reply' || m.contentType === 'api/response')
      .length;
  }

  /** Sends one command and waits for its reply. */
  async command(text: string): Promise<EslMessage | undefined> {
    const before = this.replies();
    this.socket?.write(text.endsWith('\n\n') ? text : `${text}\n\n`);
    await this.until(() => this.replies() > before);
    const all = this.messages.filter(
      (m) => m.contentType === 'command/reply' || m.contentType === 'api/response',
    );
    return all[before];
  }

  /** Waits for an event with this name (and Application, if given). */
  async event(name: string, app?: string): Promise<void> {
    await this.until((msgs) =>
      msgs.some((m) => {
        const ev = m.contentType?.startsWith('text/event') ? m.event() : undefined;
        return ev?.name === name && (app === undefined || ev.get('Application') === app);
      }),
    );
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
