import type { MisconfigurationReason } from './misconfigurationHints.ts';
// One pure, table-driven classifier for everything Prisma 7 + adapter-pg + pg (and this layer's
// own admission control and circuit breaker) can throw. It walks the whole cause chain (Prisma
// error -> meta.driverAdapterError.cause -> pg error -> socket/TLS error) and the first rule, in
// table order, that matches any link wins: the rules are ordered from the most to the least telling.
// Every per-kind decision (retry? rebuild? probe health? count towards the breaker? ambiguous at
// COMMIT?) lives in POLICY below and nowhere else.

export type DbErrorKind =
  | 'connection_lost' // the connection died under a query (or stayed silent after a cancel request)
  | 'unavailable' // the server refused or is not ready: nothing was sent
  | 'read_only' // reached a standby / read-only server: the pool must be replaced
  | 'timeout' // no answer within the attempt's share of the deadline; statement cancelled, connection alive
  | 'statement_timeout' // the server's own limit (statement_timeout, lock_timeout) or an expired transaction
  | 'saturated' // waited for a connection or an admission slot: the service is busy, nothing is broken
  | 'misconfigured' // a permanent refusal: authentication, unknown database, a pooler refusing the startup
  | 'circuit_open' // the database is known to be down: failed fast without touching it
  | 'serialization' // the transaction was rolled back by the server and may be run again
  | 'constraint' // the data broke a constraint: an application error, never retried
  | 'not_found' // Prisma reported a missing record: an application error
  | 'application'; // anything else: a bug or bad input, never retried

export interface DbErrorPolicy {
  /** Another attempt may succeed (subject to the write/COMMIT rule and the deadline). */
  readonly retry: boolean;
  /** The pooled connections are suspect: replace the pool's generation. */
  readonly rebuild: boolean;
  /** Ask the health monitor to probe now (the database itself may be gone). */
  readonly probeHealth: boolean;
  /** Counts towards opening the circuit breaker: the database cannot be reached at all. */
  readonly opensBreaker: boolean;
  /** Lost at COMMIT, the transaction may or may not have landed. */
  readonly ambiguousAtCommit: boolean;
  /** A time limit ran out: when it was the caller's deadline, the caller sees DEADLINE_EXCEEDED. */
  readonly timeLimited: boolean;
  /** A database-side failure worth an event, a log line and a metric (application errors are not). */
  readonly reported: boolean;
  /** The database cannot be reached now: a read may be answered from a cache, flagged stale. */
  readonly staleIfError: boolean;
}

export interface DbErrorClass extends DbErrorPolicy {
  readonly kind: DbErrorKind;
  /**
   * The statement provably did not run, or did not commit: the server ended the session before
   * answering it (57P01, an administrator's or a failover's termination: the backend aborts the
   * statement's transaction before it exits), or pg knew the connection dead and never sent it.
   * Sending it once more is safe, a write too. A connection lost any other way is not this.
   */
  readonly notRun: boolean;
  /**
   * The server rejected the password (28P01): credentials that rotate may have changed under the
   * pool, so a password provider is asked again, once, before the failure stands.
   */
  readonly credentialsRejected: boolean;
  /** For misconfigured: why, and so what to change (MisconfigurationHints words it for the operator's log). */
  readonly hint?: MisconfigurationReason;
}

interface Link {
  readonly code?: string;
  readonly kind?: string;
  readonly message: string;
}

type Rule = readonly [DbErrorKind, (link: Link) => boolean, MisconfigurationReason?];

const sqlstateClass = (link: Link, prefix: string): boolean =>
  typeof link.code === 'string' && link.code.length === 5 && link.code.startsWith(prefix);
const code =
  (...codes: string[]) =>
  (link: Link) =>
    link.code !== undefined && codes.includes(link.code);
const adapterKind =
  (...kinds: string[]) =>
  (link: Link) =>
    link.kind !== undefined && kinds.includes(link.kind);
const message = (re: RegExp) => (link: Link) => re.test(link.message);

