import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import {
  buildPrompts,
  PromptCatalogError,
  sameMediaRoot,
  SpeechEngineMissing,
  type BuildProgress,
  type SampleRate,
} from '../speech/index.js';

/** Where the command writes progress; a TTY gets a progress bar, anything else one line per language. */
export interface PromptsCommandOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

interface BuildOptions {
  catalogs: string;
  media: string;
  rate: '8000' | '16000';
  lang?: string[];
  voice?: string[];
}

/** `voicebox prompts …`: work with the prompt catalogs. main.ts adds it with `program.addCommand(promptsCommand())`. */
export function promptsCommand(stderr: PromptsCommandOutput = process.stderr): Command {
  const prompts = new Command('prompts').description(
    'work with the prompt catalogs (menus/prompts/<lang>.yaml)',
  );

  prompts
    .command('build')
    .description(
      'render every prompt without placeholders to WAV (espeak-ng + sox) into the TTS cache of the media directory',
    )
    .option('--catalogs <dir>', 'directory of <lang>.yaml prompt catalogs', 'menus/prompts')
    .option(
      '--media <dir>',
      'media directory as voicebox sees it (env VOICEBOX_MEDIA)',
      process.env.VOICEBOX_MEDIA ?? 'media',
    )
    .addOption(
      new Option('--rate <hz>', 'sample rate of the WAV files').choices(['8000', '16000']).default('8000'),
    )
    .option('--lang <lang...>', 'only these languages (default: every catalog)')
    .option('--voice <lang=voice...>', 'espeak-ng voice for a language (default en=en-us, de=de)')
    .addHelpText(
      'after',
      `
The files go to <media>/tts/<lang>/<sha256>.wav, named by a hash of voice, rate and text,
so a changed prompt gets a new file and an unchanged one is not rendered again.
Prompts with {placeholders} are rendered during the call, once their values are known.

Example:
  $ voicebox prompts build --catalogs menus/prompts --media /var/lib/voicebox/media --rate 16000
  de: 42 prompts, 40 rendered, 2 cached, 0 failed, 6 with placeholders (1.9 s)
  en: 42 prompts, 42 rendered, 0 cached, 0 failed, 6 with placeholders (1.7 s)`,
    )
    .action(async function (this: Command, options: BuildOptions) {
      const voices: Record<string, string> = {};
      for (const pair of options.voice ?? []) {
        const match = /^([^=\s]+)=(\S+)$/.exec(pair);
        if (!match?.[1] || !match[2])
          this.error(`--voice wants lang=voice, e.g. --voice en=en-gb; got "${pair}"`);
        voices[match[1]] = match[2];
      }
      const media = resolve(options.media);
      const progress = stderr.isTTY ? new ProgressBar(stderr) : undefined;
      try {
        const result = await buildPrompts({
          catalogDir: options.catalogs,
          mediaRoot: sameMediaRoot(media),
          sampleRate: Number(options.rate) as SampleRate,
          voices,
          ...(options.lang ? { languages: options.lang } : {}),
          onProgress: (event) => {
            progress?.update(event);
            if (event.kind === 'language') {
              progress?.clear();
              stderr.write(languageLine(event));
            }
          },
        });
        progress?.clear();
        for (const failure of result.failures) {
          stderr.write(`failed: ${failure.language}/${failure.promptId}: ${failure.error.message}\n`);
        }
        if (result.failed > 0) {
          this.error(`${result.failed} prompt(s) could not be rendered`, {
            exitCode: 1,
            code: 'voicebox.prompts.failed',
          });
        }
      } catch (error) {
        progress?.clear();
        if (
          error instanceof PromptCatalogError ||
          error instanceof SpeechEngineMissing ||
          error instanceof RangeError
        ) {
          this.error(`error: ${error.message}`, { exitCode: 1, code: 'voicebox.prompts.failed' });
        }
        throw error;
      }
    });

  return prompts;
}

function languageLine(event: Extract<BuildProgress, { kind: 'language' }>): string {
  const c = event.counts;
  return (
    `${event.language}: ${c.total} prompts, ${c.rendered} rendered, ${c.cached} cached, ${c.failed} failed, ` +
    `${c.skipped} with placeholders (${(event.elapsedMs / 1000).toFixed(1)} s)\n`
  );
}

/** One line redrawn in place with \r; cleared before any other line is written. */
class ProgressBar {
  private drawn = false;

  constructor(private readonly out: PromptsCommandOutput) {}

  update(event: BuildProgress): void {
    if (event.kind !== 'prompt') return;
    const columns = this.out.columns ?? 80;
    const width = Math.max(10, Math.min(30, columns - 50));
    const filled = event.total === 0 ? width : Math.round((event.done / event.total) * width);
    const label = `${event.language} ${event.promptId}`.slice(0, Math.max(0, columns - width - 20));
    this.out.write(
      `\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${event.done}/${event.total} ${label}`,
    );
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }
}
