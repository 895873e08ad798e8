import { AsyncLocalStorage } from 'node:async_hooks';

// Which test a piece of test code belongs to, and whether that test has ended. A test that timed out leaves its
// body running on (vitest cannot stop it); what it does next must not reach the next test's workspace or servers.
const life = new AsyncLocalStorage<{ ended: boolean }>();

export function beginTest(): void {
  life.enterWith({ ended: false });
}

export function endTest(): void {
  const current = life.getStore();
  if (current) current.ended = true;
}

// Throws in the code of a test that has ended: it stops there instead of acting on the tests that follow.
export function assertLive(what: string): void {
  if (life.getStore()?.ended) throw new Error(`not ${what}: its test has already ended (it timed out or failed)`);
}
