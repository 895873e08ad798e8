// The most frequent values of a field in bounded memory. Counts are exact until more than `capacity`
// distinct values were seen; then the rarest half is dropped now and then, and `undercount` says by how
// much any count may fall short: a value dropped and seen again starts over, so the bound is the sum of
// the counts cut at each pruning.
export class TopK {
  private counts = new Map<string, number>();
  undercount = 0;

  constructor(private readonly capacity: number) {}

  add(value: string, n = 1): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + n);
    if (this.counts.size > 2 * this.capacity) this.prune();
  }

  merge(other: TopK): void {
    for (const [value, n] of other.counts) this.add(value, n);
    this.undercount += other.undercount;
  }

  top(n: number): Array<{ value: string; count: number }> {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([value, count]) => ({ value, count }));
  }

  get distinct(): number {
    return this.counts.size;
  }

  private prune(): void {
    const sorted = [...this.counts].sort((a, b) => b[1] - a[1]);
    this.undercount += sorted[this.capacity]![1];
    this.counts = new Map(sorted.slice(0, this.capacity));
  }
}
