import { afterEach, beforeEach } from 'vitest';
import { stopStarted } from './cli.js';
import { beginTest, endTest } from './test-life.js';

beforeEach(() => beginTest());

// After each test, whatever became of it: its code can no longer start a CLI or write a file, and the CLIs it
// started and did not see end are stopped.
afterEach(async () => {
  const ended = endTest();
  if (ended !== undefined) await stopStarted(ended);
});
