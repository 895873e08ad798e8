import { AsyncLocalStorage } from 'node:async_hooks';

// Which test a piece of test code belongs to. A test that timed out leaves its body running on (vitest cannot stop
// it); what it does next must not reach the next test's workspace or servers.
const life = new AsyncLocalStorage<number>();
let current: number | undefined;
let count = 0;

export function beginTest(): void {
  current = ++count;
  life.enterWith(current);
}

// Ends the test that runs, and gives its number.
export function endTest(): number | undefined {
  const ended = current;
  current = undefined;
  return ended;
}

// The test that runs now, if any (none in beforeAll and afterAll).
export const runningTest = (): number | undefined => current;

// Throws in the code of a test that has ended, while another runs: it stops there instead of acting on that one.
export function assertLive(what: string): void {
  const mine = life.getStore();
  if (mine !== undefined && current !== undefined && mine !== current) throw new Error(`not ${what}: its test has already ended (it timed out or failed)`);
}
