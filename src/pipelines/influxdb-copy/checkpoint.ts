import type { Checkpoints } from '../../core/pipeline.js';

// The checkpoint of one measurement's incremental copy, as stored: what the destination has acknowledged, and what a
// check has found the same on both sides (null: nothing yet; absent: a checkpoint written before checks were kept,
// trusted as checked).
interface Stored {
  upTo: string;
  verifiedUpTo?: string | null;
}

// Where an incremental copy resumes, and from where its copy is checked. The copy resumes where the destination's
// acknowledgements stop (a kill loses nothing and costs nothing), while the check covers everything since the last
// check that passed: what was copied by a run stopped before its check, or by a run that failed elsewhere, is
// checked by the next. A check that finds a difference sends the copy back to where checks last passed, so the next
// run copies it again, from the same place however many runs fail.
export class ItemCheckpoint {
  private stored: Stored | undefined;

  constructor(
    private readonly checkpoints: Checkpoints,
    private readonly key: string,
  ) {
    this.stored = checkpoints.get<Stored>(key);
  }

  // Where the copy resumes (before its overlap), or undefined: from the beginning.
  copiedTo(): bigint | undefined {
    return this.stored ? BigInt(this.stored.upTo) : undefined;
  }

  // Where checks passed up to, or undefined: none has, so a check starts at the beginning.
  verifiedTo(): bigint | undefined {
    const s = this.stored;
    if (!s || s.verifiedUpTo === null) return undefined;
    return BigInt(s.verifiedUpTo ?? s.upTo);
  }

  copied(upTo: bigint): void {
    const s = this.stored;
    // A checkpoint from before checks were kept was checked up to where it stood.
    this.save({ upTo: String(upTo), verifiedUpTo: s ? (s.verifiedUpTo === undefined ? s.upTo : s.verifiedUpTo) : null });
  }

  verified(upTo: bigint): void {
    if (this.stored) this.save({ ...this.stored, verifiedUpTo: String(upTo) });
  }

  // A check found a difference: the next run copies again from where checks last passed.
  differs(): void {
    const verified = this.verifiedTo();
    if (verified === undefined) {
      this.stored = undefined;
      this.checkpoints.delete(this.key);
    } else this.save({ upTo: String(verified), verifiedUpTo: String(verified) });
  }

  private save(value: Stored): void {
    this.stored = value;
    this.checkpoints.set(this.key, value);
  }
}
