/** One line of what happened on a simulated call. */
export interface TranscriptEntry {
  /** Simulated ms since the call started. */
  readonly atMs: number;
  readonly kind:
    | 'answer'
    | 'playback'
    | 'speak'
    | 'dtmf'
    | 'read'
    | 'digits'
    | 'record'
    | 'bridge'
    | 'transfer'
    | 'set'
    | 'sleep'
    | 'app'
    | 'hangup'
    | 'error';
  text: string;
}

/** `  1.250s  playback /sounds/hello.wav (2.000s, FILE PLAYED)` — one entry a line. */
export function formatTranscript(entries: readonly TranscriptEntry[]): string {
  return entries
    .map((e) => `${(e.atMs / 1000).toFixed(3).padStart(8)}s  ${e.kind} ${e.text}`.trimEnd())
    .join('\n');
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
