// Several sites (location.sites, the manual §4.4) and the speech settings (speech.*, §4.6) in the
// config file: each mistake named by its key and line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError, exampleConfig, readConfig, redacted, type ConfigTree } from '../../src/config/index.js';
import { extension, isInternal, type Location } from '../../src/phone/index.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'voicebox-sites-')), 'voicebox.yaml');
  writeFileSync(path, text);
  return path;
}

function problems(text: string): string[] {
  try {
    readConfig(file(text));
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => `${p.line} ${p.key}: ${p.message}`);
  }
  return [];
}

const TWO_SITES = `location:
  areaCode: '8142'
  subscriberBase: '4799'
  sites:
    - name: Starnberg
      areaCode: '8151'
      subscriberBase: '36856'
`;

describe('location.sites', () => {
  it('one site needs no change: no further sites', () => {
    const config = readConfig();
    expect(config.location.sites).toEqual([]);
    expectTypeOf(config.location.sites).toEqualTypeOf<
      Array<{
        name?: string;
        countryCode?: string;
        areaCode: string;
        subscriberBase: string;
        extensionLength?: number;
        outsideLinePrefix?: string;
      }>
    >();
  });

  it('a further site makes its numbers the company’s own wherever the location is used', () => {
    const config = readConfig(file(TWO_SITES));
    expect(config.location.sites).toEqual([{ name: 'Starnberg', areaCode: '8151', subscriberBase: '36856' }]);
    const location: Location = config.location;
    expect(isInternal('08151 36856 12', location)).toBe(true);
    expect(extension('+49 8151 36856 123', location)).toBe('123');
  });

  it('names the site, the setting and the line of each mistake', () => {
    expect(
      problems(`location:
  areaCode: '8142'
  subscriberBase: '4799'
  sites:
    - name: Starnberg
      areaCode: '8151'
      subscriberBase: '36856'
    - name: Erding
      areaCode: 8-122
      subscriberBase: '1234'
      extensionLength: 12
      fax: '99'
    - subscriberBase: '555'
`),
    ).toEqual([
      "9 location.sites[1].areaCode: '8-122' is not valid: without the leading 0, e.g. 8151",
      '11 location.sites[1].extensionLength: must be at most 8, got 12 (default: location.extensionLength)',
      expect.stringMatching(
        /^12 location\.sites\[1\]\.fax: unknown setting \(known here: name, countryCode, areaCode/,
      ),
      '13 location.sites[2].areaCode: is required',
    ]);
  });

  it('refuses a site given twice, and an item that is no section', () => {
    expect(
      problems(`location:
  areaCode: '8142'
  subscriberBase: '4799'
  sites:
  - areaCode: '8151'
    subscriberBase: '36856'
  - areaCode: '8142'
    subscriberBase: '4799'
  - 'Starnberg'
`),
    ).toEqual([
      '8 location.sites[1].subscriberBase: +49 8142 4799 is a site already',
      expect.stringMatching(/^9 location\.sites\[2\]: expected a section of settings/),
    ]);
    expect(problems(`location:\n  sites: Starnberg\n`)).toEqual([
      '2 location.sites: expected a list, each item a section of settings',
    ]);
  });

  it('redacted keeps the sites as they are', () => {
    const config = readConfig(file(TWO_SITES));
    expect(redacted(config as unknown as ConfigTree)['location']).toMatchObject({
      sites: [{ name: 'Starnberg', areaCode: '8151', subscriberBase: '36856' }],
    });
  });
});

describe('speech settings', () => {
  it('default: e-mails read aloud, the voices and speed voicebox always had', () => {
    const { speech } = readConfig();
    expect(speech).toMatchObject({
      readMail: true,
      voices: { de: 'de', en: 'en-us' },
      rate: { de: 150, en: 150 },
    });
  });

  it('takes a voice with a variant and a speed per language', () => {
    const { speech } = readConfig(
      file(`speech:\n  readMail: false\n  voices:\n    de: de+f3\n    en: mb-en1\n  rate:\n    de: 175\n`),
    );
    expect(speech).toMatchObject({
      readMail: false,
      voices: { de: 'de+f3', en: 'mb-en1' },
      rate: { de: 175, en: 150 },
    });
  });

  it('names the key of a voice espeak-ng could not take and of a speed out of its range', () => {
    expect(
      problems(`speech:
  readMail: sometimes
  voices:
    de: -w /tmp/x
    fr: fr
  rate:
    en: 500
    de: 60
`),
    ).toEqual([
      '2 speech.readMail: expected yes/no (true or false), got "sometimes"',
      expect.stringMatching(/^4 speech\.voices\.de: '-w \/tmp\/x' is not valid: an espeak-ng voice/),
      '5 speech.voices.fr: unknown setting (known here: de, en)',
      '7 speech.rate.en: must be at most 450, got 500 (words per minute (espeak-ng -s))',
      '8 speech.rate.de: must be at least 80, got 60 (words per minute (espeak-ng -s))',
    ]);
  });

  it('the sample file shows them', () => {
    const sample = exampleConfig();
    expect(sample).toContain('  # readMail: true\n  voices:\n');
    expect(sample).toContain('    # de: de\n');
    expect(sample).toContain(
      '  rate:\n    # words per minute (espeak-ng -s)\n    # (80 to 450)\n    # de: 150',
    );
    expect(sample).toContain('  # sites: []');
  });
});
