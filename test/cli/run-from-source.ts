// `voicebox …` from the TypeScript sources (node --import tsx test/cli/run-from-source.ts serve …),
// for tests that need the command as its own process without building dist/ first.
import { run } from '../../src/cli/main.js';

process.exitCode = await run(process.argv);
