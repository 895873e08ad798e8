import type { Checkpoints } from '../types.js';

// The checkpoint of one measurement's incremental copy, as stored: what the destination has acknowledged, and what a
// check has found the same on both sides (null: nothing yet; absent: a checkpoint written before checks were kept,
// trusted as checked).
interface Stored {
  upTo: string;
  verifiedUpTo?: string | null;
}

// Where an incremental copy resumes. When the copy is verified, from what was last verified as well as copied: a
// check that failed, or never ran (a stop, a failure elsewhere), leaves its stretch to be copied and checked again,
// from the same place each time, however many runs fail.
export class ItemCheckpoint {
  private stored: Stored | undefined;

  constructor(
    private readonly checkpoints: Checkpoints,
    private readonly key: string,
    private readonly verifying: boolean,
  ) {
    this.stored = checkpoints.get<Stored>(key);
  }

  // Where the next copy resumes (before its overlap), or undefined: from the beginning.
  resumeFrom(): bigint | undefined {
    const s = this.stored;
    if (!s) return undefined;
    const copied = BigInt(s.upTo);
    if (!this.verifying || s.verifiedUpTo === undefined) return copied;
    if (s.verifiedUpTo === null) return undefined;
    const verified = BigInt(s.verifiedUpTo);
    return verified < copied ? verified : copied;
  }

  copied(upTo: bigint): void {
    const s = this.stored;
    // A checkpoint from before checks were kept was checked up to where it stood.
    this.save({ upTo: String(upTo), verifiedUpTo: s ? (s.verifiedUpTo === undefined ? s.upTo : s.verifiedUpTo) : null });
  }

  verified(upTo: bigint): void {
    if (this.stored) this.save({ ...this.stored, verifiedUpTo: String(upTo) });
  }

  private save(value: Stored): void {
    this.stored = value;
    this.checkpoints.set(this.key, value);
  }
}
