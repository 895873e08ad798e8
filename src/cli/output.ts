// Where a command writes: stdout for its result, stderr for problems. Tests pass their own.
export interface Output {
  out(text: string): void;
  err(line: string): void;
  color: boolean;
}

export const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (line) => void process.stderr.write(`${line}\n`),
  color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
};
