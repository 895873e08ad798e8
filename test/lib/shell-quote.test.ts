import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellLine, shellQuote } from '../../src/lib/shell-quote.js';

const NASTY = ['plain', '--file=/var/backups/app.dump', 'two words', '', "it's", `"quoted"`, '$HOME', '`id`', 'a\\b', `mixed 'single' and "double" $x`, 'tab\there', 'new\nline', '*.gz', '~', '#comment', 'a;b|c&d', 'ünïcode'];

describe('shell quoting', () => {
  it('leaves a word no shell treats specially as it is', () => {
    expect(shellLine(['pg_dump', '--format=custom', '-f', '/var/backups/app.dump', 'user@host:5432'])).toBe('pg_dump --format=custom -f /var/backups/app.dump user@host:5432');
  });

  it('quotes the rest so that /bin/sh reads back exactly the same arguments', () => {
    const printed = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${shellLine(NASTY)}`], { encoding: 'utf8' });
    expect(printed.split('\0').slice(0, -1)).toEqual(NASTY);
  });

  it("puts an argument holding a ' in double quotes, keeping a secret in it whole when it can", () => {
    expect(shellQuote("pa'ss word")).toBe(`"pa'ss word"`);
    expect(shellQuote(`pa'ss $word`)).toBe(`"pa'ss \\$word"`);
  });
});
