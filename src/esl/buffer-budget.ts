/** What the budget needs of a connection: how to close it when it holds too much. */
export interface BudgetHolder {
  /** Closes the connection because the budget is exhausted (it logs its own line). */
  evict(total: number, limit: number): void;
}

/**
 * One limit for the bytes all connections of a server hold before they form a frame.
 * Each connection may buffer up to its own frame limit (16 MiB of body), so without a shared
 * budget a few dozen stalled peers take gigabytes. Beyond the budget the connection holding the
 * most is closed: a real call's frames are parsed as they arrive and hold next to nothing, a
 * stalled or hostile peer holds it all.
 */
export class BufferBudget {
  private readonly held = new Map<BudgetHolder, number>();
  private total = 0;
  private peak = 0;

  constructor(readonly limit: number) {}

  /** Bytes held now, all connections together. */
  get bufferedBytes(): number {
    return this.total;
  }

  /** The most ever held at once (after evictions): what the budget let through. */
  get peakBufferedBytes(): number {
    return this.peak;
  }

  /** A connection now holds `bytes`; closes the largest holders while the total is over the limit. */
  update(holder: BudgetHolder, bytes: number): void {
    this.total += bytes - (this.held.get(holder) ?? 0);
    if (bytes > 0) this.held.set(holder, bytes);
    else this.held.delete(holder);
    while (this.total > this.limit) {
      let largest: BudgetHolder | undefined;
      let most = 0;
      for (const [h, n] of this.held) {
        if (n > most) {
          most = n;
          largest = h;
        }
      }
      if (!largest) break;
      const before = this.total;
      largest.evict(before, this.limit);
      // evict() releases through update(…, 0); make sure the loop ends even if it did not
      if (this.held.get(largest) === most) this.release(largest);
    }
    if (this.total > this.peak) this.peak = this.total;
  }

  release(holder: BudgetHolder): void {
    this.update(holder, 0);
  }
}
