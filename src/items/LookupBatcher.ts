import { EventEmitter } from 'node:events';
import type { CallBudget } from '@pos-masterdata/resilient-prisma';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';
import type { StoreKey } from './ItemRepository.ts';

type Found = ReadonlyMap<string, ItemDetail>;

/**
 * Reads the given codes of one store in one query, within the budget (a shared one here), where
 * the read-your-writes position `readAfter` is visible (when any caller gave one).
 */
export type LoadItems = (key: StoreKey, codes: readonly string[], budget: CallBudget, readAfter: bigint | undefined) => Promise<Found>;

export interface LookupBatcherOptions {
  /**
   * Whether the database takes new calls now (false while its breaker is open). While it does
   * not, a call does not join a query sent earlier: that query may be waiting for the database to
   * come back until its deadline, and the call would wait with it instead of being turned away at
   * once like every other call that starts now (and then answered stale from the cache, if it can).
   */
  readonly admitting?: () => boolean;
}

export interface LookupBatcherEvents {
  /** A shared query ended: how many calls it answered and how many codes it asked for. */
  query: [{ callers: number; codes: number; ok: boolean }];
}

/**
 * One query shared by several calls. Its budget belongs to nobody in particular: its deadline is
 * the latest of its callers' (the Database reads it at each attempt, so a caller that joins later
 * extends the retry), and it is aborted once every caller has gone.
 */
class SharedQuery implements CallBudget {
  readonly codes = new Set<string>();
  readonly result: Promise<Found>;
  readonly #settle: (result: Promise<Found>) => void;
  readonly #controller = new AbortController();
  #deadline = 0;
  #present = 0;
  /** The latest read-your-writes position of its callers. */
  readAfter: bigint | undefined;
  #answered = false;
  callers = 0;

  constructor() {
    const { promise, resolve } = Promise.withResolvers<Found>();
    // A query whose callers have all gone is awaited by nobody: not an unhandled rejection.
    promise.catch(() => undefined);
    this.result = promise;
    this.#settle = resolve;
    promise.then(
      () => {
        this.#answered = true;
      },
      () => undefined,
    );
  }

  get deadline(): number {
    return this.#deadline;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  send(load: (budget: CallBudget) => Promise<Found>): void {
    // Every caller may have gone before the tick ended; a load that throws at once rejects like any other.
    this.#settle(this.signal.aborted ? Promise.reject(this.signal.reason as Error) : (async () => load(this))());
  }

  /** Counts a caller in; its deadline extends the query's, its read-your-writes position raises the query's. */
  join(deadline: number, readAfter: bigint | undefined): void {
    this.callers += 1;
    this.#present += 1;
    this.#deadline = Math.max(this.#deadline, deadline);
    if (readAfter !== undefined && (this.readAfter === undefined || readAfter > this.readAfter)) this.readAfter = readAfter;
  }

  /** A caller was answered or gave up; once nobody waits, the answer is of no use, the connection it holds is. */
  leave(reason: unknown): void {
    this.#present -= 1;
    // Only a query still running is aborted: an abort is not free (an Error, the signal's listeners).
    if (this.#present === 0 && !this.#answered) this.#controller.abort(reason ?? new Error('every caller has gone'));
  }
}

/**
 * Coalesces item lookups. Calls for one store that arrive within the same tick become one
 * `item_code = ANY(...)` query over the union of their codes; a code already being read joins
 * that query instead of asking again. Each caller gets exactly its own codes back, and leaves
 * at its own deadline or cancellation without disturbing the others.
 */
export class LookupBatcher {
  readonly events = new EventEmitter<LookupBatcherEvents>();
  readonly #load: LoadItems;
  /** Collecting during this tick, by store. */
  readonly #pending = new Map<string, { key: StoreKey; query: SharedQuery }>();
  /** Sent and not yet answered, by store and code. */
  readonly #inFlight = new Map<string, SharedQuery>();
  readonly #admitting: () => boolean;
  #scheduled = false;

