/** What became of a call's writes: none made, committed, rolled back, or a COMMIT whose outcome is unknown. */
export type DataOutcome = 'none' | 'committed' | 'rolled_back' | 'unknown';

/**
 * What one call's database writes came to, as its call scope learns it. The answer to the caller
 * may be due before the database has answered (the deadline, a cancel): while a COMMIT is under
 * way (`committing`) nobody may say the write failed, and `settled` tells what became of it later
 * (for an audit line written after the answer).
 */
export class WriteOutcome {
  #outcome: DataOutcome = 'none';
  #committing = false;
  #settled = false;
  #resolve: (outcome: DataOutcome) => void = () => undefined;
  /** Resolves once the call scope knows what the call's writes came to (never for a call that runs none). */
  readonly settled = new Promise<DataOutcome>((resolve) => {
    this.#resolve = resolve;
  });

  /** A COMMIT was decided and not yet answered: neither the deadline nor a cancel can undo it now. */
  get committing(): boolean {
    return this.#committing && !this.#settled;
  }

  /** Committing, or committed with the answer not yet out: answering "failed" now would be a lie. */
  get mayHaveLanded(): boolean {
    const outcome = this.outcome;
    return outcome === 'unknown' || outcome === 'committed';
  }

  /** What is known now: 'none' until the call scope settles it. */
  get outcome(): DataOutcome {
    return this.#settled ? this.#outcome : this.#committing ? 'unknown' : 'none';
  }

  commitSent(): void {
    this.#committing = true;
  }

  /** The first word is final: a later one (from a layer further out) changes nothing. */
  settle(outcome: DataOutcome): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#outcome = outcome;
    this.#resolve(outcome);
  }
}
