// `npm run bench:storm`: what a storm of hostile input leaves in memory. Each server gets three
// storms in a row from another process (bench/storm/stormClient.ts: 1 MB strings, 200,000-element
// batches, 200 calls at once); its RSS is read before, and 3 s after each storm. Side by side: the
// service as it is, the service with 1 MiB messages allowed (as before), and bare grpc-js.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PostgresCluster } from '@pos-masterdata/failover-testkit';
import { sleep } from '../harness/runLoad.ts';
import { migrateDatabase } from '../src/ops/migrate/migrateDatabase.ts';
import { seedDemoData } from '../src/ops/seedDemoData.ts';
import { ServiceProcess } from './overload/ServiceProcess.ts';
import { table } from './stats.ts';

const run = promisify(execFile);
const CALLS = Number(process.env.STORM_CALLS ?? 3_000);
/** `STORM_ROWS=service` measures the service as it is only (the other rows take long at 3,000 calls). */
const ROWS = process.env.STORM_ROWS ?? 'all';
const STORMS = 3;

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'))?.[1] ?? 0) / 1024;

async function storm(target: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['bench/storm/stormClient.ts', target, String(CALLS), '200'], {
    maxBuffer: 1 << 20,
    timeout: 600_000,
  });
  return stdout.trim();
}

async function measure(name: string, target: string, rss: () => number): Promise<(string | number)[]> {
  await sleep(2_000);
  const before = rss();
  const after: number[] = [];
  let statuses = '';
  for (let i = 0; i < STORMS; i++) {
    statuses = await storm(target);
    await sleep(3_000);
    after.push(rss());
  }
  const peak = Math.max(...after);
  console.error(`${name}: last storm answered ${statuses}`);
  return [name, before.toFixed(0), ...after.map((a) => a.toFixed(0)), (peak / before).toFixed(2), peak <= before * 1.5 + 50 ? 'yes' : 'no'];
}

async function bare(): Promise<{ target: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ['bench/throughput/bareServer.ts'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const target = await new Promise<string>((resolve) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+) /.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
  });
  return { target, proc };
}

await using pg = await PostgresCluster.start();
await migrateDatabase(pg.url());
await seedDemoData(pg.url());
const rows: (string | number)[][] = [];
const services = [
  ['service (64 KiB messages)', {}],
  ['service (1 MiB messages, as before)', { GRPC_MAX_RECEIVE_MESSAGE_BYTES: String(1024 * 1024) }],
] as const;
for (const [name, env] of ROWS === 'service' ? services.slice(0, 1) : services) {
  await using service = await ServiceProcess.start({ DATABASE_URL: pg.url(), ITEM_CACHE: 'on', ...env });
  rows.push(await measure(name, service.target, () => service.rssMb()));
}
if (ROWS !== 'service') {
  const b = await bare();
  try {
    rows.push(await measure('bare grpc-js', b.target, () => rssOf(b.proc.pid ?? 0)));
  } finally {
    if (b.proc.pid) process.kill(-b.proc.pid, 'SIGTERM');
  }
}
console.log(`${String(STORMS)} storms of ${String(CALLS)} hostile calls, 200 at once; RSS in MB`);
console.log(
  table(
    ['server', 'before', ...Array.from({ length: STORMS }, (_, i) => `after ${String(i + 1)}`), 'peak/before', 'within 1.5x + 50 MB'],
    rows,
  ),
);
