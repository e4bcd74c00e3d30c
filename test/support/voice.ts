// Prompts as text instead of speech: `en:item(one)` (language, prompt id, the values filled in),
// played as named silence (`silence_stream://2000?en%3Aitem(one)`), so a test reads from the
// simulator what the caller heard, prompt by prompt.
import { basename } from 'node:path';
import type { Voice } from '../../src/runtime/index.js';

/** How long each prompt plays, in simulated time. */
export const PROMPT_MS = 2_000;

/** Silence FreeSWITCH plays for `ms`, named after the text it stands for. */
export const namedSilence = (text: string, ms = PROMPT_MS): string =>
  `silence_stream://${ms}?${encodeURIComponent(text)}`;

export const textVoice: Voice = {
  promptText: (id, language, values) =>
    `${language}:${id}${Object.keys(values).length ? `(${Object.values(values).join(',')})` : ''}`,
  render: async (text) => ({ freeswitchPath: namedSilence(text) }),
};

/**
 * What a caller hears when FreeSWITCH plays `file`, one entry per prompt: its id with the values
 * it was said with (`item(one)`, the language left out), words spoken between prompts as one
 * entry (`plus four nine, …`), `tone` for a beep, `audio:<file name>` for a recording or a
 * greeting; nothing for plain silence.
 */
export function heardIn(file: string): string[] {
  const named = /^silence_stream:\/\/\d+\?(.*)$/s.exec(file);
  if (named) return promptsIn(decodeURIComponent(named[1] ?? ''));
  if (file.startsWith('silence_stream://')) return [];
  if (file.startsWith('tone_stream://')) return ['tone'];
  return [`audio:${basename(file)}`];
}

/**
 * The entries of {@link heardIn} for one text the voice rendered: `en:you_have(eins,null)
 * en:main_menu` → `you_have(eins,null)`, `main_menu`.
 */
export function promptsIn(text: string): string[] {
  const words: string[] = [];
  let depth = 0;
  let word = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ' ' && depth === 0) {
      words.push(word);
      word = '';
    } else word += ch;
  }
  words.push(word);
  const heard: string[] = [];
  let spoken: string[] = [];
  const endSpoken = (): void => {
    if (spoken.length > 0) heard.push(spoken.join(' '));
    spoken = [];
  };
  for (const w of words) {
    const prompt = /^[a-z]{2,3}(?:-[A-Za-z]+)?:([a-z0-9_]+(?:\(.*\))?)$/s.exec(w);
    if (prompt) {
      endSpoken();
      heard.push(prompt[1] ?? '');
    } else if (w !== '') spoken.push(w);
  }
  endSpoken();
  return heard;
}
