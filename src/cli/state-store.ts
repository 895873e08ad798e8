import type { Logger } from 'winston';
import { StateStore } from '../state/store.js';
import { StoreUnusableError } from '../state/store-error.js';
import { UsageError } from './args.js';

// The state store of a command that runs processes, its troubles logged as warnings; one that cannot be opened
// is a usage error (exit 2, nothing runs) naming it and saying what to do.
export function openStore(path: string, log: Pick<Logger, 'warn'>): StateStore {
  try {
    return new StateStore(path, { onTrouble: (message) => void log.warn(message) });
  } catch (error) {
    if (error instanceof StoreUnusableError) throw new UsageError(unusable(error));
    throw error;
  }
}

// "cannot use the state store data/state.db: file is not a database (SQLITE_NOTADB).", then what to do.
export function unusable(error: StoreUnusableError): string {
  return `${error.message}.\n${error.advice}`;
}
