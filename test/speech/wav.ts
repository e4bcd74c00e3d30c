import { readFileSync } from 'node:fs';

export interface WavInfo {
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  dataBytes: number;
  durationSeconds: number;
  /** RIFF size field + 8 equals the file size, and the data chunk ends at the end of the file. */
  intact: boolean;
}

/** Reads a RIFF/WAVE header the way FreeSWITCH's libsndfile would need it. */
export function readWav(path: string): WavInfo {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path} is not a RIFF/WAVE file`);
  }
  let offset = 12;
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationSeconds' | 'intact'> | undefined;
  let dataBytes = -1;
  let dataEnd = -1;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    if (id === 'fmt ') {
      fmt = {
        audioFormat: buf.readUInt16LE(offset + 8),
        channels: buf.readUInt16LE(offset + 10),
        sampleRate: buf.readUInt32LE(offset + 12),
        bitsPerSample: buf.readUInt16LE(offset + 22),
      };
    } else if (id === 'data') {
      dataBytes = size;
      dataEnd = offset + 8 + size;
      break;
    }
    offset += 8 + size + (size % 2);
  }
  if (!fmt || dataBytes < 0) throw new Error(`${path} has no fmt or data chunk`);
  const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
  return {
    ...fmt,
    dataBytes,
    durationSeconds: dataBytes / bytesPerSecond,
    intact: buf.readUInt32LE(4) + 8 === buf.length && dataEnd === buf.length,
  };
}
