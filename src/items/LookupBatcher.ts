import { EventEmitter } from 'node:events';
import type { CallBudget } from '../db/Database.ts';
import type { ItemDetail } from '../generated/proto/masterdata/v1/item_service.ts';
import type { StoreKey } from './ItemRepository.ts';

type Found = ReadonlyMap<string, ItemDetail>;

/** Reads the given codes of one store in one query, within the budget (a shared one here). */
export type LoadItems = (key: StoreKey, codes: readonly string[], budget: CallBudget) => Promise<Found>;

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
  callers = 0;

  constructor() {
    const { promise, resolve } = Promise.withResolvers<Found>();
    // A query whose callers have all gone is awaited by nobody: not an unhandled rejection.
    promise.catch(() => undefined);
    this.result = promise;
    this.#settle = resolve;
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

  /** Counts the caller in until it is answered or aborts; returns how it leaves. */
  join(budget: CallBudget): () => void {
    this.callers += 1;
    this.#present += 1;
    this.#deadline = Math.max(this.#deadline, budget.deadline);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      budget.signal.removeEventListener('abort', leave);
      this.#present -= 1;
      // Nobody waits any more: the answer is of no use, the connection it holds is.
      if (this.#present === 0) this.#controller.abort(budget.signal.reason ?? new Error('every caller has gone'));
    };
    budget.signal.addEventListener('abort', leave, { once: true });
    return leave;
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
  #scheduled = false;

  constructor(load: LoadItems) {
    this.#load = load;
  }

  async load(key: StoreKey, codes: readonly string[], budget: CallBudget): Promise<Map<string, ItemDetail>> {
    budget.signal.throwIfAborted();
    const store = `${key.tenantId}\u0000${key.storeCode}`;
    const queries = new Set<SharedQuery>();
    for (const code of codes) {
      const flying = this.#inFlight.get(`${store}\u0000${code}`);
      queries.add(flying && !flying.signal.aborted ? flying : this.#collect(store, key, code));
    }
    const leaves = [...queries].map((query) => query.join(budget));
    try {
      const results = await abortable(Promise.all([...queries].map((query) => query.result)), budget.signal);
      const found = new Map<string, ItemDetail>();
      for (const result of results) {
        for (const code of codes) {
          const detail = result.get(code);
          if (detail) found.set(code, detail);
        }
      }
      return found;
    } finally {
      for (const leave of leaves) leave();
    }
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
    query.send((budget) => this.#load(key, codes, budget));
    const done = (ok: boolean) => {
      for (const id of ids) if (this.#inFlight.get(id) === query) this.#inFlight.delete(id);
      this.events.emit('query', { callers: query.callers, codes: codes.length, ok });
    };
    query.result.then(() => done(true), () => done(false));
  }
}

/** The work, or the caller's own abort reason as soon as it aborts (the work goes on for others). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
