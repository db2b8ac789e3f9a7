import { fileURLToPath } from 'node:url';
import type { StartedTestContainer } from 'testcontainers';
import { freePort } from './PostgresCluster.ts';
import { TcpProxy } from './TcpProxy.ts';
import { PgBouncer } from './PgBouncer.ts';
import { withClient } from './withClient.ts';
import type { PostgresFixture } from './PostgresFixture.ts';

// Shipped beside dist/: it gives any PostgreSQL image (the official one, or one built from local
// binaries) the replica role the cluster needs (POSTGRES_REPLICA_OF=host:port).
const ENTRYPOINT = fileURLToPath(new URL('../assets/postgres-entrypoint.sh', import.meta.url));
const PASSWORD = 'failover-drill';
/** Every container of the kit carries this label: a test run's teardown can find what it left. */
export const FAILOVER_LABEL = 'pos-masterdata.failover-testkit';

/** The image unless `.withImage()` says otherwise: POSTGRES_IMAGE, else the official postgres:15. */
export const DEFAULT_IMAGE = process.env.POSTGRES_IMAGE ?? 'postgres:15';

export interface ClusterEvent {
  /** ms since the cluster started */
  readonly at: number;
  readonly name: string;
}

interface Node {
  container: StartedTestContainer;
  readonly port: number;
}

/**
 * A PostgreSQL primary (SSL on) and a synchronous streaming replica in containers, behind one
 * endpoint whose address never changes — like the incident, where the DNS name stayed the same.
 * Containers use the host network and distinct loopback ports, so no traffic leaves 127.0.0.1.
 */
export class FailoverCluster implements PostgresFixture {
  readonly events: ClusterEvent[] = [];
  readonly #proxy: TcpProxy;
  /** performance.now() value that event times are measured from. */
  readonly origin = performance.now();
  #primary: Node;
  #replica: Node;
  readonly #retired: Node[] = [];
  #bouncer: PgBouncer | undefined;

  private constructor(proxy: TcpProxy, primary: Node, replica: Node) {
    this.#proxy = proxy;
    this.#primary = primary;
    this.#replica = replica;
  }

  static builder(): FailoverClusterBuilder {
    return new FailoverClusterBuilder();
  }

