import { randomUUID } from 'node:crypto';
import { status as Status, type ServiceError } from '@grpc/grpc-js';
import type { ItemServiceApi } from '../src/clients/ItemServiceApi.ts';
import { itemFields } from './itemFields.ts';

export interface CallRecord {
  readonly op: 'read' | 'write';
  /** ms since the load started */
  readonly start: number;
  readonly latencyMs: number;
  readonly code: Status;
  readonly details?: string;
  readonly itemCode?: string;
  readonly requestId?: string;
}

export interface LoadOptions {
  readonly api: ItemServiceApi;
  readonly concurrency: number;
  /** One write in every N calls; 0 for reads only. */
  readonly writeEvery: number;
  readonly deadlineMs: number;
  readonly signal: AbortSignal;
  readonly storeCode?: string;
  /** Pause between calls of one worker (ms). */
  readonly pauseMs?: number;
  /** performance.now() value that `start` is measured from (default: when the load starts). */
  readonly origin?: number;
  /** Where records go as they happen (for progress displays); a new array by default. */
  readonly sink?: CallRecord[];
}

const READ_CODES = ['4011', '1001', '2001', '3001', '5001', '6001', '7001', '8001'];

/**
 * Steady concurrent load through real gRPC calls until `signal` aborts: reads of seeded
 * items and idempotent writes of new items (each with its own request_id).
 */
export async function runLoad(o: LoadOptions): Promise<CallRecord[]> {
  const records: CallRecord[] = o.sink ?? [];
  const t0 = o.origin ?? performance.now();
  let n = 0;
  const worker = async (w: number) => {
    while (!o.signal.aborted) {
      n += 1;
      const write = o.writeEvery > 0 && n % o.writeEvery === 0;
      const start = performance.now() - t0;
      const itemCode = write ? `L-${w}-${randomUUID().slice(0, 13)}` : (READ_CODES[n % READ_CODES.length] ?? '4011');
      const requestId = write ? randomUUID() : undefined;
      let code: Status = Status.OK;
      let details: string | undefined;
      try {
        if (write && requestId) {
          await o.api.upsertItem(
            {
              tenantId: 'demo',
              storeCode: o.storeCode ?? 'S001',
              itemCode,
              requestId,
              expectedVersion: 0,
              item: itemFields({ description: 'load item', shortDescription: 'LOAD' }),
            },
            { timeoutMs: o.deadlineMs },
          );
        } else {
          await o.api.getItemDetail({ tenantId: 'demo', storeCode: o.storeCode ?? 'S001', itemCode }, { timeoutMs: o.deadlineMs });
        }
      } catch (error) {
        code = (error as ServiceError).code;
        details = (error as ServiceError).details;
      }
      records.push({
        op: write ? 'write' : 'read',
        start,
        latencyMs: performance.now() - t0 - start,
        code,
        ...(details ? { details } : {}),
        itemCode,
        ...(requestId ? { requestId } : {}),
      });
      if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, (_, w) => worker(w)));
  return records;
}

export function summarise(records: readonly CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const key = `${r.op}:${Status[r.code]}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
