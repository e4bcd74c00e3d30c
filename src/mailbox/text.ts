// An e-mail body as it is read aloud by text-to-speech: only what the sender wrote this time.
// Pure: no I/O.
import { convert } from 'html-to-text';
import { MessageUnreadable } from './types.js';

/** Pieces handed to TTS one at a time: short enough to skip, long enough to sound natural. */
export const PIECE_CHARS = 400;

// Quoted history in HTML: blockquotes and the wrappers mail clients put around a quoted reply.
const HTML_QUOTES = [
  'blockquote',
  'div.gmail_quote',
  'div.gmail_extra',
  'div.moz-cite-prefix',
  'div.yahoo_quoted',
  'div#divRplyFwdMsg',
  'div#appendonsend',
  'div.OutlookMessageHeader',
];

/**
 * HTML → plain text without links, images, quoted replies or shouted headings. HTML nested so
 * deeply that the converter runs out of stack throws MessageUnreadable: that one e-mail cannot
 * be read, the mailbox and the call are fine.
 */
export function htmlToText(html: string): string {
  try {
    return convertHtml(html);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new MessageUnreadable(`its HTML is nested too deeply to be read (${error.message})`, {
        cause: error,
      });
    }
    throw error;
  }
}

function convertHtml(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'a', options: { ignoreHref: true } },
      { selector: 'img', format: 'skip' },
      { selector: 'style', format: 'skip' },
      { selector: 'script', format: 'skip' },
      ...HTML_QUOTES.map((selector) => ({ selector, format: 'skip' })),
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({
        selector,
        options: { uppercase: false },
      })),
      { selector: 'table', options: { uppercaseHeaderCells: false } },
      { selector: 'hr', format: 'skip' },
    ],
  });
}

// A line that starts the quoted history (everything from it on is dropped).
const HISTORY_START = [
  /^On\b.{0,200}\bwrote:?$/i, // On Mon, 1 Jan 2024, Bob <bob@x> wrote:
  /^Am\b.{0,200}\bschrieb\b.{0,200}:?$/i, // Am 01.01.2024 um 10:00 schrieb Bob <bob@x>:
  /^Le\b.{0,200}\ba écrit\s*:?$/i,
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Forwarded message|Weitergeleitete Nachricht)\s*-{2,}/i,
  /^_{10,}$/, // Outlook's rule above its "From: / Sent:" block
];
// Outlook writes the quoted header as a block: From:/Von: followed by Sent:/Gesendet:/Date:
const OUTLOOK_FROM = /^(From|Von|De):\s/i;
const OUTLOOK_NEXT = /^(Sent|Gesendet|Date|Datum|Envoyé|To|An):\s/i;
// Disclaimers: from such a line on, nothing is read.
const DISCLAIMER = [
  /^(this|the information in this) (e-?mail|message|communication)\b.{0,80}\b(confidential|privileged|intended (solely )?for)/i,
  /^(confidentiality notice|disclaimer|legal notice)\b/i,
  /^diese (e-?mail|nachricht)\b.{0,80}\b(vertraulich|enthält vertrauliche|ist ausschließlich)/i,
  /^(der inhalt dieser (e-?mail|nachricht)|haftungsausschluss|rechtlicher hinweis)\b/i,
  /^(please consider the environment|bitte denken sie an die umwelt)/i,
];

/** Plain text → only the new part: no quoted history, no '>' lines, no signature or disclaimer. */
export function stripQuotedAndSignature(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (line === '-- ' || trimmed === '--') break; // signature separator (RFC 3676 and its sloppy form)
    const withNext = `${trimmed} ${(lines[i + 1] ?? '').trim()}`; // "On ... <bob@x>" / "wrote:" wrapped
    if (HISTORY_START.some((re) => re.test(trimmed) || re.test(withNext))) break;
    if (OUTLOOK_FROM.test(trimmed) && lines.slice(i + 1, i + 4).some((l) => OUTLOOK_NEXT.test(l.trim())))
      break;
    if (DISCLAIMER.some((re) => re.test(trimmed))) break;
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  return kept.join('\n');
}

/** Text → pieces of at most `pieceChars`, cut after sentences where possible, at spaces otherwise. */
export function splitForSpeech(text: string, pieceChars = PIECE_CHARS): string[] {
  const sentences = text
    .split(/\n\s*\n/) // paragraphs end sentences too
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '')
    .flatMap((p) => p.split(/(?<=[.!?…;:])\s+(?=\S)/));
  const pieces: string[] = [];
  let current = '';
  const push = (): void => {
    if (current !== '') pieces.push(current);
    current = '';
  };
  for (const sentence of sentences) {
    for (const chunk of cutLong(sentence, pieceChars)) {
      if (current === '') current = chunk;
      else if (current.length + 1 + chunk.length <= pieceChars) current += ' ' + chunk;
      else {
        push();
        current = chunk;
      }
    }
  }
  push();
  return pieces;
}

/** A sentence longer than a piece, cut at the last space (or hard, for a word that long). */
function cutLong(sentence: string, max: number): string[] {
  const out: string[] = [];
  let rest = sentence;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const cut = space > max / 2 ? space : max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest !== '') out.push(rest);
  return out;
}

/** What TTS reads for a body: plain text preferred, HTML otherwise; cleaned, split, capped. */
export function readAloud(body: { text?: string; html?: string }, maxChars?: number): string[] {
  const plain =
    body.text !== undefined && body.text.trim() !== ''
      ? body.text
      : body.html !== undefined
        ? htmlToText(body.html)
        : '';
  const pieces = splitForSpeech(stripQuotedAndSignature(plain));
  if (maxChars === undefined) return pieces;
  const capped: string[] = [];
  let left = maxChars;
  for (const piece of pieces) {
    if (left <= 0) break;
    capped.push(piece.length <= left ? piece : (cutLong(piece, left)[0] ?? ''));
    left -= piece.length;
  }
  return capped.filter((p) => p !== '');
}