  /** @internal used by the builder */
  static async create(image: string, synchronous: boolean, pgbouncer: boolean): Promise<FailoverCluster> {
    const primary = await startNode(image, synchronous ? ['-c', 'synchronous_standby_names=*'] : [], {});
    const primaryPort = primary.port;
    const replica = await startNode(image, [], { POSTGRES_REPLICA_OF: `127.0.0.1:${primaryPort}` });
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: primaryPort });
    const cluster = new FailoverCluster(proxy, primary, replica);
    if (synchronous) await cluster.#waitForSyncStandby();
    if (pgbouncer)
      cluster.#bouncer = await PgBouncer.start({ port: primaryPort, user: 'postgres', password: PASSWORD, database: 'postgres' });
    cluster.mark('cluster ready');
    return cluster;
  }

  /**
   * The stable endpoint's URL (SSL, certificate not verified: the test servers use a snakeoil
   * one); with PgBouncer, PgBouncer's (plaintext on loopback, as it is usually deployed next to the service).
   */
  url(database = 'postgres'): string {
    if (this.#bouncer) return `postgresql://postgres@127.0.0.1:${this.#bouncer.port}/${database}`;
    return `postgresql://postgres:${PASSWORD}@127.0.0.1:${this.#proxy.port}/${database}?sslmode=no-verify`;
  }

  get primaryUrl(): string {
    return nodeUrl(this.#primary.port);
  }

  get replicaUrl(): string {
    return nodeUrl(this.#replica.port);
  }

  mark(name: string): void {
    this.events.push({ at: performance.now() - this.origin, name });
  }

  /** Failover: the primary dies, the replica is promoted, the endpoint follows it. Live connections die (EOF/reset). */
  async swap(): Promise<void> {
    // Behind PgBouncer, the procedure a failover manager should run: PAUSE first, so transactions
    // finish and new ones wait in PgBouncer; RELOAD and RESUME once the standby is promoted.
    if (this.#bouncer) {
      await this.#bouncer.pause();
      this.mark('PgBouncer paused');
    }
    this.mark('swap: primary killed');
    await this.#primary.container.stop({ timeout: 0 });
    await this.#promoteReplica();
  }

  /**
   * Switchover where the old primary stays up as a read-only server: pooled connections to it
   * stay healthy, answer reads, and refuse writes (25006) — the case a pool never notices.
   */
  async demote(): Promise<void> {
    this.mark('demote: old primary read-only');
    await sql(this.primaryUrl, 'ALTER SYSTEM SET default_transaction_read_only = on');
    await sql(this.primaryUrl, 'SELECT pg_reload_conf()');
    await this.#promoteReplica();
  }

  /**
   * pg_terminate_backend on the primary for every client connection whose application_name starts
   * with `applicationPrefix` (every client connection but this one's own when it is empty).
   */
  async killBackends(applicationPrefix = ''): Promise<void> {
    this.mark('kill backends');
    await withClient(this.primaryUrl, (c) =>
      c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND starts_with(application_name, $1)`,
        [applicationPrefix],
      ),
    );
  }

  /** The primary's network vanishes (no RST, no FIN) and the cluster fails over to the replica. */
  async blackholeSwap(): Promise<void> {
    this.mark('black hole: primary unreachable');
    this.#proxy.blackhole(); // open connections freeze; new ones are accepted and never answered
    await this.#promoteReplica();
  }

  /** The endpoint's network vanishes: open connections freeze, new ones are accepted and never answered. */
  blackhole(): void {
    this.mark('black hole');
    this.#proxy.blackhole();
  }

  /** The network is back: frozen connections are reset (as a middlebox eventually does), new ones forwarded. */
  heal(): void {
    this.mark('network healed');
    this.#proxy.heal();
  }

  /** Immediate restart of the primary (crash and recovery); the endpoint does not change. */
  async restart(): Promise<void> {
    this.mark('restart: primary');
    await this.#primary.container.restart({ timeout: 0 });
    await waitReady(this.primaryUrl);
    this.mark('primary back');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#bouncer?.[Symbol.asyncDispose]();
    await this.#proxy[Symbol.asyncDispose]();
    await Promise.allSettled([this.#primary, this.#replica, ...this.#retired].map((n) => n.container.stop({ timeout: 0 })));
  }

  async #promoteReplica(): Promise<void> {
    await sql(this.replicaUrl, 'SELECT pg_promote(wait => true)');
    this.#proxy.pointTo({ host: '127.0.0.1', port: this.#replica.port });
    this.#proxy.forwardNew();
    if (this.#bouncer) {
      // Through a pooler the new primary is reachable once the pooler lets a statement through
      // (after a failed login it waits server_login_retry before trying again).
      await this.#bouncer.switchTo(this.#replica.port);
      await waitReady(this.url());
    }
    this.mark('new primary accepts connections');
    this.#retired.push(this.#primary);
    [this.#primary, this.#replica] = [this.#replica, this.#primary];
  }

  async #waitForSyncStandby(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const rows = await withClient(
        this.primaryUrl,
        async (c) => (await c.query<{ s: string }>('SELECT sync_state AS s FROM pg_stat_replication')).rows,
      );
      if (rows.some((r) => r.s === 'sync')) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the replica never became a synchronous standby');
  }
}

export class FailoverClusterBuilder {
  #image = DEFAULT_IMAGE;
  #synchronous = true;
  #pgbouncer = false;

  withImage(image: string): this {
    this.#image = image;
    return this;
  }

  withSynchronousReplication(on: boolean): this {
    this.#synchronous = on;
    return this;
  }

  /** Service -> PgBouncer (transaction mode, Debian's package) -> primary; a failover repoints and reloads it. */
  withPgBouncer(): this {
    this.#pgbouncer = true;
    return this;
  }

  start(): Promise<FailoverCluster> {
    return FailoverCluster.create(this.#image, this.#synchronous, this.#pgbouncer);
  }
}

function nodeUrl(port: number): string {
  return `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=no-verify`;
}

async function sql(url: string, text: string): Promise<void> {
  await withClient(url, (c) => c.query(text));
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await sql(url, 'SELECT 1');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('PostgreSQL did not come back');
}

/**
 * One container on a free loopback port. A port found free can be taken by another process before
 * PostgreSQL binds it (the container then exits during start-up): one more try, on another port.
 */
async function startNode(image: string, extra: string[], env: Record<string, string>): Promise<Node> {
  try {
    return await startNodeOn(await freePort(), image, extra, env);
  } catch {
    return startNodeOn(await freePort(), image, extra, env);
  }
}

/**
 * testcontainers, loaded only when a FailoverCluster starts: an optional peer, so the Docker-free
 * fixtures (PostgresCluster, TcpProxy, PgBouncer, Patroni) never load it or its install scripts.
 */
async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  try {
    return await import('testcontainers');
  } catch (error) {
    throw new Error('FailoverCluster needs testcontainers: npm install --save-dev testcontainers', { cause: error });
  }
}

async function startNodeOn(port: number, image: string, extra: string[], env: Record<string, string>): Promise<Node> {
  const { GenericContainer, Wait } = await loadTestcontainers();
  const container = await new GenericContainer(image)
    .withNetworkMode('host')
    .withLabels({ [FAILOVER_LABEL]: 'true' })
    .withEnvironment({ POSTGRES_PASSWORD: PASSWORD, ...env })
    .withCopyFilesToContainer([{ source: ENTRYPOINT, target: '/usr/local/bin/failover-entrypoint.sh', mode: 0o755 }])
    .withEntrypoint(['/usr/local/bin/failover-entrypoint.sh'])
    .withCommand([
      'postgres',
      '-c',
      `port=${port}`,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'ssl=on',
      '-c',
      'ssl_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem',
      '-c',
      'ssl_key_file=/etc/ssl/private/ssl-cert-snakeoil.key',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
      '-c',
      'wal_keep_size=256MB',
      // A standby whose primary restarted reconnects within 200 ms (default 5 s, during which synchronous commits wait).
      '-c',
      'wal_retrieve_retry_interval=200ms',
      ...extra,
    ])
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept (read-only )?connections/))
    .withStartupTimeout(90_000)
    .start();
  await waitReady(nodeUrl(port));
  return { container, port };
}
