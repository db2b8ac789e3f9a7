import type pg from 'pg';
import { classifyDbError } from './classifyDbError.ts';

/**
 * Waits until the pool hands out a connection again (a restart, a failover in progress), but
 * not past `until` nor after `signal` aborts. Gives up at once on a failure another attempt cannot fix.
 */
export async function awaitReachable(pool: pg.Pool, until: number, signal: AbortSignal): Promise<void> {
  while (performance.now() < until && !signal.aborted) {
    try {
      const client = await pool.connect();
      try {
        // A round trip, not only a connection: behind a pooler (PgBouncer) connecting always
        // succeeds, and only a statement reaches the server it is waiting for.
        await client.query('SELECT 1');
      } finally {
        client.release();
      }
      return;
    } catch (error) {
      if (!classifyDbError(error).retry) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
