import net from 'node:net';
import type pg from 'pg';

/** PostgreSQL's CancelRequest code (protocol 1234.5678): a 16-byte message on a connection of its own. */
const CANCEL_REQUEST_CODE = (1234 << 16) | 5678;

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
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    socket.once('connect', () => {
      sent = true;
      socket.end(message);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(sent));
  });
}
