import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Module surfaces and the arrows between modules (README.md, "Architecture").
//
// A module is a folder of src/ (or dsl/) whose index.ts is all the rest of the code may see:
// `../mail/index.js`, never `../mail/signature.js`. Which module may import which follows the
// arrows `cli → runtime → esl`, `cli → actions → (directory | mailbox | mail | schedule | phone |
// pin | greetings)`, `dsl → graph ← runtime`, plus the smaller arrows beside them, each with its
// reason on its line below. No module lists src/cli: nothing imports the CLI.
//
// The rule is ESLint's own no-restricted-imports. Its patterns see an import as written, so a
// file's distance from src/ is spelled into them: one block per folder depth, built below.
// Flat config replaces a rule's options per file instead of merging them, so each file gets
// exactly one block with every pattern that applies to it. The rule reads import and export
// declarations, not `await import(…)`: a dynamic import is not checked.
// ---------------------------------------------------------------------------------------------

/** @type {Record<string, string[]>} module → the modules it may import (through their index.ts) */
const mayImport = {
  dsl: ['src/graph'], // the language knows the graph it compiles to, nothing of FreeSWITCH
  'src/graph': [],
  'src/schedule': ['src/graph'], // the office hours and profile rules are graph types
  'src/phone': ['src/graph'], // the country → language rules are graph types
  'src/pin': [],
  'src/esl': [],
  'src/speech': [],
  'src/config': ['src/graph'], // the menu switches (`config.*` in a menu) are the graph's table
  'src/directory': ['src/schedule'], // a user's own office hours are read by the schedule's parser
  'src/mail': [],
  'src/mailbox': ['src/mail'], // reads back the signature mail wrote into a voice message
  'src/greetings': ['src/speech'], // the media root's two names
  'src/runtime': ['src/esl', 'src/graph', 'src/speech'], // the call's Channel, the graph it walks, Voice
  'src/sim': ['src/esl'], // the simulator speaks the same protocol with the same codec
  'src/metrics': [], // Prometheus's view: fed by the wiring, knows no other module
  // the lamps and SMS: who she is, what her mailbox holds, mail-to-SMS through the spool, numbers
  'src/notify': ['src/directory', 'src/mailbox', 'src/mail', 'src/phone'],
  // the actions implement the runtime's ports (runtime/ports.ts), so they point at the runtime
  // and never the other way; speech gives them the media root's FreeSWITCH name
  'src/actions': [
    'src/runtime',
    'src/graph',
    'src/directory',
    'src/mailbox',
    'src/mail',
    'src/schedule',
    'src/phone',
    'src/pin',
    'src/greetings',
    'src/speech',
  ],
  // the web page: the actions (the phone's rules) and the ports the actions stand on; what only
  // the admin commands do (lookup, unlock, the mail password) is handed in by the wiring
  'src/web': [
    'src/actions',
    'src/config',
    'src/directory',
    'src/graph',
    'src/greetings',
    'src/mailbox',
    'src/phone',
    'src/runtime',
    'src/schedule',
    'src/speech',
  ],
  // the wiring of everything from the settings
  'src/cli': [
    'dsl',
    'src/actions',
    'src/config',
    'src/directory',
    'src/esl',
    'src/graph',
    'src/greetings',
    'src/mail',
    'src/mailbox',
    'src/metrics',
    'src/notify',
    'src/phone',
    'src/pin',
    'src/runtime',
    'src/schedule',
    'src/sim',
    'src/speech',
    'src/web',
  ],
};

/** Pure modules: decisions from data, no I/O — so no adapter, socket, file or process. */
const pure = ['src/graph', 'src/schedule', 'src/phone', 'src/pin'];

const modules = Object.keys(mayImport);
/** How deep below its module folder a file may sit and still be checked. */
const MAX_DEPTH = 5;

const up = (n) => `(?:\\.\\./){${n}}`;
const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const last = (module) => module.split('/').pop();

/**
 * The patterns for a file `depth` folders below `module`'s folder: every other module only
 * through its index.ts, and not at all where no arrow leads there.
 */
