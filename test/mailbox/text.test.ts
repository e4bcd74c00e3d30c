// What text-to-speech reads of an e-mail: only what the sender wrote this time, in short pieces.
import { describe, expect, it } from 'vitest';
import { PIECE_CHARS, readAloud, splitForSpeech, stripQuotedAndSignature } from '../../src/mailbox/index.js';

describe('read aloud', () => {
  it('drops the quoted history of an HTML reply (Gmail, Outlook and Thunderbird forms)', () => {
    const html = `<html><head><style>p{color:red}</style></head><body>
      <h1>Offer</h1><p>Hi Alice, the <a href="https://x.example/offer">offer</a> is ready.</p>
      <div class="gmail_quote">On Sun, 1 Mar 2026 at 09:00 Bob &lt;bob@example.com&gt; wrote:<br>
      <blockquote>Where is the offer?</blockquote></div>
      <div id="divRplyFwdMsg">From: Bob<br>Sent: Sunday</div>
      <img src="cid:logo"></body></html>`;
    const text = readAloud({ html }).join(' ');
    expect(text).toBe('Offer Hi Alice, the offer is ready.');
  });

  it('drops "On … wrote:", "Am … schrieb", > lines and Outlook headers in plain text', () => {
    expect(stripQuotedAndSignature('Yes.\n\nOn Mon, 2 Mar 2026, Bob <bob@x>\nwrote:\n> old\n> older')).toBe(
      'Yes.\n',
    );
    expect(stripQuotedAndSignature('Ja.\nAm 02.03.2026 um 10:00 schrieb Bob <bob@x>:\n> alt')).toBe('Ja.');
    expect(stripQuotedAndSignature('Fine.\n> inline quote\nAnd more.')).toBe('Fine.\nAnd more.');
    expect(stripQuotedAndSignature('Ok.\n\nFrom: Bob\nSent: Monday\nTo: Alice\nSubject: x\n\nold')).toBe(
      'Ok.\n',
    );
    expect(stripQuotedAndSignature('Ok.\n-----Original Message-----\nold')).toBe('Ok.');
  });

  it('drops the signature and a disclaimer', () => {
    expect(readAloud({ text: 'See you at ten.\n-- \nCarol Chen\nSales' })).toEqual(['See you at ten.']);
    expect(
      readAloud({
        text: 'Call me.\n\nThis e-mail and any attachments are confidential and intended solely for the addressee.',
      }),
    ).toEqual(['Call me.']);
    expect(readAloud({ text: 'Ruf an.\n\nDiese E-Mail enthält vertrauliche Informationen.' })).toEqual([
      'Ruf an.',
    ]);
  });

  it('prefers text/plain over HTML, and falls back to HTML for an empty plain part', () => {
    expect(readAloud({ text: 'plain words', html: '<p>html words</p>' })).toEqual(['plain words']);
    expect(readAloud({ text: ' \n', html: '<p>html words</p>' })).toEqual(['html words']);
    expect(readAloud({})).toEqual([]);
  });

  it('splits into pieces of at most 400 characters at sentence ends', () => {
    const sentence = 'This sentence has exactly enough words to matter here. ';
    const pieces = splitForSpeech(sentence.repeat(30));
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(PIECE_CHARS);
      expect(piece).toMatch(/\.$/);
    }
  });

  it('cuts an endless sentence at spaces and an endless word hard', () => {
    const pieces = splitForSpeech(`${'word '.repeat(300)}${'x'.repeat(1000)}`);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(PIECE_CHARS);
    expect(pieces.join('').replace(/\s/g, '')).toBe(`${'word'.repeat(300)}${'x'.repeat(1000)}`);
  });

  it('a 100 KB body gives bounded pieces quickly, and maxChars caps the total', () => {
    const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1800); // ~100 KB
    const started = Date.now();
    const pieces = readAloud({ html: `<p>${body}</p>` });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(PIECE_CHARS);
    const capped = readAloud({ text: body }, 1_000);
    expect(capped.join('').length).toBeLessThanOrEqual(1_000);
    expect(capped.length).toBeGreaterThan(1);
  });
});
