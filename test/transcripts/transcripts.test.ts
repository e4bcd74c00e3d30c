// The conversation transcripts: menus/transcripts holds what a fresh run of every scenario
// says, and no transcript breaks the global checks. The checks themselves on made-up calls.
import { beforeAll, describe, expect, it } from 'vitest';
import { compareCatalogs } from '../../src/speech/index.js';
import { hiddenKeysAnnounced, labelKeys } from './announced.js';
import { languageOf, largeNumbersSaid, longDigitRuns, missingLanguages } from './checks.js';
import { flippedRuns, flipsOf } from './flips.js';
import { transcriptOf, type Heard } from './format.js';
import { loadShipped, runScenario, type Scenario } from './runner.js';
import { ALICE } from './fixtures.js';
import { scenarios } from './scenarios.js';
import { compareAll, runAll, runFlipped, type Run } from './transcripts.js';

// 48 calls, each logging in with a PIN check that costs ~0.4 s by design (src/pin/README.md)
const WHOLE_RUN_MS = 300_000;
// check (b): about 120 flipped calls, 60-odd of them with a PIN check
const FLIPPED_RUN_MS = 400_000;
/** the one flip check (b) runs in English too: the words of the message options */
const IN_ENGLISH_TOO = 'menu.allow_call_back: false';

describe('the transcripts in menus/transcripts', () => {
  let run: Run;
  beforeAll(async () => {
    run = await runAll();
  }, WHOLE_RUN_MS);

  it('is what every scenario says now', () => {
    expect(run.failures, 'calls that did not go as their script says').toEqual([]);
    const diffs = compareAll(run.transcripts);
    if (diffs.length > 0)
      expect.fail(
        `${diffs.length} transcript(s) differ from what voicebox says now:\n\n${diffs.join('\n')}\n` +
          'Read the diff: if the change is meant, `npm run transcripts` regenerates menus/transcripts.',
      );
  });

  it('(a) hands espeak-ng no run of more than 4 digits, and says no number of 10000 or more', () => {
    const findings = [...longDigitRuns(run.transcripts), ...largeNumbersSaid(run.transcripts, languageOf)];
    expect(findings.join('\n'), 'numbers espeak-ng would read as one cardinal').toBe('');
  });

  it(
    '(b) announces no key the menu waiting does not act on, with each switch flipped',
    async () => {
      const { bundle } = run.shipped;
      const labels = labelKeys(bundle);
      const flips = flipsOf(bundle);
      const runs = [
        ...flippedRuns(bundle, flips, scenarios, run.transcripts, 'de'),
        ...flippedRuns(
          bundle,
          flips.filter((f) => f.name === IN_ENGLISH_TOO),
          scenarios,
          run.transcripts,
          'en',
        ),
      ];
      const flipped = await runFlipped(run.shipped, runs);
      const findings = [
        ...hiddenKeysAnnounced(run.transcripts, labels),
        ...flipped.transcripts.flatMap(({ run: r, transcript }) =>
          hiddenKeysAnnounced([transcript], labels, (t, line) => `${t.file}:${line} with ${r.flip.name}`),
        ),
        ...flipped.failures,
      ];
      expect(findings.join('\n'), 'keys announced that the menu waiting does not act on').toBe('');
    },
    FLIPPED_RUN_MS,
  );

  it('(c) has every scenario in every shipped language, and every prompt in every catalog', () => {
    const findings = [
      ...missingLanguages(
        scenarios.map((s) => s.name),
        run.shipped.languages,
        scenarios.flatMap((s) => Object.keys(s.calls).map((language) => `${s.name}.${language}.txt`)),
      ),
      ...compareCatalogs(run.shipped.catalogs).map(
        (m) => `menus/prompts/${m.language}.yaml: ${m.promptId}: ${m.problem}`,
      ),
    ];
    expect(findings.join('\n'), 'what a caller of one language would miss').toBe('');
  });
});

