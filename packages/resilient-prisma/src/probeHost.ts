import pg from 'pg';
import type { DatabaseHost } from './DatabaseEndpoint.ts';

/** One host of an endpoint and exactly how the pools connect to it (see connectionConfig). */
export interface HostTarget {
  readonly host: DatabaseHost;
  /** `host:port`: how logs and metric labels name it. */
  readonly label: string;
  readonly config: pg.ClientConfig & { readonly Client?: typeof pg.Client };
}

/** What one host is right now: the writer, a standby (with how far its replay is), or out of reach. */
export type HostReport =
  | { readonly state: 'writable'; readonly lsn: bigint }
  | { readonly state: 'read-only'; readonly lsn: bigint; readonly replayAgeMs: number | null }
  | { readonly state: 'unreachable'; readonly error: unknown };

// One round trip tells the role, where WAL stands (the writer's insert position or a standby's
// replay position) and how old the last replayed transaction is. pg_current_wal_lsn() fails during
// recovery; CASE keeps it from being evaluated there.
const SQL = `SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS read_only,
  (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn,
  (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS replay_age_ms`;

/** Asks one host on a fresh connection (never a pooled one, which may be stale), bounded by timeoutMs in all. */
export async function probeHost(target: HostTarget, timeoutMs: number): Promise<HostReport> {
  const Client = target.config.Client ?? pg.Client;
  const client = new Client({ ...target.config, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  // connect() of a black-holed host that accepted TCP may wait for the startup answer past the
  // connect timeout on some paths: the race bounds the whole probe.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Connection terminated due to connection timeout')), timeoutMs + 50);
  });
  try {
    const row = await Promise.race([
      (async () => {
        await client.connect();
        return (await client.query<{ read_only: boolean; lsn: string | null; replay_age_ms: number | null }>(SQL)).rows[0];
      })(),
      expired,
    ]);
    const lsn = parseLsn(row?.lsn ?? null);
    if (row?.read_only === false) return { state: 'writable', lsn };
    return { state: 'read-only', lsn, replayAgeMs: row?.replay_age_ms ?? null };
  } catch (error) {
    return { state: 'unreachable', error };
  } finally {
    clearTimeout(timer);
    // A black-holed socket never answers Terminate: destroy it rather than wait.
    void client.end().catch(() => undefined);
    setTimeout(() => (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy(), 1_000).unref();
  }
}

/** `16/B374D848` as a number of bytes; 0 when the server has none (a standby before its first replay). */
export function parseLsn(text: string | null): bigint {
  if (text === null) return 0n;
  const [hi = '0', lo = '0'] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}
