// The load generator of `npm run bench:throughput`, in a process of its own: `connections`
// separate HTTP/2 connections, `streams` calls in flight on each, item codes drawn uniformly or
// Zipf-skewed from the seeded ones, for a fixed time after a warm-up. One JSON line of results.
// Usage: node bench/throughput/loadClient.ts '<json ThroughputPlan>'
import { credentials, makeGenericClientConstructor, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import {
  BatchGetItemDetailsRequest,
  GetItemDetailRequest,
  ItemServiceService,
  type ItemServiceClient,
} from '../../src/generated/proto/masterdata/v1/item_service.ts';
import { percentiles } from '../stats.ts';

export interface ThroughputPlan {
  readonly target: string;
  readonly connections: number;
  readonly streams: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly codes: 'uniform' | 'zipf';
  /** 0: GetItemDetail; n: BatchGetItemDetails with n codes. */
  readonly batch: number;
  readonly items: number;
  /** Read every seeded item once first (BatchGetItemDetails of 100): a till's day starts warm. */
  readonly prime?: boolean;
}

export interface ThroughputResult {
  readonly calls: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as ThroughputPlan;
const code = (rank: number) => `T${String(rank).padStart(5, '0')}`;

// Zipf (s = 1) over the seeded items: a few items are scanned all day, most rarely.
const cdf: number[] = [];
for (let k = 1, sum = 0; k <= plan.items; k += 1) cdf.push((sum += 1 / k));
const total = cdf.at(-1) ?? 1;
function draw(): string {
  if (plan.codes === 'uniform') return code(1 + Math.floor(Math.random() * plan.items));
  const u = Math.random() * total;
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cdf[mid] ?? 0) < u) lo = mid + 1;
    else hi = mid;
  }
  return code(lo + 1);
}

// The answers are not decoded: like h2load, the generator measures the servers, and on two cores
// every microsecond it spends is taken from them (decoding each ItemDetail, its timestamps into
// Dates, is work no server is measured by). Requests are encoded as any client's are. In one run
// of the 4 × 16, 2,000-item cell: cache off / naive 1.93× decoding, 2.17× not decoding.
const passThrough = (bytes: Buffer) => bytes;
const LoadClient = makeGenericClientConstructor(
  {
    getItemDetail: { ...ItemServiceService.getItemDetail, responseDeserialize: passThrough },
    batchGetItemDetails: { ...ItemServiceService.batchGetItemDetails, responseDeserialize: passThrough },
  },
  'masterdata.v1.ItemService',
) as unknown as new (...args: ConstructorParameters<ReturnType<typeof makeGenericClientConstructor>>) => LoadClientApi;
/** The two methods the load calls, answering bytes. */
interface LoadClientApi extends Pick<ItemServiceClient, 'close' | 'waitForReady'> {
  getItemDetail(r: GetItemDetailRequest, m: Metadata, o: { deadline: Date | number }, cb: (e: ServiceError | null) => void): unknown;
  batchGetItemDetails(
    r: BatchGetItemDetailsRequest,
    m: Metadata,
    o: { deadline: Date | number },
    cb: (e: ServiceError | null) => void,
  ): unknown;
}

// A channel of its own per connection (no shared subchannel), as separate clients would have.
const clients = Array.from(
  { length: plan.connections },
  () => new LoadClient(plan.target, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
);
await Promise.all(
  clients.map((c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())))),
);

function call(client: LoadClientApi): Promise<boolean> {
  const deadline = new Date(Date.now() + 10_000);
  return new Promise((resolve) => {
    const done = (error: ServiceError | null) => resolve(error === null || error.code === Status.NOT_FOUND);
    if (plan.batch > 0) {
      client.batchGetItemDetails(
        { tenantId: 'demo', storeCode: 'S001', itemCodes: Array.from({ length: plan.batch }, draw) },
        new Metadata(),
        { deadline },
        (e) => done(e),
      );
    } else {
      client.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: draw() }, new Metadata(), { deadline }, (e) => done(e));
    }
  });
}

if (plan.prime) {
  for (let first = 1; first <= plan.items; first += 100) {
    const itemCodes = Array.from({ length: Math.min(100, plan.items - first + 1) }, (_, i) => code(first + i));
    await new Promise<void>((resolve, reject) => {
      clients[0]?.batchGetItemDetails(
        { tenantId: 'demo', storeCode: 'S001', itemCodes },
        new Metadata(),
        { deadline: Date.now() + 10_000 },
        (e) => (e ? reject(e) : resolve()),
      );
    });
  }
}

const latencies: number[] = [];
let errors = 0;
const start = performance.now();
const measureFrom = start + plan.warmupMs;
const until = measureFrom + plan.durationMs;
await Promise.all(
  clients.flatMap((client) =>
    Array.from({ length: plan.streams }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const ok = await call(client);
        if (t >= measureFrom) {
          latencies.push(performance.now() - t);
          if (!ok) errors += 1;
        }
      }
    }),
  ),
);
for (const c of clients) c.close();
const { p50, p99 } = percentiles(latencies);
const result: ThroughputResult = { calls: latencies.length, perSecond: latencies.length / (plan.durationMs / 1000), p50, p99, errors };
process.stdout.write(`${JSON.stringify(result)}\n`);