const RULES: readonly Rule[] = [
  // This layer's own errors first: they wrap whatever caused them.
  ['circuit_open', code('CIRCUIT_OPEN')],
  ['saturated', code('ADMISSION_REJECTED')],
  ['connection_lost', code('CONNECTION_UNRESPONSIVE')],
  ['timeout', code('STATEMENT_CANCELLED')],
  // A write's COMMIT withheld at its deadline or cancel, or still under way when the answer was due.
  ['timeout', code('COMMIT_WITHHELD', 'COMMIT_PENDING')],
  ['read_only', code('25006', 'READ_ONLY_SERVER')],
  ['read_only', message(/read-only transaction|during recovery|server is read-only/i)],
  // Waiting for a slot is saturation, not an outage: pg-pool's queue timeout (the waiting-client
  // path), Prisma's "Unable to start a transaction in the given time" (P2028), Prisma's pool (P2024).
  ['saturated', message(/timeout exceeded when trying to connect|Unable to start a transaction in the given time/i)],
  ['saturated', code('P2024', '53300', '53400')],
  ['saturated', adapterKind('TooManyConnections')],
  // PgBouncer answers every refusal of its own as 08P01 (protocol_violation); the text tells them apart.
  ['saturated', message(/no more connections allowed|query_wait_timeout/i)],
  ['statement_timeout', message(/Transaction already closed|expired transaction|Transaction not found/i)],
  // Permanent refusals: no retry, no rebuild, health NOT_SERVING until somebody changes a setting.
  ['misconfigured', message(/unsupported startup parameter/i), 'startup_parameter'],
  ['misconfigured', code('28P01', '28000', 'P1000'), 'authentication'],
  ['misconfigured', adapterKind('AuthenticationFailed', 'DatabaseAccessDenied'), 'authentication'],
  ['misconfigured', code('3D000', 'P1003'), 'database_missing'],
  ['misconfigured', adapterKind('DatabaseDoesNotExist'), 'database_missing'],
  // The precise TLS failures before the adapter's general kind: each names the setting to change.
  ['misconfigured', message(/does not support SSL/i), 'tls_off'],
  ['misconfigured', message(/Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID/i), 'tls_host'],
  [
    'misconfigured',
    message(
      /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate signature failure/i,
    ),
    'tls_ca',
  ],
  ['misconfigured', adapterKind('TlsConnectionError'), 'tls'],
  ['unavailable', message(/Connection terminated due to connection timeout/i)],
  ['unavailable', message(/server login has been failing|pgbouncer cannot connect to server/i)],
  ['unavailable', code('57P03', '08001', '08004', 'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'P1001')],
  ['unavailable', adapterKind('DatabaseNotReachable')],
  ['connection_lost', code('57P01', '57P02', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'P1017')],
  ['connection_lost', (l) => sqlstateClass(l, '08')],
  ['connection_lost', adapterKind('ConnectionClosed', 'SocketTimeout')],
  [
    'connection_lost',
    message(
      /server conn crashed|Connection terminated|not queryable|SSL SYSCALL error|EOF detected|socket hang up|Server has closed the connection|Connection ended unexpectedly/i,
    ),
  ],
  ['statement_timeout', code('57014', '55P03')],
  ['statement_timeout', message(/statement timeout|lock timeout/i)],
  ['timeout', code('P1008')],
  ['timeout', message(/Query read timeout|timed out/i)],
  ['serialization', code('40001', '40P01', 'P2034')],
  ['serialization', adapterKind('TransactionWriteConflict')],
  ['constraint', (l) => sqlstateClass(l, '23')],
  ['constraint', code('P2002', 'P2003', 'P2004', 'P2011', 'P2014')],
  ['constraint', adapterKind('UniqueConstraintViolation', 'ForeignKeyConstraintViolation', 'NullConstraintViolation')],
  ['not_found', code('P2001', 'P2018', 'P2025')],
];

const off = {
  retry: false,
  rebuild: false,
  probeHealth: false,
  opensBreaker: false,
  ambiguousAtCommit: false,
  timeLimited: false,
  reported: false,
  staleIfError: false,
} as const;

/** The one table of per-kind decisions. */
export const POLICY: Readonly<Record<DbErrorKind, DbErrorPolicy>> = {
  connection_lost: { ...off, reported: true, retry: true, rebuild: true, probeHealth: true, ambiguousAtCommit: true, staleIfError: true },
  unavailable: { ...off, reported: true, retry: true, probeHealth: true, opensBreaker: true, staleIfError: true },
  read_only: { ...off, reported: true, retry: true, rebuild: true, probeHealth: true },
  // The statement was cancelled on a connection that answered: running it once more with the
  // rest of the deadline adds no load (the first one is gone), and the pool is fine.
  timeout: { ...off, reported: true, retry: true, ambiguousAtCommit: true, timeLimited: true },
  statement_timeout: { ...off, reported: true, timeLimited: true },
  saturated: { ...off, reported: true, timeLimited: true },
  misconfigured: { ...off, reported: true, probeHealth: true, opensBreaker: true },
  circuit_open: { ...off, staleIfError: true },
  serialization: { ...off, reported: true, retry: true },
  constraint: off,
  not_found: off,
  application: off,
};

/** What proves a statement did not run (see DbErrorClass.notRun). */
const NOT_RUN: readonly ((link: Link) => boolean)[] = [code('57P01'), message(/not queryable/i)];
/** What says the password itself was refused (not pg_hba, not a missing role's other refusals). */
const PASSWORD_REFUSED = code('28P01');

export function classifyDbError(error: unknown): DbErrorClass {
  const chain = causeChain(error);
  for (const [kind, matches, hint] of RULES) {
    if (!chain.some(matches)) continue;
    const notRun = POLICY[kind].rebuild && NOT_RUN.some((m) => chain.some(m));
    const credentialsRejected = chain.some(PASSWORD_REFUSED);
    return { kind, ...POLICY[kind], notRun, credentialsRejected, ...(hint === undefined ? {} : { hint }) };
  }
  return { kind: 'application', ...POLICY.application, notRun: false, credentialsRejected: false };
}

/** Every link of the cause chain, flattened; bounded so a cyclic chain cannot loop. */
export function causeChain(error: unknown): Link[] {
  const links: Link[] = [];
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && links.length < 32) {
    const node = queue.shift();
    if (node === null || node === undefined || seen.has(node)) continue;
    seen.add(node);
    if (typeof node !== 'object') {
      links.push({ message: typeof node === 'string' ? node : '' });
      continue;
    }
    const record = node as Record<string, unknown>;
    links.push({
      code: typeof record.code === 'string' ? record.code : undefined,
      kind: typeof record.kind === 'string' ? record.kind : undefined,
      message: typeof record.message === 'string' ? record.message : '',
    });
    queue.push(record.cause, record.originalError);
    const meta = record.meta;
    if (meta && typeof meta === 'object') queue.push((meta as Record<string, unknown>).driverAdapterError);
    if (Array.isArray(record.errors)) queue.push(...(record.errors as unknown[]));
  }
  return links;
}
