import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { StoreKey } from './ItemRepository.ts';

export const ITEM_CHANNEL = 'masterdata_item';

export interface ItemChange {
  readonly key: StoreKey;
  readonly itemCode: string;
  /** The row's version after the change; 0 when it was deleted. */
  readonly version: number;
}

export interface ItemChangeListenerEvents {
  change: [ItemChange];
  /** Listening (again): changes made while nobody listened were not heard. */
  listening: [];
  /** The connection was lost or stopped answering; reconnecting. */
  lost: [{ reason: string }];
}

export interface ItemChangeListenerOptions {
  /** A new connection to the writer (NOTIFY is delivered only on the server that ran the transaction). */
  readonly connect: () => Promise<pg.Client>;
  /** A silent connection (black hole) loses notifications without an error: probe it this often. */
  readonly heartbeatMs: number;
  readonly retryMs: number;
}

/**
 * LISTEN masterdata_item on a connection of its own to the writer (the trigger of migration
 * 20261123230000 sends one notification per changed item row, at commit). Reconnects on loss,
 * with a heartbeat so that a frozen connection counts as lost; every (re)connection emits
 * `listening`, after which the cache must be flushed.
 */
export class ItemChangeListener {
  readonly events = new EventEmitter<ItemChangeListenerEvents>();
  readonly #options: ItemChangeListenerOptions;
  #client: pg.Client | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ItemChangeListenerOptions) {
    this.#options = options;
  }

  get listening(): boolean {
    return this.#client !== undefined;
  }

  /** Listens, or keeps trying in the background when the database cannot be reached yet. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    let client: pg.Client | undefined;
    try {
      client = await this.#options.connect();
      client.on('error', (e) => this.#lose(client, e.message));
      client.on('end', () => this.#lose(client, 'connection ended'));
      client.on('notification', (n) => {
        const change = n.channel === ITEM_CHANNEL ? parseChange(n.payload) : undefined;
        if (change) this.events.emit('change', change);
      });
      await client.query(`LISTEN ${ITEM_CHANNEL}`);
    } catch {
      void client?.end().catch(() => undefined);
      this.#retryLater();
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((e: unknown) => this.#lose(client, `heartbeat: ${e instanceof Error ? e.message : String(e)}`));
    }, this.#options.heartbeatMs);
    this.#heartbeat.unref();
    this.events.emit('listening');
  }

  #lose(client: pg.Client | undefined, reason: string): void {
    if (client === undefined || client !== this.#client) return;
    this.#client = undefined;
    clearInterval(this.#heartbeat);
    // A frozen socket never answers Terminate: destroy it.
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    this.events.emit('lost', { reason });
    this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#connect(), this.#options.retryMs);
    this.#retry.unref();
  }
}

/** `tenant \t store \t item_code \t version`, as the trigger sends it. */
export function parseChange(payload: string | undefined): ItemChange | undefined {
  const [tenantId, storeCode, itemCode, version] = (payload ?? '').split('\t');
  if (!tenantId || !storeCode || !itemCode || version === undefined || !/^\d+$/.test(version)) return undefined;
  return { key: { tenantId, storeCode }, itemCode, version: Number(version) };
}
