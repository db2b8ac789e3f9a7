import { classifyDbError, type DbErrorClass } from './classifyDbError.ts';
import { NoWritableHostError, WriterFinder } from './WriterFinder.ts';
import type { HostTarget } from './probeHost.ts';

/** What one probe found: a writable server, a read-only one, or none at all (and why). */
export type ProbeResult =
  | { readonly state: 'writable'; readonly host: string }
  | { readonly state: 'read-only' }
  | { readonly state: 'unreachable'; readonly failure: DbErrorClass; readonly message: string };

export interface WritableHealthMonitorOptions {
  /** Every host, exactly as the pools connect (see connectionConfig), so the verdict holds for them. */
  readonly targets: readonly HostTarget[];
  /** Client-side bound on the probe's connect and query (it changes nothing the server sees). */
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly onChange: (serving: boolean) => void;
  /** Every probe's result (the circuit breaker listens). */
  readonly onProbe?: (result: ProbeResult) => void;
}

/**
 * Knows whether a writable database is reachable: any host of the endpoint that is the writer.
 * Probes on fresh connections (never a pooled one, which may be stale), on a timer and at once
 * when the data path reports trouble.
 */
export class WritableHealthMonitor {
  readonly #options: WritableHealthMonitorOptions;
  #serving: boolean | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started: Promise<void> | undefined;
  #inFlight: Promise<boolean> | undefined;
  #stopped = false;
  readonly #finder: WriterFinder;

  constructor(options: WritableHealthMonitorOptions) {
    this.#options = options;
    this.#finder = new WriterFinder(options.targets, options.timeoutMs);
  }

  get serving(): boolean {
    return this.#serving === true;
  }

  /** Probes once, then keeps probing; calling it again returns the same start (one schedule). */
  start(): Promise<void> {
    this.#started ??= this.check().then(() => this.#schedule());
    return this.#started;
  }

  /** Probes now (coalesced with a probe already running) and reports the result. */
  check(): Promise<boolean> {
    this.#inFlight ??= this.#probe().then((result) => {
      this.#inFlight = undefined;
      const ok = result.state === 'writable';
      if (!this.#stopped) {
        this.#options.onProbe?.(result);
        if (ok !== this.#serving) {
          this.#serving = ok;
          this.#options.onChange(ok);
        }
      }
      return ok;
    });
    return this.#inFlight;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    // While not serving, look more often: recovery should show within a fraction of a second.
    const delay = this.#serving ? this.#options.intervalMs : Math.min(250, this.#options.intervalMs);
    this.#timer = setTimeout(() => void this.check().finally(() => this.#schedule()), delay);
    this.#timer.unref();
  }

  async #probe(): Promise<ProbeResult> {
    try {
      const writer = await this.#finder.find();
      return { state: 'writable', host: writer.label };
    } catch (error) {
      if (error instanceof NoWritableHostError) return { state: 'read-only' };
      return {
        state: 'unreachable',
        failure: classifyDbError(error),
        message: error instanceof Error ? error.message.slice(0, 300) : String(error),
      };
    }
  }
}
