import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:image`: docker/Dockerfile built with podman and run (image.test.ts). Kept out of `npm test`
// (vitest.config.ts excludes test/image/): the first run makes a base image and builds for minutes.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../', import.meta.url)),
    include: ['test/image/**/*.test.ts'],
    // Each step waits for its own event with its own bound; these are the last resort.
    testTimeout: 600_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    maxWorkers: 1,
    setupFiles: ['test/helpers/per-test.ts'],
  },
});