function modulePatterns(module, depth) {
  const toRoot = depth + (module === 'dsl' ? 1 : 2);
  const patterns = [];
  for (const target of modules) {
    if (target === module) continue;
    // how the file can spell the target folder: `../mail/` beside it in src/, or from the root
    const spellings = [`${up(toRoot)}${escape(target)}`];
    if (module !== 'dsl' && target !== 'dsl') spellings.push(`${up(depth + 1)}${escape(last(target))}`);
    const folder = `^(?:${spellings.join('|')})`;
    if (mayImport[module].includes(target)) {
      patterns.push({
        regex: `${folder}/(?!index\\.js$)`,
        caseSensitive: true,
        message: `Import ${target} through its index.js: a module shows the rest of the code only what its index.ts exports.`,
      });
    } else {
      patterns.push({
        regex: `${folder}(?:/|$)`,
        caseSensitive: true,
        message: `${module} may not import ${target}: the arrows of README.md's Architecture section point one way (${module} may import ${mayImport[module].join(', ') || 'no other module'}).`,
      });
    }
  }
  patterns.push({
    regex: `^${up(toRoot)}(?:test|bench)(?:/|$)`,
    caseSensitive: true,
    message: 'The product does not import its tests or benchmarks.',
  });
  if (pure.includes(module)) {
    patterns.push({
      regex:
        '^(?:node:)?(?:fs|net|tls|dgram|dns|http|https|http2|child_process|cluster|worker_threads|os|readline)(?:/|$)',
      caseSensitive: true,
      message: `${module} is pure (README.md, "Architecture"): it does no I/O; take what it needs as an argument.`,
    });
    patterns.push({
      regex: '^(?:ldapts|imapflow|nodemailer|pino|modesl|js-yaml)(?:/|$)',
      caseSensitive: true,
      message: `${module} is pure (README.md, "Architecture"): an adapter belongs in the module of its port.`,
    });
  }
  return patterns;
}

const moduleBlocks = modules.flatMap((module) =>
  Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
    files: [`${module}/${'*/'.repeat(depth)}*.{ts,js}`],
    rules: { 'no-restricted-imports': ['error', { patterns: modulePatterns(module, depth) }] },
  })),
);

// Tests and benchmarks use each module through its index.ts like any other caller, with two
// exceptions. A test of a module's internals may reach into that module: test/<m>/ and
// test/integration/<m>/ into src/<m>/ (test/dsl/ into dsl/) — a parser test calls the parser,
// not the whole loader. And src/cli/ has no index.ts: its files are the entry points (main.ts
// runs a command as a user would), so tests may import any of them.
const withSurface = modules.filter((module) => module !== 'src/cli');

/** The patterns for a test or benchmark `depth` folders below test/ or bench/. */
function callerPatterns(depth, except) {
  return withSurface
    .filter((module) => module !== except)
    .map((module) => ({
      regex: `^${up(depth + 1)}${escape(module)}/(?!index\\.js$)`,
      caseSensitive: true,
      message: `Import ${module} through its index.js: only tests of ${module} (test/${last(module)}/, test/integration/${last(module)}/) reach inside it.`,
    }));
}

const depths = Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => depth);
const callerBlock = (files, depth, except) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: callerPatterns(depth, except) }] },
});
const callerBlocks = [
  ...depths.map((depth) =>
    callerBlock(
      [`test/${'*/'.repeat(depth)}*.{ts,js}`, `bench/${'*/'.repeat(depth)}*.{ts,js}`],
      depth,
      undefined,
    ),
  ),
  ...withSurface.flatMap((module) => [
    ...depths
      .filter((depth) => depth >= 1)
      .map((depth) =>
        callerBlock([`test/${last(module)}/${'*/'.repeat(depth - 1)}*.{ts,js}`], depth, module),
      ),
    ...depths
      .filter((depth) => depth >= 2)
      .map((depth) =>
        callerBlock([`test/integration/${last(module)}/${'*/'.repeat(depth - 2)}*.{ts,js}`], depth, module),
      ),
  ]),
];

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'tmp/', 'node_modules/', 'coverage/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  ...moduleBlocks,
  ...callerBlocks,
);
