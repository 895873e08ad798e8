import { afterEach } from 'vitest';
import { stopStarted } from './cli.js';

// After each test, whatever became of it: the CLIs it started and did not see end are stopped.
afterEach(async () => {
  await stopStarted();
});
