// A client process for the write-outcome test: UpsertItem and UpsertStore calls, each with a
// deadline or a cancellation drawn from a seed, across 1-60 ms. Prints one JSON line per call
// (keys, status, whether the client itself decided the status), then exits.
// Usage: node harness/writeStorm.ts <target> <calls> <concurrency> <seed> <prefix>
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { ItemServiceClient } from '../src/generated/proto/masterdata/v1/item_service.ts';
import { StoreServiceClient } from '../src/generated/proto/masterdata/v1/store_service.ts';
import { itemFields } from './itemFields.ts';

export interface StormRecord {
  readonly method: 'UpsertItem' | 'UpsertStore';
  readonly key: string;
  readonly requestId: string;
  /** 'deadline' (the client's deadline, `ms`), 'cancel' (the client cancels after `ms`) or 'answer' (a 5 s deadline). */
  readonly ends: 'deadline' | 'cancel' | 'answer';
  readonly ms: number;
  readonly code: Status;
  readonly details: string;
  /** The client decided the status itself (its own deadline timer or its cancel), not the server. */
  readonly local: boolean;
}

/** mulberry32: small, seedable, good enough to spread deadlines. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const [target = '', callsArg = '300', concurrencyArg = '20', seedArg = '1', prefix = 'W'] = process.argv.slice(2);
const next = random(Number(seedArg));
const items = new ItemServiceClient(target, credentials.createInsecure());
const stores = new StoreServiceClient(target, credentials.createInsecure());
const total = Number(callsArg);
let issued = 0;

function once(n: number): Promise<StormRecord> {
  const method = next() < 0.7 ? 'UpsertItem' : 'UpsertStore';
  const draw = next();
  // Mostly deadlines and cancels that land while the write runs; a few calls that have the time to commit.
  const ends = draw < 0.45 ? 'deadline' : draw < 0.9 ? 'cancel' : 'answer';
  const ms = 1 + Math.floor(next() * 60);
  const key = `${prefix}-${n}`;
  const requestId = `${prefix}-req-${n}-${Math.floor(next() * 1e9)}`;
  const deadline = new Date(Date.now() + (ends === 'deadline' ? ms : 5_000));
  return new Promise((resolve) => {
    const done = (error: ServiceError | null) => {
      const code = error ? error.code : Status.OK;
      const details = error ? error.details : '';
      // grpc-js's own words when it decides: "Deadline exceeded after 0.031s,…" and "Cancelled on client".
      const local = /^Deadline exceeded after|^Cancelled on client/.test(details);
      resolve({ method, key, requestId, ends, ms, code, details, local });
    };
    const call =
      method === 'UpsertItem'
        ? items.upsertItem(
            {
              tenantId: 'demo',
              storeCode: 'S001',
              itemCode: key,
              requestId,
              item: itemFields({ description: 'storm' }),
              expectedVersion: 0,
            },
            new Metadata(),
            { deadline },
            (error) => done(error),
          )
        : stores.upsertStore(
            { tenantId: 'demo', storeCode: key, name: 'storm', currency: 'EUR', requestId },
            new Metadata(),
            { deadline },
            (error) => done(error),
          );
    if (ends === 'cancel') setTimeout(() => call.cancel(), ms);
  });
}

async function worker(): Promise<void> {
  while (issued < total) {
    issued += 1;
    process.stdout.write(`${JSON.stringify(await once(issued))}\n`);
  }
}

// Warm the connection first, so the first calls' deadlines are not spent on connecting.
await new Promise<void>((resolve, reject) => items.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())));
await Promise.all(Array.from({ length: Number(concurrencyArg) }, () => worker()));
items.close();
stores.close();
