// An argument as a POSIX shell reads it back: bare when it holds only characters no shell treats specially, else
// in single quotes; one that holds a single quote goes in double quotes when that needs no backslash, so that a
// secret in it stays whole for the redactor (a `'` would otherwise become `'\''` in the middle of it).
export function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  if (!/["$`\\]/.test(arg)) return `"${arg}"`;
  return `"${arg.replace(/["$`\\]/g, '\\$&')}"`;
}

// A program and its arguments as one line a user can paste into a shell.
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
