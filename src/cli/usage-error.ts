// A mistake on the command line: exit 2, nothing runs.
export class UsageError extends Error {
  override name = 'UsageError';
}
