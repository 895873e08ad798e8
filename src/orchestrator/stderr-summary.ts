const NOISE = [/^at /, /^Node\.js v\d/, /^\^+$/, /^\(Use `node --trace/];
const ERROR_LINE = /^(\w*Error\b|FATAL ERROR|Uncaught|<--- Last few GCs|Aborted|Segmentation fault)/;

// What a dead child's last stderr lines say, in one line: its error, not its stack.
export function summariseStderr(lines: readonly string[]): string {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l && !NOISE.some((re) => re.test(l)));
  const errors = meaningful.filter((l) => ERROR_LINE.test(l));
  return (errors.length ? errors.slice(-2) : meaningful.slice(-3)).join(' | ');
}
