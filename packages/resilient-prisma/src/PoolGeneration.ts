import pg from 'pg';
import { classifyDbError } from './classifyDbError.ts';
import type { HostTarget } from './probeHost.ts';
import { sendCancelRequest } from './sendCancelRequest.ts';

/** A statement timed out and was cancelled; the connection answered afterwards, so it is alive and kept. */
export class StatementCancelledError extends Error {
  override readonly name = 'StatementCancelledError';
  readonly code = 'STATEMENT_CANCELLED';
}

/** A statement timed out and the connection stayed silent after a cancel request: it is dead. */
export class ConnectionUnresponsiveError extends Error {
  override readonly name = 'ConnectionUnresponsiveError';
  readonly code = 'CONNECTION_UNRESPONSIVE';
}

export interface GenerationOptions {
  /** Read timeout for the query about to be sent (from the call's deadline); undefined keeps the client's. */
  readonly queryTimeout?: () => number | undefined;
  /** How long a cancelled statement's connection has to answer before it counts as dead. */
  readonly cancelGraceMs: number;
  readonly onClientError: (error: Error) => void;
  /** A socket of this generation closed (the connection ceiling has room again). */
  readonly onSocketClosed: () => void;
  /** Picks the host this generation connects to, before its first connection (the writer, found now). */
  readonly locate?: () => Promise<HostTarget>;
  readonly onLocated?: (target: HostTarget) => void;
}

type QueryFn = (config: unknown, values?: unknown) => Promise<pg.QueryResult>;

/** A checkout reached a generation that was replaced meanwhile: take it to the current one. */
export class GenerationRetiredError extends Error {
  override readonly name = 'GenerationRetiredError';
}

/**
 * One generation of a ResilientPool: an inner pg.Pool and an account of its sockets, from the
 * connection being established until the socket is closed (not until pg-pool forgets it), so
 * that the pool's connection ceiling counts what the server really holds.
 */
export class PoolGeneration {
  readonly number: number;
  readonly inner: pg.Pool;
  /** Sockets open to the server (established and not yet closed). */
  readonly sockets = new Set<pg.Client>();
  readonly #checkedOut = new Map<pg.Client, number>();
  readonly #running = new Map<pg.Client, number>();
  readonly #idleSince = new Map<pg.Client, number>();
  /** The server's last word on each connection's transaction state: 'I' idle, 'T' in one, 'E' failed. */
  readonly #transactionStatus = new Map<pg.Client, string>();
  readonly #options: GenerationOptions;
  /** Idle connections taken for dead (one of their generation was found dead): never handed out again. */
  readonly #condemned = new WeakSet<pg.Client>();
  #retired = false;
  #target: HostTarget | undefined;
  #locating: Promise<void> | undefined;

