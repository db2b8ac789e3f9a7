// npm run drill — a failover drill with steady gRPC load and an incident in the middle. Prints a
// table and writes reports/drill.html and reports/drill.svg.
//   --topology single (default): PostgreSQL primary/replica in containers behind one endpoint
//     (needs Docker); the resilient service and the naive one (resilience layer off) side by side.
//     Incidents: swap, demote, killBackends, blackholeSwap, restart.
//   --topology patroni: a 3-node Patroni cluster (needs Debian's patroni and etcd-server); the
//     service given one host (the leader at start, as a DNS name nobody moves) and the service
//     given all three (multi-host URL, replica reads) side by side.
//     Incidents: switchover, killLeader, blackholeLeader, killReplica.
//   npm run drill -- --topology patroni --seconds 20 --incident-at 8 --concurrency 8 --write-every 4 --deadline 3000 --incident switchover
import { FAILOVER_IMAGE } from '../harness/failover/failoverImage.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { status as Status } from '@grpc/grpc-js';
import { fmt, table } from '../bench/stats.ts';
import { dockerAvailable } from '@pos-masterdata/failover-testkit';
import { loadConfig } from '../src/config/config.ts';
import { FailoverCluster } from '@pos-masterdata/failover-testkit';
import { patroniAvailable } from '@pos-masterdata/failover-testkit';
import { PatroniCluster } from '@pos-masterdata/failover-testkit';
import type { CallRecord } from '../harness/runLoad.ts';
import { runDrill, type DrillResult, type Incident } from '../harness/failover/runDrill.ts';
import { renderTimelineSvg } from './drill/renderTimeline.ts';
import { summarizeDrill } from './drill/summarizeDrill.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    'incident-at': { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '8' },
    'write-every': { type: 'string', default: '4' },
    deadline: { type: 'string', default: '3000' },
    incident: { type: 'string' },
    topology: { type: 'string', default: 'single' },
  },
});
const patroni = values.topology === 'patroni';
const seconds = Number(values.seconds);
const incidentAt = Number(values['incident-at']);
const deadlineMs = Number(values.deadline);
const incident = values.incident ?? (patroni ? 'switchover' : 'swap');
const PATRONI_INCIDENTS = ['switchover', 'killLeader', 'blackholeLeader', 'killReplica'] as const;
const SINGLE_INCIDENTS: readonly Incident[] = ['swap', 'demote', 'killBackends', 'blackholeSwap', 'restart'];
if (!(patroni ? (PATRONI_INCIDENTS as readonly string[]) : SINGLE_INCIDENTS).includes(incident)) {
  console.error(`--incident must be one of ${(patroni ? PATRONI_INCIDENTS : SINGLE_INCIDENTS).join(', ')}`);
  process.exit(2);
}
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

if (patroni && !(await patroniAvailable())) {
  console.error("The Patroni drill needs Debian's patroni and etcd-server packages: apt-get install patroni etcd-server");
  process.exit(2);
}
if (!patroni && !(await dockerAvailable())) {
  console.error('The drill needs a Docker engine: run `bash scripts/docker/ensureDocker.sh` (as root) first.');
  process.exit(2);
}

function progress(label: string): (records: readonly CallRecord[]) => void {
  return (records) => {
    const errors = records.filter((r) => r.code !== Status.OK).length;
    const line = `${label}: ${((records.at(-1)?.start ?? 0) / 1000) | 0}s / ${seconds}s  calls ${records.length}  errors ${errors}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(70)}`);
  };
}

const load = () => ({
  concurrency: Number(values.concurrency),
  writeEvery: Number(values['write-every']),
  deadlineMs,
  beforeMs: incidentAt * 1000,
  afterMs: (seconds - incidentAt) * 1000,
});
const results: [string, DrillResult][] = [];
if (patroni) {
  for (const label of ['single endpoint', 'multi-host'] as const) {
    console.error(`\n${label}: starting etcd and three Patroni nodes…`);
    await using cluster = await PatroniCluster.start();
    // One host: the leader when the drill starts, as a DNS name or an address nobody moves would give.
    const single = await cluster.leaderUrl();
    const target = label === 'multi-host' ? cluster : { url: () => single, origin: cluster.origin, events: cluster.events };
    const reads = label === 'multi-host' ? loadConfig({ DATABASE_READ_URL: cluster.readUrl() }).DATABASE_READ_URL : undefined;
    const r = await runDrill(target, () => cluster[incident as (typeof PATRONI_INCIDENTS)[number]](), {
      resilient: true,
      ...load(),
      onProgress: progress(label),
      server: reads ? { DATABASE_READ_URL: reads } : {},
    });
    results.push([`${label}, ${incident}`, r]);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
} else {
  for (const [label, resilient] of [
    ['resilient', true],
    ['naive', false],
  ] as const) {
    console.error(`\n${label}: starting a primary and a synchronous replica…`);
    await using cluster = await FailoverCluster.builder().withImage(FAILOVER_IMAGE).start();
    const r = await runDrill(cluster, () => cluster[incident as Incident](), { resilient, ...load(), onProgress: progress(label) });
    results.push([`${label} service, ${incident}`, r]);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

const s = results.map(([, r]) => summarizeDrill(r));
const col = (f: (x: ReturnType<typeof summarizeDrill>) => string | number) => s.map(f);
const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : 'never (still failing at the end)');
const rows: (string | number)[][] = [
  ['requests', ...col((x) => x.requests)],
  [
    'errors by status',
    ...col(
      (x) =>
        Object.entries(x.errorsByStatus)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none',
    ),
  ],
  ['p50 / p99 before (ms)', ...col((x) => `${fmt(x.before.p50)} / ${fmt(x.before.p99)}`)],
  ['p50 / p99 during (ms)', ...col((x) => `${fmt(x.during.p50)} / ${fmt(x.during.p99)}`)],
  ['p50 / p99 after (ms)', ...col((x) => `${fmt(x.after.p50)} / ${fmt(x.after.p99)}`)],
  ['errors stopped after', ...col((x) => ms(x.errorsStoppedAfterMs))],
  ['first write after new primary', ...col((x) => ms(x.firstWriteAfterRecoveryMs))],
  ['pool rebuilds', ...col((x) => x.rebuilds)],
  ['lost / duplicated writes', ...col((x) => `${x.lostWrites} / ${x.duplicatedWrites}`)],
];
const columns = patroni ? ['', "single endpoint (leader's host)", 'multi-host (3 hosts)'] : ['', 'resilient', 'naive'];
const heading = `Failover drill, ${patroni ? 'Patroni cluster' : 'one endpoint'} (${incident} at ${incidentAt} s of ${seconds} s, ${values.concurrency} concurrent callers, 1 write in ${values['write-every']}, ${deadlineMs} ms deadlines); node ${process.version}, ${new Date().toISOString()}`;
const text = `${heading}\n\n${table(columns, rows)}`;
console.log(`\n${text}`);

mkdirSync('reports', { recursive: true });
const svg = renderTimelineSvg(results, deadlineMs);
writeFileSync('reports/drill.svg', svg);
writeFileSync(
  'reports/drill.html',
  `<!doctype html><meta charset="utf-8"><title>Failover drill</title><body style="font-family:sans-serif;max-width:960px">\n<h1>Failover drill</h1>\n<pre>${text.replace(/</g, '&lt;')}</pre>\n${svg}</body>\n`,
);
console.log('\nwrote reports/drill.html and reports/drill.svg');
