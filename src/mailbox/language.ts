// The language a mail is written in, for reading it with the voice of that language: its
// Content-Language, else what franc-min finds in the subject and the start of the body (the
// figures behind that choice: src/mailbox/README.md). Pure.
import { franc } from 'franc-min';

/** The languages voicebox has voices for, as franc-min names them (ISO 639-3). */
const SPOKEN: Readonly<Record<string, string>> = { deu: 'de', eng: 'en' };

/** How much of the body is looked at: enough for a sure guess, little enough to stay cheap. */
export const LANGUAGE_SAMPLE_CHARS = 300;

/** Shorter samples are not judged: "OK", "Danke!" or a number say nothing of a language. */
const MIN_SAMPLE_CHARS = 12;

/** `de-DE, en` → `de`; a first tag in a language without a voice, or none → ''. */
export function contentLanguage(value: string | undefined): string {
  const first = (value ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  const primary = first.split(/[-_]/)[0] ?? '';
  return Object.values(SPOKEN).includes(primary) ? primary : '';
}

/** `de` or `en` from the subject and the start of the body; '' when the text is too short to tell. */
export function detectLanguage(subject: string, body: string): string {
  const sample = `${subject.trim()}. ${body.replace(/\s+/g, ' ').trim().slice(0, LANGUAGE_SAMPLE_CHARS)}`
    .replace(/^\.\s*/, '')
    .trim();
  if (sample.replace(/[^\p{L}]/gu, '').length < MIN_SAMPLE_CHARS) return '';
  return SPOKEN[franc(sample, { only: Object.keys(SPOKEN), minLength: MIN_SAMPLE_CHARS })] ?? '';
}

/** The mail's language: Content-Language (its first tag), else detected, else ''. */
export function messageLanguage(header: string | undefined, subject: string, body: string): string {
  return contentLanguage(header) || detectLanguage(subject, body);
}
