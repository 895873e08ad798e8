import { ReplyCode } from './protocol.js';

// Clients decide on codes: the server's (E_AUTH …) and these of their own.
export const ClientCode = {
  Connect: 'E_CONNECT',
  Disconnected: 'E_DISCONNECTED',
  Timeout: 'E_TIMEOUT',
  Protocol: 'E_PROTOCOL',
  Tls: 'E_TLS',
  File: 'E_FILE',
} as const;

const FINAL = new Set<string>([ReplyCode.Auth, ReplyCode.BadName, ReplyCode.TooLarge, ReplyCode.BadHeader, ReplyCode.HeaderTooLarge, ReplyCode.BadFrame, ClientCode.Protocol, ClientCode.Tls, ClientCode.File]);
/** The file changed between hashing and sending: hash it again on the next try. */
export const FILE_CHANGED = new Set<string>([ReplyCode.SizeMismatch, ReplyCode.HashMismatch]);

// A try that failed, with the code that says whether another try may help.
export class TransferError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransferError';
  }

  get final(): boolean {
    return FINAL.has(this.code);
  }
}