  constructor(load: LoadItems, options: LookupBatcherOptions = {}) {
    this.#load = load;
    this.#admitting = options.admitting ?? (() => true);
  }

  /**
   * The details of `codes` that exist. With `readAfter` (a read-your-writes position) the call
   * joins no query already sent, which may have been sent before the write the position names.
   */
  load(key: StoreKey, codes: readonly string[], budget: CallBudget, readAfter?: bigint): Promise<Map<string, ItemDetail>> {
    if (budget.signal.aborted) return Promise.reject(budget.signal.reason as Error);
    const store = `${key.tenantId}\u0000${key.storeCode}`;
    // Idle (nothing sent, nothing collecting): this call's query goes at once, without waiting for
    // the tick; calls arriving meanwhile collect behind it. Busy: everybody waits for the tick.
    const idle = this.#inFlight.size === 0 && this.#pending.size === 0;
    let list: SharedQuery[];
    if (idle) {
      // Nothing to share with and nothing to wait for: no batch and no tick, the query goes now
      // (after joining, so it is sent with this call's deadline, not none).
      const query = new SharedQuery();
      for (const code of codes) query.codes.add(code);
      query.join(budget.deadline, readAfter);
      this.#send(store, key, query);
      list = [query];
    } else {
      const queries = new Set<SharedQuery>();
      const joining = readAfter === undefined && this.#admitting();
      for (const code of codes) {
        const flying = joining ? this.#inFlight.get(`${store}\u0000${code}`) : undefined;
        queries.add(flying && !flying.signal.aborted ? flying : this.#collect(store, key, code));
      }
      list = [...queries];
      for (const query of list) query.join(budget.deadline, readAfter);
    }
    const { promise, resolve, reject } = Promise.withResolvers<Map<string, ItemDetail>>();
    // One abort listener per call: EventTarget listeners are among the dearest things on this path.
    let settled = false;
    const settle = (reason?: unknown) => {
      if (settled) return false;
      settled = true;
      budget.signal.removeEventListener('abort', onAbort);
      for (const query of list) query.leave(reason);
      return true;
    };
    const onAbort = () => {
      if (settle(budget.signal.reason)) reject(budget.signal.reason as Error);
    };
    budget.signal.addEventListener('abort', onAbort, { once: true });
    Promise.all(list.map((query) => query.result)).then(
      (results) => {
        if (!settle()) return;
        const found = new Map<string, ItemDetail>();
        for (const result of results) {
          for (const code of codes) {
            const detail = result.get(code);
            if (detail) found.set(code, detail);
          }
        }
        resolve(found);
      },
      (error: unknown) => {
        if (settle()) reject(error);
      },
    );
    return promise;
  }

  #collect(store: string, key: StoreKey, code: string): SharedQuery {
    let batch = this.#pending.get(store);
    // A batch whose callers all left before the tick ended is never sent: start another.
    if (!batch || batch.query.signal.aborted) {
      batch = { key, query: new SharedQuery() };
      this.#pending.set(store, batch);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    }
    batch.query.codes.add(code);
    return batch.query;
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#pending.entries()];
    this.#pending.clear();
    for (const [store, { key, query }] of batches) this.#send(store, key, query);
  }

  #send(store: string, key: StoreKey, query: SharedQuery): void {
    const codes = [...query.codes];
    const ids = codes.map((code) => `${store}\u0000${code}`);
    for (const id of ids) this.#inFlight.set(id, query);
    query.send((budget) => this.#load(key, codes, budget, query.readAfter));
    const done = (ok: boolean) => {
      for (const id of ids) if (this.#inFlight.get(id) === query) this.#inFlight.delete(id);
      this.events.emit('query', { callers: query.callers, codes: codes.length, ok });
    };
    query.result.then(
      () => done(true),
      () => done(false),
    );
  }
}
