import { EslProtocolError } from '../errors.js';
import { HeaderBlock } from './headers.js';

/** One frame: a header block ended by an empty line, plus `Content-Length` bytes of body. */
export interface Frame {
  /** First line of the block — only in command mode (client → FreeSWITCH). */
  readonly command?: string;
  readonly headers: HeaderBlock;
  readonly body?: Buffer;
}

export interface FrameParserOptions {
  /** Parse client → FreeSWITCH commands: line 1 is the command, not a header. */
  readonly commands?: boolean;
  /** Largest header block accepted; FreeSWITCH's own limit for commands is 10 MB. Default 1 MiB. */
  readonly maxHeaderBytes?: number;
  /** Largest body (`Content-Length`) accepted; FreeSWITCH caps commands at 16 MiB. Default 16 MiB. */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

/**
 * Incremental framer for both directions of the event socket.
 *
 * Bytes are kept as a list of the chunks that arrived; nothing is re-concatenated or
 * re-scanned: the search for the blank line resumes where the last chunk ended, and a
 * body is cut out once, when its last byte has arrived. So the cost is linear in the
 * bytes received, whatever the chunk sizes (modesl/esl are quadratic on big bodies).
 *
 * Framing is strictly by `Content-Length`: a body may contain blank lines.
 * `push` throws {@link EslProtocolError} on garbage or a size over the limits; the frames
 * before the bad one have already been handed to `onFrame`. After an error the parser
 * must not be used again — close the connection.
 */
export class FrameParser {
  private readonly commandMode: boolean;
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;

  private chunks: Buffer[] = [];
  /** Offset of the first unconsumed byte in chunks[0]. */
  private head = 0;
  /** Unconsumed bytes in total. */
  private buffered = 0;

  // Header search state, for the frame starting at (chunks[0], head).
  private scanChunk = 0;
  private scanOffset = 0;
  private scannedBytes = 0;
  /** A line has just ended (only CRs since the last LF). Starts true so leading blank lines are skipped. */
  private atLineStart = true;

  /** Set while waiting for the body of a frame whose headers are parsed. */
  private pending: { command: string | undefined; headers: HeaderBlock; bodyLength: number } | undefined;
  private failed = false;

  constructor(options: FrameParserOptions = {}) {
    this.commandMode = options.commands ?? false;
    this.maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Bytes received but not yet part of a complete frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    if (this.failed) throw new EslProtocolError('parser already failed');
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      this.drain(onFrame);
    } catch (err) {
      this.failed = true;
      this.chunks = [];
      this.buffered = 0;
      throw err;
    }
  }