/** A made-up call: voicebox's words, one prompt event each. */
const said = (...texts: string[]): Heard[] =>
  texts.map((text) => ({ kind: 'prompt', prompts: ['made_up'], text, numbers: [] }));

describe('check (a): digits espeak-ng reads as one number', () => {
  it('names the file and line of a run of more than 4 digits', () => {
    const t = transcriptOf(
      'menus/transcripts/x.de.txt',
      ['# x.de', '# made up'],
      [
        ...said('Sie haben eine neue Sprachnachricht.'),
        { kind: 'dtmf', digits: '1' },
        ...said('Von 4930555123, heute um neun Uhr zwölf.'),
      ],
    );
    expect(longDigitRuns([t])).toEqual([
      "menus/transcripts/x.de.txt:5: '4930555123' is handed to espeak-ng as digits: it reads them as one cardinal number",
    ]);
  });

  it('lets 4 digits and digits apart pass', () => {
    const t = transcriptOf('menus/transcripts/x.en.txt', ['# x.en'], said('Offer 2027, from 4 9 3 0 5.'));
    expect(longDigitRuns([t])).toEqual([]);
  });

  it('names a number of 10000 or more said in words, and lets 9999 pass', () => {
    const t = transcriptOf(
      'menus/transcripts/x.de.txt',
      ['# x.de'],
      [
        {
          kind: 'prompt',
          prompts: ['message_number', 'from_number'],
          text: 'Nachricht neuntausendneunhundertneunundneunzig: von zwölftausend.',
          numbers: [
            { prompt: 'message_number', name: 'number', words: 'neuntausendneunhundertneunundneunzig' },
            { prompt: 'from_number', name: 'number', words: 'zwölftausend' },
          ],
        },
      ],
    );
    expect(largeNumbersSaid([t], languageOf)).toEqual([
      "menus/transcripts/x.de.txt:2: from_number(number) says a number of 10000 or more as one cardinal: 'zwölftausend'",
    ]);
  });
});

describe('check (c): every scenario in every language', () => {
  it('names the transcript a language lacks', () => {
    expect(
      missingLanguages(
        ['caller-a', 'owner-b'],
        ['de', 'en'],
        ['caller-a.de.txt', 'caller-a.en.txt', 'owner-b.de.txt'],
      ),
    ).toEqual([
      "menus/transcripts/owner-b.en.txt: missing (the scenario 'owner-b' has no transcript in this language)",
    ]);
  });

  it('finds nothing when each scenario has each language', () => {
    expect(missingLanguages(['caller-a'], ['de', 'en'], ['caller-a.en.txt', 'caller-a.de.txt'])).toEqual([]);
  });
});

describe("a scenario's caller", () => {
  it('answers a menu twice only after hearing it twice, not with both keys at once', async () => {
    // no messages: 1 leads back to the main menu, which she answers again
    const twice: Scenario = {
      name: 'owner-main-twice',
      about: 'the owner asks for her messages twice',
      calls: {
        de: {
          owner: ALICE,
          from: '+4989777888',
          at: '2027-03-03T21:32:00+01:00',
          script: (c) =>
            c.at('greeting', '*').at('pin', `${ALICE.pin}#`).at('main', '1').at('main', '1').at('main', '#'),
        },
      },
    };
    const t = await runScenario(await loadShipped(), twice, 'de');
    const keys = t.lines.flatMap((l, i) => (l.startsWith('caller:') ? [i] : []));
    expect(keys.map((i) => t.lines[i])).toEqual([
      'caller:   *',
      `caller:   ${ALICE.pin}#`,
      'caller:   1',
      'caller:   1',
      'caller:   #',
    ]);
    // the main menu is said to its end before each of her three answers
    const before = keys.slice(2).map((i) => t.lines[i - 1]);
    expect(new Set(before).size, `what she heard last before each key: ${before.join(' | ')}`).toBe(1);
  }, 60_000);
});
