import net from 'node:net';
import type pg from 'pg';

/** PostgreSQL's CancelRequest code (protocol 1234.5678): a 16-byte message on a connection of its own. */
const CANCEL_REQUEST_CODE = (1234 << 16) | 5678;
/** How long a cancel's socket may wait for the server to close it after the caller stopped waiting. */
const CANCEL_LINGER_MS = 10_000;

interface BackendKey {
  readonly processID: number | null;
  readonly secretKey: number | null;
}

/**
 * Asks the server to cancel whatever the backend behind `client` is running, the way libpq's
 * PQcancel does: a new connection to the same host carrying the backend's key. The server
 * answers by closing that connection; a cancel request never becomes a backend of its own, so it
 * does not count in pg_stat_activity or max_connections. Resolves true once the server took it,
 * false if it could not be delivered within `timeoutMs` (a black hole, a refused connection).
 */
export function sendCancelRequest(client: pg.Client, timeoutMs: number): Promise<boolean> {
  const { processID, secretKey } = client as unknown as BackendKey;
  if (processID === null || secretKey === null) return Promise.resolve(false);
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  const socket = client.host.startsWith('/')
    ? net.connect(`${client.host}/.s.PGSQL.${client.port}`)
    : net.connect(client.port, client.host);
  return new Promise<boolean>((resolve) => {
    let sent = false;
    const done = (ok: boolean) => {
      clearTimeout(answer);
      clearTimeout(linger);
      socket.destroy();
      resolve(ok);
    };
    // The caller hears within timeoutMs; the socket waits longer for the server (a pooler that
    // queues cancels, up to its cancel_wait_timeout) to close it first, bounded by CANCEL_LINGER_MS.
    const answer = setTimeout(() => resolve(false), timeoutMs);
    const linger = setTimeout(() => done(false), Math.max(timeoutMs, CANCEL_LINGER_MS));
    answer.unref();
    linger.unref();
    socket.once('connect', () => {
      sent = true;
      // Written, not ended: like libpq's PQcancel, wait for the server to close. A client that
      // leaves first crashes PgBouncer 1.18 (Debian bookworm's) and releases after it
      // ("bad client state: 0", pgbouncer#801; #822, #904 alike), and every client of that
      // PgBouncer loses its connection.
      socket.write(message);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(sent));
  });
}
