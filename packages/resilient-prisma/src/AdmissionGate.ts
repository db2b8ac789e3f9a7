import { EventEmitter } from 'node:events';

/** A call was turned away before it touched the database: the pool is busy. */
export class AdmissionRejectedError extends Error {
  override readonly name = 'AdmissionRejectedError';
  readonly code = 'ADMISSION_REJECTED';
  readonly reason: AdmissionRejection;

  constructor(reason: AdmissionRejection, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** 'queue-full': the queue is at its bound; 'deadline': the wait ahead is longer than the call has left. */
export type AdmissionRejection = 'queue-full' | 'deadline';

export interface AdmissionEvents {
  admitted: [{ waitedMs: number; queued: number }];
  rejected: [{ reason: AdmissionRejection; queued: number }];
}

interface Waiter {
  readonly enqueuedAt: number;
  readonly start: () => void;
}

/**
 * Admission control for one pool: at most `limit` calls work on the database at once (one
 * connection each), the others wait in a bounded FIFO queue. The queue is deadline-aware: a call
 * is rejected at once when the wait ahead of it (the queue in front, at the rate calls have been
 * finishing) is longer than what is left of its deadline, and it leaves the queue the moment it
 * is cancelled or its deadline passes, so dead calls never hold a place.
 *
 * Hand-written rather than cockatiel's bulkhead: that one keeps cancelled waiters in its queue
 * until their turn comes, re-queues a waiter behind newcomers when a slot is taken between
 * two ticks, and knows nothing of deadlines.
 */
export class AdmissionGate {
  readonly events = new EventEmitter<AdmissionEvents>();
  readonly limit: number;
  readonly queueMax: number;
  #active = 0;
  readonly #queue = new Set<Waiter>();
  /** Smoothed time a call holds its slot (ms); 0 until the first call finished. */
  #holdMs = 0;

  constructor(limit: number, queueMax: number) {
    this.limit = limit;
    this.queueMax = queueMax;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.size;
  }

  /** Runs `work` once a slot is free, unless the call cannot wait that long. */
  async run<T>(deadline: number, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (signal.aborted) throw reasonOf(signal);
    if (this.#active < this.limit && this.#queue.size === 0) {
      this.#active += 1;
      this.events.emit('admitted', { waitedMs: 0, queued: 0 });
    } else {
      await this.#wait(deadline, signal);
    }
    const started = performance.now();
    try {
      return await work();
    } finally {
      const held = performance.now() - started;
      this.#holdMs = this.#holdMs === 0 ? held : this.#holdMs * 0.9 + held * 0.1;
      this.#handOver();
    }
  }

  /** The expected wait for a call joining the queue now (ms): those ahead, `limit` at a time. */
  expectedWaitMs(): number {
    return ((this.#queue.size + 1) / this.limit) * this.#holdMs;
  }

  #wait(deadline: number, signal: AbortSignal): Promise<void> {
    const queued = this.#queue.size;
    if (queued >= this.queueMax)
      return Promise.reject(this.#reject('queue-full', `the admission queue is full (${this.queueMax} calls waiting)`));
    const left = deadline - performance.now();
    if (this.expectedWaitMs() + this.#holdMs > left) {
      return Promise.reject(
        this.#reject(
          'deadline',
          `about ${Math.round(this.expectedWaitMs())} ms of queue ahead, ${Math.max(0, Math.round(left))} ms of deadline left`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const leave = () => {
        this.#queue.delete(waiter);
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        reject(reasonOf(signal));
      };
      const waiter: Waiter = {
        enqueuedAt: performance.now(),
        start: () => {
          leave();
          this.events.emit('admitted', { waitedMs: performance.now() - waiter.enqueuedAt, queued: this.#queue.size });
          resolve();
        },
      };
      // A waiter whose deadline passes leaves by itself, even if nobody aborts its signal.
      const timer = setTimeout(
        () => {
          leave();
          reject(this.#reject('deadline', 'the deadline passed while waiting for a database connection'));
        },
        Math.max(0, left),
      );
      timer.unref();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.add(waiter);
    });
  }

  /** A finished call hands its slot straight to the oldest waiter (strict FIFO), or frees it. */
  #handOver(): void {
    const next = this.#queue.values().next();
    if (next.done === true) {
      this.#active -= 1;
      return;
    }
    next.value.start();
  }

  #reject(reason: AdmissionRejection, message: string): AdmissionRejectedError {
    this.events.emit('rejected', { reason, queued: this.#queue.size });
    return new AdmissionRejectedError(reason, message);
  }
}

function reasonOf(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the call was cancelled');
}
