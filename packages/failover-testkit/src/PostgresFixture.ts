/**
 * What every PostgreSQL fixture of the harness offers, whatever it runs: a database on the shared
 * server (TestDatabase), a server of its own (PostgresCluster), a primary and a replica behind a
 * proxy (FailoverCluster) or a Patroni cluster (PatroniCluster). Code that only needs somewhere
 * to connect takes this interface and works against any of them.
 */
export interface PostgresFixture extends AsyncDisposable {
  /** A connection URL: to the fixture's own database, or to `database` on the same server(s). */
  url(database?: string): string;
}
