import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing but Node; `web`, the web page's tests without a lab, the
// same with more time; `integration` talks to real OpenLDAP, Dovecot and Postfix that
// test/env/globalSetup.ts starts on 127.0.0.1. `vitest run` runs all three.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/web/**', 'node_modules/**'],
          // a PIN hash or check costs ~0.4 s by design (src/pin/README.md), and more on a busy
          // machine: a test that logs in a few times needs more than vitest's 5 s
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'web',
          include: ['test/web/**/*.test.ts'],
          // each test logs in (a PIN check, ~0.4 s) several times and converts audio with sox:
          // seen at 17 s of 20 on a loaded 2-core machine
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/env/globalSetup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // one lab for all files, and some tests change it (stop a slapd, use a user's counters):
          // files run one after another so no test sees another file's half-done change
          fileParallelism: false,
        },
      },
    ],
  },
});
