import pg from 'pg';
import { hostLabel, type DatabaseEndpoint, type DatabaseHost } from './DatabaseEndpoint.ts';
import type { PasswordSource } from './PasswordSource.ts';
import type { HostTarget } from './probeHost.ts';

export interface PgPoolSettings {
  /** Every host of the database; a pool connects to one of them (see `host`). */
  readonly endpoint: DatabaseEndpoint;
  /** The host this pool connects to; the endpoint's first until a generation locates the writer. */
  readonly host?: DatabaseHost;
  readonly max: number;
  readonly connectTimeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Reject a new connection that reached a standby or a read-only server. */
  readonly requireWritable: boolean;
  /** Timeouts, keepalive and the writable check; off only for the naive baseline. */
  readonly resilient: boolean;
  readonly applicationName: string;
  /** Asked for each new connection (the URL's own password, if any, is not used then). */
  readonly password?: PasswordSource | undefined;
}

/** A client's settings and the client class that connects with them (one that asks the password source). */
export type ConnectionConfig = pg.ClientConfig & { readonly Client: typeof pg.Client };

export class ReadOnlyServerError extends Error {
  override readonly name = 'ReadOnlyServerError';
  readonly code = 'READ_ONLY_SERVER';
}

/**
 * How every connection of the service starts: the pools' and the health probe's alike, so the
 * probe can never reach a server the pools cannot (a pooler refusing a startup parameter, say).
 */
export function connectionConfig(settings: ConnectionSettings): ConnectionConfig {
  const connectionString = settings.endpoint.urlFor(settings.host ?? settings.endpoint.hosts[0] ?? { host: '', port: 5432 });
  // pg parses the URL for each new client, so the TLS files it names are read anew each time too.
  const Client = settings.password?.Client ?? pg.Client;
  if (!settings.resilient) {
    // What a service gets from the defaults: no timeouts, nothing checked.
    return { connectionString, application_name: settings.applicationName, Client };
  }
  return {
    Client,
    connectionString,
    application_name: settings.applicationName,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // Client-side: a black-holed socket fails instead of hanging forever; a statement past it is
    // cancelled on the server (PoolGeneration). The server-side limits are set per transaction
    // (transactionPrelude.ts), not here: a transaction pooler refuses startup parameters.
    query_timeout: settings.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 5_000,
  };
}

type ConnectionSettings = Omit<PgPoolSettings, 'max' | 'requireWritable' | 'idleTimeoutMs'>;

/** Each host of the endpoint with the settings to reach it: for finding the writer and measuring standbys. */
export function hostTargets(settings: Omit<ConnectionSettings, 'host'>): HostTarget[] {
  return settings.endpoint.hosts.map((host) => ({ host, label: hostLabel(host), config: connectionConfig({ ...settings, host }) }));
}

export function createPgPool(settings: PgPoolSettings): pg.Pool {
  const base = connectionConfig(settings);
  if (!settings.resilient) return new pg.Pool({ ...base, max: settings.max });
  return new pg.Pool({
    ...base,
    max: settings.max,
    idleTimeoutMillis: settings.idleTimeoutMs,
    ...(settings.requireWritable ? { onConnect: assertWritableHook } : {}),
  });
}

// pg-pool awaits onConnect and drops the connection if it rejects; @types/pg types it as void.
const assertWritableHook = assertWritable as (client: pg.ClientBase) => void;

async function assertWritable(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ recovery: boolean; read_only: string }>(
    "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS read_only",
  );
  const row = rows[0];
  if (row === undefined || row.recovery || row.read_only === 'on') {
    throw new ReadOnlyServerError('server is read-only (a standby, or a demoted primary): connection refused for writes');
  }
}
