export interface PatroniTimings {
  /** Leader key lifetime (s): how long a dead leader keeps the cluster without a writer. */
  readonly ttl: number;
  readonly loopWait: number;
  readonly retryTimeout: number;
}

export interface NodeSettings {
  readonly name: string;
  readonly port: number;
  readonly restPort: number;
  readonly dataDir: string;
  readonly dir: string;
  readonly etcdPort: number;
  readonly password: string;
  readonly timings: PatroniTimings;
}

/**
 * One node's patroni.yml: etcd v3, synchronous mode (a promoted standby has every acknowledged
 * commit), pg_rewind so a demoted leader rejoins, trust on loopback, fsync off (test data).
 * `ttl >= loop_wait + 2 * retry_timeout`, as Patroni requires.
 */
export function patroniConfig(n: NodeSettings): string {
  return `scope: failover-testkit
name: ${n.name}
restapi:
  listen: 127.0.0.1:${n.restPort}
  connect_address: 127.0.0.1:${n.restPort}
etcd3:
  hosts: 127.0.0.1:${n.etcdPort}
bootstrap:
  dcs:
    ttl: ${n.timings.ttl}
    loop_wait: ${n.timings.loopWait}
    retry_timeout: ${n.timings.retryTimeout}
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        fsync: 'off'
        max_connections: 200
  initdb:
    - encoding: UTF8
  pg_hba:
    - local all all trust
    - host replication all 127.0.0.1/32 trust
    - host all all 127.0.0.1/32 trust
postgresql:
  listen: 127.0.0.1:${n.port}
  connect_address: 127.0.0.1:${n.port}
  data_dir: ${n.dataDir}
  bin_dir: ${process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'}
  pgpass: ${n.dir}/${n.name}.pgpass
  authentication:
    replication: { username: replicator, password: ${n.password} }
    superuser: { username: postgres, password: ${n.password} }
    rewind: { username: rewinder, password: ${n.password} }
  parameters:
    unix_socket_directories: ${n.dir}
`;
}
