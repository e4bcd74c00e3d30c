/** A program the TTS pipeline needs is not installed (or not where it was configured). */
export class SpeechEngineMissing extends Error {
  override readonly name = 'SpeechEngineMissing';
  constructor(
    /** The command that could not be started, e.g. "espeak-ng". */
    readonly command: string,
    /** The Debian package that provides it. */
    readonly debianPackage: string,
  ) {
    super(
      `${command} is not installed or not on PATH; install it with ` +
        `"apt-get install --no-install-recommends ${debianPackage}" (Debian/Ubuntu)`,
    );
  }
}

/** espeak-ng or sox ran but did not produce audio. */
export class SpeechRenderFailed extends Error {
  override readonly name = 'SpeechRenderFailed';
  constructor(
    message: string,
    /** The text that was to be said. */
    readonly text: string,
    /** What the failing program wrote to stderr, trimmed. */
    readonly detail: string,
  ) {
    super(detail ? `${message}: ${detail}` : message);
  }
}

/** A prompt catalog (menus/prompts/<lang>.yaml) is malformed. */
export class PromptCatalogError extends Error {
  override readonly name = 'PromptCatalogError';
  constructor(
    readonly file: string,
    readonly problem: string,
    /** The prompt id the problem is in, when it is in one. */
    readonly key?: string,
  ) {
    super(key === undefined ? `${file}: ${problem}` : `${file}: prompt "${key}": ${problem}`);
  }
}

/** A prompt id that no catalog of the language defines. */
export class UnknownPrompt extends Error {
  override readonly name = 'UnknownPrompt';
  constructor(
    readonly promptId: string,
    readonly language: string,
  ) {
    super(`no prompt "${promptId}" in the "${language}" catalog`);
  }
}

/** A prompt's text has a `{placeholder}` the caller gave no value for. */
export class MissingPlaceholderValue extends Error {
  override readonly name = 'MissingPlaceholderValue';
  constructor(
    readonly placeholder: string,
    readonly text: string,
  ) {
    super(`no value for {${placeholder}} in "${text}"`);
  }
}
