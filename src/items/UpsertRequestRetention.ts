import { EventEmitter } from 'node:events';
import type { CallBudget } from '@pos-masterdata/resilient-prisma';
import type { UpsertRequestRepository } from './UpsertRequestRepository.ts';

export interface UpsertRequestRetentionOptions {
  /** Records older than this are deleted (ms); 0 keeps them forever. */
  readonly retentionMs: number;
  readonly checkEveryMs: number;
  readonly upserts: UpsertRequestRepository;
  /** Runs one batch as database work (Database.run('write', …) in the service). */
  readonly write: <T>(budget: CallBudget, work: () => Promise<T>) => Promise<T>;
  /** Rows per DELETE: small, so no sweep holds locks or a transaction for long. */
  readonly batchSize?: number;
}

export interface UpsertRequestRetentionEvents {
  /** A sweep ended: rows deleted, or why it stopped. */
  swept: [{ deleted: number; cutoff: Date; error?: unknown }];
}

/**
 * Keeps `upsert_request` from growing forever: every `checkEveryMs` it deletes the records older
 * than the retention in small batches, each its own short transaction through the resilient
 * layer (so a sweep waits its turn behind calls and stops while the database is down). Replaying
 * a request id after that finds nothing and is applied as a new request (see README).
 */
export class UpsertRequestRetention {
  readonly events = new EventEmitter<UpsertRequestRetentionEvents>();
  readonly #options: UpsertRequestRetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  readonly #stopped = new AbortController();

  constructor(options: UpsertRequestRetentionOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#options.retentionMs <= 0) return;
    const tick = () => {
      this.#sweeping ??= this.sweep().then(() => {
        this.#sweeping = undefined;
      });
    };
    // The first sweep one interval after start, not at once: instances restarted together by a
    // deploy do not all sweep in the same second, and start-up does no write of its own.
    this.#timer = setInterval(tick, this.#options.checkEveryMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stopped.abort(new Error('stopping'));
    await this.#sweeping;
  }

  /** One sweep: batches until one comes back short. */
  async sweep(): Promise<number> {
    const { retentionMs, upserts, write, batchSize = 500 } = this.#options;
    const cutoff = new Date(Date.now() - retentionMs);
    let deleted = 0;
    try {
      for (;;) {
        if (this.#stopped.signal.aborted) break;
        const budget = { deadline: performance.now() + 10_000, signal: this.#stopped.signal };
        const n = await write(budget, () => upserts.deleteOlderThan(cutoff, batchSize));
        deleted += n;
        if (n < batchSize) break;
      }
      this.events.emit('swept', { deleted, cutoff });
    } catch (error) {
      this.events.emit('swept', { deleted, cutoff, error });
    }
    return deleted;
  }
}
