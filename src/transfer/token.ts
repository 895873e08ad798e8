import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export const TOKEN_VARIABLE = 'LOGS_TOKEN';
export const HOW_TO_SET_TOKEN = `set the shared token in the environment variable ${TOKEN_VARIABLE}, or put it in a file and pass --token-file FILE`;

// The shared token: --token-file (its trailing newline trimmed) or LOGS_TOKEN; never from argv, where `ps` would show it.
export async function loadToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(tokenFile, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the token file "${tokenFile}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
    }
    const token = text.replace(/\r?\n$/, '');
    if (token === '') throw new Error(`the token file "${tokenFile}" is empty; ${HOW_TO_SET_TOKEN}`);
    return token;
  }
  const value = env[TOKEN_VARIABLE];
  return value === undefined || value === '' ? undefined : value;
}

// Compares digests of equal length, in constant time: neither the token nor its length leaks through timing.
export function tokenChecker(expected: string): (candidate: string) => boolean {
  const want = digest(expected);
  return (candidate) => timingSafeEqual(digest(candidate), want);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
