import { trace } from '@opentelemetry/api';
import pg from 'pg';
import type { Config } from '../config/config.ts';
import type { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import type { ServiceDatabase } from '../db/serviceDatabase.ts';
import { writerUrl } from '@pos-masterdata/resilient-prisma';
import { ItemCache } from '../items/ItemCache.ts';
import { ItemChangeListener } from '../items/ItemChangeListener.ts';
import { ItemLookup } from '../items/ItemLookup.ts';
import type { ItemRepository } from '../items/ItemRepository.ts';
import type { Logger } from '../log/createLogger.ts';
import type { ServiceMetrics } from '../metrics/ServiceMetrics.ts';

export interface ItemLookupService {
  readonly lookup: ItemLookup;
  readonly cache: ItemCache | undefined;
  readonly listener: ItemChangeListener | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The lookups of GetItemDetail and BatchGetItemDetails: unless
 * ITEM_CACHE=off a read-through cache kept current by LISTEN/NOTIFY on the writer, paused
 * whenever the listener is not connected and flushed whenever a pool is rebuilt (notifications
 * sent during a failover can be lost).
 */
export function createItemLookup(
  config: Config,
  endpoint: DatabaseEndpoint,
  db: ServiceDatabase,
  items: ItemRepository,
  log: Logger,
  metrics: ServiceMetrics,
): ItemLookupService {
  const cache = config.ITEM_CACHE
    ? new ItemCache({ maxEntries: config.ITEM_CACHE_MAX_ENTRIES, maxBytes: config.ITEM_CACHE_MAX_BYTES })
    : undefined;
  const lookup = new ItemLookup({
    read: (budget, work, readAfter) => db.run('read', budget, work, { readAfter }),
    admitting: () => !db.breaker.isOpen,
    items,
    ...(cache ? { cache } : {}),
    staleIfErrorMs: config.ITEM_CACHE_STALE_IF_ERROR_MS,
  });
  lookup.events.on('served', (e) => {
    metrics.cacheLookups.inc({ result: 'hit' }, e.hits);
    metrics.cacheLookups.inc({ result: 'miss' }, e.misses);
  });
  lookup.events.on('stale', () => metrics.staleAnswers.inc());
  // Emitted inside the call, so the active span is the call's own.
  if (config.TRACING)
    lookup.events.on('stale', (e) =>
      trace.getActiveSpan()?.addEvent('cache.stale_answer', { 'masterdata.cache.age_ms': Math.round(e.ageMs) }),
    );
  lookup.batcher.events.on('query', (q) => metrics.lookupCallsPerQuery.observe(q.callers));
  if (!cache) return { lookup, cache, listener: undefined, start: () => Promise.resolve(), stop: () => Promise.resolve() };

  const listener = new ItemChangeListener({
    heartbeatMs: 2_000,
    retryMs: 250,
    connect: async () => {
      // The pools' password source (a rotated password reaches this connection too).
      const Client = db.settings.password?.Client ?? pg.Client;
      const client = new Client({
        connectionString: await writerUrl(endpoint, config.DB_CONNECT_TIMEOUT_MS),
        application_name: 'masterdata-listen',
        keepAlive: true,
        connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
        query_timeout: 1_000,
      });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    },
  });
  const size = () => {
    metrics.cacheEntries.set(cache.size);
    metrics.cacheBytes.set(cache.bytes);
  };
  listener.events.on('change', (c) => cache.invalidate(c.key, c.itemCode, c.version));
  listener.events.on('listening', () => {
    cache.resume();
    metrics.cacheListening.set(1);
    log.info({ event: 'item_cache', state: 'listening' }, 'item cache: listening for changes (cache flushed)');
  });
  listener.events.on('lost', (e) => {
    cache.pause();
    metrics.cacheListening.set(0);
    log.warn(
      { event: 'item_cache', state: 'lost', reason: e.reason },
      'item cache: change listener lost; lookups read the database until it is back',
    );
  });
  db.events.on('rebuild', () => cache.flush());
  const timer = setInterval(size, 5_000);
  timer.unref();
  return {
    lookup,
    cache,
    listener,
    start: () => listener.start(),
    stop: async () => {
      clearInterval(timer);
      await listener.stop();
    },
  };
}
