// A call's events as the lines of a transcript: what voicebox said (the exact text handed to
// espeak-ng), what the caller pressed, and what happened between, one thing a line.
import { basename } from 'node:path';
import type { CallEvent } from '../../src/runtime/index.js';

/** A value said as a `number` (say-as): its prompt, its name, the words it became. */
export interface NumberSaid {
  readonly prompt: string;
  readonly name: string;
  readonly words: string;
}

/** A menu waiting for keys: its name, the keys it acts on then, the line it started at (1-based). */
export interface Wait {
  readonly menu: string;
  readonly keys: readonly string[];
  readonly line: number;
  /** the steps of the scenario's script the caller had done when it started */
  readonly stepsDone?: number;
}

/** One thing voicebox said, and the line of the transcript file it starts on (1-based). */
export interface Said {
  readonly line: number;
  readonly text: string;
  readonly numbers: readonly NumberSaid[];
  /** the prompt ids it was said as (`key_call_back`, `(text)` for a value) */
  readonly prompts: readonly string[];
  /** the menu waiting while it was said: from the menu's start to the next key or menu */
  readonly waiting?: Wait;
}

export interface Transcript {
  /** `menus/transcripts/<scenario>.<language>.txt`, from the repository's root */
  readonly file: string;
  readonly lines: readonly string[];
  /** voicebox's words, each with where it is in `lines` */
  readonly said: readonly Said[];
  /** every start of a menu, in order */
  readonly waits: readonly Wait[];
}

/**
 * A call's event as the transcript gets it: a prompt with the `number` values said in it
 * (recorded by the transcript voice), a menu's start with the caller's steps done by then.
 */
export type Heard =
  | CallEvent
  | (Extract<CallEvent, { kind: 'prompt' }> & { numbers: NumberSaid[] })
  | (Extract<CallEvent, { kind: 'listen' }> & { stepsDone: number });

export const WIDTH = 100;
const VOICEBOX = 'voicebox: ';
const CALLER = 'caller:   ';
const INDENT = ' '.repeat(VOICEBOX.length);

/** `text` after `first`, wrapped at spaces to {@link WIDTH} columns, continued with an indent. */
export function wrap(first: string, text: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ').filter((w) => w !== '')) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = INDENT + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line.trimEnd());
  return lines;
}

/** What differs from one run to the next: a call's uuid in a file name, a temp folder. */
export function normalise(text: string): string {
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<call>')
    .replace(/\/tmp\/[^\s]*/g, (p) => `…/${basename(p)}`);
}

/** As espeak-ng gets it: the renderer collapses white space (src/speech/render.ts). */
const asRendered = (text: string): string => text.normalize('NFC').replace(/\s+/g, ' ').trim();

/**
 * The transcript of one call: `header` lines (each starting with `# `), then one line per
 * thing said or done; the caller's keys in a row make one line.
 */
export function transcriptOf(file: string, header: readonly string[], events: readonly Heard[]): Transcript {
  const lines: string[] = [...header];
  const said: Said[] = [];
  const waits: Wait[] = [];
  let waiting: Wait | undefined;
  let keys = '';
  const endKeys = (): void => {
    if (keys !== '') lines.push(CALLER + keys);
    keys = '';
  };
  for (const e of events) {
    if (e.kind === 'dtmf') {
      keys += e.digits;
      waiting = undefined;
      continue;
    }
    endKeys();
    if (e.kind === 'listen') {
      waiting = {
        menu: e.menu,
        keys: e.keys,
        line: lines.length + 1,
        ...('stepsDone' in e ? { stepsDone: e.stepsDone } : {}),
      };
      waits.push(waiting);
      continue;
    }
    // a menu waits through its prompts, its audio and its tones; anything else has left it
    if (e.kind !== 'prompt' && e.kind !== 'audio' && e.kind !== 'tone') waiting = undefined;
    switch (e.kind) {
      case 'prompt': {
        const text = asRendered(e.text);
        said.push({
          line: lines.length + 1,
          text,
          numbers: 'numbers' in e ? e.numbers : [],
          prompts: e.prompts,
          ...(waiting ? { waiting } : {}),
        });
        lines.push(...wrap(VOICEBOX, text));
        break;
      }
      case 'audio':
        lines.push(`[audio: ${normalise(basename(e.file))}]`);
        break;
      case 'tone':
        lines.push('[tone]');
        break;
      case 'record':
        lines.push(`[record ${(e.ms / 1000).toFixed(1)} s${e.hungUp ? ', the caller hung up' : ''}]`);
        break;
      case 'transfer':
        lines.push(`[transfer to ${e.target}: ${e.outcome}]`);
        break;
      case 'hangup':
        lines.push(`[hang up: ${e.by}${e.cause === 'NORMAL_CLEARING' ? '' : `, ${e.cause}`}]`);
        break;
      case 'error':
        lines.push(...wrap('[error: ', `${normalise(e.message)}${e.at ? ` at ${e.at}` : ''}]`));
        break;
      case 'profile':
        lines.push(`[profile: ${e.profile} (${e.reason})]`);
        break;
    }
  }
  endKeys();
  return { file, lines, said, waits };
}

/** The file's text: its lines, each ended by a newline. */
export const textOf = (t: Pick<Transcript, 'lines'>): string => t.lines.map((l) => `${l}\n`).join('');
