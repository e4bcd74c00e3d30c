import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `integration` talks to real OpenLDAP,
// Dovecot and Postfix that test/env/globalSetup.ts starts on 127.0.0.1.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'node_modules/**'],
          // a PIN hash or check costs ~0.4 s by design (src/pin/README.md), and more on a busy
          // machine: a test that logs in a few times needs more than vitest's 5 s
          testTimeout: 20_000,
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
