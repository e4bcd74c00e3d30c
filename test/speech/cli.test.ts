import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promptsCommand, type PromptsCommandOutput } from '../../src/cli/prompts.js';
import { readWav } from './wav.js';

let dir: string;
let catalogs: string;
let media: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'voicebox-cli-'));
  catalogs = join(dir, 'prompts');
  media = join(dir, 'media');
  mkdirSync(catalogs);
  writeFileSync(join(catalogs, 'en.yaml'), 'welcome: "Welcome."\ncount: "You have {count} messages."\n');
  writeFileSync(join(catalogs, 'de.yaml'), 'welcome: "Willkommen."\nbye: "Auf Wiederhören."\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture(isTTY: boolean): PromptsCommandOutput & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 100, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

/** The way main.ts will mount it, with commander's process.exit turned into an exception. */
async function voicebox(
  args: string[],
  stderr: PromptsCommandOutput,
  commanderOutput: string[] = [],
): Promise<void> {
  const program = new Command('voicebox');
  const prompts = promptsCommand(stderr);
  for (const cmd of [program, prompts, ...prompts.commands]) {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => commanderOutput.push(s),
      writeErr: (s) => commanderOutput.push(s),
    });
  }
  program.addCommand(prompts);
  await program.parseAsync(args, { from: 'user' });
}

describe('voicebox prompts build', () => {
  it('renders the catalogs and prints one line per language when stderr is not a terminal', async () => {
    const stderr = capture(false);
    await voicebox(['prompts', 'build', '--catalogs', catalogs, '--media', media], stderr);

    const lines = stderr.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^de: 2 prompts, 2 rendered, 0 cached, 0 failed, 0 with placeholders \(\d+\.\d s\)$/,
    );
    expect(lines[1]).toMatch(/^en: 1 prompts, 1 rendered, 0 cached, 0 failed, 1 with placeholders/);
    expect(stderr.text()).not.toContain('\r');
    expect(readdirSync(join(media, 'tts', 'de'))).toHaveLength(2);
  });

  it('draws a progress bar on a terminal and honours --rate and --lang', async () => {
    const stderr = capture(true);
    await voicebox(
      ['prompts', 'build', '--catalogs', catalogs, '--media', media, '--rate', '16000', '--lang', 'de'],
      stderr,
    );

    expect(stderr.text()).toContain('\r\u001b[2K[');
    expect(stderr.text()).toMatch(/\[#+-*\] 1\/2 de /);
    expect(stderr.text()).toContain('] 2/2 de ');
    expect(stderr.text()).toMatch(/de: 2 prompts, 2 rendered/);
    expect(readdirSync(join(media, 'tts'))).toEqual(['de']);
    const [file] = readdirSync(join(media, 'tts', 'de'));
    expect(readWav(join(media, 'tts', 'de', file ?? '')).sampleRate).toBe(16000);
  });

  it('finds everything cached the second time', async () => {
    await voicebox(['prompts', 'build', '--catalogs', catalogs, '--media', media], capture(false));
    const stderr = capture(false);
    await voicebox(['prompts', 'build', '--catalogs', catalogs, '--media', media], stderr);
    expect(stderr.text()).toMatch(/^de: 2 prompts, 0 rendered, 2 cached/);
  });

  it('fails with the catalog error and a non-zero exit code', async () => {
    writeFileSync(join(catalogs, 'de.yaml'), 'welcome: 42\n');
    const run = voicebox(['prompts', 'build', '--catalogs', catalogs, '--media', media], capture(false));
    await expect(run).rejects.toBeInstanceOf(CommanderError);
    await expect(run).rejects.toMatchObject({ exitCode: 1 });
    await expect(run).rejects.toThrow(/de\.yaml: prompt "welcome": expected text, found a number/);
  });

  it('fails when a prompt cannot be rendered, naming it', async () => {
    const stderr = capture(false);
    const run = voicebox(
      ['prompts', 'build', '--catalogs', catalogs, '--media', media, '--voice', 'de=xx-no-such-voice'],
      stderr,
    );
    await expect(run).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/2 prompt\(s\)/) });
    expect(stderr.text()).toMatch(/failed: de\/welcome: espeak-ng -v xx-no-such-voice failed/);
  });

  it('refuses a sample rate FreeSWITCH would have to resample', async () => {
    const run = voicebox(['prompts', 'build', '--rate', '22050'], capture(false));
    await expect(run).rejects.toThrow(/Allowed choices are 8000, 16000/);
  });

  it('shows an example in --help', async () => {
    const output: string[] = [];
    await expect(voicebox(['prompts', 'build', '--help'], capture(false), output)).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
    const help = output.join('');
    expect(help).toContain('Usage: voicebox prompts build [options]');
    expect(help).toMatch(/--rate <hz>[\s\S]*choices: "8000",\s+"16000", default: "8000"/);
    expect(help).toContain('Example:\n  $ voicebox prompts build --catalogs menus/prompts');
  });
});