  private drain(onFrame: (frame: Frame) => void): void {
    for (;;) {
      if (this.pending) {
        const { bodyLength, headers, command } = this.pending;
        if (this.buffered < bodyLength) return;
        const body = this.take(bodyLength);
        this.pending = undefined;
        this.resetScan();
        onFrame(command === undefined ? { headers, body } : { command, headers, body });
        continue;
      }
      const headerEnd = this.findHeaderEnd();
      if (headerEnd < 0) {
        if (this.scannedBytes > this.maxHeaderBytes) {
          throw new EslProtocolError(`header block larger than ${this.maxHeaderBytes} bytes`);
        }
        return;
      }
      const block = this.take(headerEnd);
      this.resetScan();
      const frame = this.parseHeaderBlock(block);
      if (frame === undefined) continue; // blank line(s) only
      const lengthText = frame.headers.raw('Content-Length');
      if (lengthText === undefined) {
        onFrame(frame.command === undefined ? { headers: frame.headers } : frame);
        continue;
      }
      const trimmed = lengthText.trim();
      const bodyLength = /^[0-9]{1,10}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isSafeInteger(bodyLength)) {
        throw new EslProtocolError(`invalid Content-Length ${JSON.stringify(lengthText.slice(0, 40))}`);
      }
      if (bodyLength > this.maxBodyBytes) {
        throw new EslProtocolError(
          `Content-Length ${bodyLength} exceeds the limit of ${this.maxBodyBytes} bytes`,
        );
      }
      this.pending = { command: frame.command, headers: frame.headers, bodyLength };
    }
  }

  private resetScan(): void {
    this.scanChunk = 0;
    this.scanOffset = this.head;
    this.scannedBytes = 0;
    this.atLineStart = true;
  }

  /**
   * Resumes the search for the empty line that ends the header block. Returns the number of
   * bytes up to and including that empty line, or -1. CRs are ignored for the test, as
   * FreeSWITCH does, so `\r\n\r\n` ends a block too.
   */
  private findHeaderEnd(): number {
    while (this.scanChunk < this.chunks.length) {
      const chunk = this.chunks[this.scanChunk] as Buffer;
      let i = this.scanOffset;
      while (i < chunk.length) {
        const lf = chunk.indexOf(LF, i);
        const stop = lf < 0 ? chunk.length : lf;
        if (this.atLineStart) {
          for (let k = i; k < stop; k++) {
            if (chunk[k] !== CR) {
              this.atLineStart = false;
              break;
            }
          }
        }
        if (lf < 0) {
          this.scannedBytes += chunk.length - i;
          break;
        }
        this.scannedBytes += lf + 1 - i;
        i = lf + 1;
        if (this.atLineStart) {
          this.scanOffset = i;
          return this.scannedBytes;
        }
        this.atLineStart = true;
      }
      if (this.scannedBytes > this.maxHeaderBytes) return -1;
      this.scanChunk++;
      this.scanOffset = 0;
    }
    return -1;
  }

  /** Removes `n` bytes from the front; one copy at most, none when they lie in one chunk. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (n === 0) return Buffer.alloc(0);
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const parts: Buffer[] = [];
    let need = n;
    let used = 0;
    while (need > 0) {
      const c = this.chunks[used] as Buffer;
      const start = used === 0 ? this.head : 0;
      const avail = c.length - start;
      if (avail <= need) {
        parts.push(c.subarray(start));
        need -= avail;
        used++;
        this.head = 0;
      } else {
        parts.push(c.subarray(start, start + need));
        this.head = start + need;
        need = 0;
      }
    }
    this.chunks.splice(0, used);
    return Buffer.concat(parts, n);
  }

  /**
   * Splits a header block into lines in place (no copy of the whole block as text): trailing
   * CRs are dropped, empty lines skipped, each line cut at its first colon, spaces after the
   * colon skipped. Only the names and values become strings.
   */
  private parseHeaderBlock(block: Buffer): { command?: string; headers: HeaderBlock } | undefined {
    const entries: Array<[string, string]> = [];
    let command: string | undefined;
    const length = block.length;
    let pos = 0;
    while (pos < length) {
      let colon = -1;
      let lf = pos;
      for (; lf < length; lf++) {
        const b = block[lf];
        if (b === LF) break;
        if (b === COLON && colon < 0) colon = lf;
      }
      let end = lf;
      while (end > pos && block[end - 1] === CR) end--;
      const start = pos;
      pos = lf + 1;
      if (end === start) continue;
      if (this.commandMode && command === undefined) {
        command = block.toString('latin1', start, end);
        continue;
      }
      if (colon <= start || colon >= end) {
        if (this.commandMode) continue; // FreeSWITCH ignores such lines in commands
        const line = block.toString('latin1', start, end);
        throw new EslProtocolError(`not a header line: ${JSON.stringify(line.slice(0, 60))}`);
      }
      let v = colon + 1;
      while (v < end && block[v] === SPACE) v++;
      entries.push([block.toString('latin1', start, colon), block.toString('latin1', v, end)]);
    }
    if (command === undefined && entries.length === 0) return undefined;
    const headers = new HeaderBlock(entries);
    return command === undefined ? { headers } : { command, headers };
  }
}
