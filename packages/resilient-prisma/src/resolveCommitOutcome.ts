import type pg from 'pg';

export type CommitOutcome = 'committed' | 'aborted' | 'unknown';

/** Where a write transaction ran: its id, and the server instance that assigned it. */
export interface TransactionOrigin {
  readonly txid: string;
  /** pg_postmaster_start_time() of the server that ran the transaction. */
  readonly serverStartedAt: string;
}

export const TRANSACTION_ORIGIN_SQL = 'SELECT pg_current_xact_id()::text AS txid, pg_postmaster_start_time()::text AS "serverStartedAt"';

/**
 * A connection lost during COMMIT gives the same error whether or not the commit landed. Ask
 * the server that ran the transaction, on a new connection, what became of its id.
 *
 * Only that same server instance can answer: after a failover the new primary continues from
 * the last transaction id it replayed and may hand the lost transaction's id to another
 * transaction, so its pg_xact_status would describe somebody else's work. A different
 * instance (failover, or a restart) therefore means 'unknown'. 'in progress' means the server
 * has not yet noticed the dead session: ask again until it has, for as long as `until()` (a
 * performance.now() value, asked each time: it moves once the caller has been answered) allows.
 */
export async function resolveCommitOutcome(pool: pg.Pool, origin: TransactionOrigin, until: () => number): Promise<CommitOutcome> {
  while (performance.now() < until()) {
    try {
      const { rows } = await pool.query<{ status: string | null; started: string }>(
        'SELECT pg_xact_status($1::xid8) AS status, pg_postmaster_start_time()::text AS started',
        [origin.txid],
      );
      const row = rows[0];
      if (!row || row.started !== origin.serverStartedAt) return 'unknown';
      if (row.status === 'committed') return 'committed';
      if (row.status === 'aborted') return 'aborted';
      if (row.status === null) return 'unknown';
    } catch {
      // The server may still be coming back; try again while the deadline allows.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'unknown';
}
