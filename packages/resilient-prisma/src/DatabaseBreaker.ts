import { EventEmitter } from 'node:events';
import {
  BrokenCircuitError,
  CircuitState,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { DbFailure } from './DbFailure.ts';

/** The circuit is open: the database is known to be down, so the call failed without touching it. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  readonly code = 'CIRCUIT_OPEN';
}

export interface BreakerSettings {
  /** The database must have been unreachable this long (calls and probes alike) before the circuit opens. */
  readonly openAfterMs: number;
  /** An open circuit lets one probe call through after this long. */
  readonly halfOpenAfterMs: number;
}

export interface BreakerEvents {
  open: [{ by: 'calls' | 'health-monitor' }];
  close: [];
}

/**
 * Opens on an outage, not on a blip: at least three failures to reach the database in a row,
 * spread over `openAfterMs` with no success between them. A failover that completes within
 * that time never opens it, so calls in flight keep their one retry on the new primary.
 */
class DowntimeBreaker implements IBreaker {
  state: { since: number | undefined; failures: number } = { since: undefined, failures: 0 };
  readonly #openAfterMs: number;

  constructor(openAfterMs: number) {
    this.#openAfterMs = openAfterMs;
  }

  success(): void {
    this.state = { since: undefined, failures: 0 };
  }

  failure(circuit: CircuitState): boolean {
    if (circuit === CircuitState.HalfOpen) return true; // the probe failed: stay open
    const now = Date.now();
    const since = this.state.since ?? now;
    this.state = { since, failures: this.state.failures + 1 };
    return this.state.failures >= 3 && now - since >= this.#openAfterMs;
  }
}

/**
 * Fails calls fast while the database is down (cockatiel's circuit breaker). Opened by calls that
 * could not reach the database (kinds whose policy says `opensBreaker`) and by the health
 * monitor; closed by a successful half-open probe call or by the monitor reaching it again.
 */
export class DatabaseBreaker {
  readonly events = new EventEmitter<BreakerEvents>();
  readonly #policy: CircuitBreakerPolicy;
  readonly #settings: BreakerSettings;
  #isolation: { dispose(): void } | undefined;
  #unreachableSince: number | undefined;

  constructor(settings: BreakerSettings) {
    this.#settings = settings;
    this.#policy = circuitBreaker(
      handleWhen((e) => e instanceof DbFailure && e.classification.opensBreaker),
      {
        halfOpenAfter: settings.halfOpenAfterMs,
        breaker: new DowntimeBreaker(settings.openAfterMs),
      },
    );
    this.#policy.onBreak((e) => this.events.emit('open', { by: 'isolated' in e ? 'health-monitor' : 'calls' }));
    this.#policy.onReset(() => this.events.emit('close'));
  }

  get isOpen(): boolean {
    return this.#policy.state !== CircuitState.Closed;
  }

  /** True while the one half-open probe call is under way: that call gets no retry, so it ends fast. */
  get probing(): boolean {
    return this.#policy.state === CircuitState.HalfOpen;
  }

  get retryAfterMs(): number {
    return this.#settings.halfOpenAfterMs;
  }

  async execute<T>(work: () => Promise<T>): Promise<T> {
    // Only the call that moves the circuit to half-open probes; the others fail fast meanwhile
    // instead of queueing behind the probe (cockatiel's default).
    if (this.#policy.state === CircuitState.HalfOpen) throw this.#openError();
    try {
      return await this.#policy.execute(work);
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) throw this.#openError();
      throw error;
    }
  }

  /** The health monitor's verdict: whether a fresh connection reached the server at all. */
  report(reachable: boolean): void {
    if (reachable) {
      this.#unreachableSince = undefined;
      this.#isolation?.dispose();
      this.#isolation = undefined;
      return;
    }
    const now = performance.now();
    this.#unreachableSince ??= now;
    if (this.#isolation === undefined && now - this.#unreachableSince >= this.#settings.openAfterMs)
      this.#isolation = this.#policy.isolate();
  }

  #openError(): CircuitOpenError {
    return new CircuitOpenError('the database is down: the circuit breaker is open');
  }
}
