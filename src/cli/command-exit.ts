// A command that stops early with an exit code and one line saying why ("cannot reach the queue at …. Nothing was
// run."): main() prints `main: ` and the message, and exits with the code. Not a usage error, which exits 2.
export class CommandExit extends Error {
  override name = 'CommandExit';

  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}
