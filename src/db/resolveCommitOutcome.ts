import type pg from 'pg';

export type CommitOutcome = 'committed' | 'aborted' | 'unknown';

/**
 * A connection lost during COMMIT gives the same error whether or not the commit landed.
 * Ask the server, on a new connection, what became of the transaction id. 'in progress'
 * means the server has not yet noticed the dead session; ask again until it has.
 */
export async function resolveCommitOutcome(pool: pg.Pool, txid: string, deadline: number): Promise<CommitOutcome> {
  while (performance.now() < deadline) {
    try {
      const { rows } = await pool.query<{ status: string | null }>('SELECT pg_xact_status($1::xid8) AS status', [txid]);
      const status = rows[0]?.status;
      if (status === 'committed') return 'committed';
      if (status === 'aborted') return 'aborted';
      if (status === null || status === undefined) return 'unknown';
    } catch (error) {
      // After a failover the new primary may never have received the transaction: it did not commit there.
      if (error instanceof Error && /in the future/.test(error.message)) return 'aborted';
      // Otherwise the server may still be coming back; try again while the deadline allows.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'unknown';
}
