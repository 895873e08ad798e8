import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export const TOKEN_VARIABLE = 'SAT_CONSOLE_TOKEN';
export const HOW_TO_SET_TOKEN = `put it in a file and pass --token-file FILE, or set the environment variable ${TOKEN_VARIABLE}`;
export const MIN_TOKEN_LENGTH = 16;
export const COOKIE = 'sat_console';

// The console's token: --token-file (its trailing newline trimmed) or SAT_CONSOLE_TOKEN; never from argv, where `ps`
// would show it. Undefined when neither is given.
export async function loadToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (tokenFile === undefined) return env[TOKEN_VARIABLE] || undefined;
  let text: string;
  try {
    text = await readFile(tokenFile, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the token file "${tokenFile}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  const token = text.replace(/\r?\n$/, '');
  if (token === '') throw new Error(`the token file "${tokenFile}" is empty`);
  return token;
}

// Only these addresses may be served without a token: nobody but this machine's users reaches them.
export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

// Who may read: a request with `Authorization: Bearer TOKEN`, or with the cookie that /login?token= sets. The
// cookie holds a value derived from the token, not the token: a copy of the browser's cookies gives the session,
// not the secret that the other clients use.
export class Access {
  private readonly token: Buffer;

  readonly cookieValue: string;

  constructor(token: string) {
    this.token = digest(token);
    this.cookieValue = createHmac('sha256', token).update('sysadmintoolkit console session').digest('base64url');
  }

  // Compares digests of equal length in constant time: neither the token nor its length leaks through timing.
  isToken(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.token);
  }

  allows(headers: { authorization?: string; cookie?: string }): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return this.isToken(bearer.trim());
    const cookie = cookieNamed(headers.cookie, COOKIE);
    return cookie !== undefined && timingSafeEqual(digest(cookie), digest(this.cookieValue));
  }

  // The Set-Cookie of a good /login: for this server's pages only, never to scripts, never sent by another site.
  setCookie(secure: boolean): string {
    return `${COOKIE}=${this.cookieValue}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }
}

function cookieNamed(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
