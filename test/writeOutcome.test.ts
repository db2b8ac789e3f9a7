import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness/startTestServer.ts';
import { TestDatabase } from '../harness/TestDatabase.ts';
import type { StormRecord } from '../harness/writeStorm.ts';

// Writes with deadlines and cancellations spread across 1-60 ms, from another process, against
// real PostgreSQL: is any caller told "failed" for a write that committed? Once with the layer,
// once with resilience off (a plain $transaction under the same chain), printed side by side.

const run = promisify(execFile);
const CALLS = 400;
const FIXED_SEED = 20261203;
const randomSeed = Math.floor(Math.random() * 2 ** 31);

interface Verdict {
  readonly records: StormRecord[];
  /** Calls the server answered DEADLINE_EXCEEDED or CANCELLED whose write is in the database. */
  readonly failedButCommitted: StormRecord[];
  /** Calls answered OK whose write is missing. */
  readonly okButMissing: StormRecord[];
  /** Calls the client gave up on (its own deadline or cancel) whose write landed, and the audit's word on them. */
  readonly gaveUpCommitted: { record: StormRecord; audit: string | undefined }[];
  /** Audit lines whose data outcome disagrees with the database. */
  readonly auditWrong: string[];
  readonly answered: Record<string, number>;
}

async function storm(t: TestServer, db: TestDatabase, seed: number, prefix: string): Promise<Verdict> {
  const { stdout } = await run(process.execPath, ['harness/writeStorm.ts', t.address, String(CALLS), '8', String(seed), prefix], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  const records = stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as StormRecord);
  // Writes answered while committing settle a moment later: their second audit line says how.
  await new Promise((r) => setTimeout(r, 1_500));
  const rows = await db.query<{ request_id: string }>(`SELECT request_id FROM upsert_request WHERE request_id LIKE $1`, [`${prefix}-%`]);
  const stored = new Set(rows.map((r) => r.request_id));
  // The rows themselves agree with their idempotency records.
  const items = await db.query<{ item_code: string }>(`SELECT item_code FROM item WHERE item_code LIKE $1`, [`${prefix}-%`]);
  const storesRows = await db.query<{ store_code: string }>(`SELECT store_code FROM store WHERE store_code LIKE $1`, [`${prefix}-%`]);
  const keys = new Set([...items.map((r) => r.item_code), ...storesRows.map((r) => r.store_code)]);
  for (const r of records) expect(keys.has(r.key), `${r.key}: row and idempotency record agree`).toBe(stored.has(r.requestId));

  const audit = new Map<string, string>();
  for (const line of t.logs) {
    if (line.event !== 'audit' || typeof line.requestId !== 'string' || !line.requestId.startsWith(prefix)) continue;
    // The resolved line, when there is one, comes last and is the final word.
    audit.set(line.requestId, String(line.data));
  }
  const failed = new Set<Status>([Status.DEADLINE_EXCEEDED, Status.CANCELLED]);
  const answered: Record<string, number> = {};
  for (const r of records) {
    const k = `${Status[r.code]}${r.local ? ' (client)' : ''}`;
    answered[k] = (answered[k] ?? 0) + 1;
  }
  const auditWrong: string[] = [];
  for (const r of records) {
    const data = audit.get(r.requestId);
    if (data === undefined) continue; // the server never saw the call (cancelled before it arrived)
    if ((data === 'committed') !== stored.has(r.requestId))
      auditWrong.push(`${r.requestId}: audit ${data}, stored ${stored.has(r.requestId)}`);
  }
  return {
    records,
    failedButCommitted: records.filter((r) => !r.local && failed.has(r.code) && stored.has(r.requestId)),
    okButMissing: records.filter((r) => r.code === Status.OK && !stored.has(r.requestId)),
    gaveUpCommitted: records
      .filter((r) => r.local && stored.has(r.requestId))
      .map((record) => ({ record, audit: audit.get(record.requestId) })),
    auditWrong,
    answered,
  };
}

function print(label: string, v: Verdict): void {
  console.log(
    `${label}: ${v.records.length} calls ${JSON.stringify(v.answered)}; answered DEADLINE_EXCEEDED/CANCELLED by the server but committed: ${v.failedButCommitted.length}; ` +
      `OK but missing: ${v.okButMissing.length}; client gave up, write landed: ${v.gaveUpCommitted.length} ` +
      `(its deadline ${v.gaveUpCommitted.filter((g) => g.record.ends === 'deadline').length}, its cancel ${v.gaveUpCommitted.filter((g) => g.record.ends === 'cancel').length}); audit wrong: ${v.auditWrong.length}`,
  );
}

describe('writes answered at their deadline or cancellation', () => {
  let db: TestDatabase;
  let on: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    db = await TestDatabase.create();
    on = await startTestServer(db.url());
    off = await startTestServer(db.url(), { DB_RESILIENCE: false });
  });
  afterAll(async () => {
    await on?.[Symbol.asyncDispose]();
    await off?.[Symbol.asyncDispose]();
    await db?.[Symbol.asyncDispose]();
  });

  it.each([
    ['fixed', FIXED_SEED],
    ['random', randomSeed],
  ])(
    '%s seed: no caller is told a committed write failed, and the audit says what happened to the data',
    async (_label, seed) => {
      console.log(`write storm seed ${seed} (replay: this test with that seed)`);
      const layer = await storm(on, db, seed, `W${seed}`);
      const plain = await storm(off, db, seed, `X${seed}`);
      print('with the layer      ', layer);
      print('resilience off      ', plain);
      expect(layer.failedButCommitted).toEqual([]);
      expect(layer.okButMissing).toEqual([]);
      expect(layer.auditWrong).toEqual([]);
      // What the client decided itself cannot be told otherwise; the server's record of it must be right.
      for (const { audit } of layer.gaveUpCommitted) expect(audit).toBe('committed');
      // The storm reached the database: some writes committed, some were refused in time.
      expect(layer.records.filter((r) => r.code === Status.OK).length).toBeGreaterThan(0);
      expect(layer.records.filter((r) => !r.local && r.code === Status.DEADLINE_EXCEEDED).length).toBeGreaterThan(0);
    },
    300_000,
  );
});
