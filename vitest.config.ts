import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The image test builds docker/Dockerfile with podman for minutes: its own `npm run test:image`.
    exclude: ['test/image/**', '**/node_modules/**'],
    // Tests start real child processes and servers: give them room, and keep a 2-core machine from thrashing. Tests
    // wait for events with bounds of their own; these are the last resort, wide enough for a machine ten times busier.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/per-test.ts'],
    // CI also keeps a JSON report, from which .ci/run prints the plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
