import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through stage of a pipeline that counts and hashes (SHA-256) the bytes that cross it. */
export interface HashingStream {
  stream: Transform;
  bytes(): number;
  /** The hex digest: once the stream has ended. */
  sum(): string;
}

export function hashingStream(): HashingStream {
  const hash = createHash('sha256');
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      n += chunk.length;
      done(null, chunk);
    },
  });
  return { stream, bytes: () => n, sum: () => hash.digest('hex') };
}
