import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// What `npm install -g` / `npm link` installs: every name of the package's `bin` map, each a link to its file.
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string; bin: Record<string, string> };

describe('the command names the package installs', () => {
  it('are main (kept) and sysadmintoolkit, both the same program', () => {
    expect(Object.keys(pkg.bin).sort()).toEqual(['main', 'sysadmintoolkit']);
    expect(pkg.bin.sysadmintoolkit).toBe(pkg.bin.main);
  });

  it.each(['main', 'sysadmintoolkit'])('%s names a built file that runs as a script and answers --version', (name) => {
    const file = `${root}${pkg.bin[name]}`;
    expect(existsSync(file), `${file} missing: run npm run build`).toBe(true);
    // npm makes the file executable and links the name to it: the first line is what then starts it.
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(execFileSync(process.execPath, [file, '--version'], { encoding: 'utf8' })).toBe(`${pkg.version}\n`);
  });
});
