import type { ClusterEvent } from './FailoverCluster.ts';
import { PostgresCluster } from './PostgresCluster.ts';
import { TcpProxy } from './TcpProxy.ts';
import { withClient } from './withClient.ts';

/**
 * What a primary of this cluster runs with (ALTER SYSTEM: a standby cloned from it inherits it):
 * synchronous replication, so a commit acknowledged is on the standby too and a swap loses none
 * (asynchronous, the soak's checker finds acknowledged writes lost at a swap after a restart), and
 * a standby that reconnects within 200 ms of losing its primary instead of libpq's 5 s.
 */
async function makePrimary(server: PostgresCluster): Promise<void> {
  await withClient(server.url(), async (c) => {
    await c.query("ALTER SYSTEM SET synchronous_standby_names = '*'");
    await c.query("ALTER SYSTEM SET wal_retrieve_retry_interval = '200ms'");
    await c.query('SELECT pg_reload_conf()');
  });
}

/**
 * A primary and a synchronous streaming standby from the machine's own PostgreSQL binaries (no Docker), each
 * behind a proxy whose address never changes: `url()` leads to the primary, `readUrl()` to the
 * standby. Unlike FailoverCluster it survives any number of swaps: after each one a new standby
 * is cloned from the new primary. For soaks that inject faults for an hour.
 */
export class LocalFailoverCluster implements AsyncDisposable {
  readonly events: ClusterEvent[] = [];
  readonly origin = performance.now();
  readonly #writes: TcpProxy;
  readonly #reads: TcpProxy;
  #primary: PostgresCluster;
  #standby: PostgresCluster;

  private constructor(primary: PostgresCluster, standby: PostgresCluster, writes: TcpProxy, reads: TcpProxy) {
    this.#primary = primary;
    this.#standby = standby;
    this.#writes = writes;
    this.#reads = reads;
  }

  /** `passwordAuth`: roles but `postgres` log in with a password (scram-sha-256), so passwords can rotate. */
  static async start(options: { passwordAuth?: boolean } = {}): Promise<LocalFailoverCluster> {
    const primary = await PostgresCluster.start(options);
    await makePrimary(primary);
    const standby = await primary.startStandby();
    const writes = await TcpProxy.start(primary.endpoint);
    const reads = await TcpProxy.start(standby.endpoint);
    const cluster = new LocalFailoverCluster(primary, standby, writes, reads);
    cluster.mark('cluster ready');
    return cluster;
  }

  /** The primary, through its stable address. `user` defaults to postgres (trusted). */
  url(database = 'postgres', user = 'postgres'): string {
    return `postgresql://${user}@127.0.0.1:${String(this.#writes.port)}/${database}`;
  }

  /** The standby, through its stable address. */
  readUrl(database = 'postgres', user = 'postgres'): string {
    return `postgresql://${user}@127.0.0.1:${String(this.#reads.port)}/${database}`;
  }

  /** The primary directly, bypassing the proxy (for the checker and the fault injectors). */
  adminUrl(database = 'postgres'): string {
    return this.#primary.url(database);
  }

  standbyAdminUrl(database = 'postgres'): string {
    return this.#standby.url(database);
  }

  /** Each server running now, directly, once (during a swap the promoted standby is both until its own standby is cloned). */
  serverUrls(database = 'postgres'): string[] {
    return [...new Set([this.#primary, this.#standby])].map((server) => server.url(database));
  }

  mark(name: string): void {
    this.events.push({ at: performance.now() - this.origin, name });
  }

  /** Failover: the primary dies (immediate stop), the standby is promoted, both addresses follow; a new standby is cloned. */
  async swap(): Promise<void> {
    this.mark('swap: primary stopped');
    const old = this.#primary;
    await old.stop('immediate');
    await this.#standby.promote();
    await makePrimary(this.#standby);
    this.#primary = this.#standby;
    this.#writes.pointTo(this.#primary.endpoint);
    this.#reads.pointTo(this.#primary.endpoint);
    this.mark('swap: standby promoted');
    this.#standby = await this.#primary.startStandby();
    this.#reads.pointTo(this.#standby.endpoint);
    this.mark('swap: new standby streaming');
    await old[Symbol.asyncDispose]();
  }

  /** kill -9 of the primary, held down `downMs`, then started again (crash recovery); no failover. */
  async killPrimary(downMs = 0): Promise<void> {
    this.mark('kill -9: primary');
    await this.#primary.kill();
    await new Promise((r) => setTimeout(r, downMs));
    await this.#primary.start();
    this.mark('primary recovered');
  }

  /** pg_terminate_backend of every client connection whose application_name starts with the prefix, on both servers. */
  async terminateAll(applicationPrefix = ''): Promise<void> {
    this.mark('terminate all backends');
    for (const url of this.serverUrls())
      await withClient(url, (c) =>
        c.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND starts_with(application_name, $1)`,
          [applicationPrefix],
        ),
      );
  }

  /** The primary's network vanishes for `holdMs` (packets dropped, sockets open), then is back (frozen connections reset). */
  async blackhole(holdMs: number): Promise<void> {
    this.mark('black hole: primary');
    this.#writes.blackhole();
    await new Promise((r) => setTimeout(r, holdMs));
    this.#writes.heal();
    this.mark('black hole healed');
  }

  /** The standby stops replaying WAL for `holdMs`: its reads fall behind the primary. */
  async pauseReplay(holdMs: number): Promise<void> {
    this.mark('standby replay paused');
    const standby = this.#standby;
    await standby.pauseReplay();
    await new Promise((r) => setTimeout(r, holdMs));
    // A swap meanwhile replaced this standby: the paused one is gone, nothing to resume.
    await standby.resumeReplay().catch(() => undefined);
    this.mark('standby replay resumed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writes[Symbol.asyncDispose]();
    await this.#reads[Symbol.asyncDispose]();
    await this.#standby[Symbol.asyncDispose]();
    await this.#primary[Symbol.asyncDispose]();
  }
}
