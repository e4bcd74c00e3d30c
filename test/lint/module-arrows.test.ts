// The import rules of eslint.config.js, run on small samples: a deep import and an import
// against the arrows of README.md's Architecture section are reported, the allowed spelling is
// not. A change to the config that quietly stops checking fails here.
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: `${root}eslint.config.js` });
});

/** What the import rule says about `source` written in the file at `filePath`. */
async function importProblems(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('index.ts surfaces', () => {
  it('an action importing the mailbox past its index.ts is told to use index.js', async () => {
    const problems = await importProblems(
      'src/actions/x.ts',
      "import type { Mailbox } from '../mailbox/types.js';\n",
    );
    expect(problems).toEqual([expect.stringContaining('Import src/mailbox through its index.js')]);
  });

  it('the same import through index.js passes', async () => {
    expect(
      await importProblems('src/actions/x.ts', "import type { Mailbox } from '../mailbox/index.js';\n"),
    ).toEqual([]);
  });

  it('a file in a subfolder is held to the same surface, and its own module stays open to it', async () => {
    const deep = "import type { Mailbox } from '../../mailbox/types.js';\n";
    expect(await importProblems('src/esl/codec/x.ts', deep)).toEqual([
      expect.stringContaining('may not import'),
    ]);
    expect(
      await importProblems('src/sim/apps/x.ts', "export { silentLogger } from '../../esl/logger.js';\n"),
    ).toEqual([expect.stringContaining('Import src/esl through its index.js')]);
    expect(
      await importProblems('src/esl/codec/x.ts', "import { EslProtocolError } from '../errors.js';\n"),
    ).toEqual([]);
  });

  it('a test reaches inside only the module it tests', async () => {
    const kind = "import { classifyMessage } from '../../src/mailbox/kind.js';\n";
    expect(await importProblems('test/mailbox/x.test.ts', kind)).toEqual([]);
    expect(
      await importProblems(
        'test/integration/mailbox/x.test.ts',
        "import { readAloud } from '../../../src/mailbox/text.js';\n",
      ),
    ).toEqual([]);
    expect(await importProblems('test/actions/x.test.ts', kind)).toEqual([
      expect.stringContaining('Import src/mailbox through its index.js'),
    ]);
    // test/dsl/ is the tests' own folder, not the language
    expect(
      await importProblems('test/runtime/x.test.ts', "import { compile } from '../dsl/helpers.js';\n"),
    ).toEqual([]);
  });
});

describe('the arrows of the architecture', () => {
  it.each([
    [
      'src/esl/x.ts',
      "import type { Voice } from '../runtime/index.js';",
      'src/esl may not import src/runtime',
    ],
    [
      'src/graph/x.ts',
      "import { CallSession } from '../runtime/index.js';",
      'src/graph may not import src/runtime',
    ],
    [
      'src/runtime/x.ts',
      "import { createActions } from '../actions/index.js';",
      'src/runtime may not import src/actions',
    ],
    ['src/actions/x.ts', "import { run } from '../cli/main.js';", 'src/actions may not import src/cli'],
    ['dsl/x.ts', "import { Channel } from '../src/esl/index.js';", 'dsl may not import src/esl'],
    ['src/runtime/x.ts', "import { parse } from '../../dsl/index.js';", 'src/runtime may not import dsl'],
  ])('%s: %s is refused', async (filePath, source, expected) => {
    expect(await importProblems(filePath, `${source}\n`)).toEqual([expect.stringContaining(expected)]);
  });

  it('the way the arrows point is allowed', async () => {
    expect(await importProblems('src/runtime/x.ts', "import { Channel } from '../esl/index.js';\n")).toEqual(
      [],
    );
    expect(await importProblems('dsl/x.ts', "import { actions } from '../src/graph/index.js';\n")).toEqual(
      [],
    );
  });

  it('a pure module does no I/O', async () => {
    expect(
      await importProblems('src/schedule/x.ts', "import { readFile } from 'node:fs/promises';\n"),
    ).toEqual([expect.stringContaining('src/schedule is pure')]);
    expect(await importProblems('src/phone/x.ts', "import { Client } from 'ldapts';\n")).toEqual([
      expect.stringContaining('src/phone is pure'),
    ]);
    expect(await importProblems('src/pin/x.ts', "import { scrypt } from 'node:crypto';\n")).toEqual([]);
  });
});
