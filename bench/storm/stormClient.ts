// Hostile input from a process of its own: calls with 1 MB strings and 200,000-element batches,
// `concurrency` at once, `calls` in all. Prints the statuses it got as JSON.
// Usage: node bench/storm/stormClient.ts <target> <calls> <concurrency>
import { credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { itemFields } from '../../harness/itemFields.ts';
import { ItemServiceClient } from '../../src/generated/proto/masterdata/v1/item_service.ts';

const [target = '', callsArg = '3000', concurrencyArg = '200'] = process.argv.slice(2);
const client = new ItemServiceClient(target, credentials.createInsecure(), {
  'grpc.max_send_message_length': 8 * 1024 * 1024,
  'grpc.max_receive_message_length': 8 * 1024 * 1024,
});
const big = 'x'.repeat(1_000_000);
const codes = Array.from({ length: 200_000 }, (_, i) => `C${i}`);
const statuses: Record<string, number> = {};
let issued = 0;
const total = Number(callsArg);

function once(n: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (error: ServiceError | null) => {
      const name = Status[error ? error.code : Status.OK] ?? 'UNKNOWN';
      statuses[name] = (statuses[name] ?? 0) + 1;
      resolve();
    };
    const options = { deadline: new Date(Date.now() + 10_000) };
    if (n % 3 === 0) client.getItemDetail({ tenantId: 'demo', storeCode: 'S001', itemCode: big }, new Metadata(), options, done);
    else if (n % 3 === 1)
      client.batchGetItemDetails({ tenantId: 'demo', storeCode: 'S001', itemCodes: codes }, new Metadata(), options, done);
    else
      client.upsertItem(
        {
          tenantId: 'demo',
          storeCode: 'S001',
          itemCode: 'STORM',
          requestId: `storm-${n}-xxxxxx`,
          expectedVersion: 0,
          item: itemFields({ description: big }),
        },
        new Metadata(),
        options,
        done,
      );
  });
}

async function worker(): Promise<void> {
  while (issued < total) {
    issued += 1;
    await once(issued);
  }
}

await Promise.all(Array.from({ length: Number(concurrencyArg) }, () => worker()));
client.close();
console.log(JSON.stringify(statuses));
