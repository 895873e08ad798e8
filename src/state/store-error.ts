// SQLite's code for what went wrong ("SQLITE_FULL"), or the system's ("ENOSPC"), along the cause chain.
export function storeErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(SQLITE_|E[A-Z]+$)/.test(code)) return code;
  }
  return undefined;
}

// Whether an error came from the store (SQLite, the disk under it), rather than from a bug in the code calling it.
export function isStoreError(error: unknown): boolean {
  return error instanceof StoreUnusableError || storeErrorCode(error) !== undefined;
}

// "database or disk is full (SQLITE_FULL)": SQLite's words and its code.
export function storeReason(error: unknown): string {
  const code = storeErrorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

// The state store cannot be opened or read: names it, says why, and `advice` says what to do.
export class StoreUnusableError extends Error {
  readonly code: string | undefined;

  readonly advice: string;

  constructor(
    readonly path: string,
    why: string,
    options: { cause?: unknown; advice?: string } = {},
  ) {
    super(`cannot use the state store ${path}: ${why}`, { cause: options.cause });
    this.name = 'StoreUnusableError';
    this.code = storeErrorCode(options.cause);
    this.advice = options.advice ?? recoveryAdvice(path, this.code);
  }
}

// What a person can do about a store that cannot be used, by SQLite's code.
export function recoveryAdvice(path: string, code: string | undefined): string {
  const kind = code?.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  switch (kind) {
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return (
        `It is corrupt, or not a state store. Move it aside (mv ${path} ${path}.damaged, and ${path}-wal to ${path}.damaged-wal if there is one): ` +
        `the next run starts a new store, with no history and no checkpoints (incremental processes start again from the beginning). ` +
        `Where the sqlite3 tool has .recover, "sqlite3 ${path}.damaged .recover | sqlite3 ${path}" saves what can still be read.`
      );
    case 'SQLITE_FULL':
    case 'ENOSPC':
      return 'Its disk is full: free some space.';
    case 'SQLITE_IOERR':
    case 'EIO':
      return 'Its disk reports an input/output error: check the disk (dmesg) before anything else.';
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return 'Another program holds it locked: try again once it is done.';
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'ENOTDIR':
    case 'EISDIR':
      return 'Check that it is a file in a folder this user can write, or pass another --state.';
    default:
      return 'Check it, or pass another --state.';
  }
}
