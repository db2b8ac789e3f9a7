import { TRANSACTION_ORIGIN_SQL } from './resolveCommitOutcome.ts';

/** The server-side limits of one transaction. */
export interface TransactionLimits {
  /** 0: no server-side statement limit. */
  readonly statementTimeoutMs: number;
  readonly queryTimeoutMs: number;
}

/**
 * The first statement of every transaction the layer runs: its server-side limits as SET LOCAL
 * (set_config(…, true)) and, for a write that is not keyed by an idempotency key, where it runs
 * (for resolving a COMMIT lost with its connection), in one round trip.
 *
 * Not startup parameters: a transaction pooler (PgBouncer in transaction mode, with its defaults)
 * refuses those at connect, and where it is told to ignore them they are silently dropped. SET
 * LOCAL ends with the transaction, on whatever server connection ran it, so it neither gets lost
 * nor leaks into another client's transaction.
 */
export function transactionPreludeSql(limits: TransactionLimits, withOrigin: boolean): string {
  // A client that vanished inside a transaction must not hold its locks for long.
  const idleMs = Math.max(limits.queryTimeoutMs * 2, 10_000);
  const settings = [
    ...(limits.statementTimeoutMs > 0
      ? [`set_config('statement_timeout', '${Math.floor(limits.statementTimeoutMs)}', true) AS statement_timeout`]
      : []),
    `set_config('idle_in_transaction_session_timeout', '${Math.floor(idleMs)}', true) AS idle_timeout`,
  ];
  const origin = withOrigin ? `, ${TRANSACTION_ORIGIN_SQL.replace(/^SELECT /, '')}` : '';
  return `SELECT ${settings.join(', ')}${origin}`;
}
