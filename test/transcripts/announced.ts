// Check (b): no key is announced that the menu waiting does not act on. The keys a text
// announces are found twice over — by the labels the menus give their keys (`press 3 label
// key_call_back`), and by the words themselves ("drücken Sie die 3", "press star"), so a plain
// prompt naming a key is caught as well as a label said when it should not be.
import type { Bundle } from '../../src/graph/index.js';
import type { Said, Transcript } from './format.js';

/** A key a text announces, and the words (or the label) that announce it. */
export interface Announced {
  readonly key: string;
  readonly by: string;
}

const KEY_WORD: Record<string, string> = {
  stern: '*',
  'stern-taste': '*',
  sterntaste: '*',
  raute: '#',
  'raute-taste': '#',
  rautetaste: '#',
  star: '*',
  hash: '#',
  pound: '#',
};

const keyOf = (word: string): string => KEY_WORD[word.toLowerCase()] ?? word;

/**
 * How the catalogs name a key, German and English (a prompt may hold both: the language
 * choice). A digit counts only as a single key: "die 10", "Voice-Box 5 0 1", "um 18 Uhr" and
 * "Nachricht eins" name none.
 */
const NAMED: readonly RegExp[] = [
  // "drücken Sie die 1", "Drücken Sie die 2, dann …", "drücken Sie die Stern-Taste"
  /\bdrücken\s+Sie\s+(?:auf\s+)?(?:die\s+)?(\d(?!\d)(?![,.]\d)|stern-?taste|raute-?taste)/giu,
  // "die Stern-Taste", "gefolgt von der Raute-Taste", "Taste 5"
  /\b(?:die|der)\s+(stern-?taste|raute-?taste)\b/giu,
  /\bTaste\s+(\d)(?!\d)/giu,
  // "press 1", "press star", "press the hash key", "press 1 or 2"
  /\bpress\s+(?:the\s+)?(\d(?!\d)(?![,.]\d)|star\b|hash\b|pound\b|\*|#)/giu,
  /\bpress\s+\d\s+or\s+(\d)(?!\d)/giu,
  // "followed by the hash key", "the star key"
  /\bthe\s+(star|hash|pound)\s+key\b/giu,
];

/**
 * After a "drücken Sie" earlier in the same text, a bare "die 2" closes a further choice ("Für eine
 * neue Aufnahme die 2.", "die 1 oder die 2"); without one it is no key: "die 3. Mahnung".
 */
const FURTHER = /\bdie\s+(\d)(?![,.]\d)(?=\s*(?:[.,;:!?]|$|oder\b|und\b))/giu;
const PRESS = /\bdrücken\s+Sie\b/iu;

/** The keys `text` names in words, each once, in the order first named. */
export function keysNamed(text: string): Announced[] {
  const found = new Map<string, Announced>();
  const add = (word: string, by: string): void => {
    const key = keyOf(word);
    if (!found.has(key)) found.set(key, { key, by: by.replace(/\s+/g, ' ') });
  };
  const hits: Array<{ at: number; word: string; by: string }> = [];
  for (const re of NAMED)
    for (const m of text.matchAll(re)) hits.push({ at: m.index, word: m[1]!, by: m[0] });
  const press = PRESS.exec(text);
  if (press)
    for (const m of text.matchAll(FURTHER))
      if (m.index > press.index) hits.push({ at: m.index, word: m[1]!, by: m[0] });
  for (const h of hits.sort((a, b) => a.at - b.at)) add(h.word, h.by);
  return [...found.values()];
}

/** menu name → label prompt → the keys it labels, from the compiled menus (names repeat across flows). */
export type LabelKeys = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export function labelKeys(bundle: Bundle): LabelKeys {
  const byMenu = new Map<string, Map<string, string[]>>();
  for (const flow of Object.values(bundle.flows))
    for (const node of Object.values(flow.nodes)) {
      if (node.kind !== 'menu') continue;
      const labels = byMenu.get(node.name) ?? new Map<string, string[]>();
      byMenu.set(node.name, labels);
      for (const o of node.options) {
        if (!o.label) continue;
        const keys = labels.get(o.label) ?? [];
        if (!keys.includes(o.key)) keys.push(o.key);
        labels.set(o.label, keys);
      }
    }
  return byMenu;
}

/** Only a value said on its own (a mail's text, piece by piece) is not voicebox naming keys. */
const onlyValues = (s: Said): boolean => s.prompts.length > 0 && s.prompts.every((p) => p.startsWith('('));

/** The keys `s` announces, by its labels in the menu waiting and by its words. */
export function keysAnnounced(s: Said, labels: LabelKeys): Announced[] {
  const found = new Map<string, Announced>();
  const menuLabels = s.waiting ? labels.get(s.waiting.menu) : undefined;
  for (const p of s.prompts)
    for (const key of menuLabels?.get(p) ?? [])
      if (!found.has(key)) found.set(key, { key, by: `label ${p}` });
  if (!onlyValues(s)) for (const a of keysNamed(s.text)) if (!found.has(a.key)) found.set(a.key, a);
  return [...found.values()];
}

const keyText = (key: string): string => (key === '#' ? 'hash' : key);

/** Where a finding is: the transcript's file and line, and what was changed for the run. */
export type Where = (t: Transcript, line: number) => string;

const fileLine: Where = (t, line) => `${t.file}:${line}`;

/**
 * (b) Every key announced while a menu waits is one that menu acts on then (its `listen` keys).
 * A finding names the transcript, the line, the key, and the words that announced it.
 */
export function hiddenKeysAnnounced(
  transcripts: readonly Transcript[],
  labels: LabelKeys,
  where: Where = fileLine,
): string[] {
  const findings: string[] = [];
  for (const t of transcripts)
    for (const s of t.said) {
      if (!s.waiting) continue;
      for (const a of keysAnnounced(s, labels)) {
        if (s.waiting.keys.includes(a.key)) continue;
        const acting = s.waiting.keys.map(keyText).join(' ') || 'none';
        findings.push(
          `${where(t, s.line)}: announces key ${keyText(a.key)} (${a.by}) while menu '${s.waiting.menu}' ` +
            `acts only on ${acting}: "${s.text}"`,
        );
      }
    }
  return findings;
}
