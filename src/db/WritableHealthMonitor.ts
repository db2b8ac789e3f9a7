import pg from 'pg';

export interface WritableHealthMonitorOptions {
  readonly connectionString: string;
  readonly connectTimeoutMs: number;
  readonly intervalMs: number;
  readonly onChange: (serving: boolean) => void;
}

/**
 * Knows whether a writable database is reachable. Probes on a fresh connection (never a
 * pooled one, which may be stale), on a timer and at once when the data path reports trouble.
 */
export class WritableHealthMonitor {
  readonly #options: WritableHealthMonitorOptions;
  #serving: boolean | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<boolean> | undefined;
  #stopped = false;

  constructor(options: WritableHealthMonitorOptions) {
    this.#options = options;
  }

  get serving(): boolean {
    return this.#serving === true;
  }

  async start(): Promise<void> {
    await this.check();
    this.#schedule();
  }

  /** Probes now (coalesced with a probe already running) and reports the result. */
  check(): Promise<boolean> {
    this.#inFlight ??= this.#probe().then((ok) => {
      this.#inFlight = undefined;
      if (!this.#stopped && ok !== this.#serving) {
        this.#serving = ok;
        this.#options.onChange(ok);
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

  async #probe(): Promise<boolean> {
    const client = new pg.Client({
      connectionString: this.#options.connectionString,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      query_timeout: this.#options.connectTimeoutMs,
      application_name: 'masterdata-health',
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const { rows } = await client.query<{ ro: boolean }>(
        "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS ro",
      );
      return rows[0]?.ro === false;
    } catch {
      return false;
    } finally {
      void client.end().catch(() => undefined);
    }
  }
}
