// The load generator of `npm run bench:overload`, in a process of its own: one gRPC channel (as a
// client service would have), a burst or steady closed-loop workers, one JSON line of results.
// Usage: node bench/overload/loadClient.ts '<json LoadPlan>'
import { randomUUID } from 'node:crypto';
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { ItemServiceClient } from '../../src/generated/proto/masterdata/v1/item_service.ts';
import { itemFields } from '../../harness/itemFields.ts';

export type LoadPlan =
  | { readonly kind: 'burst'; readonly target: string; readonly op: 'read' | 'write'; readonly count: number; readonly deadlineMs: number }
  | {
      readonly kind: 'steady';
      readonly target: string;
      readonly readers: number;
      readonly writers: number;
      readonly deadlineMs: number;
      readonly durationMs: number;
      readonly pauseMs: number;
    };

/** One call: what it was, when it started (ms since the load began), how long it took, how it ended. */
export interface CallResult {
  readonly op: 'read' | 'write';
  readonly start: number;
  readonly ms: number;
  readonly code: string;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const client = new ItemServiceClient(plan.target, credentials.createInsecure());
const CODES = ['4011', '1001', '2001', '3001', '5001', '6001', '7001', '8001'];
const t0 = performance.now();
const results: CallResult[] = [];

/** Makes one call; resolves with the server's retry hint (grpc-retry-pushback-ms), if it sent one. */
function call(op: 'read' | 'write', n: number, deadlineMs: number): Promise<number | undefined> {
  const start = performance.now() - t0;
  const deadline = new Date(Date.now() + deadlineMs);
  return new Promise<number | undefined>((resolve) => {
    const done = (error: ServiceError | null) => {
      results.push({ op, start, ms: performance.now() - t0 - start, code: Status[error ? error.code : Status.OK] ?? String(error?.code) });
      const hint = error?.metadata.get('grpc-retry-pushback-ms')[0];
      resolve(hint === undefined ? undefined : Number(hint));
    };
    if (op === 'read') {
      client.getItemDetail(
        { tenantId: 'demo', storeCode: 'S001', itemCode: CODES[n % CODES.length] ?? '4011' },
        new Metadata(),
        { deadline },
        (e) => done(e),
      );
      return;
    }
    const itemCode = `OV-${randomUUID().slice(0, 18)}`;
    client.upsertItem(
      {
        tenantId: 'demo',
        storeCode: 'S002',
        itemCode,
        requestId: randomUUID(),
        expectedVersion: 0,
        item: itemFields({ description: 'overload bench', shortDescription: 'BENCH' }),
      },
      new Metadata(),
      { deadline },
      (e) => done(e),
    );
  });
}

// Connect first, so the burst measures the service and not the channel's first handshake.
await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())));
if (plan.kind === 'burst') {
  await Promise.all(Array.from({ length: plan.count }, (_, i) => call(plan.op, i, plan.deadlineMs)));
} else {
  const until = t0 + plan.durationMs;
  const worker = async (op: 'read' | 'write', w: number) => {
    for (let n = w; performance.now() < until; n += 1) {
      // A well-behaved client waits as long as the server asks before its next call (at most 1 s).
      const pushback = await call(op, n, plan.deadlineMs);
      await new Promise((r) => setTimeout(r, Math.min(1_000, Math.max(plan.pauseMs, pushback ?? 0))));
    }
  };
  await Promise.all([
    ...Array.from({ length: plan.readers }, (_, w) => worker('read', w)),
    ...Array.from({ length: plan.writers }, (_, w) => worker('write', w)),
  ]);
}
client.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
