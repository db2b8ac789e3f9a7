import type { RawQueryable } from './DbScope.ts';
import { parseLsn } from './probeHost.ts';

/**
 * Read-your-writes across instances and standbys: a write answers with a token naming where its
 * commit stands in the writer's WAL; a read that carries it is served only where that position is
 * visible (a standby that has replayed it, else the writer; a cache entry read after it).
 *
 * The token is bound to the cluster (PostgreSQL's system identifier, shared by a primary and its
 * physical standbys): a position means nothing in another cluster's WAL. Opaque to callers.
 */
export interface ReadAfterPosition {
  readonly cluster: string;
  /** A WAL position in bytes: the writer's insert position once the commit had returned. */
  readonly lsn: bigint;
}

const VERSION = 'rw1';
const TOKEN = /^rw1\.(\d{1,20})\.([0-9a-f]{1,16})$/;

export function encodeReadAfter({ cluster, lsn }: ReadAfterPosition): string {
  return `${VERSION}.${cluster}.${lsn.toString(16)}`;
}

/** undefined for anything that is not a token of this format (a caller's typo, another system's header). */
export function decodeReadAfter(token: string): ReadAfterPosition | undefined {
  const match = TOKEN.exec(token);
  if (!match) return undefined;
  const [, cluster = '', hex = '0'] = match;
  return { cluster, lsn: BigInt(`0x${hex}`) };
}

/**
 * Taken after the commit has returned: the insert position is then at or past the commit record,
 * so a standby whose replay reached it shows the write. One round trip on the writer.
 */
export const COMMIT_POSITION_SQL = `SELECT system_identifier::text AS cluster, pg_current_wal_insert_lsn()::text AS lsn FROM pg_control_system()`;
export const CLUSTER_SQL = 'SELECT system_identifier::text AS cluster FROM pg_control_system()';

/**
 * Where the server's data stands now: a standby's replay position, or the writer's insert
 * position. Taken *before* a read, it bounds what that read saw from below, so a cache entry can
 * say which tokens it may answer (see `servesReadAfter`).
 */
export async function readPosition(client: RawQueryable): Promise<bigint> {
  const rows = await client.$queryRawUnsafe<{ lsn: string | null }[]>(
    'SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text AS lsn',
  );
  return parseLsn(rows[0]?.lsn ?? null);
}

/**
 * Whether data read at `position` (taken before the read) shows the write behind `after`.
 * Strictly after: on the writer a commit's record is in the WAL a moment before the commit is
 * visible, so a read that started at exactly the token's position may predate it; a position past
 * the token was taken after the token was, and the token after the commit returned.
 */
export function servesReadAfter(position: bigint | undefined, after: bigint): boolean {
  return position !== undefined && position > after;
}
