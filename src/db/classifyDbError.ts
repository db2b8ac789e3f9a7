// One pure, table-driven classifier for everything Prisma 7 + adapter-pg + pg can throw.
// It walks the whole cause chain (Prisma error -> meta.driverAdapterError.cause -> pg error
// -> socket/TLS error) and the first rule, in table order, that matches any link wins:
// the rules are ordered from the most to the least telling.

export type DbErrorKind =
  | 'connection_lost' // the connection died under a query: retry on a fresh connection is safe before COMMIT
  | 'unavailable' // the server refused or is not ready: nothing was sent
  | 'read_only' // reached a standby / read-only server: the pool must be replaced
  | 'timeout' // no answer in time: the connection may be frozen (black hole)
  | 'serialization' // the transaction was rolled back by the server and may be run again
  | 'constraint' // the data broke a constraint: an application error, never retried
  | 'not_found' // Prisma reported a missing record: an application error
  | 'application'; // anything else: a bug or bad input, never retried

export interface DbErrorClass {
  readonly kind: DbErrorKind;
  /** Another attempt on a fresh connection may succeed (subject to the write/COMMIT rule). */
  readonly transient: boolean;
  /** The pooled connections are suspect: replace the pool. */
  readonly rebuild: boolean;
}

interface Link {
  readonly code?: string;
  readonly kind?: string;
  readonly message: string;
}

type Rule = readonly [DbErrorKind, (link: Link) => boolean];

const sqlstateClass = (link: Link, prefix: string): boolean => typeof link.code === 'string' && link.code.length === 5 && link.code.startsWith(prefix);
const code = (...codes: string[]) => (link: Link) => link.code !== undefined && codes.includes(link.code);
const adapterKind = (...kinds: string[]) => (link: Link) => link.kind !== undefined && kinds.includes(link.kind);
const message = (re: RegExp) => (link: Link) => re.test(link.message);

const RULES: readonly Rule[] = [
  ['read_only', code('25006', 'READ_ONLY_SERVER')],
  ['read_only', message(/read-only transaction|during recovery|server is read-only/i)],
  ['unavailable', message(/Connection terminated due to connection timeout|timeout exceeded when trying to connect/i)],
  ['unavailable', code('57P03', '53300', '08001', '08004', 'ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'P1001')],
  ['unavailable', adapterKind('DatabaseNotReachable', 'TooManyConnections', 'TlsConnectionError', 'DatabaseDoesNotExist', 'AuthenticationFailed')],
  ['unavailable', code('28P01', '28000', '3D000', 'P1000', 'P1003')],
  ['connection_lost', code('57P01', '57P02', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'P1017')],
  ['connection_lost', (l) => sqlstateClass(l, '08')],
  ['connection_lost', adapterKind('ConnectionClosed')],
  ['connection_lost', message(/Connection terminated|not queryable|SSL SYSCALL error|EOF detected|socket hang up|Server has closed the connection|Connection ended unexpectedly/i)],
  ['timeout', code('57014', 'ETIMEDOUT', 'P1008', 'P2024')],
  ['timeout', adapterKind('SocketTimeout')],
  ['timeout', message(/Query read timeout|statement timeout|timed out/i)],
  ['serialization', code('40001', '40P01', 'P2034')],
  ['constraint', (l) => sqlstateClass(l, '23')],
  ['constraint', code('P2002', 'P2003', 'P2004', 'P2011', 'P2014')],
  ['constraint', adapterKind('UniqueConstraintViolation', 'ForeignKeyConstraintViolation', 'NullConstraintViolation')],
  ['not_found', code('P2001', 'P2018', 'P2025')],
];

const TRAITS: Record<DbErrorKind, Omit<DbErrorClass, 'kind'>> = {
  connection_lost: { transient: true, rebuild: true },
  unavailable: { transient: true, rebuild: false },
  read_only: { transient: true, rebuild: true },
  timeout: { transient: true, rebuild: true },
  serialization: { transient: true, rebuild: false },
  constraint: { transient: false, rebuild: false },
  not_found: { transient: false, rebuild: false },
  application: { transient: false, rebuild: false },
};

export function classifyDbError(error: unknown): DbErrorClass {
  const chain = causeChain(error);
  for (const [kind, matches] of RULES) {
    if (chain.some(matches)) return { kind, ...TRAITS[kind] };
  }
  return { kind: 'application', ...TRAITS.application };
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
