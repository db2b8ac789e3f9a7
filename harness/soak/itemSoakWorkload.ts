import { Metadata, status as Status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import type { SoakState, SoakWorkload } from '@pos-masterdata/failover-testkit';
import pg from 'pg';
import type { ItemServiceClient } from '../../src/generated/proto/masterdata/v1/item_service.ts';
import { READ_AFTER_KEY } from '../../src/grpc/readAfterKey.ts';
import { itemFields } from '../itemFields.ts';

const TENANT = 'demo';
const STORE = 'S001';

/**
 * What a caller of the item service can know from a refusal. `failed`: the service answered it
 * and promises nothing was written (a refusal, a rollback, a COMMIT withheld at the deadline).
 * `unknown`: the service said the write may have been applied, or the answer never came (the
 * client's own deadline or cancel, a connection lost with the call in flight).
 */
export function itemWriteOutcome(error: unknown): 'failed' | 'unknown' {
  const { code, details } = error as Partial<ServiceError>;
  if (code === Status.UNKNOWN) return 'unknown';
  const text = typeof details === 'string' ? details : '';
  return /may have been applied|^Deadline exceeded after|^Cancelled on client|Connection dropped|RST_STREAM|ECONNRESET|Received http2 header/i.test(
    text,
  )
    ? 'unknown'
    : 'failed';
}

export interface ItemSoakOptions {
  readonly client: ItemServiceClient;
  /** The writer, directly (not through the service): where the checker reads. */
  readonly adminUrl: () => string;
  readonly keys: number;
  readonly deadlineMs: number;
}

/** UpsertItem and GetItemDetail on items SOAK-00…, with request ids as idempotency keys and read-after tokens. */
export function itemSoakWorkload(options: ItemSoakOptions): SoakWorkload & { create(): Promise<void> } {
  const keys = Array.from({ length: options.keys }, (_, i) => `SOAK-${String(i).padStart(2, '0')}`);
  const deadline = () => ({ deadline: Date.now() + options.deadlineMs });
  const upsert = (itemCode: string, requestId: string) =>
    new Promise<{ version: number; token?: string }>((resolve, reject) => {
      let token: string | undefined;
      const call = options.client.upsertItem(
        { tenantId: TENANT, storeCode: STORE, itemCode, requestId, expectedVersion: 0, item: itemFields({ description: requestId }) },
        new Metadata(),
        deadline(),
        (error, response) => {
          if (error) reject(error);
          // The token arrives in the trailers, which come before the callback.
          else resolve({ version: response.item?.version ?? 0, ...(token === undefined ? {} : { token }) });
        },
      );
      call.on('status', (s: StatusObject) => {
        const value = s.metadata.get(READ_AFTER_KEY)[0];
        token = value === undefined ? undefined : String(value);
      });
    });
  return {
    keys,
    async create() {
      for (const key of keys) await upsert(key, `soak.create.${key}.${String(Date.now())}`);
    },
    write: (key, writeId) => upsert(key, writeId),
    read: (key, token) =>
      new Promise((resolve, reject) => {
        const metadata = new Metadata();
        if (token !== undefined) metadata.set(READ_AFTER_KEY, token);
        options.client.getItemDetail({ tenantId: TENANT, storeCode: STORE, itemCode: key }, metadata, deadline(), (error, item) =>
          error ? reject(error) : resolve({ version: item.version }),
        );
      }),
    outcomeOf: itemWriteOutcome,
    // Two callers writing one item at once: the service's answer with or without a fault.
    refusedByDesign: (error) => (error as Partial<ServiceError>).code === Status.ABORTED,
    inspect: () => inspectItems(options.adminUrl(), keys),
  };
}

/** The items and every applied request id with the version it made, by plain SQL on the writer. */
async function inspectItems(url: string, keys: readonly string[]): Promise<SoakState> {
  const client = new pg.Client({ connectionString: url, application_name: 'soak-checker' });
  await client.connect();
  try {
    const items = await client.query<{ item_code: string; version: number }>(
      'SELECT item_code, version FROM item WHERE tenant_id = $1 AND store_code = $2 AND item_code = ANY($3)',
      [TENANT, STORE, keys],
    );
    const writes = await client.query<{ item_code: string; request_id: string; version: number }>(
      `SELECT i.item_code, u.request_id, (u.response->'item'->>'version')::int AS version
         FROM upsert_request u JOIN item i ON i.id = u.item_id
        WHERE u.tenant_id = $1 AND i.store_code = $2 AND i.item_code = ANY($3)`,
      [TENANT, STORE, keys],
    );
    const state = new Map<string, { version: number; writes: Map<string, number> }>();
    for (const row of items.rows) state.set(row.item_code, { version: row.version, writes: new Map() });
    for (const row of writes.rows) state.get(row.item_code)?.writes.set(row.request_id, row.version);
    return state;
  } finally {
    await client.end();
  }
}
