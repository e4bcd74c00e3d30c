// Checks over all transcripts: each finding names the file and line a person fixes.
import { isLanguage, sayNumber, type Language } from '../../src/speech/index.js';
import type { Transcript } from './format.js';

/** espeak-ng reads a run of more digits than this as one cardinal number ("vier Milliarden …"). */
export const MAX_DIGIT_RUN = 4;

/** (a) No text handed to espeak-ng holds a run of more than {@link MAX_DIGIT_RUN} digits. */
export function longDigitRuns(transcripts: readonly Transcript[]): string[] {
  const findings: string[] = [];
  const run = new RegExp(`\\d{${MAX_DIGIT_RUN + 1},}`, 'g');
  for (const t of transcripts) {
    for (const s of t.said) {
      for (const m of s.text.matchAll(run)) {
        findings.push(
          `${t.file}:${s.line}: '${m[0]}' is handed to espeak-ng as digits: it reads them as one cardinal number`,
        );
      }
    }
  }
  return findings;
}

const numberWords = new Map<Language, Map<string, number>>();

/** The words of 0 … 9999 in `lang`, to know a number said as words again. */
function saidBelow10000(lang: Language): Map<string, number> {
  let words = numberWords.get(lang);
  if (!words) {
    words = new Map();
    for (let n = 0; n < 10_000; n++) words.set(sayNumber(n, lang), n);
    numberWords.set(lang, words);
  }
  return words;
}

/**
 * (a) No `number` value of 10000 or more is said: it is a phone number or a code, and belongs
 * in digit groups. `language` is the language the values were worded in.
 */
export function largeNumbersSaid(
  transcripts: readonly Transcript[],
  language: (t: Transcript) => string,
): string[] {
  const findings: string[] = [];
  for (const t of transcripts) {
    const lang = language(t);
    if (!isLanguage(lang)) continue;
    const small = saidBelow10000(lang);
    for (const s of t.said) {
      for (const n of s.numbers) {
        if (small.has(n.words)) continue;
        findings.push(
          `${t.file}:${s.line}: ${n.prompt}(${n.name}) says a number of 10000 or more as one cardinal: '${n.words}'`,
        );
      }
    }
  }
  return findings;
}

/** (c) Every scenario has a transcript in every shipped language. */
export function missingLanguages(
  scenarios: readonly string[],
  languages: readonly string[],
  files: readonly string[],
): string[] {
  const have = new Set(files);
  return scenarios.flatMap((s) =>
    languages
      .map((l) => `${s}.${l}.txt`)
      .filter((f) => !have.has(f))
      .map(
        (f) =>
          `menus/transcripts/${f}: missing (the scenario '${f.split('.')[0]}' has no transcript in this language)`,
      ),
  );
}

/** The language a transcript is in, from its file name `<scenario>.<language>.txt`. */
export const languageOf = (t: Pick<Transcript, 'file'>): string => t.file.split('.').at(-2) ?? '';
