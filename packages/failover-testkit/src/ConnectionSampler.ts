import pg from 'pg';

/**
 * Counts a service's connections as the server sees them (pg_stat_activity), every 50 ms, and
 * keeps the highest count per application name: the honest measure of what it holds. Reconnects
 * by itself, so it keeps counting across a database restart. `applicationName` is the service's
 * (resilient-prisma's `applicationName`): its pools are `<name>-read` and `<name>-write`.
 */
export class ConnectionSampler implements AsyncDisposable {
  readonly peak: Record<string, number> = {};
  /** Highest count of pool connections (read + write) seen at one moment. */
  peakApplication = 0;
  readonly #url: string;
  readonly #app: string;
  #client: pg.Client | undefined;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(adminUrl: string, applicationName: string) {
    this.#url = adminUrl;
    this.#app = applicationName;
    this.#tick();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#client?.end().catch(() => undefined);
  }

  #tick(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#sample().finally(() => this.#tick()), 50);
  }

  async #sample(): Promise<void> {
    try {
      if (!this.#client) {
        const client = new pg.Client({ connectionString: this.#url, application_name: 'bench-sampler', connectionTimeoutMillis: 500 });
        client.on('error', () => undefined);
        await client.connect();
        this.#client = client;
      }
      const { rows } = await this.#client.query<{ app: string; n: number }>(
        'SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity WHERE starts_with(application_name, $1) GROUP BY 1',
        [this.#app],
      );
      let app = 0;
      for (const { app: name, n } of rows) {
        this.peak[name] = Math.max(this.peak[name] ?? 0, n);
        if (name === `${this.#app}-read` || name === `${this.#app}-write`) app += n;
      }
      this.peakApplication = Math.max(this.peakApplication, app);
    } catch {
      void this.#client?.end().catch(() => undefined);
      this.#client = undefined;
    }
  }
}