  constructor(number: number, inner: pg.Pool, options: GenerationOptions) {
    this.number = number;
    this.inner = inner;
    this.#options = options;
    inner.on('connect', (client) => this.#track(client));
    // pg-pool re-emits idle clients' errors here; without a listener the process dies.
    inner.on('error', () => undefined);
  }

  /**
   * Connections held against the ceiling: sockets open to the server, and connections pg-pool is
   * still opening (not yet established, so not yet sockets here, but already a backend there).
   */
  get held(): number {
    const clients = (this.inner as unknown as { _clients?: pg.Client[] })._clients ?? [];
    let opening = 0;
    for (const client of clients) if (!this.sockets.has(client)) opening += 1;
    return this.sockets.size + opening;
  }

  /**
   * This generation was replaced: it opens no new connection (so what it holds only shrinks), and
   * every checkout waiting in its queue is sent to the current generation instead of waiting here
   * for a connection that may never come back.
   */
  retire(): void {
    this.#retired = true;
    this.inner.options.max = 0;
    const queue = (this.inner as unknown as { _pendingQueue?: { callback: (err: Error) => void }[] })._pendingQueue ?? [];
    for (const waiting of queue.splice(0)) waiting.callback(new GenerationRetiredError('pool generation replaced'));
  }

  /**
   * One of this generation's connections was found dead (terminated, reset): the idle ones were
   * most likely killed with it, and pg notices only once it reads their close. Take them for dead
   * now, so no statement is handed one of them.
   */
  condemnIdle(): void {
    for (const client of this.sockets) {
      if (this.#checkedOut.has(client)) continue;
      this.#condemned.add(client);
      destroySocket(client);
    }
  }

  /** Checks a client out and keeps count of it until it is released. */
  async checkout(): Promise<pg.PoolClient> {
    if (this.#options.locate && this.#target === undefined) await this.#locate(this.#options.locate);
    let client: pg.PoolClient;
    for (;;) {
      if (this.#retired) throw new GenerationRetiredError('pool generation replaced');
      try {
        client = await this.inner.connect();
      } catch (error) {
        // The located host refused a new connection (it went down, or was demoted: the write
        // pool's connect check): the writer may be elsewhere now, so the next checkout looks again.
        // A busy pool (waiting for a slot) says nothing about the host.
        if (classifyDbError(error).probeHealth) this.#target = undefined;
        throw error;
      }
      if (!this.#condemned.has(client)) break;
      client.release(new Error('connection condemned: another of its generation was found dead'));
    }
    this.#checkedOut.set(client, performance.now());
    this.#idleSince.delete(client);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      this.#checkedOut.delete(client);
      this.#idleSince.set(client, performance.now());
      // A connection handed back inside a transaction (open or aborted: Prisma's transaction
      // timeout can release it while a cancelled statement is still unwinding) would fail the
      // next caller's BEGIN with 25P02. Drop it instead; the server rolls back on disconnect.
      const inTransaction = this.#transactionStatus.get(client) !== 'I';
      release(err ?? (inTransaction ? new Error('connection released inside a transaction: dropped') : undefined));
    };
    return client;
  }

  /** The host this generation connects to, once located (undefined for a fixed single host). */
  get target(): HostTarget | undefined {
    return this.#target;
  }

  /**
   * Once per generation, before its first connection; concurrent callers share one search, and a
   * failed search (no writer yet) is tried again by the next checkout.
   */
  async #locate(locate: () => Promise<HostTarget>): Promise<void> {
    this.#locating ??= locate()
      .then((target) => {
        this.#target = target;
        // pg-pool builds each new client from its options; every host's settings differ only in the URL.
        this.inner.options.connectionString = target.config.connectionString;
        this.#options.onLocated?.(target);
      })
      .finally(() => {
        this.#locating = undefined;
      });
    await this.#locating;
  }

  /**
   * One step of retirement, called periodically once this generation was replaced: statements
   * still running after `cancelAfterMs` are cancelled on the server (a retired pool must not keep
   * backends busy, blocked behind a lock); a socket that stays open 250 ms after it was let go
   * (its Terminate unanswered: a frozen socket) or past `destroyAfterMs` is destroyed.
   * Returns true once no socket is left.
   */
  retireStep(retiredAt: number, cancelAfterMs: number, destroyAfterMs: number): boolean {
    const now = performance.now();
    for (const client of this.sockets) {
      const running = this.#running.get(client);
      if (running !== undefined && now - Math.max(retiredAt, running) >= cancelAfterMs) {
        this.#running.set(client, Number.POSITIVE_INFINITY); // once per statement
        void sendCancelRequest(client, this.#options.cancelGraceMs);
      }
      const idle = this.#checkedOut.has(client) ? undefined : Math.max(retiredAt, this.#idleSince.get(client) ?? retiredAt);
      if ((idle !== undefined && now - idle >= 250) || now - retiredAt >= destroyAfterMs) destroySocket(client);
    }
    return this.sockets.size === 0;
  }

  #track(client: pg.Client): void {
    this.sockets.add(client);
    this.#idleSince.set(client, performance.now());
    this.#transactionStatus.set(client, 'I');
    connectionOf(client)?.on('readyForQuery', (message: { status: string }) => this.#transactionStatus.set(client, message.status));
    connectionOf(client)?.stream?.once('close', () => {
      this.sockets.delete(client);
      this.#checkedOut.delete(client);
      this.#running.delete(client);
      this.#idleSince.delete(client);
      this.#transactionStatus.delete(client);
      this.#options.onSocketClosed();
    });
    // Once per connection: an error listener for the time it is checked out, when pg-pool has
    // none and an error event would crash the process.
    client.on('error', (error) => this.#options.onClientError(error));
    this.#guardQueries(client);
  }

  /**
   * Every query sent as a config object (all of adapter-pg's) gets a read timeout from the call's
   * deadline, so a frozen socket fails while a retry still fits. When it fires, the statement is
   * cancelled on the server and the same connection must answer within the grace: then it is
   * alive (a lock or a slow statement, not a dead socket) and kept; otherwise it is destroyed.
   */
  #guardQueries(client: pg.Client): void {
    const timeoutOf = this.#options.queryTimeout;
    const query = client.query.bind(client) as QueryFn;
    // Installed even without timeouts: retirement needs to know which statements are running.
    const guarded: QueryFn = async (config, values) => {
      const timeout = timeoutOf?.();
      const bounded =
        timeout !== undefined && typeof config === 'object' && config !== null && !('query_timeout' in config)
          ? { ...config, query_timeout: timeout }
          : config;
      this.#running.set(client, performance.now());
      try {
        return await query(bounded, values);
      } catch (error) {
        if (!(error instanceof Error) || error.message !== 'Query read timeout') throw error;
        throw await this.#afterReadTimeout(client, query, error);
      } finally {
        this.#running.delete(client);
      }
    };
    Object.defineProperty(client, 'query', { value: guarded, writable: true, configurable: true });
  }

  async #afterReadTimeout(client: pg.Client, query: QueryFn, timedOut: Error): Promise<Error> {
    const grace = this.#options.cancelGraceMs;
    // Wait until the server took the cancel: one that arrived later could hit the next caller's
    // statement on this connection. The probe below absorbs any cancel the server holds back.
    await sendCancelRequest(client, grace);
    // pg sends the next query only after the timed-out one has ended, so this answers only once
    // the server has given up the cancelled statement. Any answer from the server proves the
    // connection alive, an error too (inside a transaction: "current transaction is aborted").
    const alive = await query({ text: 'SELECT 1', query_timeout: grace }).then(
      () => true,
      (e: unknown) => e instanceof pg.DatabaseError,
    );
    if (alive)
      return new StatementCancelledError(`no answer within the query timeout: statement cancelled, connection alive`, { cause: timedOut });
    destroySocket(client);
    return new ConnectionUnresponsiveError(
      `no answer within the query timeout, and none ${grace} ms after a cancel request: connection dropped`,
      { cause: timedOut },
    );
  }
}

/** The parts of pg's internal Connection this layer uses: its protocol events and its socket. */
interface PgConnection {
  on(event: 'readyForQuery', fn: (message: { status: string }) => void): void;
  readonly stream?: { destroy(): void; once(event: 'close', fn: () => void): void };
}

function connectionOf(client: pg.Client): PgConnection | undefined {
  return (client as unknown as { connection?: PgConnection }).connection;
}

/** client.end() waits for the server's goodbye, which a frozen socket never sends. */
function destroySocket(client: pg.Client): void {
  connectionOf(client)?.stream?.destroy();
}
