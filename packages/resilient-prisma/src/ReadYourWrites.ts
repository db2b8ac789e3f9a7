import type { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { DatabaseEvents } from './DatabaseEvents.ts';
import { parseLsn } from './probeHost.ts';
import { CLUSTER_SQL, COMMIT_POSITION_SQL, decodeReadAfter, encodeReadAfter } from './readAfterToken.ts';

/** The writer's pool, as it is now (a rebuild replaces it). */
type WriterPool = () => Pick<pg.Pool, 'query'>;

/**
 * Issues and accepts read-your-writes tokens (see readAfterToken.ts): `issue` after a write has
 * committed, `accept` for a token a read carries. The cluster's identity is learned from the
 * writer once, and again after the write pool was rebuilt (a swap may have put another cluster
 * behind the same name).
 */
export class ReadYourWrites {
  readonly #writer: WriterPool;
  readonly #events: EventEmitter<DatabaseEvents>;
  readonly #timeoutMs: number;
  #cluster: Promise<string> | undefined;

  constructor(writer: WriterPool, events: EventEmitter<DatabaseEvents>, timeoutMs: number) {
    this.#writer = writer;
    this.#events = events;
    this.#timeoutMs = timeoutMs;
    events.on('rebuild', (e) => {
      if (e.pool === 'write') this.#cluster = undefined;
    });
  }

  /** The token for what has committed so far: one round trip on the writer, after the COMMIT. */
  async issue(deadline: number): Promise<string> {
    const { rows } = await this.#writer().query<{ cluster: string; lsn: string }>(this.#bounded(COMMIT_POSITION_SQL, deadline));
    const row = rows[0];
    if (!row) throw new Error('the writer reported no WAL position');
    this.#cluster ??= Promise.resolve(row.cluster);
    return encodeReadAfter({ cluster: row.cluster, lsn: parseLsn(row.lsn) });
  }

  /**
   * The position a read must see, or undefined when the token is not one of this cluster's (it is
   * then ignored: an event says why). When the cluster cannot be asked (the writer is down), the
   * token is taken at its word: honouring it only sends reads to the writer, which has everything.
   */
  async accept(token: string, deadline: number): Promise<bigint | undefined> {
    const position = decodeReadAfter(token);
    if (!position) {
      this.#events.emit('readAfterIgnored', { reason: 'malformed' });
      return undefined;
    }
    const cluster = await this.#clusterId(deadline).catch(() => position.cluster);
    if (cluster !== position.cluster) {
      this.#events.emit('readAfterIgnored', { reason: 'other-cluster' });
      return undefined;
    }
    return position.lsn;
  }

  #clusterId(deadline: number): Promise<string> {
    const known = (this.#cluster ??= this.#writer()
      .query<{ cluster: string }>(this.#bounded(CLUSTER_SQL, deadline))
      .then(({ rows }) => rows[0]?.cluster ?? Promise.reject(new Error('no system identifier'))));
    // A failed lookup is asked again next time.
    known.catch(() => {
      if (this.#cluster === known) this.#cluster = undefined;
    });
    return known;
  }

  /** pg reads `query_timeout` from a query's config too (its types name it only for clients). */
  #bounded(text: string, deadline: number): pg.QueryConfig {
    const config: pg.QueryConfig & { query_timeout: number } = {
      text,
      query_timeout: Math.max(1, Math.min(this.#timeoutMs, Math.floor(deadline - performance.now()))),
    };
    return config;
  }
}
