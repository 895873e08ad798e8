import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';
import { startCli, waitFor, EVENT_MS, type CliResult } from '../helpers/cli.js';

// Debian's chromium, driven by playwright-core (which downloads no browser of its own).
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed (no ${CHROMIUM}): on Debian run \`apt-get install -y chromium\` (.ci/run does this), or set CHROMIUM_PATH`);
  // Tests run as root in CI, where chromium's sandbox will not start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export interface Serving {
  url: string;
  stderr(): string;
  /** SIGTERM, then the exit. */
  stop(): Promise<CliResult>;
}

// `main serve --port 0 …` in `cwd`, once it says where it listens.
export async function serve(cwd: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const cli = startCli(['serve', '--port', '0', ...args], { cwd, env });
  let stderr = '';
  cli.child.stderr!.on('data', (d) => (stderr += d));
  await waitFor(() => /console at http:\S+/.test(stderr) || cli.child.exitCode !== null, EVENT_MS, 'main serve to listen');
  const url = /console at (http:\S+)/.exec(stderr)?.[1];
  expect(url, stderr).toBeDefined();
  return {
    url: url!,
    stderr: () => stderr,
    stop: async () => {
      if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
      return cli.done;
    },
  };
}
