import { Metadata } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { credentials } from '@grpc/grpc-js';
import { ChannelPool } from '@pos-masterdata/channel-pool';
import { itemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemServiceClient } from '../src/clients/itemServiceClient.ts';
import { runService } from '../harness/runService.ts';
import { startSeededCluster } from '../harness/clusterPerFile.ts';
import { startTestServer } from '../harness/startTestServer.ts';
import { holdTableLock, TestDatabase } from '../harness/TestDatabase.ts';

// The service with TRACING=on, in a process whose SDK keeps every span in memory (as a user's
// process would register its own and export them).
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let db: TestDatabase;

beforeAll(async () => {
  provider.register();
  db = await TestDatabase.create();
});
afterAll(async () => {
  await db[Symbol.asyncDispose]();
  await provider.shutdown();
  trace.disable();
});
beforeEach(() => exporter.reset());

const WAITING = "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'";
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const withParent = () => {
  const metadata = new Metadata();
  metadata.set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`);
  return metadata;
};
const attempts = (spans: readonly ReadableSpan[]) =>
  spans
    .filter((s) => s.name.startsWith('db.attempt'))
    .sort((a, b) => Number(a.attributes['resilient_prisma.attempt']) - Number(b.attributes['resilient_prisma.attempt']));

describe('traces (TRACING=on)', () => {
  it('a call whose first attempt meets a terminated backend: one call span continuing the caller trace, two attempt spans, the rebuild and the retry', async () => {
    await using t = await startTestServer(db.url(), { TRACING: true, DB_POOL_MAX: 4 });
    const key = { tenantId: 'demo', storeCode: 'S001', itemCode: '4011' };
    // The call's query waits behind a table lock; its backend is terminated while it waits. Another
    // call holds a second connection of the pool meanwhile, so the pool has something stale to
    // replace (a pool left with no connection at all is not rebuilt).
    const locked = holdTableLock(db.url(), 'item', 1_000);
    await sleep(100);
    const call = t.api.getItemDetail(key, { metadata: withParent(), timeoutMs: 5_000 });
    const waiting = async (n: number) => {
      for (const give = performance.now() + 3_000; performance.now() < give;) {
        const rows = await db.query<{ pid: number }>(WAITING, ['masterdata-read']);
        if (rows.length >= n) return rows.map((r) => r.pid);
        await sleep(10);
      }
      throw new Error(`fewer than ${String(n)} reads waiting for the lock`);
    };
    const [victim] = await waiting(1);
    const other = t.api.getItemDetail({ ...key, storeCode: 'S002' }, { timeoutMs: 5_000 });
    await waiting(2);
    await db.admin('SELECT pg_terminate_backend($1)', [victim]);
    await locked;
    expect((await call).itemCode).toBe('4011');
    await other;
    await sleep(50); // the other call's spans end a moment after its answer

    const spans = exporter.getFinishedSpans();
    const calls = spans.filter((s) => s.name === 'masterdata.v1.ItemService/GetItemDetail' && s.spanContext().traceId === TRACE_ID);
    expect(calls).toHaveLength(1);
    const [span] = calls;
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(span?.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'masterdata.v1.ItemService',
      'rpc.method': 'GetItemDetail',
      'rpc.grpc.status_code': 0,
    });
    expect(Number(span?.attributes['rpc.grpc.deadline_ms'])).toBeGreaterThan(4_000);

    const mine = spans.filter((s) => s.parentSpanContext?.spanId === span?.spanContext().spanId);
    const [first, second] = attempts(mine);
    expect(attempts(mine)).toHaveLength(2);
    for (const a of [first, second]) {
      expect(a?.parentSpanContext?.spanId).toBe(span?.spanContext().spanId);
      expect(a?.attributes).toMatchObject({
        'db.system.name': 'postgresql',
        'resilient_prisma.pool': 'read',
        'resilient_prisma.replica': false,
      });
    }
    expect(first?.attributes).toMatchObject({
      'resilient_prisma.attempt': 0,
      'resilient_prisma.generation': 1,
      'error.type': 'connection_lost',
    });
    expect(first?.status.code).toBe(SpanStatusCode.ERROR);
    expect(first?.events.map((e) => [e.name, e.attributes])).toContainEqual([
      'db.pool.rebuild',
      { 'resilient_prisma.pool': 'read', 'resilient_prisma.reason': 'connection_lost', 'resilient_prisma.generation': 1 },
    ]);
    expect(second?.attributes).toMatchObject({ 'resilient_prisma.attempt': 1, 'resilient_prisma.generation': 2 });
    expect(second?.status.code).toBe(SpanStatusCode.UNSET); // it answered
    const events = span?.events.map((e) => e.name) ?? [];
    expect(events).toEqual(['db.admission', 'db.retry']);
    expect(span?.events[1]?.attributes).toMatchObject({ 'resilient_prisma.reason': 'connection_lost', 'resilient_prisma.attempt': 1 });
    // Nothing of the item itself, and no SQL, in any span.
    const everything = JSON.stringify(mine.concat(calls).map((s) => [s.name, s.attributes, s.events, s.status]));
    expect(everything).not.toMatch(/4011|SELECT|item_code/i);
  });

  it('a domain answer (NOT_FOUND) is not an error span; a refusal by the open breaker is an event on the call, with no attempt', async () => {
    await using t = await startTestServer(db.url(), { TRACING: true, DB_BREAKER_OPEN_AFTER_MS: 0, HEALTH_PROBE_INTERVAL_MS: 60_000 });
    const codeOf = (itemCode: string) =>
      t.api.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode }).then(
        () => 0,
        (e: unknown) => (e as { code: number }).code,
      );
    const serverSpans = () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    expect(await codeOf('NO-SUCH')).toBe(5);
    const [notFound] = serverSpans();
    expect(notFound?.attributes['rpc.grpc.status_code']).toBe(5);
    expect(notFound?.status.code).toBe(SpanStatusCode.UNSET);

    exporter.reset();
    t.server.db.breaker.report(false); // the health monitor's verdict: unreachable (opens at once here)
    expect(await codeOf('4011')).toBe(14);
    const [refused] = serverSpans();
    expect(refused?.status.code).toBe(SpanStatusCode.ERROR);
    expect(refused?.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'db.rejected',
        {
          'resilient_prisma.pool': 'read',
          'resilient_prisma.rejected_by': 'breaker',
          'resilient_prisma.reason': 'circuit_open',
          'resilient_prisma.retry_after_ms': t.server.db.breaker.retryAfterMs,
        },
      ],
    ]);
    expect(attempts(exporter.getFinishedSpans())).toEqual([]);
  });

  it('an answer from the cache while the database cannot be reached is a cache.stale_answer event on its call', async () => {
    await using cluster = await startSeededCluster();
    await using t = await startTestServer(cluster.url(), {
      TRACING: true,
      ITEM_CACHE: true,
      DB_BREAKER_OPEN_AFTER_MS: 300,
      HEALTH_PROBE_INTERVAL_MS: 100,
    });
    const key = { tenantId: 'demo', storeCode: 'S001', itemCode: '1001' };
    await t.api.getItemDetail(key); // cached
    await cluster.stop('fast');
    for (const give = performance.now() + 5_000; !t.server.db.breaker.isOpen && performance.now() < give;) await sleep(20);
    exporter.reset();
    expect((await t.api.getItemDetail(key, { timeoutMs: 3_000 })).itemCode).toBe('1001');
    const [call] = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    const events = call?.events.map((e) => e.name) ?? [];
    expect(events).toContain('cache.stale_answer');
    expect(call?.events.find((e) => e.name === 'cache.stale_answer')?.attributes?.['masterdata.cache.age_ms']).toBeGreaterThanOrEqual(0);
    expect(call?.attributes['rpc.grpc.status_code']).toBe(0);
  });

  it('the service (src/main.ts) with TRACING=on and OTEL_EXPORTER_OTLP_ENDPOINT sends the spans to that collector over OTLP/HTTP', async () => {
    const bodies: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        bodies.push(`${req.url ?? ''} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    const pool = new ChannelPool({ defaultDeadlineMs: 5_000 });
    try {
      let answered: unknown;
      const run = await runService(
        {
          DATABASE_URL: db.url(),
          GRPC_PORT: '0',
          METRICS_PORT: '0',
          TRACING: 'on',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String(port)}`,
          OTEL_SERVICE_NAME: 'masterdata-under-test',
        },
        (proc, stderr) => {
          const address = /listening on (\S+)/.exec(stderr)?.[1] ?? '';
          const api = itemServiceApi(itemServiceClient(pool, address, credentials.createInsecure()));
          void api
            .getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: '4011' })
            .then(
              (a) => (answered = a.itemCode),
              (e: unknown) => (answered = e),
            )
            .finally(() => proc.kill('SIGTERM')); // shutdown flushes the batch
        },
      );
      expect(run.code).toBe(0);
      expect(answered).toBe('4011');
      const sent = bodies.join('\n');
      expect(sent).toContain('/v1/traces');
      expect(sent).toContain('masterdata-under-test');
      expect(sent).toContain('masterdata.v1.ItemService/GetItemDetail');
      expect(sent).toContain('db.attempt read');
    } finally {
      pool.close();
      collector.close();
    }
  });
});
